/**
 * The org side of a run, loaded only with --target-org (or SF_ACCESS_TOKEN + SF_INSTANCE_URL): connect, read the
 * org's settings and thresholds, stream its records, then write recommendations, run records and stamps.
 */
import type { OrgSide } from '../job/run';
import { resolveSettings } from '../config/settings';
import { connectFromEnv, connectTargetOrg } from './connection';
import { OrgSource, readOrgSettings, readPolicies } from '../sources/org';
import {
    runRecordsFor,
    stampLeads,
    stampPilotGroups,
    writeRecommendations,
    writeRunRecords,
    STAMP_LIMIT_PER_RUN
} from './writes';
import { restQueryAll } from './bulk';
import type { RunSnapshot } from 'c/calibrationGovernance';
import type { SfConnection } from './connection';
import { retryPolicy, retrying } from './retry';
import { failureLine, WriteLog } from './writeLog';
import { OrgAccessError, OrgWriteError, PartialWriteError } from '../errors';

/** The most runs of one segment governance reads: a year of nightly runs and then some. */
export const HISTORY_RUNS_PER_SEGMENT = 400;

/** The run-record fields governance reads back. */
const HISTORY_FIELDS = [
    'Segment__c',
    'Run_At__c',
    'As_Of__c',
    'Active_Threshold__c',
    'Recommended_Threshold__c',
    'Status__c',
    'Frozen_Until__c',
    'Handed_Off__c',
    'Rejection_Rate__c',
    'Threshold_Change__c',
    'Recommendation_JSON__c'
];

/**
 * Each segment's runs before `asOf` within the last 400 days, oldest first: what governance compares with (the
 * latest run), the proposal a rejection refers to, and the threshold history behind the compression and
 * staleness triggers. Read per segment, newest first, at most HISTORY_RUNS_PER_SEGMENT each, so the read stays
 * small however many segments and years the org has. Runs for `asOf` itself are left out: a rerun for the same
 * date is judged against what the first run was judged against, and so writes the same record.
 */
export async function readRunHistory(
    conn: SfConnection,
    asOf: string,
    segments: string[]
): Promise<Map<string, RunSnapshot[]>> {
    const since =
        new Date(Date.parse(`${asOf}T00:00:00Z`) - 400 * 86_400_000).toISOString().slice(0, 19) + 'Z';
    const rows: Record<string, string | number | null>[] = [];
    for (const segment of segments) {
        // DeveloperNames are letters, digits and underscores; anything else never reaches SOQL.
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(segment)) continue;
        rows.push(
            ...(await restQueryAll<Record<string, string | number | null>>(
                conn,
                `SELECT ${HISTORY_FIELDS.join(', ')} FROM MQL_Calibration_Run__c WHERE Segment__c = '${segment}' AND As_Of__c < ${asOf} AND Run_At__c >= ${since} ORDER BY Run_At__c DESC LIMIT ${HISTORY_RUNS_PER_SEGMENT}`
            ))
        );
    }
    const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
    const out = new Map<string, RunSnapshot[]>();
    for (const r of rows) {
        let rec: { expectedRejectionRate?: number | null; rationale?: string } = {};
        try {
            rec = r.Recommendation_JSON__c ? JSON.parse(String(r.Recommendation_JSON__c)) : {};
        } catch {
            rec = {}; // a hand-edited record: governance falls back to "no comparable evidence"
        }
        const rate = num(r.Rejection_Rate__c);
        const snap: RunSnapshot = {
            segment: String(r.Segment__c),
            runAt: String(r.Run_At__c ?? ''),
            activeThreshold: num(r.Active_Threshold__c),
            recommendedThreshold: num(r.Recommended_Threshold__c),
            status: (r.Status__c as RunSnapshot['status']) || null,
            frozenUntil: r.Frozen_Until__c ? String(r.Frozen_Until__c) : null,
            handedOff: num(r.Handed_Off__c),
            rejectionRate: rate === null ? null : rate / 100,
            expectedRejectionRate: rec.expectedRejectionRate ?? null,
            rationale: rec.rationale ?? null,
            thresholdChange: r.Threshold_Change__c ? String(r.Threshold_Change__c) : null
        };
        const list = out.get(snap.segment) ?? [];
        list.push(snap);
        out.set(snap.segment, list);
    }
    for (const list of out.values()) list.sort((a, b) => a.runAt.localeCompare(b.runAt));
    return out;
}

/** A field the run reads or writes, and why, for the checks before the run. */
interface FieldNeed {
    sobject: string;
    field: string;
    edit: boolean;
    /** The job may create records with it (run records are upserted; leads are only ever updated). */
    create?: boolean;
    why: string;
}

/**
 * Checks, against describe, that the job's user can read every field `needs` lists and edit those it writes.
 * A field without read access is absent from describe (field-level security hides it); one it cannot edit is
 * listed with `updateable: false`. Run before any record is read or written: a Score_At_Handoff__c the job
 * cannot see would make every lead look unstamped, and the run would try to stamp them all.
 */
