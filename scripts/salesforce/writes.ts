/**
 * Writes to the org, all through explicit allow-lists: the recommendation fields of MQL_Threshold__mdt (never the
 * active threshold, which admins own), one MQL_Calibration_Run__c per segment, and score stamps on leads that lack
 * one. Every result is checked; failures are collected and reported together as a PartialWriteError.
 */
import {
    bandsFromFine,
    type FineBand,
    type SegmentResult
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type { JobResult } from '../report/report';
import { recommendationValues } from '../output/metadataFolder';
import type { SfConnection } from './connection';
import type { LeadStamp } from '../sources/org';
import { restQueryAll } from './bulk';
import { CalibrationJobError, PartialWriteError } from '../errors';

/** The MQL_Threshold__mdt fields the job may change. Everything else is carried over exactly as read. */
export const JOB_METADATA_FIELDS = [
    'Recommended_Threshold__c',
    'Recommended_Low__c',
    'Recommended_High__c',
    'Recommendation_Status__c',
    'Recommendation_Reason__c',
    'Rationale__c',
    'Recommended_On__c',
    'Sample_Size__c',
    'Expected_MQLs_Per_Month__c',
    'Expected_Rejection_Rate__c',
    'Frozen_Until__c'
] as const;

/** When the job has no new proposal it leaves the proposal and its status as they are, and refreshes only these. */
const REFRESH_ONLY = new Set(['Recommendation_Reason__c', 'Rationale__c', 'Sample_Size__c']);

type MdValue = { field: string; value: unknown };
type MdRecord = { fullName: string; label?: string; values?: MdValue[] | MdValue };

/** A value as jsforce's metadata.read returns it (a string, null, or xml2js `{ _, $ }`), typed for writing back. */
function asWritten(v: unknown): unknown {
    if (v === null || v === undefined) return null;
    if (typeof v === 'object') {
        const o = v as { _?: unknown; $?: Record<string, string> };
        if (o.$?.['xsi:nil'] === 'true' || o._ === undefined) return null;
        return { '@xsi:type': o.$?.['xsi:type'] ?? 'xsd:string', '': String(o._) };
    }
    return { '@xsi:type': 'xsd:string', '': String(v) };
}

function typed(type: string, value: string | number | null): unknown {
    if (value === null) return null;
    return { '@xsi:type': type, '': String(value) };
}

/** Metadata CRUD calls (read, upsert) take at most this many records each. */
const METADATA_BATCH = 10;

/**
 * Whether a value read back equals the one about to be written. The org answers a number in its own format
 * ("65.0" for 65, "0.150" for 0.15), so two values that both read as finite numbers are compared as numbers.
 */
const same = (a: unknown, b: unknown): boolean => {
    const x = (a as { '': string } | null)?.[''] ?? null;
    const y = (b as { '': string } | null)?.[''] ?? null;
    if (x === y) return true;
    if (x === null || y === null || x.trim() === '' || y.trim() === '') return false;
    return Number.isFinite(Number(x)) && Number(x) === Number(y);
};

export interface MetadataWriteSummary {
    upserted: string[];
    unchanged: string[];
}

/**
 * Upserts the recommendation fields of each segment's MQL_Threshold__mdt record. A CustomMetadata upsert replaces
 * the whole record, so each record is read first and every field the job does not own — the active threshold
 * included — is written back exactly as read. Reads and upserts in batches of 10; every result checked; a record
 * whose values equal what is there (numbers compared as numbers) is not upserted.
 */
export async function writeRecommendations(
    conn: SfConnection,
    segments: SegmentResult[],
    runAt: string,
    frozenUntil: Map<string, string> = new Map()
): Promise<MetadataWriteSummary> {
    const fullNames = segments.map((s) => `MQL_Threshold.${s.name}`);
    const read: MdRecord[] = [];
    for (let i = 0; i < fullNames.length; i += METADATA_BATCH)
        read.push(
            ...([
                await conn.metadata.read('CustomMetadata', fullNames.slice(i, i + METADATA_BATCH))
            ].flat() as MdRecord[])
        );
    const records: object[] = [];
    const summary: MetadataWriteSummary = { upserted: [], unchanged: [] };
    segments.forEach((s, i) => {
        const existing = read[i];
        const current = new Map<string, unknown>();
        for (const v of [existing?.values ?? []].flat()) current.set(v.field, asWritten(v.value));
        const proposing = s.recommendation.threshold !== null;
        let changed = false;
        for (const v of recommendationValues(s, runAt)) {
            if (!proposing && !REFRESH_ONLY.has(v.field)) continue;
            const next = typed(v.type, v.value);
            if (!same(current.get(v.field) ?? null, next) && v.field !== 'Recommended_On__c') changed = true;
            current.set(v.field, next);
        }
        const frozen = frozenUntil.get(s.name);
        if (frozen && !same(current.get('Frozen_Until__c') ?? null, typed('xsd:date', frozen))) {
            current.set('Frozen_Until__c', typed('xsd:date', frozen));
            changed = true;
        }
        if (!changed && existing?.fullName) {
            summary.unchanged.push(fullNames[i]);
            return;
        }
        records.push({
            fullName: fullNames[i],
            label: existing?.label ?? s.name.replace(/_/g, ' '),
            values: [...current.entries()].map(([field, value]) => ({ field, value }))
        });
        summary.upserted.push(fullNames[i]);
    });
    const failures: { fullName: string; message: string }[] = [];
    for (let i = 0; i < records.length; i += METADATA_BATCH) {
        const results = [
            await conn.metadata.upsert('CustomMetadata', records.slice(i, i + METADATA_BATCH))
        ].flat() as {
            fullName: string;
            success: boolean | string;
            errors?: { message: string } | { message: string }[];
        }[];
        for (const r of results) {
            if (r.success === true || r.success === 'true') continue;
            failures.push({
                fullName: r.fullName,
                message:
                    [r.errors ?? []]
                        .flat()
                        .map((e) => e.message)
                        .join('; ') || 'failed'
            });
        }
    }
    if (failures.length > 0) throw new PartialWriteError(failures);
    return summary;
}

/**
 * The MQL_Calibration_Run__c records of a run, one per segment, with what governance decided (status, freeze,
 * an approved change) and, in Details_JSON__c, the segment's governance and pilots for the dashboard.
 */
export function runRecordsFor(
    result: Pick<JobResult, 'asOf' | 'source' | 'generatedAt' | 'segments' | 'governance' | 'pilots'> &
        Partial<Pick<JobResult, 'settings'>>
): Record<string, unknown>[] {
    return result.segments.map((s) => {
        const g = result.governance?.find((x) => x.segment === s.name) ?? null;
        return runRecord(s, result, {
            Status__c: g?.status ?? null,
            Frozen_Until__c: g?.frozenUntil ?? null,
            Threshold_Change__c: g?.change?.text ?? null
        });
    });
}

/**
 * Characters each text field of MQL_Calibration_Run__c holds: the <length> of its field in force-app (a test
 * keeps the two equal). A record whose value does not fit would be refused by the org, and only after the
 * metadata had been written, so every record is fitted here, before the first write.
 */
export const RUN_TEXT_LIMITS: Readonly<Record<string, number>> = {
    Name: 80,
    Segment__c: 80,
    Run_Key__c: 80,
    Source__c: 80,
    Status__c: 40,
    Recommendation_Reason__c: 255,
    Threshold_Change__c: 255,
    Recommendation_JSON__c: 131_072,
    Bands_JSON__c: 131_072,
    Fine_Bands_JSON__c: 131_072,
    Scenarios_JSON__c: 131_072,
    Triggers_JSON__c: 32_768,
    Details_JSON__c: 131_072
};

/** A run record that cannot be made to fit its fields: named before anything is written. */
export class RunRecordTooLongError extends CalibrationJobError {
    override readonly name = 'RunRecordTooLongError';
}

/** Coarser steps tried in turn when a table does not fit: 1-2-5 steps keep the bands on round scores. */
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

/** One-point counts summed into `step`-point groups, each keyed by its lowest score (what scenarioAt compares). */
export function coarserFineBands(fine: FineBand[], step: number): FineBand[] {
    if (step <= 1) return fine;
    const out = new Map<number, FineBand>();
    for (const f of fine) {
        const score = Math.floor(f.score / step) * step;
        const g = out.get(score);
        if (!g) {
            out.set(score, { ...f, score, recent: { ...f.recent } });
            continue;
        }
        for (const k of [
            'handedOff',
            'accepted',
            'rejected',
            'neverWorked',
            'qualified',
            'opportunities',
            'won',
            'pipelineAmount',
            'wonAmount'
        ] as const)
            g[k] += f[k] ?? 0;
        for (const k of Object.keys(g.recent) as (keyof FineBand['recent'])[]) g.recent[k] = (g.recent[k] ?? 0) + (f.recent[k] ?? 0);
    }
    return [...out.values()].sort((a, b) => a.score - b.score);
}

/**
 * The one-point table as JSON that fits `max` characters: exact when it fits (about 290 characters a distinct
 * score, so up to some 450 scores), else summed into the smallest 1-2-5 step that fits. A threshold between two
 * group bottoms is then read as the group's bottom by the what-if slider: the step is the slider's resolution,
 * and is recorded in Details_JSON__c.
 */
export function fitFineBands(fine: FineBand[], max: number): { json: string; step: number } {
    for (const step of STEPS) {
        const json = JSON.stringify(coarserFineBands(fine, step));
        if (json.length <= max) return { json, step };
    }
    throw new RunRecordTooLongError(
        `Fine_Bands_JSON__c: the score table does not fit ${max} characters at any step`
    );
}

/**
 * The band table as JSON that fits `max` characters: the engine's own bands when they fit, else rebuilt by the
 * engine from the one-point counts at the smallest multiple of the band width that fits (on a 0-10,000 score
 * scale, 10-point bands are a thousand rows).
 */
export function fitBands(
    s: Pick<SegmentResult, 'bands' | 'fineBands'>,
    width: number,
    healthy: { min: number; max: number },
    max: number
): { json: string; width: number } {
    const exact = JSON.stringify(s.bands);
    if (exact.length <= max) return { json: exact, width };
    for (const k of STEPS.slice(1)) {
        const json = JSON.stringify(bandsFromFine(s.fineBands, width * k, healthy));
        if (json.length <= max) return { json, width: width * k };
    }
    throw new RunRecordTooLongError(
        `Bands_JSON__c: the band table does not fit ${max} characters at any width`
    );
}

/** The healthy MQL→SQL range the engine uses by default, for callers that do not pass the run's settings. */
const DEFAULT_HEALTHY = { min: 0.3, max: 0.5 };

/**
 * The MQL_Calibration_Run__c record of one segment, as the dashboard reads it. Every text field fits its length
 * (RUN_TEXT_LIMITS): the score tables are coarsened to fit on any score scale, short texts are cut with an
 * ellipsis, and anything else that cannot fit raises RunRecordTooLongError naming the segment and field.
 */
export function runRecord(
    s: SegmentResult,
    result: Pick<JobResult, 'asOf' | 'source' | 'generatedAt'> &
        Partial<Pick<JobResult, 'governance' | 'pilots' | 'settings'>>,
    extra: Record<string, unknown> = {}
): Record<string, unknown> {
    const active = s.scenarios.find((c) => c.label === 'Active');
    const fine = fitFineBands(s.fineBands, RUN_TEXT_LIMITS.Fine_Bands_JSON__c);
    const width = result.settings?.bandWidth ?? (s.bands.length > 0 ? s.bands[0].to - s.bands[0].from : 10);
    const bands = fitBands(
        s,
        width,
        result.settings?.healthySqlRate ?? DEFAULT_HEALTHY,
        RUN_TEXT_LIMITS.Bands_JSON__c
    );
    const record: Record<string, unknown> = {
        attributes: { type: 'MQL_Calibration_Run__c' },
        Name: `${s.name} ${result.asOf}`,
        Segment__c: s.name,
        Run_Key__c: runKey(s.name, result.asOf),
        Run_At__c: result.generatedAt,
        As_Of__c: result.asOf,
        Source__c: result.source.kind,
        Is_Latest__c: true,
        Active_Threshold__c: s.activeThreshold,
        Recommended_Threshold__c: s.recommendation.threshold,
        Recommended_Low__c: s.recommendation.range?.[0] ?? null,
        Recommended_High__c: s.recommendation.range?.[1] ?? null,
        Recommendation_Reason__c: s.recommendation.reason,
        Handed_Off__c: s.sample.handedOff,
        Won__c: s.sample.won,
        Rejection_Rate__c:
            active?.rejectionRate === null || active === undefined
                ? null
                : Math.round(active.rejectionRate * 1000) / 10,
        SQL_Rate__c: active && active.mqls > 0 ? Math.round((active.sqls / active.mqls) * 1000) / 10 : null,
        Trigger_Count__c: s.triggers.length,
        Recommendation_JSON__c: JSON.stringify(s.recommendation),
        Bands_JSON__c: bands.json,
        Fine_Bands_JSON__c: fine.json,
        Scenarios_JSON__c: JSON.stringify(s.scenarios),
        Triggers_JSON__c: JSON.stringify(s.triggers),
        Details_JSON__c: JSON.stringify({
            paths: s.paths,
            diagnostics: s.diagnostics,
            sample: s.sample,
            governance: result.governance?.find((g) => g.segment === s.name) ?? null,
            pilots: (result.pilots ?? []).filter((p) => p.config.segment === s.name),
            // What the stored tables hold when the score scale made the engine's own too long for their fields.
            resolution: { fineBandStep: fine.step, bandWidth: bands.width }
        }),
        ...extra
    };
    for (const [field, max] of Object.entries(RUN_TEXT_LIMITS)) {
        const v = record[field];
        if (typeof v !== 'string' || v.length <= max) continue;
        if (field.endsWith('_JSON__c'))
            throw new RunRecordTooLongError(
                `MQL_Calibration_Run__c ${s.name}: ${field} is ${v.length} characters, the field holds ${max}`
            );
        // Names and one-line texts: the start says what it is; the rest is in the report.
        record[field] = `${v.slice(0, max - 1)}…`;
    }
    return record;
}

/**
 * The external id of a segment's run for an as-of date: the job upserts on it, so a rerun for the same date
 * replaces that run's record instead of adding one.
 */
export function runKey(segment: string, asOf: string): string {
    return `${segment}|${asOf}`;
}

/** One failed record of an sObject Collections call, with its position in the records sent. */
type CollectionFailure = { fullName: string; message: string; index: number };

async function collections(
    conn: SfConnection,
    method: 'POST' | 'PATCH',
    records: Record<string, unknown>[],
    /** `Type/ExternalIdField` to upsert on that field instead of updating by Id. */
    upsertOn?: string
): Promise<CollectionFailure[]> {
    const failures: CollectionFailure[] = [];
    for (let i = 0; i < records.length; i += 200) {
        const batch = records.slice(i, i + 200);
        const res = await conn.request<{ id?: string; success: boolean; errors: { message: string }[] }[]>({
            method,
            url: `/services/data/v${conn.version}/composite/sobjects${upsertOn ? `/${upsertOn}` : ''}`,
            body: JSON.stringify({ allOrNone: false, records: batch }),
            headers: { 'Content-Type': 'application/json' }
        });
        res.forEach((r, j) => {
            if (!r.success)
                failures.push({
                    fullName: String(batch[j].Id ?? batch[j].Segment__c ?? `record ${i + j}`),
                    message: r.errors.map((e) => e.message).join('; '),
                    index: i + j
                });
        });
    }
    return failures;
}

/**
 * Upserts this run's records on Run_Key__c (segment and as-of date: a rerun replaces, never adds), then clears
 * Is_Latest__c on every other latest run of each segment whose record went in — so every segment keeps exactly one
 * latest run even when some upserts fail, a segment this run did not cover keeps its own, and latest flags an
 * interrupted run left behind are cleared by the next one.
 */
export async function writeRunRecords(
    conn: SfConnection,
    records: Record<string, unknown>[]
): Promise<number> {
    const failures = await collections(conn, 'PATCH', records, 'MQL_Calibration_Run__c/Run_Key__c');
    const failed = new Set(failures.map((f) => f.index));
    const landed = records.filter((_, i) => !failed.has(i));
    const replaced = new Set(landed.map((r) => String(r.Segment__c)));
    const keys = new Set(landed.map((r) => String(r.Run_Key__c)));
    const latest = await restQueryAll<{ Id: string; Segment__c: string; Run_Key__c: string | null }>(
        conn,
        'SELECT Id, Segment__c, Run_Key__c FROM MQL_Calibration_Run__c WHERE Is_Latest__c = true'
    );
    const stale = latest.filter((p) => replaced.has(p.Segment__c) && !keys.has(String(p.Run_Key__c)));
    if (stale.length > 0) {
        failures.push(
            ...(await collections(
                conn,
                'PATCH',
                stale.map((p) => ({
                    attributes: { type: 'MQL_Calibration_Run__c' },
                    Id: p.Id,
                    Is_Latest__c: false
                }))
            ))
        );
    }
    if (failures.length > 0)
        throw new PartialWriteError(failures.map(({ fullName, message }) => ({ fullName, message })));
    return records.length;
}

/**
 * Leads stamped in one run at most. Every update fires the org's Lead triggers and flows, and Salesforce takes
 * 200 records a call: 100,000 stamps would be 500 calls and, in a busy org, hours of automation. What is left
 * is stamped by the following nights (the leads still read without a snapshot); the scores are rebuilt from
 * history meanwhile, so the analysis does not wait for the stamps.
 */
export const STAMP_LIMIT_PER_RUN = 10_000;

/** What stampLeads did: leads stamped, leads left for a later run, and stamp fields the user may not edit. */
export interface StampSummary {
    stamped: number;
    deferred: number;
    /** Scores the field cannot hold (more whole digits than its precision allows): never sent, so never refused. */
    unfit?: number;
    /** Stamp fields describe says this user cannot update; they were not sent (or, for the score, nothing was). */
    notEditable: string[];
}

/**
 * Stamps the score at handoff and its source — and a handoff date the source rebuilt, where the user may edit
 * Handoff_Date__c — on leads the source read without a snapshot, so the next run reads them as stamped. The
 * source lists only unconverted leads whose Score_At_Handoff__c was blank (a converted lead cannot be updated),
 * so a stamp is never overwritten and a rerun finds nothing to stamp. Describe decides what is sent: a field
 * the user cannot update is never in a request, and without edit on the score fields nothing is stamped. At
 * most `limit` leads a run.
 */
export async function stampLeads(
    conn: SfConnection,
    stamps: LeadStamp[],
    limit: number = STAMP_LIMIT_PER_RUN,
    /** Told how many stamps will be sent, once that is known (the write log's plan for the step). */
    planned?: (count: number) => void
): Promise<StampSummary> {
    if (stamps.length === 0) return { stamped: 0, deferred: 0, notEditable: [] };
    // Describe lists a field as updateable only when this user may edit it (field-level security included).
    const { fields } = (await conn.describe('Lead')) as {
        fields: { name: string; updateable?: boolean; precision?: number; scale?: number }[];
    };
    const updateable = new Set(fields.filter((f) => f.updateable).map((f) => f.name));
    // A score the field cannot hold would be refused every night, as the lead stays unstamped: left out instead.
    const target = fields.find((f) => f.name === 'Score_At_Handoff__c');
    const whole = target?.precision ? target.precision - (target.scale ?? 0) : Infinity;
    const fits = (score: number) => Math.abs(Number(score.toFixed(target?.scale ?? 0))) < 10 ** whole;
    const notEditable = ['Score_At_Handoff__c', 'Handoff_Score_Source__c', 'Handoff_Date__c'].filter(
        (f) => !updateable.has(f)
    );
    if (!updateable.has('Score_At_Handoff__c') || !updateable.has('Handoff_Score_Source__c'))
        return { stamped: 0, deferred: stamps.length, notEditable };
    const dated = updateable.has('Handoff_Date__c');
    const fitting = stamps.filter((s) => fits(s.score));
    const batch = fitting.slice(0, Math.max(0, limit));
    const records = batch.map((s) => ({
        attributes: { type: 'Lead' },
        Id: s.id,
        Score_At_Handoff__c: s.score,
        Handoff_Score_Source__c: s.source,
        ...(dated && s.handoffDate ? { Handoff_Date__c: s.handoffDate } : {})
    }));
    planned?.(records.length);
    const failures = await collections(conn, 'PATCH', records);
    if (failures.length > 0)
        throw new PartialWriteError(failures.map(({ fullName, message }) => ({ fullName, message })));
    const unfit = stamps.length - fitting.length;
    return {
        stamped: records.length,
        deferred: fitting.length - records.length,
        notEditable,
        ...(unfit > 0 ? { unfit } : {})
    };
}

/**
 * Sets MQL_Pilot_Group__c (Test / Control) on leads a running pilot put in a group and that do not carry that
 * group yet. Only that field is sent. Returns the number of leads written.
 */
export async function stampPilotGroups(
    conn: SfConnection,
    stamps: { id: string; group: 'Test' | 'Control' }[]
): Promise<number> {
    if (stamps.length === 0) return 0;
    const records = stamps.map((s) => ({
        attributes: { type: 'Lead' },
        Id: s.id,
        MQL_Pilot_Group__c: s.group
    }));
    const failures = await collections(conn, 'PATCH', records);
    if (failures.length > 0)
        throw new PartialWriteError(failures.map(({ fullName, message }) => ({ fullName, message })));
    return records.length;
}
