// Writes that survive a real org, checked on the strict loopback org (its rules come from force-app): stamps that
// leave converted leads and fields the user cannot edit alone and stop at a cap, a refused stamp that does not
// keep pilot leads out of their groups, run records that fit their fields on any score scale, and reruns that
// compare numbers as numbers and read custom metadata in batches the Metadata API accepts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from 'jsforce';
import { startEmulator, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom, JOB_USER } from '../emulator/fixtures';
import { loadOrgRules, valueProblem } from '../emulator/orgRules';
import {
    RUN_TEXT_LIMITS,
    runRecord,
    stampLeads,
    writeRecommendations,
    writeRunRecords,
    coarserFineBands
} from '../../scripts/salesforce/writes';
import type { SfConnection } from '../../scripts/salesforce/connection';
import { resolveSettings } from '../../scripts/config/settings';
import { demoOrgSpec, generateOrg } from '../../scripts/synthetic/generator';
import {
    createCalibrator,
    scenarioAt,
    type SegmentResult
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { runScript } from '../helpers/scripts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

const conn = (e: Emulator) =>
    new Connection({ instanceUrl: e.url, accessToken: e.token, version: '62.0' }) as unknown as SfConnection;
const RUN_AT = '2026-11-01T03:15:00.000Z';
const job = { asOf: '2026-10-31', source: { kind: 'org' as const, label: 'test' }, generatedAt: RUN_AT };

/** The demo org's segments with every score multiplied by `factor` and spread over the new range. */
function segmentsAtScale(factor: number): SegmentResult[] {
    const org = generateOrg(demoOrgSpec());
    const settings = resolveSettings().engine;
    const calibrator = createCalibrator({
        policies: org.policies.map((p) => ({
            ...p,
            activeThreshold: p.activeThreshold === null ? null : p.activeThreshold * factor
        })),
        settings,
        asOf: org.asOf
    });
    for (const o of org.opportunities) calibrator.addOpportunity(o);
    let k = 0;
    // Integer demo scores times the factor would leave only every factor-th score used: spread them.
    const scale = (v: number | null | undefined) =>
        v === null || v === undefined ? null : v * factor + ((k++ * 7919) % factor);
    for (const l of org.leads)
        calibrator.addLead({
            ...l,
            scoreAtHandoff: scale(l.scoreAtHandoff),
            currentScore: scale(l.currentScore)
        });
    return calibrator.finish().segments;
}

let demoSegments: SegmentResult[];
before(() => {
    demoSegments = segmentsAtScale(1);
});

const leadPatches = (e: Emulator) =>
    e.writes
        .filter((w) => w.method === 'PATCH')
        .flatMap((w) => JSON.parse(w.body).records as Record<string, unknown>[])
        .filter((r: any) => r.attributes.type === 'Lead');

test('stamps never carry Handoff_Date__c for a user who may not edit it, and the score stamp still lands', async () => {
    const org = emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] });
    org.sobjects.Lead = [{ Id: '00QOPEN000000001', Status: 'Working', IsConverted: 'false' }];
    // The shipped job set may edit Handoff_Date__c; an org whose admin took that right away is this copy of it.
    const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-md-')), 'default');
    cpSync(path.join(ROOT, 'force-app', 'main', 'default'), root, { recursive: true });
    const set = path.join(root, 'permissionsets', 'MQL_Calibration_Job.permissionset-meta.xml');
    const xml = readFileSync(set, 'utf8');
    const narrowed = xml.replace(
        /<editable>true<\/editable>(\s*<field>Lead\.Handoff_Date__c<\/field>)/,
        '<editable>false</editable>$1'
    );
    assert.notEqual(narrowed, xml, 'the job set grants edit on Handoff_Date__c, which this test takes away');
    writeFileSync(set, narrowed);
    const e = await startEmulator(org, { user: JOB_USER, metadataRoot: root });
    try {
        const summary = await stampLeads(conn(e), [
            { id: '00QOPEN000000001', score: 71, source: 'History', handoffDate: '2026-05-04T00:00:00.000Z' }
        ]);
        assert.deepEqual(summary, { stamped: 1, deferred: 0, notEditable: ['Handoff_Date__c'] });
        assert.deepEqual(Object.keys(leadPatches(e)[0]).sort(), [
            'Handoff_Score_Source__c',
            'Id',
            'Score_At_Handoff__c',
            'attributes'
        ]);
        assert.equal(org.sobjects.Lead[0].Score_At_Handoff__c, 71);
    } finally {
        await e.close();
    }
});