export async function checkFieldAccess(conn: SfConnection, needs: FieldNeed[]): Promise<void> {
    const described = new Map<string, Map<string, { updateable?: boolean; createable?: boolean }>>();
    for (const sobject of [...new Set(needs.map((n) => n.sobject))]) {
        const d = await conn.describe(sobject).catch((e: Error & { errorCode?: string }) => {
            if (/NOT_FOUND|INVALID_TYPE/.test(`${e.errorCode ?? e.name} ${e.message}`)) return null;
            throw e;
        });
        if (!d)
            throw new OrgAccessError(
                `${sobject}: the job's user cannot see this object (describe does not find it); deploy force-app and assign the MQL_Calibration_Job permission set`
            );
        described.set(sobject, new Map(d.fields.map((f) => [f.name, f])));
    }
    for (const n of needs) {
        const f = described.get(n.sobject)!.get(n.field);
        if (!f)
            throw new OrgAccessError(
                `${n.sobject}.${n.field}: the job's user cannot read this field (describe does not list it); ${n.why}. Assign the MQL_Calibration_Job permission set (or deploy force-app)`
            );
        if (n.edit && (f.updateable === false || (n.create && f.createable === false)))
            throw new OrgAccessError(
                `${n.sobject}.${n.field}: the job's user cannot edit this field; ${n.why}. Assign the MQL_Calibration_Job permission set, or run with --dry-run`
            );
    }
}

/** The fields a run needs, by what it will do: read always, edit only what this run will write. */
function fieldNeeds(opts: { dryRun: boolean; stamp: boolean; pilots: boolean }): FieldNeed[] {
    const write = !opts.dryRun;
    const stamp = write && opts.stamp;
    const lead = (field: string, edit: boolean, why: string) => ({ sobject: 'Lead', field, edit, why });
    const run = (field: string) => ({
        sobject: 'MQL_Calibration_Run__c',
        field,
        edit: write,
        create: write,
        why: 'the job reads its earlier runs and writes one per segment'
    });
    const unstamped = 'without it every lead looks unstamped';
    return [
        lead('Score_At_Handoff__c', stamp, unstamped),
        lead('Handoff_Score_Source__c', stamp, unstamped),
        // Read, not edit: a stamp carries the handoff date only where this user may edit it (writes.ts asks describe).
        lead('Handoff_Date__c', false, 'it says which leads were handed off'),
        ...(opts.pilots ? [lead('MQL_Pilot_Group__c', write, 'a running pilot sets it on new leads')] : []),
        ...[...HISTORY_FIELDS, 'Is_Latest__c', 'Run_Key__c'].map(run),
        ...(write ? RUN_RECORD_FIELDS.filter((f) => !HISTORY_FIELDS.includes(f)).map(run) : [])
    ];
}

/** Every field of MQL_Calibration_Run__c the job writes (the keys of writes.ts's runRecord). */
const RUN_RECORD_FIELDS = [
    'Name',
    'Segment__c',
    'Run_Key__c',
    'Run_At__c',
    'As_Of__c',
    'Source__c',
    'Is_Latest__c',
    'Active_Threshold__c',
    'Recommended_Threshold__c',
    'Recommended_Low__c',
    'Recommended_High__c',
    'Recommendation_Reason__c',
    'Handed_Off__c',
    'Won__c',
    'Rejection_Rate__c',
    'SQL_Rate__c',
    'Trigger_Count__c',
    'Recommendation_JSON__c',
    'Bands_JSON__c',
    'Fine_Bands_JSON__c',
    'Scenarios_JSON__c',
    'Triggers_JSON__c',
    'Details_JSON__c',
    'Status__c',
    'Frozen_Until__c',
    'Threshold_Change__c'
];

