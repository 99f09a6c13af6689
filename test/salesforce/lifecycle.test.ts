// The whole life on the strict loopback org, as a real admin would walk it: the metadata passes the deploy-time
// checks; the admin seeds the default records and sets the starting thresholds; the job runs nightly as a user
// holding only the job's permission set and writes recommendations, run records and stamps; the admin approves;
// the next night records the change, freezes the segment and re-stamps nothing; the dashboard's queries ask only
// for what the viewer set may read. Admin, job and viewer are sessions of their own over one org's data.
//
// The dashboard's live read of MQL_Threshold__mdt is the last stage here; handoffs rebuilt from Status history and
// stamped, as the job set, are walked in newInstall.test.ts; the flows' XML is held by the offline checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, cpSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatedOrg, type Emulator, type Row } from '../emulator/emulator';
import { DEMO_ACTIVE, emulatedOrgFrom, JOB_USER, VIEWER_USER } from '../emulator/fixtures';
import { unreadableFields, type EmulatedUser } from '../emulator/orgRules';
import { readSeedRecords, seed } from '../../scripts/seed';
import type { SfConnection } from '../../scripts/salesforce/connection';
import { checkXml } from '../../scripts/tools/checks/xml';
import { checkReferences } from '../../scripts/tools/checks/references';
import type { JobResult } from '../../scripts/report/report';
import { runScript } from '../helpers/scripts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AS_OF = '2026-10-31';
for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

/** The org and one session per person; all sessions read and write the same data. */
interface Org {
    data: EmulatedOrg;
    admin: Emulator;
    job: Emulator;
    viewer: Emulator;
    close(): Promise<void>;
}

const connect = (e: Emulator) =>
    new Connection({ instanceUrl: e.url, accessToken: e.token, version: '62.0' }) as unknown as SfConnection;

/** The package deployed to an org with 18 months of leads: the types are there, no custom metadata record is. */
async function deployedOrg(jobUser: EmulatedUser = JOB_USER, metadataRoot?: string): Promise<Org> {
    const data = emulatedOrgFrom();
    data.metadata.clear();
    const session = (user: EmulatedUser) => startEmulator(data, { user, bulkPageSize: 5000, metadataRoot });
    const [admin, job, viewer] = await Promise.all([
        session('admin'),
        session(jobUser),
        session(VIEWER_USER)
    ]);
    return {
        data,
        admin,
        job,
        viewer,
        close: async () => void (await Promise.all([admin.close(), job.close(), viewer.close()]))
    };
}

/** Deploy-time checks: every XML file well-formed, every field and object a permission set names exists. */
function deployTimeChecks(): void {
    assert.deepEqual([...checkXml(ROOT), ...checkReferences(ROOT)], []);
}

/** The admin's first steps: `npm run seed`, then the starting threshold of each segment, typed in Setup. */
async function adminSeeds(org: Org, active: Record<string, number>): Promise<void> {
    const seeded = await seed(connect(org.admin), readSeedRecords(), false);
    assert.equal(seeded.created.length, 5);
    for (const [segment, threshold] of Object.entries(active))
        await adminEdits(org, segment, { Active_Threshold__c: String(threshold) });
    // The org has Account Engagement's grade: the admin names it, and the job applies the A/B gate (README).
    await adminEditsRecord(org, 'MQL_Calibration_Setting.Default', { Grade_Field__c: 'pi__grade__c' });
}

/** What Setup does when an admin saves a segment's threshold record. */
async function adminEdits(org: Org, segment: string, edits: Record<string, string>): Promise<void> {
    await adminEditsRecord(org, `MQL_Threshold.${segment}`, edits);
}

/** What Setup does when an admin saves a record: the whole record, as the admin sees it, with their edits. */
async function adminEditsRecord(org: Org, fullName: string, edits: Record<string, string>): Promise<void> {
    const conn = connect(org.admin);
    const current = org.data.metadata.get(fullName)!;
    const values = { ...current.values, ...edits };
    const res = [
        await conn.metadata.upsert('CustomMetadata', [
            {
                fullName,
                label: current.label,
                values: Object.entries(values).map(([field, value]) => ({ field, value }))
            }
        ])
    ].flat() as { success: boolean | string }[];
    assert.equal(String(res[0].success), 'true', JSON.stringify(res));
}

/**
 * One night of `npm run calibrate` against the org as the job's user, as a scheduler runs it. Each night has its own
 * as-of date: a rerun for the same date replaces that date's runs and is judged against the runs before it.
 */
