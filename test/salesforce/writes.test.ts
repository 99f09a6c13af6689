// What the job writes to an org, read back from the emulator's write log: the recommendation fields only (the
// active threshold and every admin field go back exactly as read), typed values, batches of 10 with every result
// checked, run records that keep one latest per segment, and lead stamps that never carry more than the stamp.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatedOrg, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom } from '../emulator/fixtures';
import {
    JOB_METADATA_FIELDS,
    runRecord,
    stampLeads,
    writeRecommendations,
    writeRunRecords
} from '../../scripts/salesforce/writes';
import type { SfConnection } from '../../scripts/salesforce/connection';
import { DemoSource } from '../../scripts/sources/demo';
import { resolveSettings } from '../../scripts/config/settings';
import {
    createCalibrator,
    type SegmentResult
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { PartialWriteError } from '../../scripts/errors';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

const RUN_AT = '2026-11-01T03:15:00.000Z';
let segments: SegmentResult[];

before(async () => {
    const source = new DemoSource();
    const { policies } = await source.loadPolicies();
    const settings = resolveSettings().engine;
    const calibrator = createCalibrator({ policies, settings, asOf: '2026-10-31' });
    await source.stream(calibrator, { settings, asOf: '2026-10-31', scoreField: 'pi__score__c' });
    segments = calibrator.finish().segments;
});

const conn = (e: Emulator) =>
    new Connection({ instanceUrl: e.url, accessToken: e.token, version: '62.0' }) as unknown as SfConnection;

const soap = new XMLParser({
    ignoreAttributes: false,
    removeNSPrefix: true,
    parseTagValue: false,
    isArray: (n) => n === 'metadata' || n === 'values'
});

/** Every record sent in the emulator's upsertMetadata calls: full name → field → { text, xsdType }. */
function upserted(e: Emulator): Map<string, Map<string, { text: string | null; type: string | null }>>[] {
    return e.writes
        .filter((w) => w.path === 'upsertMetadata')
        .map((w) => {
            const body = soap.parse(w.body).Envelope.Body.upsertMetadata;
            return new Map(
                (body.metadata as { fullName: string; values?: { field: string; value: unknown }[] }[]).map(
                    (md) => [
                        md.fullName,
                        new Map(
                            (md.values ?? []).map((v) => {
                                const raw = v.value as
                                    string | { '#text'?: string; '@_type'?: string; '@_nil'?: string };
                                if (typeof raw !== 'object') return [v.field, { text: raw, type: null }];
                                return [
                                    v.field,
                                    {
                                        text: raw['@_nil'] === 'true' ? null : (raw['#text'] ?? ''),
                                        type: raw['@_type'] ?? null
                                    }
                                ];
                            })
                        )
                    ]
                )
            );
        });
}

const snapshot = (org: EmulatedOrg) => new Map([...org.metadata].map(([k, v]) => [k, { ...v.values }]));

test('only allow-listed fields change, and the active threshold and admin fields go back byte for byte as read', async () => {
    const adminText = fc
        .string({ maxLength: 40 })
        .filter((s) => s.trim() === s && s.length > 0 && !/[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/.test(s));
    await fc.assert(
        fc.asyncProperty(
            fc.option(
                fc.integer({ min: 0, max: 2000 }).map((n) => String(n / 10)),
                { nil: null }
            ),
            adminText,
            fc.option(adminText, { nil: null }),
            async (active, conditions, override) => {
                const org = emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] });
                for (const s of segments) {
                    org.metadata.set(`MQL_Threshold.${s.name}`, {
                        label: s.name,
                        values: {
                            Active_Threshold__c: active,
                            Review_Conditions__c: conditions,
                            Override_2__c: override,
                            Segment_Rule__c: 'NumberOfEmployees >= 1000',
                            Rule_Order__c: '2'
                        }
                    });
                }
                const before = snapshot(org);
                const e = await startEmulator(org);
                try {
                    await writeRecommendations(conn(e), segments, RUN_AT);
                    for (const call of upserted(e)) {
                        for (const [fullName, values] of call) {
                            const was = before.get(fullName)!;
                            assert.equal(
                                values.get('Active_Threshold__c')?.text ?? null,
                                active,
                                'active threshold sent back as read'
                            );
                            for (const [field, v] of values) {
                                if ((JOB_METADATA_FIELDS as readonly string[]).includes(field)) continue;
                                assert.equal(
                                    v.text,
                                    was[field] ?? null,
                                    `${fullName}.${field} is not the job's to change`
                                );
                            }
                        }
                    }
                    for (const [fullName, was] of before) {
                        const now = org.metadata.get(fullName)!.values;
                        for (const field of Object.keys({ ...was, ...now })) {
                            if ((JOB_METADATA_FIELDS as readonly string[]).includes(field)) continue;
                            assert.equal(
                                now[field] ?? null,
                                was[field] ?? null,
                                `${fullName}.${field} unchanged in the org`
                            );
                        }
                    }
                } finally {
                    await e.close();
                }
            }
        ),
        { numRuns: 15, seed: 20261122 }
    );
});