test('at most the cap is stamped in one run; the rest are left for the following nights', async () => {
    const org = emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] });
    org.sobjects.Lead = Array.from({ length: 25 }, (_, i) => ({
        Id: `00QOPEN0000000${String(i).padStart(2, '0')}`,
        Status: 'Working',
        IsConverted: 'false'
    }));
    const e = await startEmulator(org);
    try {
        const stamps = org.sobjects.Lead.map((l) => ({
            id: String(l.Id),
            score: 50,
            source: 'Current' as const,
            handoffDate: null
        }));
        assert.deepEqual(await stampLeads(conn(e), stamps, 10), {
            stamped: 10,
            deferred: 15,
            notEditable: []
        });
        assert.equal(leadPatches(e).length, 10);
        assert.equal(org.sobjects.Lead.filter((l) => l.Score_At_Handoff__c === 50).length, 10);
    } finally {
        await e.close();
    }
});

test('a score the field cannot hold is not sent, so it cannot fail every night', async () => {
    const org = emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] });
    org.sobjects.Lead = ['00QOPEN000000001', '00QOPEN000000002'].map((Id) => ({
        Id,
        Status: 'Working',
        IsConverted: 'false'
    }));
    const e = await startEmulator(org, { user: JOB_USER });
    try {
        const summary = await stampLeads(conn(e), [
            { id: '00QOPEN000000001', score: 123_456_789, source: 'Current', handoffDate: null },
            { id: '00QOPEN000000002', score: 99_999_999.9, source: 'Current', handoffDate: null }
        ]);
        assert.equal(summary.stamped, 1);
        assert.equal(summary.unfit, 1);
        assert.deepEqual(
            leadPatches(e).map((p) => p.Id),
            ['00QOPEN000000002']
        );
    } finally {
        await e.close();
    }
});

/** The job against the emulated org `e`. */
const cli = (args: string[], e: Emulator) =>
    runScript('calibrate.ts', args, {
        SF_ACCESS_TOKEN: e.token,
        SF_INSTANCE_URL: e.url,
        SF_BULK_POLL_MS: '10'
    });

test('a stamp the org refuses does not keep pilot leads out of their groups, nor converted leads get written', async () => {
    const org = emulatedOrgFrom();
    // The org's own validation rule refuses the stamp of one handed-off lead: nothing outside the org can foresee it.
    const victim = org.sobjects.Lead.find(
        (l) => l.IsConverted === 'false' && l.Handoff_Date__c && !l.Score_At_Handoff__c && l.pi__score__c
    )!;
    org.validationRules = [
        {
            object: 'Lead',
            message: 'Score at handoff is locked for leads in review',
            refuses: (r) => r.Id === victim.Id && r.Score_At_Handoff__c !== undefined
        }
    ];
    const e = await startEmulator(org, { bulkPageSize: 5000 });
    try {
        const r = await cli(
            ['--as-of', '2026-10-31', '--out', path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-')), 'out')],
            e
        );
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(
            r.stderr,
            new RegExp(
                `^Error: org writes stopped at lead stamps: \\d+ of \\d+ landed, 1 failed \\(${victim.Id}: Score at handoff is locked for leads in review\\)`
            )
        );
        const grouped = org.sobjects.Lead.filter((l) => l.MQL_Pilot_Group__c);
        assert.ok(grouped.length > 100, `pilot leads grouped after the refused stamp: ${grouped.length}`);
        assert.equal(org.sobjects.MQL_Calibration_Run__c.length, 4, 'run records written');
        const converted = new Set(org.sobjects.Lead.filter((l) => l.IsConverted === 'true').map((l) => l.Id));
        assert.deepEqual(
            leadPatches(e).filter((p) => converted.has(p.Id as string)),
            [],
            'no write to a converted lead'
        );
    } finally {
        await e.close();
    }
});

test('every run record fits its fields on 0-1,000 and 0-10,000 score scales, and the org takes it', async () => {
    const rules = loadOrgRules().objects.get('MQL_Calibration_Run__c')!;
    const fits = (rec: Record<string, unknown>, label: string) => {
        for (const [field, value] of Object.entries(rec)) {
            if (field === 'attributes') continue;
            const rule = rules.fields.get(field);
            assert.ok(rule, `${field} is a field of MQL_Calibration_Run__c`);
            assert.equal(valueProblem('MQL_Calibration_Run__c', rule, value), null, `${label} ${field}`);
        }
    };
    for (const factor of [10, 100]) {
        const segments = segmentsAtScale(factor);
        const records = segments.map((s) => runRecord(s, job));
        for (const rec of records) fits(rec, `x${factor}`);
        // The engine counts a wide scale in cells chosen from the data (at most a few hundred), so its own tables
        // mostly fit as they are; a one-point table of every distinct score (an older run, another engine setting)
        // is what the writer must still bring down to size, below.
        const smb = segments.find((s) => s.name === 'SMB_Inbound')!;
        const points = smb.fineBands.filter((f) => f.handedOff > 0);
        const wide = {
            ...smb,
            fineBands: Array.from({ length: 1000 * (factor / 10) }, (_, i) => ({
                ...points[i % points.length],
                recent: { ...points[i % points.length].recent },
                score: i
            }))
        };
        const rec = runRecord(wide, job);
        fits(rec, `x${factor}, one point a score`);
        const { resolution } = JSON.parse(String(rec.Details_JSON__c));
        const stored = JSON.parse(String(rec.Fine_Bands_JSON__c));
        assert.ok(resolution.fineBandStep > 1, JSON.stringify(resolution));
        assert.deepEqual(stored, coarserFineBands(wide.fineBands, resolution.fineBandStep));
        // Nothing is lost at the stored resolution: a threshold on a group's bottom reads what the full table gives.
        const t = Math.ceil(500 / resolution.fineBandStep) * resolution.fineBandStep;
        assert.deepEqual(scenarioAt(stored, t, 90), scenarioAt(wide.fineBands, t, 90));
        const e = await startEmulator(
            emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] })
        );
        try {
            assert.equal(
                await writeRunRecords(
                    conn(e),
                    records.map((r, i) => (segments[i] === smb ? rec : r))
                ),
                4
            );
        } finally {
            await e.close();
        }
    }
});

