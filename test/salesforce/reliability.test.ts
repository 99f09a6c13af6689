// The job against a loopback org that misbehaves as real ones do: 503s, request limits, expired sessions and a write
// batch cut off half-way, on every write step; reruns for the same date; years of run history; no LeadHistory;
// fields the job's user cannot see; and local failures that must stop the run before the org is touched. The real
// CLI and the real jsforce client over HTTP throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator, type Row } from '../emulator/emulator';
import { DEMO_ACTIVE, emulatedOrgFrom } from '../emulator/fixtures';
import { Connection } from 'jsforce';
import { bulkQuery } from '../../scripts/salesforce/bulk';
import type { SfConnection } from '../../scripts/salesforce/connection';
import { cli } from './helpers/cli';
import type { WriteStepLog } from '../../scripts/salesforce/writeLog';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];


const open: Emulator[] = [];
after(() => Promise.all(open.map((e) => e.close())));

async function emulator(): Promise<Emulator> {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 5000 });
    open.push(e);
    return e;
}

const out = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-rel-')), 'out');
const envFor = (e: Emulator, extra: Record<string, string> = {}) => ({
    SF_ACCESS_TOKEN: e.token,
    SF_INSTANCE_URL: e.url,
    SF_API_VERSION: '62.0',
    SF_BULK_POLL_MS: '10',
    SF_RETRY_BASE_MS: '5',
    ...extra
});
const run = (e: Emulator, args: string[] = [], extra: Record<string, string> = {}) =>
    cli(['--as-of', '2026-10-31', '--out', out(), ...args], envFor(e, extra));

const runs = (e: Emulator) => e.org.sobjects.MQL_Calibration_Run__c;
const latest = (e: Emulator) => runs(e).filter((r) => r.Is_Latest__c === true);
const stamped = (e: Emulator) =>
    e.org.sobjects.Lead.filter((r) => r.Score_At_Handoff__c != null && r.Score_At_Handoff__c !== '').length;
const COLLECTIONS = /\/composite\/sobjects$/;

type StepLog = WriteStepLog;

test('an --out under a file is refused before the org is written to: nothing written, exit 2, one line', async () => {
    const e = await emulator();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lsc-rel-'));
    writeFileSync(path.join(dir, 'a-file'), 'not a folder\n');
    const r = await cli(['--out', path.join(dir, 'a-file', 'out')], envFor(e));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: --out .*a-file\/out: cannot write there/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(e.writes, [], 'the org was not written to');
});

test('a 503 on the call that clears the previous latest run is retried: one latest run per segment', async () => {
    const e = await emulator();
    assert.equal((await run(e)).code, 0);
    const before = stamped(e);
    e.faults.push({ kind: '503', method: 'PATCH', match: COLLECTIONS });
    const r = await cli(['--as-of', '2026-11-01', '--out', out()], envFor(e));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(e.faults.length, 0, 'the fault was met');
    assert.equal(runs(e).length, 8);
    assert.deepEqual(
        latest(e).map((x) => x.As_Of__c),
        Array(4).fill('2026-11-01')
    );
    assert.equal(stamped(e), before, 'nothing left to stamp on the second run');
});