test('recommendation values are typed on the wire and land as the engine computed them', async () => {
    const org = emulatedOrgFrom();
    const e = await startEmulator(org);
    try {
        await writeRecommendations(conn(e), segments, RUN_AT);
        const [call] = upserted(e);
        const proposing = segments.find((s) => s.recommendation.threshold !== null)!;
        const sent = call.get(`MQL_Threshold.${proposing.name}`)!;
        assert.deepEqual(sent.get('Recommended_Threshold__c'), {
            text: String(proposing.recommendation.threshold),
            type: 'xsd:double'
        });
        assert.deepEqual(sent.get('Recommended_On__c'), { text: RUN_AT, type: 'xsd:dateTime' });
        assert.deepEqual(sent.get('Sample_Size__c'), {
            text: String(proposing.sample.handedOff),
            type: 'xsd:double'
        });
        assert.deepEqual(sent.get('Recommendation_Status__c'), {
            text: 'Pending review',
            type: 'xsd:string'
        });
        assert.equal(
            org.metadata.get(`MQL_Threshold.${proposing.name}`)!.values.Recommended_Low__c,
            String(proposing.recommendation.range![0])
        );
    } finally {
        await e.close();
    }
});

test('an abstaining segment keeps its earlier proposal and its status; only the reason, rationale and sample move', async () => {
    const org = emulatedOrgFrom();
    const name = segments[0].name;
    org.metadata.get(`MQL_Threshold.${name}`)!.values = {
        Active_Threshold__c: '60',
        Recommended_Threshold__c: '60',
        Recommendation_Status__c: 'Approved',
        Recommended_On__c: '2026-08-01T03:15:00.000Z'
    };
    const abstaining: SegmentResult = {
        ...segments[0],
        recommendation: {
            ...segments[0].recommendation,
            threshold: null,
            range: null,
            reason: 'insufficient-sample',
            rationale: 'Too few won deals.'
        }
    };
    const e = await startEmulator(org);
    try {
        await writeRecommendations(conn(e), [abstaining], RUN_AT);
        const v = org.metadata.get(`MQL_Threshold.${name}`)!.values;
        assert.equal(v.Recommendation_Status__c, 'Approved');
        assert.equal(v.Recommended_Threshold__c, '60');
        assert.equal(v.Recommended_On__c, '2026-08-01T03:15:00.000Z');
        assert.equal(v.Recommendation_Reason__c, 'insufficient-sample');
        assert.equal(v.Rationale__c, 'Too few won deals.');
        assert.equal(v.Active_Threshold__c, '60');
    } finally {
        await e.close();
    }
});

test('upserts go in batches of 10, every result is checked, and a failure in a later batch names the record', async () => {
    const org = emulatedOrgFrom();
    const many = Array.from({ length: 23 }, (_, i) => ({
        ...segments[i % segments.length],
        name: `Region_${String(i).padStart(2, '0')}`
    }));
    for (const s of many)
        org.metadata.set(`MQL_Threshold.${s.name}`, { label: s.name, values: { Active_Threshold__c: '55' } });
    const e = await startEmulator(org);
    e.faults.push({ kind: 'METADATA_PARTIAL', fullName: 'MQL_Threshold.Region_21' });
    try {
        await assert.rejects(writeRecommendations(conn(e), many, RUN_AT), (err: Error) => {
            assert.ok(err instanceof PartialWriteError);
            assert.deepEqual(err.failures, [
                {
                    fullName: 'MQL_Threshold.Region_21',
                    message: 'Emulated failure for MQL_Threshold.Region_21'
                }
            ]);
            return true;
        });
        assert.deepEqual(
            upserted(e).map((call) => call.size),
            [10, 10, 3]
        );
        assert.ok(
            org.metadata.get('MQL_Threshold.Region_22')!.values.Recommendation_Reason__c,
            'records after the failure were still written'
        );
        assert.equal(org.metadata.get('MQL_Threshold.Region_21')!.values.Recommendation_Reason__c, undefined);
    } finally {
        await e.close();
    }
});

test('a rerun with the same result upserts nothing', async () => {
    const e = await startEmulator(emulatedOrgFrom());
    try {
        const first = await writeRecommendations(conn(e), segments, RUN_AT);
        assert.equal(first.upserted.length, segments.length);
        const second = await writeRecommendations(conn(e), segments, '2026-11-02T03:15:00.000Z');
        assert.deepEqual(second, { upserted: [], unchanged: segments.map((s) => `MQL_Threshold.${s.name}`) });
        assert.equal(upserted(e).length, 1);
    } finally {
        await e.close();
    }
});

