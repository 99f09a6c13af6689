import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from 'jsforce';
import { startEmulator } from '../emulator/emulator';
import { readSeedRecords, seed } from '../../scripts/seed';
import type { SfConnection } from '../../scripts/salesforce/connection';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

test('seeding creates the four segments and the Default setting, and refuses to overwrite what exists', async () => {
    const emu = await startEmulator({
        sobjects: {},
        schema: {},
        metadata: new Map([
            ['MQL_Threshold.SMB_Inbound', { label: 'SMB Inbound', values: { Active_Threshold__c: '62' } }]
        ])
    });
    try {
        const conn = new Connection({
            instanceUrl: emu.url,
            accessToken: emu.token,
            version: '62.0'
        }) as unknown as SfConnection;
        const records = readSeedRecords();
        assert.deepEqual(
            records.map((r) => r.fullName),
            [
                'MQL_Calibration_Setting.Default',
                'MQL_Threshold.Enterprise_Inbound',
                'MQL_Threshold.Expansion',
                'MQL_Threshold.Outbound_Assisted',
                'MQL_Threshold.SMB_Inbound'
            ]
        );
        const dry = await seed(conn, records, true);
        assert.deepEqual(dry, { created: [], existing: ['MQL_Threshold.SMB_Inbound'] });
        assert.equal(emu.writes.length, 0);
        const r = await seed(conn, records, false);
        assert.deepEqual(r.existing, ['MQL_Threshold.SMB_Inbound']);
        assert.equal(r.created.length, 4);
        assert.equal(
            emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Active_Threshold__c,
            '62',
            'existing record untouched'
        );
        assert.equal(
            emu.org.metadata.get('MQL_Threshold.Enterprise_Inbound')!.values.Segment_Rule__c,
            'NumberOfEmployees >= 1000'
        );
        assert.equal(
            emu.org.metadata.get('MQL_Calibration_Setting.Default')!.values.Score_Field__c,
            'pi__score__c'
        );
        assert.ok(
            !emu.writes.some((w) => w.body.includes('MQL_Threshold.SMB_Inbound')),
            'no write names the existing record'
        );
        // Running it again creates nothing.
        assert.deepEqual((await seed(conn, records, false)).created, []);
    } finally {
        await emu.close();
    }
});
