/**
 * The org side of a run, loaded only with --target-org (or SF_ACCESS_TOKEN + SF_INSTANCE_URL): connect, read the
 * org's settings and thresholds, stream its records, then write recommendations, run records and stamps.
 */
import type { OrgSide } from '../job/run';
import { resolveSettings } from '../config/settings';
import { connectFromEnv, connectTargetOrg } from './connection';
import { OrgSource, readOrgSettings, readPolicies } from '../sources/org';
import { runRecord, stampLeads, writeRecommendations, writeRunRecords } from './writes';
import { restQueryAll } from './bulk';
import { applyGovernance, type RunSnapshot, type ThresholdChange } from 'c/calibrationGovernance';
import type { SfConnection } from './connection';

/** The previous latest run of each segment (what governance compares with). */
async function readPreviousRuns(conn: SfConnection): Promise<Map<string, RunSnapshot>> {
    const rows = await restQueryAll<Record<string, string | number | null>>(
        conn,
        'SELECT Segment__c, Run_At__c, Active_Threshold__c, Recommended_Threshold__c, Frozen_Until__c FROM MQL_Calibration_Run__c WHERE Is_Latest__c = true'
    );
    const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
    return new Map(
        rows.map((r) => [
            String(r.Segment__c),
            {
                segment: String(r.Segment__c),
                runAt: String(r.Run_At__c ?? ''),
                activeThreshold: num(r.Active_Threshold__c),
                recommendedThreshold: num(r.Recommended_Threshold__c),
                frozenUntil: r.Frozen_Until__c ? String(r.Frozen_Until__c) : null
            }
        ])
    );
}

export const orgSide: OrgSide = {
    async open(targetOrg, _base, override, asOf) {
        const conn = targetOrg ? await connectTargetOrg(targetOrg) : connectFromEnv();
        const orgLayer = await readOrgSettings(conn);
        const settings = resolveSettings(orgLayer, override);
        const read = await readPolicies(conn);
        const { rules } = read;
        // Governance: compare with the previous run to detect an approved change and freeze the segment.
        const previous = await readPreviousRuns(conn);
        const changes = new Map<string, ThresholdChange>();
        const policies = read.policies.map((p) => {
            const g = applyGovernance(p, previous.get(p.name) ?? null, asOf, settings.engine);
            if (g.change) changes.set(p.name, g.change);
            return g.policy;
        });
        if (rules.length > 0 && !override?.segments) settings.engine.segmentRules = rules;
        const label = `org ${targetOrg ?? conn.instanceUrl}`;
        const pollIntervalMs = Number(process.env.SF_BULK_POLL_MS ?? 2000);
        const source = new OrgSource(conn, settings, policies, label, { pollIntervalMs });
        return {
            source,
            settings,
            async write(result, _policies, opts) {
                const bySegment = new Map(policies.map((p) => [p.name, p]));
                const records = result.segments.map((s) =>
                    runRecord(s, result, {
                        Status__c:
                            s.recommendation.threshold !== null
                                ? 'Pending review'
                                : (bySegment.get(s.name)?.status ?? null),
                        Frozen_Until__c: bySegment.get(s.name)?.frozenUntil ?? null,
                        Threshold_Change__c: changes.get(s.name)?.text ?? null
                    })
                );
                const frozen = new Map(
                    [...changes.keys()].map((name) => [name, bySegment.get(name)!.frozenUntil!])
                );
                if (opts.dryRun) {
                    return {
                        mode: 'none',
                        summary: `Dry run: nothing written. A real run would update ${result.segments.length} MQL_Threshold__mdt record(s) (recommendation fields only), insert ${records.length} MQL_Calibration_Run__c record(s)${opts.stamp ? ` and stamp ${source.stamps.length} lead(s)` : ''}.`
                    };
                }
                const md = await writeRecommendations(conn, result.segments, result.generatedAt, frozen);
                const runs = await writeRunRecords(conn, records);
                const stamped = opts.stamp ? await stampLeads(conn, source.stamps) : 0;
                return {
                    mode: 'org',
                    summary: `${changes.size > 0 ? `Approved changes recorded: ${[...changes].map(([n, c]) => `${n} ${c.text}`).join(', ')}. ` : ''}Wrote recommendation fields on ${md.upserted.length} MQL_Threshold__mdt record(s) (${md.unchanged.length} unchanged), ${runs} MQL_Calibration_Run__c record(s), and stamped ${stamped} lead(s). The active thresholds were not changed.`,
                    details: { metadata: md, runRecords: runs, stamped }
                };
            },
            async close() {
                /* jsforce connections hold no sockets open between requests */
            }
        };
    }
};
