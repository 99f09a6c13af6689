// The approval lifecycle across simulated nightly runs of the real job against the loopback org.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom, JOB_USER } from '../emulator/fixtures';
import { runScript } from '../helpers/scripts';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

/** One night's run; each night has its own as-of date (a rerun for the same date replaces that night's records). */
async function nightly(e: Emulator, asOf: string): Promise<any> {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-gov-')), 'out');
    const r = await runScript('calibrate.ts', ['--json', '--as-of', asOf, '--no-stamp', '--out', out], {
        SF_ACCESS_TOKEN: e.token,
        SF_INSTANCE_URL: e.url,
        SF_BULK_POLL_MS: '10'
    });
    if (r.code !== 0) throw new Error(r.stdout);
    return JSON.parse(r.stdout).result;
}

const seg = (r: any, name: string) => r.segments.find((s: any) => s.name === name);
const latestRun = (e: Emulator, name: string) =>
    e.org.sobjects.MQL_Calibration_Run__c.find((r) => r.Segment__c === name && r.Is_Latest__c === true)!;

test('propose → approve → freeze → review trigger → propose again; propose → reject → no re-proposal', async () => {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 5000, user: JOB_USER });
    try {
        // Night 1: the job proposes.
        const r1 = await nightly(e, '2026-10-31');
        assert.equal(seg(r1, 'SMB_Inbound').recommendation.threshold, 65);
        assert.equal(seg(r1, 'Enterprise_Inbound').recommendation.threshold, 49);
        const smb = () => e.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values;
        const ent = () => e.org.metadata.get('MQL_Threshold.Enterprise_Inbound')!.values;
        assert.equal(smb().Recommendation_Status__c, 'Pending review');

        // An admin approves SMB (sets the active threshold and the status in Setup) and rejects Enterprise.
        Object.assign(smb(), { Active_Threshold__c: '65', Recommendation_Status__c: 'Approved' });
        Object.assign(ent(), { Recommendation_Status__c: 'Rejected' });

        // Night 2: the change is recorded, SMB is frozen for a quarter, Enterprise's rejected value is not re-proposed.
        const r2 = await nightly(e, '2026-11-01');
        assert.match(r2.writes.summary, /Approved changes recorded: SMB_Inbound 50 → 65\./);
        assert.equal(latestRun(e, 'SMB_Inbound').Threshold_Change__c, '50 → 65');
        assert.equal(latestRun(e, 'SMB_Inbound').Frozen_Until__c, '2027-01-31');
        assert.equal(smb().Frozen_Until__c, '2027-01-31');
        assert.equal(smb().Active_Threshold__c, '65', 'the job never writes the active threshold');
        assert.equal(smb().Recommendation_Status__c, 'Approved');
        assert.equal(
            seg(r2, 'SMB_Inbound').recommendation.reason,
            'frozen',
            JSON.stringify([seg(r2, 'SMB_Inbound').triggers, seg(r2, 'SMB_Inbound').recommendation.rationale])
        );
        assert.equal(seg(r2, 'SMB_Inbound').recommendation.threshold, null);
        assert.equal(seg(r2, 'Enterprise_Inbound').recommendation.reason, 'rejected-unchanged');
        assert.equal(seg(r2, 'Enterprise_Inbound').recommendation.threshold, null);
        assert.equal(ent().Recommendation_Status__c, 'Rejected', 'the rejection stands');
        assert.equal(ent().Recommended_Threshold__c, '49');

        // Night 2 rerun (same date): judged against night 1 again, so the change stays on record, not duplicated.
        const r2b = await nightly(e, '2026-11-01');
        assert.match(r2b.writes.summary, /Approved changes recorded: SMB_Inbound 50 → 65\./);
        assert.equal(latestRun(e, 'SMB_Inbound').Threshold_Change__c, '50 → 65');
        assert.equal(e.org.sobjects.MQL_Calibration_Run__c.length, 8);

        // Marketing misses its volume target and the threshold is lowered within the quarter: compression.
        Object.assign(smb(), { Active_Threshold__c: '55' });

        // Night 3: the review trigger lifts the freeze and the evidence is proposed again.
        const r3 = await nightly(e, '2026-11-02');
        const s3 = seg(r3, 'SMB_Inbound');
        assert.ok(
            s3.triggers.some((t: any) => t.code === 'THRESHOLD_COMPRESSION'),
            JSON.stringify(s3.triggers)
        );
        assert.equal(s3.recommendation.threshold, 65);
        assert.equal(smb().Recommendation_Status__c, 'Pending review');
        assert.equal(latestRun(e, 'SMB_Inbound').Threshold_Change__c, '65 → 55');
        assert.equal(e.org.sobjects.MQL_Calibration_Run__c.filter((r) => r.Is_Latest__c === true).length, 4);
    } finally {
        await e.close();
    }
});