async function nightly(
    org: Org,
    asOf = AS_OF
): Promise<{ code: number; result: JobResult | null; error: string | null; stderr: string }> {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-life-')), 'out');
    const r = await runScript('calibrate.ts', ['--json', '--as-of', asOf, '--out', out], {
        SF_ACCESS_TOKEN: org.job.token,
        SF_INSTANCE_URL: org.job.url,
        SF_BULK_POLL_MS: '10'
    });
    const failed = r.code !== 0;
    return {
        code: r.code,
        result: failed ? null : (JSON.parse(r.stdout).result as JobResult),
        // With --json a failed run reports on stdout, as the sf CLI does: {"status":1,"message":…}.
        error: failed ? String(JSON.parse(r.stdout).message) : null,
        stderr: r.stderr
    };
}

/** The lead records the job's session updated, as sent. */
function leadUpdates(e: Emulator, since = 0): Record<string, unknown>[] {
    return e.writes
        .slice(since)
        .filter((w) => w.method === 'PATCH')
        .flatMap((w) => JSON.parse(w.body).records as Record<string, unknown>[])
        .filter((r) => (r.attributes as { type: string }).type === 'Lead');
}

/**
 * Every Object.Field the dashboard's GraphQL documents name, in selections and in filters alike (a filter on a
 * field the user cannot read fails the query as surely as selecting it).
 */