export const orgSide: OrgSide = {
    async open(targetOrg, _base, override, asOf, mode) {
        const policy = retryPolicy();
        const raw = targetOrg ? await connectTargetOrg(targetOrg) : connectFromEnv();
        const conn = retrying(raw, policy);
        const orgLayer = await readOrgSettings(conn);
        const settings = resolveSettings(orgLayer, override);
        const read = await readPolicies(conn);
        const { rules } = read;
        await checkFieldAccess(
            conn,
            fieldNeeds({ ...mode, pilots: read.pilots.length > 0 || settings.pilots.length > 0 })
        );
        // Governance: the run history gives the engine the freeze, threshold history and last calibration.
        const history = await readRunHistory(
            conn,
            asOf,
            read.policies.map((p) => p.name)
        );
        const policies = read.policies; // run.ts prepares them with the history
        if (rules.length > 0 && !override?.segments) settings.engine.segmentRules = rules;
        const label = `org ${targetOrg ?? conn.instanceUrl}`;
        const pollIntervalMs = Number(process.env.SF_BULK_POLL_MS ?? 2000);
        const source = new OrgSource(conn, settings, policies, label, { pollIntervalMs });
        source.pilots = read.pilots;
        return {
            source,
            settings,
            governance: { policies: read.policies, history },
            async write(result, _policies, opts) {
                const gov = new Map((result.governance ?? []).map((g) => [g.segment, g]));
                const changes = new Map(
                    [...gov.values()].filter((g) => g.change !== null).map((g) => [g.segment, g.change!])
                );
                const records = runRecordsFor(result);
                const frozen = new Map(
                    [...changes.keys()].map((name) => [name, gov.get(name)!.frozenUntil!])
                );
                const pilotStamps = opts.pilotStamps ?? [];
                if (opts.dryRun) {
                    return {
                        mode: 'none',
                        summary: `Dry run: nothing written. A real run would update ${result.segments.length} MQL_Threshold__mdt record(s) (recommendation fields only), upsert ${records.length} MQL_Calibration_Run__c record(s)${opts.stamp ? ` and stamp ${source.stamps.length} lead(s)` : ''}${pilotStamps.length > 0 ? `, and set MQL_Pilot_Group__c on ${pilotStamps.length} lead(s)` : ''}.`
                    };
                }
                // Every write goes through a connection that retries what is safe to retry and logs what landed.
                const log = new WriteLog();
                const w = retrying(raw, policy, log);
                log.plan('runRecords', records.length);
                log.plan('pilotGroups', pilotStamps.length);
                // Each kind of write is attempted even when an earlier one had records refused (a refused stamp must
                // not keep pilot leads out of their groups, nor a refused upsert the run records); a call that fails
                // whole after its retries (an outage, an expired session) stops the writes there. Either way the run
                // ends with the write log.
                let refused: PartialWriteError | null = null;
                const attempt = async <T>(write: () => Promise<T>, none: T): Promise<T> => {
                    try {
                        return await write();
                    } catch (e) {
                        if (!(e instanceof PartialWriteError)) throw e;
                        refused ??= e;
                        return none;
                    }
                };
                let md: Awaited<ReturnType<typeof writeRecommendations>>;
                let runs: number;
                let stamps: Awaited<ReturnType<typeof stampLeads>>;
                let grouped: number;
                try {
                    const written = await attempt(
                        () => writeRecommendations(w, result.segments, result.generatedAt, frozen),
                        null
                    );
                    // What was meant to be upserted is known only when the step answered whole; else the log counts
                    // what was sent.
                    if (written) log.plan('metadata', written.upserted.length);
                    md = written ?? { upserted: [], unchanged: [] };
                    runs = await attempt(() => writeRunRecords(w, records), 0);
                    stamps = opts.stamp
                        ? await attempt(
                              () => stampLeads(w, source.stamps, STAMP_LIMIT_PER_RUN, (n) => log.plan('leadStamps', n)),
                              { stamped: 0, deferred: 0, notEditable: [] }
                          )
                        : { stamped: 0, deferred: 0, notEditable: [] };
                    // Pilot groups are how a pilot routes: set whatever --no-stamp says, and only on leads with none yet.
                    grouped = await attempt(() => stampPilotGroups(w, pilotStamps), 0);
                    if (refused) throw refused;
                } catch (e) {
                    const steps = log.finish(e);
                    throw new OrgWriteError(failureLine(steps), steps);
                }
                const stamped = stamps.stamped;
                const notes: string[] = [];
                if (stamps.deferred > 0)
                    notes.push(
                        stamps.stamped === 0 && stamps.notEditable.length > 0
                            ? `${stamps.deferred} not stamped: this user cannot edit ${stamps.notEditable.join(', ')}`
                            : `${stamps.deferred} more left for the next runs: at most ${STAMP_LIMIT_PER_RUN} a run`
                    );
                if (stamps.unfit) notes.push(`${stamps.unfit} with a score too large for Score_At_Handoff__c not stamped`);
                const later = notes.length > 0 ? ` (${notes.join('; ')})` : '';
                return {
                    mode: 'org',
                    summary: `${changes.size > 0 ? `Approved changes recorded: ${[...changes].map(([n, c]) => `${n} ${c.text}`).join(', ')}. ` : ''}Wrote recommendation fields on ${md.upserted.length} MQL_Threshold__mdt record(s) (${md.unchanged.length} unchanged), ${runs} MQL_Calibration_Run__c record(s) (one per segment for ${result.asOf}, replaced on a rerun), stamped ${stamped} lead(s)${later}${grouped > 0 ? `, and set MQL_Pilot_Group__c on ${grouped} lead(s)` : ''}. The active thresholds were not changed.`,
                    details: {
                        metadata: md,
                        runRecords: runs,
                        stamped,
                        stampsDeferred: stamps.deferred,
                        pilotGroups: grouped
                    },
                    log: log.finish()
                };
            },
            async close() {
                /* jsforce connections hold no sockets open between requests */
            }
        };
    }
};
