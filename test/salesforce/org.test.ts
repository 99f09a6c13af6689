// The job against a loopback org: the real jsforce client and the real CLI over HTTP, never a stubbed function.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startEmulator, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom, JOB_USER } from '../emulator/fixtures';
import { bulkQuery } from '../../scripts/salesforce/bulk';
import type { SfConnection } from '../../scripts/salesforce/connection';
import { writeRecommendations } from '../../scripts/salesforce/writes';
import { PartialWriteError } from '../../scripts/errors';
import { demoOrgSpec, generateOrg } from '../../scripts/synthetic/generator';
import { cli } from './helpers/cli';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];


let emu: Emulator;
let demo: { code: number; stdout: string };
let firstResult: any;
const demoOrg = generateOrg(demoOrgSpec());
const out = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-')), 'out');
const envFor = (e: Emulator) => ({
    SF_ACCESS_TOKEN: e.token,
    SF_INSTANCE_URL: e.url,
    SF_API_VERSION: '62.0',
    SF_BULK_POLL_MS: '10',
    SF_RETRY_BASE_MS: '5'
});

before(async () => {
    emu = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 1000, user: JOB_USER });
    demo = await cli(['--demo', '--json', '--out', out()], {});
});
after(() => emu.close());

test('an org run reads every lead through multi-page Bulk results and recommends what the demo does', async () => {
    const r = await cli(['--json', '--as-of', '2026-10-31', '--out', out()], envFor(emu));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = JSON.parse(r.stdout).result;
    firstResult = res;
    const expected = JSON.parse(demo.stdout).result;
    assert.equal(res.source.kind, 'org');
    assert.equal(res.read.leads, emu.org.sobjects.Lead.length);
    assert.equal(res.read.opportunities, emu.org.sobjects.Opportunity.length);
    const pages = emu.requests.filter((q) => /\/jobs\/query\/\w+\/results/.test(q.path)).length;
    assert.ok(pages >= 14 + 3 + 30, `results pages fetched: ${pages}`);
    assert.deepEqual(
        res.segments.map((s: any) => [s.name, s.recommendation.threshold, s.recommendation.reason]),
        expected.segments.map((s: any) => [s.name, s.recommendation.threshold, s.recommendation.reason])
    );
    assert.ok(res.read.scoreSources.History > 0, 'scores rebuilt from LeadHistory');
});

test('the org run wrote only the recommendation fields, kept the active thresholds, and stamped only unstamped leads', () => {
    const upserts = emu.writes.filter((w) => w.path === 'upsertMetadata');
    assert.equal(upserts.length, 1);
    // Active thresholds are sent back exactly as read (a CustomMetadata upsert replaces the record), never changed.
    assert.equal(emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Active_Threshold__c, '50');
    assert.equal(emu.org.metadata.get('MQL_Threshold.Enterprise_Inbound')!.values.Active_Threshold__c, '60');
    assert.equal(emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Recommended_Threshold__c, '65');
    assert.equal(
        emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Recommendation_Status__c,
        'Pending review'
    );
    // Admin-owned fields survive.
    assert.match(
        emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Review_Conditions__c!,
        /^Quarterly/
    );
    assert.match(emu.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Override_1__c!, /^Demo request:/);
    const runs = emu.org.sobjects.MQL_Calibration_Run__c;
    assert.equal(runs.length, 4);
    assert.ok(runs.every((r) => r.Is_Latest__c === true));
    assert.ok(JSON.parse(String(runs[0].Fine_Bands_JSON__c)).length > 50);
    const leadPatches = emu.writes
        .filter((w) => w.method === 'PATCH')
        .flatMap((w) => JSON.parse(w.body).records)
        .filter((r: any) => r.attributes.type === 'Lead');
    assert.ok(leadPatches.length > 0);
    // Two kinds of lead write, each with its own fields and nothing else: the score stamp and the pilot group.
    const scoreStamps = leadPatches.filter((p: any) => !('MQL_Pilot_Group__c' in p));
    const groupStamps = leadPatches.filter((p: any) => 'MQL_Pilot_Group__c' in p);
    assert.ok(scoreStamps.length > 0 && groupStamps.length > 0);
    for (const p of scoreStamps)
        assert.deepEqual(Object.keys(p).sort(), [
            'Handoff_Score_Source__c',
            'Id',
            'Score_At_Handoff__c',
            'attributes'
        ]);
    for (const p of groupStamps)
        assert.deepEqual(Object.keys(p).sort(), ['Id', 'MQL_Pilot_Group__c', 'attributes']);
});

