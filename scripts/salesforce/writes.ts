/**
 * Writes to the org, all through explicit allow-lists: the recommendation fields of MQL_Threshold__mdt (never the
 * active threshold, which admins own), one MQL_Calibration_Run__c per segment, and score stamps on leads that lack
 * one. Every result is checked; failures are collected and reported together as a PartialWriteError.
 */
import type { SegmentResult } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type { JobResult } from '../report/report';
import { recommendationValues } from '../output/metadataFolder';
import type { SfConnection } from './connection';
import type { LeadStamp } from '../sources/org';
import { restQueryAll } from './bulk';
import { PartialWriteError } from '../errors';

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

const same = (a: unknown, b: unknown): boolean =>
    ((a as { '': string } | null)?.[''] ?? null) === ((b as { '': string } | null)?.[''] ?? null);

export interface MetadataWriteSummary {
    upserted: string[];
    unchanged: string[];
}

/**
 * Upserts the recommendation fields of each segment's MQL_Threshold__mdt record. A CustomMetadata upsert replaces
 * the whole record, so each record is read first and every field the job does not own — the active threshold
 * included — is written back exactly as read. Batches of 10; every result checked.
 */
export async function writeRecommendations(
    conn: SfConnection,
    segments: SegmentResult[],
    runAt: string,
    frozenUntil: Map<string, string> = new Map()
): Promise<MetadataWriteSummary> {
    const fullNames = segments.map((s) => `MQL_Threshold.${s.name}`);
    const read = [await conn.metadata.read('CustomMetadata', fullNames)].flat() as MdRecord[];
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
    for (let i = 0; i < records.length; i += 10) {
        const results = [await conn.metadata.upsert('CustomMetadata', records.slice(i, i + 10))].flat() as {
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
    result: Pick<JobResult, 'asOf' | 'source' | 'generatedAt' | 'segments' | 'governance' | 'pilots'>
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

/** The MQL_Calibration_Run__c record of one segment, as the dashboard reads it. */
export function runRecord(
    s: SegmentResult,
    result: Pick<JobResult, 'asOf' | 'source' | 'generatedAt'> &
        Partial<Pick<JobResult, 'governance' | 'pilots'>>,
    extra: Record<string, unknown> = {}
): Record<string, unknown> {
    const active = s.scenarios.find((c) => c.label === 'Active');
    return {
        attributes: { type: 'MQL_Calibration_Run__c' },
        Name: `${s.name} ${result.asOf}`.slice(0, 80),
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
        Bands_JSON__c: JSON.stringify(s.bands),
        Fine_Bands_JSON__c: JSON.stringify(s.fineBands),
        Scenarios_JSON__c: JSON.stringify(s.scenarios),
        Triggers_JSON__c: JSON.stringify(s.triggers),
        Details_JSON__c: JSON.stringify({
            paths: s.paths,
            diagnostics: s.diagnostics,
            sample: s.sample,
            governance: result.governance?.find((g) => g.segment === s.name) ?? null,
            pilots: (result.pilots ?? []).filter((p) => p.config.segment === s.name)
        }),
        ...extra
    };
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
 * Stamps the score at handoff and its source — and the handoff date of a converted lead that had none — on
 * leads the source read without a snapshot, so the next run reads them as stamped. The source only lists leads
 * whose Score_At_Handoff__c was blank, so a stamp is never overwritten, and a rerun finds nothing to stamp.
 */
export async function stampLeads(conn: SfConnection, stamps: LeadStamp[]): Promise<number> {
    const records = stamps.map((s) => ({
        attributes: { type: 'Lead' },
        Id: s.id,
        Score_At_Handoff__c: s.score,
        Handoff_Score_Source__c: s.source,
        ...(s.handoffDate ? { Handoff_Date__c: s.handoffDate } : {})
    }));
    const failures = await collections(conn, 'PATCH', records);
    if (failures.length > 0)
        throw new PartialWriteError(failures.map(({ fullName, message }) => ({ fullName, message })));
    return records.length;
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