function dashboardFields(): string[] {
    const source = readFileSync(
        path.join(ROOT, 'force-app', 'main', 'default', 'lwc', 'calibrationQueries', 'calibrationQueries.ts'),
        'utf8'
    );
    const out = new Set<string>();
    const closing = (text: string, from: number, open: string, close: string): number => {
        let depth = 0;
        for (let i = from; i < text.length; i++) {
            if (text[i] === open) depth++;
            else if (text[i] === close && --depth === 0) return i;
        }
        return text.length;
    };
    for (const root of source.matchAll(/\b(query|aggregate)\s*\{/g)) {
        const end = closing(source, root.index! + root[0].length - 1, '{', '}');
        let at = root.index! + root[0].length;
        const child = /\s*(?:\w+\s*:\s*)?([A-Z]\w*)\s*/y;
        for (;;) {
            child.lastIndex = at;
            const m = child.exec(source);
            if (!m || m.index >= end) break;
            let block = m.index + m[0].length;
            const start = block;
            if (source[block] === '(') block = closing(source, block, '(', ')') + 1;
            block = source.indexOf('{', block);
            const stop = closing(source, block, '{', '}');
            for (const f of source.slice(start, stop).matchAll(/\b([A-Z]\w*)\b/g))
                if (!['ASC', 'DESC'].includes(f[1])) out.add(`${m[1]}.${f[1]}`);
            at = stop + 1;
        }
    }
    return [...out].sort();
}

test('the whole life: deploy, seed, nightly runs as the job set, approval, freeze, dashboard reads', async () => {
    deployTimeChecks();
    const org = await deployedOrg();
    try {
        await adminSeeds(org, DEMO_ACTIVE);

        // Night 1: the job, holding only its permission set, recommends and writes.
        const n1 = await nightly(org);
        assert.equal(n1.code, 0, n1.stderr);
        const r1 = n1.result!;
        const seg = (r: JobResult, name: string) => r.segments.find((s) => s.name === name)!;
        assert.equal(seg(r1, 'SMB_Inbound').recommendation.threshold, 65);
        assert.equal(seg(r1, 'Enterprise_Inbound').recommendation.threshold, 49);
        const smb = () => org.data.metadata.get('MQL_Threshold.SMB_Inbound')!.values;
        assert.equal(smb().Recommendation_Status__c, 'Pending review');
        assert.equal(smb().Active_Threshold__c, '50', 'the job never writes the active threshold');
        assert.equal(
            smb().Review_Conditions__c,
            readSeedValue('MQL_Threshold.SMB_Inbound', 'Review_Conditions__c')
        );
        const runs = org.data.sobjects.MQL_Calibration_Run__c;
        assert.equal(runs.length, 4);
        const stamps = leadUpdates(org.job).filter((p) => 'Score_At_Handoff__c' in p);
        assert.ok(stamps.length > 1000, `stamps: ${stamps.length}`);
        const byId = new Map(org.data.sobjects.Lead.map((l) => [l.Id, l] as [unknown, Row]));
        for (const p of leadUpdates(org.job)) {
            assert.notEqual(
                byId.get(p.Id)!.IsConverted,
                'true',
                `${String(p.Id)}: a converted lead was written`
            );
            assert.ok(!('Handoff_Date__c' in p), 'the job set may not edit Handoff_Date__c');
        }
        const snapshots = r1.read.scoreSources.Snapshot;

        // The admin approves SMB_Inbound's recommendation in Setup.
        await adminEdits(org, 'SMB_Inbound', {
            Active_Threshold__c: '65',
            Recommendation_Status__c: 'Approved'
        });

        // Night 2: the change is recorded and frozen, nothing is stamped twice, stamps read back as stamped.
        const writesBefore = org.job.writes.length;
        const n2 = await nightly(org, '2026-11-01');
        assert.equal(n2.code, 0, n2.stderr);
        const r2 = n2.result!;
        assert.match(r2.writes.summary, /Approved changes recorded: SMB_Inbound 50 → 65\./);
        assert.equal(seg(r2, 'SMB_Inbound').recommendation.reason, 'frozen');
        assert.equal(smb().Active_Threshold__c, '65');
        assert.equal(smb().Recommendation_Status__c, 'Approved');
        assert.deepEqual(leadUpdates(org.job, writesBefore), [], 'a rerun stamps nothing');
        assert.equal(r2.read.scoreSources.Snapshot, snapshots, 'stamped scores are not counted as snapshots');
        assert.equal(
            r2.read.scoreSources.History + r2.read.scoreSources.Current,
            r1.read.scoreSources.History + r1.read.scoreSources.Current
        );
        assert.equal(runs.filter((r) => r.Is_Latest__c === true).length, 4);

        // The dashboard, as the viewer set: the run records it reads are all readable, and its query succeeds.
        const fields = dashboardFields();
        assert.ok(fields.includes('MQL_Calibration_Run__c.Fine_Bands_JSON__c'), fields.join(', '));
        const runFields = fields.filter((f) => f.startsWith('MQL_Calibration_Run__c.'));
        assert.deepEqual(unreadableFields('MQL_Calibration_Viewer', runFields), []);
        const latest = await connect(org.viewer).query<Row>(
            `SELECT ${runFields.map((f) => f.split('.')[1]).join(', ')} FROM MQL_Calibration_Run__c WHERE Is_Latest__c = true`
        );
        assert.equal(latest.totalSize, 4);
        // And the governed truth, live: the viewer reads MQL_Threshold__mdt as the dashboard's live query does (the
        // set's custom metadata type access), and sees the approval the moment the admin saved it.
        const mdtFields = fields
            .filter((f) => f.startsWith('MQL_Threshold__mdt.'))
            .map((f) => f.split('.')[1])
            .filter((f) => f.endsWith('__c') || f === 'DeveloperName');
        assert.ok(mdtFields.includes('Active_Threshold__c'), mdtFields.join(', '));
        const live = await connect(org.viewer).query<Row>(
            `SELECT ${mdtFields.join(', ')} FROM MQL_Threshold__mdt WHERE DeveloperName = 'SMB_Inbound'`
        );
        assert.equal(live.totalSize, 1);
        assert.equal(Number(live.records[0].Active_Threshold__c), 65);
        assert.equal(live.records[0].Recommendation_Status__c, 'Approved');
    } finally {
        await org.close();
    }
});

function readSeedValue(fullName: string, field: string): unknown {
    const r = readSeedRecords().find((x) => x.fullName === fullName)!;
    return (r.values.find((v) => v.field === field)!.value as { '': string })[''];
}

test('a job set without Customize Application is refused the upserts, and the run records and stamps still land', async () => {
    // The shipped package, except that the job's set lacks Customize Application (as it did before this issue).
    const copy = mkdtempSync(path.join(os.tmpdir(), 'lsc-pkg-'));
    cpSync(path.join(ROOT, 'force-app', 'main', 'default'), copy, { recursive: true });
    const set = path.join(copy, 'permissionsets', 'MQL_Calibration_Job.permissionset-meta.xml');
    writeFileSync(
        set,
        readFileSync(set, 'utf8').replace(
            /<userPermissions>\s*<enabled>true<\/enabled>\s*<name>CustomizeApplication<\/name>\s*<\/userPermissions>/,
            ''
        )
    );
    const org = await deployedOrg(JOB_USER, copy);
    try {
        await adminSeeds(org, DEMO_ACTIVE);
        const n = await nightly(org);
        assert.equal(n.code, 1);
        assert.match(
            n.error!,
            /^org writes stopped at recommendations: 0 of 4 landed, 4 failed \(MQL_Threshold\.\w+: .*Customize Application is required/
        );
        assert.equal(
            org.data.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Recommended_Threshold__c,
            undefined
        );
        assert.equal(org.data.sobjects.MQL_Calibration_Run__c.length, 4, 'run records written');
        assert.ok(leadUpdates(org.job).length > 1000, 'stamps written');
    } finally {
        await org.close();
    }
});
