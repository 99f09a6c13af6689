/**
 * Fixture data for the dashboard, shaped exactly like the GraphQL answers in the org: the latest-runs query built
 * from the job's own analysis and run records (scripts/job/analysis.ts, scripts/salesforce/writes.ts) on a generated org, and the live-figures
 * aggregates counted from the same org's leads.
 */
import { generateOrg, demoOrgSpec, type OrgSpec } from '../scripts/synthetic/generator';
import { defaultSettings } from '../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { startAnalysis } from '../scripts/job/analysis';
import { runRecordsFor } from '../scripts/salesforce/writes';

/** The latestRuns GraphQL answer for a generated org (the demo by default). */
export function latestRunsFixture(spec: OrgSpec = demoOrgSpec()): { data: unknown; leads: number } {
    const org = generateOrg({ ...spec, snapshotShare: 1 });
    // The job's own analysis (engine, pilots, governance) and run-record mapping, fed the generated records.
    const analysis = startAnalysis({
        policies: org.policies,
        pilots: org.pilots,
        settings: defaultSettings(),
        asOf: org.asOf,
        history: null
    });
    for (const o of org.opportunities) analysis.sink.addOpportunity(o);
    for (const l of org.leads) analysis.sink.addLead(l);
    const { calibration, governance, pilots } = analysis.finish();
    const records = runRecordsFor({
        asOf: org.asOf,
        source: { kind: 'demo', label: 'demo' },
        generatedAt: `${org.asOf}T02:00:00.000Z`,
        segments: calibration.segments,
        governance,
        pilots
    });
    const edges = records.map((rec, i) => {
        const node: Record<string, unknown> = { Id: `a01${String(i + 1).padStart(15, '0')}` };
        for (const [k, v] of Object.entries(rec)) if (k !== 'attributes') node[k] = { value: v };
        return { node };
    });
    // The query orders by Segment__c, as the org would.
    edges.sort((a, b) =>
        String((a.node.Segment__c as { value: string }).value).localeCompare(
            String((b.node.Segment__c as { value: string }).value)
        )
    );
    return { data: { uiapi: { query: { MQL_Calibration_Run__c: { edges } } } }, leads: org.leads.length };
}

/** The liveFigures aggregate answer, counted from the demo org's leads as of its date. */
export function liveFiguresFixture(spec: OrgSpec = demoOrgSpec()): unknown {
    return liveFixtures(spec).liveFigures;
}

/**
 * The live aggregates of one generated org: the liveFigures answer and the pipeline answer (segments in the order
 * the dashboard fills the slots: the latest runs' order, by segment name), counted from its leads and opportunities.
 */
export function liveFixtures(spec: OrgSpec = demoOrgSpec()): { liveFigures: unknown; pipeline: unknown } {
    const org = generateOrg(spec);
    const asOf = Date.parse(`${org.asOf}T23:59:59Z`);
    const monthStart = Date.parse(`${org.asOf.slice(0, 7)}-01T00:00:00Z`);
    const since = asOf - 90 * 86_400_000;
    const t = (d: string | null) => (d ? Date.parse(d.replace('+0000', 'Z')) : NaN);
    const recent = org.leads.filter((l) => t(l.handoffDate) >= since);
    const group = (key: (l: (typeof recent)[0]) => string | null, rows: typeof recent, field: string) => {
        const m = new Map<string, number>();
        for (const l of rows) {
            const k = key(l);
            if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
        }
        return {
            edges: [...m.entries()]
                .sort()
                .map(([k, n]) => ({
                    node: { aggregate: { [field]: { value: k }, Id: { count: { value: n } } } }
                }))
        };
    };
    const total = (n: number) => ({ edges: [{ node: { aggregate: { Id: { count: { value: n } } } } }] });
    const opportunities = new Map(org.opportunities.map((o) => [o.id, o]));
    const pipeline: Record<string, unknown> = {};
    [...new Set(org.leads.map((l) => l.segment ?? ''))].sort().forEach((segment, i) => {
        const mqls = recent.filter((l) => l.segment === segment);
        const groups = new Map<boolean, { n: number; amount: number }>();
        for (const l of mqls) {
            const o = l.opportunityId ? opportunities.get(l.opportunityId) : undefined;
            if (!o) continue;
            const g = groups.get(o.isWon) ?? { n: 0, amount: 0 };
            g.n++;
            g.amount += o.amount ?? 0;
            groups.set(o.isWon, g);
        }
        pipeline[`mqls${i + 1}`] = total(mqls.length);
        pipeline[`opps${i + 1}`] = {
            edges: [...groups.entries()].map(([won, g]) => ({
                node: {
                    aggregate: {
                        IsWon: { value: won },
                        Id: { count: { value: g.n } },
                        Amount: { sum: { value: g.amount } }
                    }
                }
            }))
        };
    });
    const liveFigures = {
        uiapi: {
            aggregate: {
                handoffs90: total(recent.length),
                thisMonth: total(org.leads.filter((l) => t(l.handoffDate) >= monthStart).length),
                rejected90: total(recent.filter((l) => l.rejectionReason).length),
                bySource: group((l) => l.leadSource ?? null, recent, 'LeadSource'),
                sqlBySource: group(
                    (l) => l.leadSource ?? null,
                    recent.filter((l) => l.qualified),
                    'LeadSource'
                ),
                reasons: group((l) => l.rejectionReason ?? null, recent, 'Rejection_Reason__c')
            }
        }
    };
    return { liveFigures, pipeline: { uiapi: { aggregate: pipeline } } };
}

/**
 * The liveThresholds answer: each segment's MQL_Threshold__mdt record as the job leaves it after the run (active
 * threshold unchanged, the recommendation and status written), from the same run records.
 */
export function thresholdsFixture(latestRuns: unknown): unknown {
    type Field = { value: unknown };
    const edges = (
        latestRuns as {
            uiapi: { query: { MQL_Calibration_Run__c: { edges: { node: Record<string, Field> }[] } } };
        }
    ).uiapi.query.MQL_Calibration_Run__c.edges;
    return {
        uiapi: {
            query: {
                MQL_Threshold__mdt: {
                    edges: edges.map(({ node }, i) => ({
                        node: {
                            Id: `m0A${String(i + 1).padStart(15, '0')}`,
                            DeveloperName: node.Segment__c,
                            Active_Threshold__c: node.Active_Threshold__c,
                            Recommended_Threshold__c: node.Recommended_Threshold__c,
                            Recommended_Low__c: node.Recommended_Low__c,
                            Recommended_High__c: node.Recommended_High__c,
                            Recommendation_Status__c: node.Status__c,
                            Recommendation_Reason__c: node.Recommendation_Reason__c,
                            Rationale__c: { value: null },
                            Recommended_On__c: node.Run_At__c,
                            Frozen_Until__c: node.Frozen_Until__c
                        }
                    }))
                }
            }
        }
    };
}
