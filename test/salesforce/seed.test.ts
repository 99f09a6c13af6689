import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from 'jsforce';
import { startEmulator } from '../emulator/emulator';
import { readSeedRecords, seed, withGradeField, withScoreField } from '../../scripts/seed';
import { NO_ORG_ENV, runScript } from '../helpers/scripts';
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

test('seeding with --grade-field names the fit-grade field on the Default setting, so the A/B gate applies from the first run', async () => {
    const emu = await startEmulator({ sobjects: {}, schema: {}, metadata: new Map() });
    try {
        const conn = new Connection({ instanceUrl: emu.url, accessToken: emu.token, version: '62.0' }) as unknown as SfConnection;
        await seed(conn, withGradeField(readSeedRecords(), 'pi__grade__c'), false);
        const setting = emu.org.metadata.get('MQL_Calibration_Setting.Default')!.values;
        assert.equal(setting.Grade_Field__c, 'pi__grade__c');
        assert.equal(setting.Score_Field__c, 'pi__score__c');
        assert.equal(emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Grade_Field__c, undefined);
    } finally {
        await emu.close();
    }
    // Without the flag the seeded setting names no grade field: not every org has one.
    const plain = readSeedRecords().find((r) => r.fullName === 'MQL_Calibration_Setting.Default')!;
    assert.equal(plain.values.some((v) => v.field === 'Grade_Field__c'), false);
    assert.throws(() => withGradeField(readSeedRecords(), 'pi grade'), /^UsageError: --grade-field: "pi grade" is not a field API name/);
});

test('seed --help prints its usage and exits 0; an unknown flag is a one-line usage error with exit 2', async () => {
    const help = await runScript('seed.ts', ['--help'], NO_ORG_ENV);
    assert.equal(help.code, 0, help.stderr);
    for (const flag of ['--target-org', '--score-field', '--grade-field', '--dry-run', '--help']) assert.ok(help.stdout.includes(flag), flag);
    const bad = await runScript('seed.ts', ['--bogus'], NO_ORG_ENV);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /^Error: Unknown option '--bogus'\. See --help\./);
});