test("the demo's pilot (SMB_Inbound, LeadSource Webinar / Paid Search since 2026-09-26) puts exactly its leads in groups", () => {
    const segmentOf = new Map(demoOrg.leads.map((l) => [l.id, l]));
    const expected = new Map<string, string>();
    for (const l of demoOrg.leads) {
        const entered = l.handoffDate ?? l.createdDate;
        if (l.segment !== 'SMB_Inbound' || !entered || entered.slice(0, 10) < '2026-09-26') continue;
        // A converted lead is counted in its group but cannot be updated in an org, so it is not stamped.
        if (l.qualified) continue;
        expected.set(l.id, ['Webinar', 'Paid Search'].includes(l.leadSource ?? '') ? 'Test' : 'Control');
    }
    const stamped = new Map(
        emu.org.sobjects.Lead.filter((r) => r.MQL_Pilot_Group__c).map((r) => [
            String(r.Id),
            r.MQL_Pilot_Group__c
        ])
    );
    assert.ok(expected.size > 100, `pilot leads ${expected.size}`);
    assert.deepEqual(stamped, expected);
    assert.ok([...stamped.keys()].every((id) => segmentOf.get(id)?.segment === 'SMB_Inbound'));
    const pilot = firstResult.pilots[0];
    assert.equal(pilot.config.segment, 'SMB_Inbound');
    assert.equal(pilot.test.mqls + pilot.control.mqls > 0, true);
    assert.match(pilot.comparison.verdict, /^Not yet conclusive: 5 of 6 weeks run/);
});

test('rerunning is harmless: nothing re-stamped, the same run record per segment, thresholds unchanged', async () => {
    const writesBefore = emu.writes.length;
    const r = await cli(['--json', '--as-of', '2026-10-31', '--out', out()], envFor(emu));
    assert.equal(r.code, 0, r.stdout);
    const newWrites = emu.writes.slice(writesBefore);
    assert.equal(
        newWrites.filter((w) => w.path === 'upsertMetadata').length,
        0,
        'unchanged recommendations are not re-upserted'
    );
    const leadPatches = newWrites
        .filter((w) => w.method === 'PATCH')
        .flatMap((w) => JSON.parse(w.body).records)
        .filter((x: any) => x.attributes.type === 'Lead');
    assert.equal(leadPatches.length, 0);
    const runs = emu.org.sobjects.MQL_Calibration_Run__c;
    assert.equal(runs.length, 4, 'upserted on segment and as-of date, not added');
    assert.equal(runs.filter((x) => x.Is_Latest__c === true).length, 4);
});

test('--dry-run reads and computes but writes nothing', async () => {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 5000, user: JOB_USER });
    try {
        const r = await cli(['--json', '--dry-run', '--out', out()], envFor(e));
        assert.equal(r.code, 0, r.stdout);
        assert.match(JSON.parse(r.stdout).result.writes.summary, /^Dry run: nothing written/);
        assert.deepEqual(e.writes, []);
    } finally {
        await e.close();
    }
});

test('a metadata partial failure is reported with the record that failed, the write log goes in the report, the other writes still land, and the run exits non-zero', async () => {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 5000, user: JOB_USER });
    e.faults.push({ kind: 'METADATA_PARTIAL', fullName: 'MQL_Threshold.Enterprise_Inbound' });
    try {
        const dir = out();
        const r = await cli(['--out', dir], envFor(e));
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /^Error: org writes stopped at recommendations: 3 of 4 landed, 1 failed \(MQL_Threshold\.Enterprise_Inbound: Emulated failure/
        );
        assert.equal(r.stderr.trim().split('\n').length, 1);
        assert.match(
            readFileSync(path.join(dir, 'report.md'), 'utf8'),
            /MQL_Threshold\.Enterprise_Inbound: Emulated failure/
        );
        // One refused record does not keep the evidence from the dashboard: every segment's run record lands.
        assert.equal(e.org.sobjects.MQL_Calibration_Run__c.length, 4);
        // The other segment's record was written; Enterprise_Inbound kept what it had.
        assert.equal(e.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Recommended_Threshold__c, '65');
        assert.equal(
            e.org.metadata.get('MQL_Threshold.Enterprise_Inbound')!.values.Recommended_Threshold__c,
            undefined
        );
    } finally {
        await e.close();
    }
});

