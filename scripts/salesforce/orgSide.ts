/**
 * The org side of a run, loaded only with --target-org (or SF_ACCESS_TOKEN + SF_INSTANCE_URL): connect, read the
 * org's settings and thresholds, stream its records, then write recommendations, run records and stamps.
 */
import type { OrgSide } from '../job/run';
import { resolveSettings } from '../config/settings';
import { connectFromEnv, connectTargetOrg } from './connection';
import { OrgSource, readOrgSettings, readPolicies } from './orgSource';
import { runRecord, stampLeads, writeRecommendations, writeRunRecords } from './writes';

export const orgSide: OrgSide = {
    async open(targetOrg, _base, override) {
        const conn = targetOrg ? await connectTargetOrg(targetOrg) : connectFromEnv();
        const orgLayer = await readOrgSettings(conn);
        const settings = resolveSettings(orgLayer, override);
        const { policies, rules } = await readPolicies(conn);
        if (rules.length > 0 && !override?.segments) settings.engine.segmentRules = rules;
        const label = `org ${targetOrg ?? conn.instanceUrl}`;
        const pollIntervalMs = Number(process.env.SF_BULK_POLL_MS ?? 2000);
        const source = new OrgSource(conn, settings, policies, label, { pollIntervalMs });
        return {
            source,
            settings,
            async write(result, _policies, opts) {
                const records = result.segments.map((s) => runRecord(s, result));
                if (opts.dryRun) {
                    return {
                        mode: 'none',
                        summary: `Dry run: nothing written. A real run would update ${result.segments.length} MQL_Threshold__mdt record(s) (recommendation fields only), insert ${records.length} MQL_Calibration_Run__c record(s)${opts.stamp ? ` and stamp ${source.stamps.length} lead(s)` : ''}.`
                    };
                }
                const md = await writeRecommendations(conn, result.segments, result.generatedAt);
                const runs = await writeRunRecords(conn, records);
                const stamped = opts.stamp ? await stampLeads(conn, source.stamps) : 0;
                return {
                    mode: 'org',
                    summary: `Wrote recommendation fields on ${md.upserted.length} MQL_Threshold__mdt record(s) (${md.unchanged.length} unchanged), ${runs} MQL_Calibration_Run__c record(s), and stamped ${stamped} lead(s). The active thresholds were not changed.`,
                    details: { metadata: md, runRecords: runs, stamped }
                };
            },
            async close() {
                /* jsforce connections hold no sockets open between requests */
            }
        };
    }
};