test('on the demo scale the stored tables are the engine own, one point and one band width at a time', () => {
    const rec = runRecord(demoSegments[0], job);
    assert.deepEqual(JSON.parse(String(rec.Fine_Bands_JSON__c)), demoSegments[0].fineBands);
    assert.deepEqual(JSON.parse(String(rec.Bands_JSON__c)), demoSegments[0].bands);
    assert.deepEqual(JSON.parse(String(rec.Details_JSON__c)).resolution, { fineBandStep: 1, bandWidth: 10 });
});

test("the job's text limits are the field lengths force-app declares", () => {
    const dir = path.join(
        ROOT,
        'force-app',
        'main',
        'default',
        'objects',
        'MQL_Calibration_Run__c',
        'fields'
    );
    const declared: Record<string, number> = { Name: 80 };
    for (const file of readdirSync(dir)) {
        const m = /<length>(\d+)<\/length>/.exec(readFileSync(path.join(dir, file), 'utf8'));
        if (m) declared[file.replace('.field-meta.xml', '')] = Number(m[1]);
    }
    assert.deepEqual({ ...RUN_TEXT_LIMITS }, declared);
});

test('a rerun reads numbers back in the org format ("65.0") and still finds nothing to upsert', async () => {
    const org = emulatedOrgFrom();
    const e = await startEmulator(org);
    try {
        const first = await writeRecommendations(conn(e), demoSegments, RUN_AT);
        assert.equal(first.upserted.length, demoSegments.length);
        // The org answers a double as 65.0 and a rate with trailing zeros.
        let changed = 0;
        for (const { values } of org.metadata.values())
            for (const [k, v] of Object.entries(values))
                if (v !== null && /^-?\d+(\.\d+)?$/.test(v) && k !== 'Active_Threshold__c') {
                    values[k] = v.includes('.') ? `${v}0` : `${v}.0`;
                    changed++;
                }
        assert.ok(changed > 8);
        const second = await writeRecommendations(conn(e), demoSegments, '2026-11-02T03:15:00.000Z');
        assert.deepEqual(second.upserted, []);
    } finally {
        await e.close();
    }
});

test('custom metadata is read in batches of at most 10, as the Metadata API requires', async () => {
    const org = emulatedOrgFrom();
    const many = Array.from({ length: 23 }, (_, i) => ({
        ...demoSegments[i % demoSegments.length],
        name: `Region_${String(i).padStart(2, '0')}`
    }));
    for (const s of many)
        org.metadata.set(`MQL_Threshold.${s.name}`, { label: s.name, values: { Active_Threshold__c: '55' } });
    const e = await startEmulator(org);
    try {
        const r = await writeRecommendations(conn(e), many, RUN_AT);
        assert.equal(r.upserted.length, 23);
        const reads = e.requests.filter((q) => q.path.startsWith('/services/Soap/m/')).length;
        assert.equal(reads, 3 + 3, 'three reads and three upserts');
        assert.equal(org.metadata.get('MQL_Threshold.Region_22')!.values.Active_Threshold__c, '55');
    } finally {
        await e.close();
    }
});