test("run records: one per segment per as-of date, each segment's previous latest cleared only once its new one is in", async () => {
    const org = emulatedOrgFrom();
    const e = await startEmulator(org);
    const job = { asOf: '2026-10-31', source: { kind: 'org' as const, label: 'test' }, generatedAt: RUN_AT };
    try {
        assert.equal(
            await writeRunRecords(
                conn(e),
                segments.map((s) => runRecord(s, job))
            ),
            segments.length
        );
        const runs = org.sobjects.MQL_Calibration_Run__c;
        assert.deepEqual(
            runs.map((r) => [r.Segment__c, r.Is_Latest__c]),
            segments.map((s) => [s.name, true])
        );
        assert.deepEqual(JSON.parse(String(runs[0].Bands_JSON__c)), segments[0].bands);
        assert.equal(runs[0].Name, `${segments[0].name} 2026-10-31`);
        // A failed insert leaves the previous runs as the latest ones.
        const bad = segments.map((s) => ({ ...runRecord(s, job), Bogus__c: 1 }));
        await assert.rejects(
            writeRunRecords(conn(e), bad),
            (err: Error) => err instanceof PartialWriteError && err.failures.length === segments.length
        );
        assert.equal(runs.filter((r) => r.Is_Latest__c === true).length, segments.length);
        // A segment this run does not cover keeps its latest run.
        runs.push({
            Id: 'a0RETIRED',
            Segment__c: 'Retired_Segment',
            Is_Latest__c: true,
            Run_At__c: '2026-01-01T00:00:00.000Z'
        });
        await writeRunRecords(
            conn(e),
            segments.map((s) =>
                runRecord(s, { ...job, asOf: '2026-11-01', generatedAt: '2026-11-02T03:15:00.000Z' })
            )
        );
        assert.equal(runs.length, 2 * segments.length + 1);
        assert.deepEqual(
            runs.filter((r) => r.Is_Latest__c === true).map((r) => [r.Segment__c, r.Run_At__c]),
            [
                ['Retired_Segment', '2026-01-01T00:00:00.000Z'],
                ...segments.map((s) => [s.name, '2026-11-02T03:15:00.000Z'])
            ]
        );
        // One insert fails: that segment keeps its previous latest run, the others move on; one latest each.
        const third = segments.map((s, i) => ({
            ...runRecord(s, { ...job, asOf: '2026-11-02', generatedAt: '2026-11-03T03:15:00.000Z' }),
            ...(i === 1 ? { Bogus__c: 1 } : {})
        }));
        await assert.rejects(
            writeRunRecords(conn(e), third),
            (err: Error) =>
                err instanceof PartialWriteError &&
                err.failures.length === 1 &&
                err.failures[0].fullName === segments[1].name
        );
        const latest = new Map(
            runs.filter((r) => r.Is_Latest__c === true).map((r) => [r.Segment__c, r.Run_At__c])
        );
        assert.equal(runs.filter((r) => r.Is_Latest__c === true).length, segments.length + 1);
        assert.equal(latest.get(segments[1].name), '2026-11-02T03:15:00.000Z');
        assert.equal(latest.get(segments[0].name), '2026-11-03T03:15:00.000Z');
    } finally {
        await e.close();
    }
});

test('lead stamps carry only the stamp fields, the handoff date only when given and editable, and a failed one is named', async () => {
    const org = emulatedOrgFrom();
    const [a, b] = org.sobjects.Lead;
    const e = await startEmulator(org);
    try {
        const n = await stampLeads(conn(e), [
            { id: String(a.Id), score: 71, source: 'History', handoffDate: null },
            { id: String(b.Id), score: 44, source: 'Current', handoffDate: '2026-05-04T00:00:00.000Z' }
        ]);
        assert.deepEqual(n, { stamped: 2, deferred: 0, notEditable: [] });
        const sent = e.writes.flatMap((w) => JSON.parse(w.body).records);
        assert.deepEqual(sent, [
            {
                attributes: { type: 'Lead' },
                Id: a.Id,
                Score_At_Handoff__c: 71,
                Handoff_Score_Source__c: 'History'
            },
            {
                attributes: { type: 'Lead' },
                Id: b.Id,
                Score_At_Handoff__c: 44,
                Handoff_Score_Source__c: 'Current',
                Handoff_Date__c: '2026-05-04T00:00:00.000Z'
            }
        ]);
        assert.equal(a.Score_At_Handoff__c, 71);
        await assert.rejects(
            stampLeads(conn(e), [
                { id: '00Q000000000GONE', score: 50, source: 'Current', handoffDate: null }
            ]),
            /^PartialWriteError: 1 write\(s\) failed: 00Q000000000GONE: entity is deleted/
        );
    } finally {
        await e.close();
    }
});