test('API faults that outlast the retries end in a clear one-line error, and nothing is written', async () => {
    for (const [kind, expected] of [
        ['REQUEST_LIMIT_EXCEEDED', /REQUEST_LIMIT_EXCEEDED|TotalRequests Limit exceeded/],
        ['QUERY_TIMEOUT', /QUERY_TIMEOUT|running for too long/]
    ] as const) {
        const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 5000, user: JOB_USER });
        e.faults.push({ kind, match: /\/jobs\/query$/, times: 10 });
        try {
            const r = await cli(['--out', out()], envFor(e));
            assert.equal(r.code, 1, kind);
            assert.match(r.stderr, expected);
            assert.equal(r.stderr.trim().split('\n').length, 1);
            assert.deepEqual(e.writes, []);
        } finally {
            await e.close();
        }
    }
});

function conn(e: Emulator, refresh = true): SfConnection {
    return new Connection({
        instanceUrl: e.url,
        accessToken: e.token,
        version: '62.0',
        ...(refresh
            ? {
                  refreshFn: (_c: unknown, cb: (err: Error | null, token?: string) => void) =>
                      cb(null, e.token)
              }
            : {})
    }) as unknown as SfConnection;
}

async function count(c: SfConnection, soql: string): Promise<{ n: number; ids: Set<string> }> {
    const ids = new Set<string>();
    let n = 0;
    for await (const row of bulkQuery(c, soql, { pollIntervalMs: 5 })) {
        n++;
        ids.add(row.Id);
    }
    return { n, ids };
}

test('an expired session is refreshed and the Bulk read completes, on job calls and on results pages', async () => {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 700, user: JOB_USER });
    try {
        const c = conn(e);
        e.faults.push(
            { kind: 'INVALID_SESSION_ID', match: /\/jobs\/query$/ },
            { kind: 'INVALID_SESSION_ID', match: /results/ }
        );
        const { n, ids } = await count(c, 'SELECT Id, Status FROM Lead');
        assert.equal(n, e.org.sobjects.Lead.length);
        assert.equal(ids.size, n);
        assert.equal(e.faults.length, 0);
    } finally {
        await e.close();
    }
});

test('a 503 and a connection cut mid-page are retried without losing or repeating a row', async () => {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 1000, user: JOB_USER });
    try {
        e.faults.push({ kind: '503', match: /\/jobs\/query\/\w+$/ }, { kind: 'CUT', match: /results/ });
        const { n, ids } = await count(conn(e), 'SELECT Id FROM Lead');
        assert.equal(n, e.org.sobjects.Lead.length);
        assert.equal(ids.size, n, 'no row twice');
        assert.equal(e.faults.length, 0, 'both faults were hit');
    } finally {
        await e.close();
    }
});

test('writeRecommendations raises a PartialWriteError naming each failed record', async () => {
    const e = await startEmulator(emulatedOrgFrom());
    try {
        e.faults.push({ kind: 'METADATA_PARTIAL', fullName: 'MQL_Threshold.SMB_Inbound' });
        const seg = JSON.parse(demo.stdout).result.segments;
        await assert.rejects(writeRecommendations(conn(e), seg, '2026-11-01T00:00:00Z'), (err: Error) => {
            assert.ok(err instanceof PartialWriteError);
            assert.deepEqual(
                err.failures.map((f) => f.fullName),
                ['MQL_Threshold.SMB_Inbound']
            );
            return true;
        });
    } finally {
        await e.close();
    }
});

test('an org alias the sf CLI has not authorised ends with one line naming it', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lsc-home-'));
    const r = await cli(['--target-org', 'no-such-org', '--out', out()], {
        HOME: home,
        SF_ACCESS_TOKEN: '',
        SF_INSTANCE_URL: ''
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: --target-org no-such-org: not an org the sf CLI has authorised/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
});
