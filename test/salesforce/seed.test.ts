import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from 'jsforce';
import { startEmulator } from '../emulator/emulator';
import { readSeedRecords, seed, withScoreField } from '../../scripts/seed';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

test('seeding a scratch org with --score-field points the Default setting at the scratch score field and changes nothing else', async () => {
    const emu = await startEmulator({ sobjects: {}, schema: {}, metadata: new Map() });
    try {
        const conn = new Connection({ instanceUrl: emu.url, accessToken: emu.token, version: '62.0' }) as unknown as SfConnection;
        const records = withScoreField(readSeedRecords(), 'Lead_Score__c');
        await seed(conn, records, false);
        const setting = emu.org.metadata.get('MQL_Calibration_Setting.Default')!.values;
        assert.equal(setting.Score_Field__c, 'Lead_Score__c');
        assert.equal(setting.Lookback_Months__c, '18');
        assert.equal(emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Score_Field__c, undefined);
    } finally {
        await emu.close();
    }
});

test('a --score-field that is not a field API name ends with a one-line error naming the flag, before any connection', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'seed.ts'), '--score-field', 'Lead Score', '--target-org', 'nobody'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), 'Error: --score-field: "Lead Score" is not a field API name (e.g. Lead_Score__c or pi__score__c)');
});