test('a request-limit error and a 503 on the run records, and a 503 on the metadata upsert, are retried with backoff', async () => {
    const e = await emulator();
    e.faults.push(
        { kind: '503', method: 'POST', match: /\/Soap\/m\//, skip: 1 },
        { kind: 'REQUEST_LIMIT_EXCEEDED', method: 'PATCH', match: /MQL_Calibration_Run__c/ },
        { kind: '503', method: 'PATCH', match: /MQL_Calibration_Run__c/ }
    );
    const r = await run(e, ['--json']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(e.faults.length, 0, 'every fault was met');
    assert.equal(runs(e).length, 4);
    assert.equal(latest(e).length, 4);
    assert.equal(e.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Recommended_Threshold__c, '65');
    const log: StepLog[] = JSON.parse(r.stdout).result.writes.log;
    const step = (name: string) => log.find((s) => s.step === name)!;
    assert.equal(step('metadata').retries, 1);
    assert.equal(step('runRecords').retries, 2);
    assert.equal(step('runRecords').landed, 4);
});

test('a run-record batch cut off mid-way is retried without a duplicate record', async () => {
    const e = await emulator();
    e.faults.push({ kind: 'MID_BATCH', after: 2, match: /MQL_Calibration_Run__c/ });
    const r = await run(e);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(e.faults.length, 0);
    assert.equal(runs(e).length, 4);
    assert.equal(new Set(runs(e).map((x) => x.Segment__c)).size, 4);
});

test('a lead-stamp batch cut off mid-way is retried, and every lead it meant to stamp is stamped', async () => {
    const e = await emulator();
    e.faults.push({ kind: 'MID_BATCH', after: 50, method: 'PATCH', match: COLLECTIONS, skip: 3 });
    const before = stamped(e);
    const r = await run(e, ['--json']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(e.faults.length, 0);
    const res = JSON.parse(r.stdout).result;
    const leads = res.writes.log.find((s: StepLog) => s.step === 'leadStamps');
    assert.equal(leads.landed, leads.planned);
    assert.equal(leads.retries, 1);
    assert.equal(leads.unconfirmed, 0, 'the retry confirmed the batch');
    assert.equal(stamped(e) - before, leads.planned);
});

test('a lasting outage mid-way through the lead stamps exits 1, writes the report with the write log, and says what landed', async () => {
    const e = await emulator();
    e.faults.push({ kind: '503', method: 'PATCH', match: COLLECTIONS, skip: 2, times: 1000 });
    const dir = out();
    const before = stamped(e);
    const r = await cli(['--as-of', '2026-10-31', '--out', dir, '--json'], envFor(e));
    assert.equal(r.code, 1, r.stdout);
    const printed = JSON.parse(r.stdout);
    assert.equal(printed.status, 1);
    assert.equal(printed.name, 'OrgWriteError');
    assert.match(printed.message, /lead stamps: 400 of \d+ landed/);
    // The report is there, with the same write log as stdout.
    const saved = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8'));
    assert.equal(saved.status, 1);
    const log: StepLog[] = saved.result.writes.log;
    assert.deepEqual(log, printed.result.writes.log);
    const step = (name: string) => log.find((s) => s.step === name)!;
    assert.equal(step('metadata').landed, 4, 'a first run writes every segment');
    assert.equal(step('runRecords').landed, 4);
    assert.equal(step('latestFlag').landed, 0);
    const leads = step('leadStamps');
    assert.equal(leads.landed, 400, 'two batches of 200 landed');
    assert.equal(stamped(e) - before, 400, 'and exactly those are in the org');
    assert.equal(leads.refused, 200, 'the batch the org kept refusing');
    assert.equal(leads.notAttempted, leads.planned! - 600);
    assert.match(leads.error!, /503|Service Unavailable/);
    assert.equal(step('pilotGroups').notAttempted, step('pilotGroups').planned);
    assert.ok(step('pilotGroups').planned! > 0);
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /\| Lead stamps \| .* \| 400 \|/);
    assert.match(readFileSync(path.join(dir, 'report.html'), 'utf8'), /Write log/);
    // Once the org is back, the next run finishes the job: the missing stamps and pilot groups, no second set of
    // run records.
    e.faults.length = 0;
    const again = await run(e);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(runs(e).length, 4);
    assert.equal(latest(e).length, 4);
    assert.equal(stamped(e) - before, leads.planned);
});

test('an expired session on the lead stamps with no way to renew it ends with the write log; with a refresh token it completes', async () => {
    const e = await emulator();
    e.faults.push({ kind: 'INVALID_SESSION_ID', method: 'PATCH', match: COLLECTIONS, skip: 1 });
    const dir = out();
    const r = await cli(['--as-of', '2026-10-31', '--out', dir], envFor(e));
    assert.equal(r.code, 1);
    assert.match(
        r.stderr,
        /^Error: org writes stopped at lead stamps: 200 of \d+ landed, .*INVALID_SESSION_ID/
    );
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(existsSync(path.join(dir, 'report.md')));
    const f = await emulator();
    f.faults.push({ kind: 'INVALID_SESSION_ID', method: 'PATCH', match: COLLECTIONS, skip: 1 });
    const ok = await run(f, [], { SF_REFRESH_TOKEN: 'REFRESH-1', SF_CLIENT_ID: 'job' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(f.faults.length, 0);
});

test('a lasting outage on the latest-flag call leaves two latest runs, and the next run repairs that', async () => {
    const e = await emulator();
    assert.equal((await run(e)).code, 0);
    e.faults.push({ kind: '503', method: 'PATCH', match: COLLECTIONS, times: 1000 });
    const r = await cli(['--as-of', '2026-11-01', '--out', out()], envFor(e));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /latest flag: 0 of 4 landed/);
    assert.equal(latest(e).length, 8);
    e.faults.length = 0;
    const again = await cli(['--as-of', '2026-11-01', '--out', out()], envFor(e));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(runs(e).length, 8);
    assert.deepEqual(
        latest(e).map((x) => x.As_Of__c),
        Array(4).fill('2026-11-01')
    );
});

test('rerunning for the same as-of date three times keeps one run record per segment', async () => {
    const e = await emulator();
    for (let i = 0; i < 3; i++) assert.equal((await run(e)).code, 0);
    assert.equal(runs(e).length, 4);
    assert.equal(latest(e).length, 4);
    assert.deepEqual(
        runs(e)
            .map((x) => x.Run_Key__c)
            .sort(),
        [
            'Enterprise_Inbound|2026-10-31',
            'Expansion|2026-10-31',
            'Outbound_Assisted|2026-10-31',
            'SMB_Inbound|2026-10-31'
        ]
    );
});

test('years of run history (11,200 records) are read per segment, newest first, and governance compares with the newest', async () => {
    const e = await emulator();
    const rows: Row[] = [];
    const active = DEMO_ACTIVE;
    for (const seg of Object.keys(active))
        for (let d = 1; d <= 2800; d++) {
            // Several runs a day (reruns under the old behaviour): the newest carries today's active threshold, the
            // older ones a different one, so reading the wrong end would record a threshold change.
            const at = new Date(Date.parse('2026-10-30T23:00:00Z') - d * 3 * 3_600_000).toISOString();
            rows.push({
                Id: `a02${seg.length}${String(rows.length).padStart(12, '0')}`,
                Segment__c: seg,
                Run_At__c: at,
                As_Of__c: at.slice(0, 10),
                Is_Latest__c: d === 1,
                Active_Threshold__c: d <= 3 ? active[seg] : active[seg] - 5
            });
        }
    e.org.sobjects.MQL_Calibration_Run__c = rows;
    const r = await run(e, ['--json']);
    assert.equal(r.code, 0, r.stdout);
    const res = JSON.parse(r.stdout).result;
    assert.deepEqual(
        res.governance.map((g: { change: unknown }) => g.change),
        [null, null, null, null],
        'no threshold change: the newest runs read the same active thresholds'
    );
    const historyQueries = e.requests.filter((q) =>
        /Recommendation_JSON__c.*MQL_Calibration_Run__c/.test(decodeURIComponent(q.path))
    );
    assert.ok(
        historyQueries.every((q) => /LIMIT/.test(decodeURIComponent(q.path))),
        'every history read is bounded'
    );
});

test('an org without LeadHistory falls back to the current score, counted, instead of failing', async () => {
    const e = await emulator();
    delete e.org.schema.LeadHistory;
    delete e.org.sobjects.LeadHistory;
    const r = await run(e, ['--json', '--dry-run']);
    assert.equal(r.code, 0, r.stdout);
    const res = JSON.parse(r.stdout).result;
    assert.equal(res.read.scoreSources.History, 0);
    assert.ok(
        res.read.scoreSources.Current > 1000,
        `current-score fallbacks: ${res.read.scoreSources.Current}`
    );
    assert.equal(res.read.historyRows, 0);
});

test('a Score_At_Handoff__c the job cannot read stops the run before any read of leads or any write, naming the field', async () => {
    const e = await emulator();
    e.org.schema.Lead = e.org.schema.Lead.filter((f) => f !== 'Score_At_Handoff__c');
    const r = await run(e);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Error: Lead\.Score_At_Handoff__c: .*cannot read/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(e.writes, []);
    assert.equal(
        e.requests.filter((q) => /\/jobs\/query/.test(q.path)).length,
        0,
        'no Bulk query was started'
    );
});

test('SF_ACCESS_TOKEN without SF_INSTANCE_URL (or the reverse) is a usage error, not a demo run', async () => {
    for (const env of [
        { SF_ACCESS_TOKEN: 'TOKEN-1', SF_INSTANCE_URL: '' },
        { SF_ACCESS_TOKEN: '', SF_INSTANCE_URL: 'https://acme.my.salesforce.com' }
    ]) {
        const dir = out();
        const r = await cli(['--out', dir], env);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^Error: SF_ACCESS_TOKEN and SF_INSTANCE_URL must both be set/);
        assert.equal(existsSync(dir), false);
    }
});

test('a 503 on a Bulk results page, twice in a row, is retried and every row arrives once', async () => {
    const e = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 1000 });
    open.push(e);
    e.faults.push({ kind: '503', match: /results/, skip: 2, times: 2 });
    const conn = new Connection({
        instanceUrl: e.url,
        accessToken: e.token,
        version: '62.0'
    }) as unknown as SfConnection;
    const ids = new Set<string>();
    let n = 0;
    for await (const row of bulkQuery(conn, 'SELECT Id FROM Lead', { pollIntervalMs: 5 })) {
        n++;
        ids.add(row.Id);
    }
    assert.equal(e.faults.length, 0, 'both 503s were met');
    assert.equal(n, e.org.sobjects.Lead.length);
    assert.equal(ids.size, n);
});
