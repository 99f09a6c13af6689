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
import { PartialWriteError } from '../errors';
import { restQueryAll } from './bulk';
import type { RunSnapshot } from 'c/calibrationGovernance';
import type { SfConnection } from './connection';

/**
 * Each segment's runs of the last 400 days, oldest first: what governance compares with (the latest run), the
 * proposal a rejection refers to, and the threshold history behind the compression and staleness triggers.
 */
export async function readRunHistory(conn: SfConnection, asOf: string): Promise<Map<string, RunSnapshot[]>> {
    const since =
        new Date(Date.parse(`${asOf}T00:00:00Z`) - 400 * 86_400_000).toISOString().slice(0, 19) + 'Z';
    const rows = await restQueryAll<Record<string, string | number | null>>(
        conn,
        `SELECT Segment__c, Run_At__c, Active_Threshold__c, Recommended_Threshold__c, Status__c, Frozen_Until__c, Handed_Off__c, Rejection_Rate__c, Threshold_Change__c, Recommendation_JSON__c FROM MQL_Calibration_Run__c WHERE Run_At__c >= ${since} ORDER BY Run_At__c`
    );
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

export const orgSide: OrgSide = {
    async open(targetOrg, _base, override, asOf) {
        const conn = targetOrg ? await connectTargetOrg(targetOrg) : connectFromEnv();
        const orgLayer = await readOrgSettings(conn);
        const settings = resolveSettings(orgLayer, override);
        const read = await readPolicies(conn);
        const { rules } = read;
        // Governance: the run history gives the engine the freeze, threshold history and last calibration.
        const history = await readRunHistory(conn, asOf);
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
                        summary: `Dry run: nothing written. A real run would update ${result.segments.length} MQL_Threshold__mdt record(s) (recommendation fields only), insert ${records.length} MQL_Calibration_Run__c record(s)${opts.stamp ? ` and stamp ${source.stamps.length} lead(s)` : ''}${pilotStamps.length > 0 ? `, and set MQL_Pilot_Group__c on ${pilotStamps.length} lead(s)` : ''}.`
                    };
                }
                // Each kind of write is attempted even when an earlier one partly failed (a refused stamp must not
                // keep pilot leads out of their groups); the failures of all of them are reported together at the end.
                const failures: PartialWriteError['failures'] = [];
                const attempt = async <T>(write: () => Promise<T>, none: T): Promise<T> => {
                    try {
                        return await write();
                    } catch (e) {
                        if (!(e instanceof PartialWriteError)) throw e;
                        failures.push(...e.failures);
                        return none;
                    }
                };
                const md = await attempt(
                    () => writeRecommendations(conn, result.segments, result.generatedAt, frozen),
                    { upserted: [], unchanged: [] }
                );
                const runs = await attempt(() => writeRunRecords(conn, records), 0);
                const stamps = opts.stamp
                    ? await attempt(() => stampLeads(conn, source.stamps), null)
                    : { stamped: 0, deferred: 0, notEditable: [] };
                // Pilot groups are how a pilot routes: set whatever --no-stamp says, and only on leads with none yet.
                const grouped = await attempt(() => stampPilotGroups(conn, pilotStamps), 0);
                if (failures.length > 0) throw new PartialWriteError(failures);
                const stamped = stamps?.stamped ?? 0;
                const notes: string[] = [];
                if (stamps && stamps.deferred > 0)
                    notes.push(
                        stamps.stamped === 0 && stamps.notEditable.length > 0
                            ? `${stamps.deferred} not stamped: this user cannot edit ${stamps.notEditable.join(', ')}`
                            : `${stamps.deferred} more left for the next runs: at most ${STAMP_LIMIT_PER_RUN} a run`
                    );
                if (stamps?.unfit)
                    notes.push(`${stamps.unfit} with a score too large for Score_At_Handoff__c not stamped`);
                const later = notes.length > 0 ? ` (${notes.join('; ')})` : '';
                return {
                    mode: 'org',
                    summary: `${changes.size > 0 ? `Approved changes recorded: ${[...changes].map(([n, c]) => `${n} ${c.text}`).join(', ')}. ` : ''}Wrote recommendation fields on ${md.upserted.length} MQL_Threshold__mdt record(s) (${md.unchanged.length} unchanged), ${runs} MQL_Calibration_Run__c record(s), stamped ${stamped} lead(s)${later}${grouped > 0 ? `, and set MQL_Pilot_Group__c on ${grouped} lead(s)` : ''}. The active thresholds were not changed.`,
                    details: {
                        metadata: md,
                        runRecords: runs,
                        stamped,
                        stampsDeferred: stamps?.deferred ?? 0,
                        pilotGroups: grouped
                    }
                };
            },
            async close() {
                /* jsforce connections hold no sockets open between requests */
            }
        };
    }
};
