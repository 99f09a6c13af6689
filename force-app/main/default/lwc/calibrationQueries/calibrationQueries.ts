/**
 * Service module: the dashboard's GraphQL documents and the mappers from GraphQL shapes to engine types.
 * Run records carry the engine's own JSON (bands, one-point bands, scenarios, triggers), so nothing here re-derives
 * a figure; live figures come from server-side aggregates, never from paging leads into the browser.
 */
import { gql } from 'lightning/graphql';
import type { Band, FineBand, Recommendation, Scenario, Trigger, PathSummary } from 'c/calibrationEngine';
import type { PilotReport, SegmentGovernance } from 'c/calibrationGovernance';

/** The latest calibration run of every segment. */
export const LATEST_RUNS_QUERY = gql`
    query latestRuns {
        uiapi {
            query {
                MQL_Calibration_Run__c(where: { Is_Latest__c: { eq: true } }, orderBy: { Segment__c: { order: ASC } }, first: 50) {
                    edges {
                        node {
                            Id
                            Segment__c { value }
                            As_Of__c { value }
                            Run_At__c { value }
                            Source__c { value }
                            Active_Threshold__c { value }
                            Recommended_Threshold__c { value }
                            Recommendation_Reason__c { value }
                            Status__c { value }
                            Frozen_Until__c { value }
                            Handed_Off__c { value }
                            Won__c { value }
                            Recommendation_JSON__c { value }
                            Bands_JSON__c { value }
                            Fine_Bands_JSON__c { value }
                            Scenarios_JSON__c { value }
                            Triggers_JSON__c { value }
                            Details_JSON__c { value }
                        }
                    }
                }
            }
        }
    }
`;

/** Every run, oldest first, for each segment's threshold over time (the job writes one a segment a night). */
export const RUN_HISTORY_QUERY = gql`
    query runHistory($limit: Int) {
        uiapi {
            query {
                MQL_Calibration_Run__c(orderBy: { Run_At__c: { order: ASC } }, first: $limit) {
                    edges {
                        node {
                            Id
                            Segment__c { value }
                            As_Of__c { value }
                            Active_Threshold__c { value }
                            Recommended_Threshold__c { value }
                            Rejection_Rate__c { value }
                            SQL_Rate__c { value }
                            Threshold_Change__c { value }
                        }
                    }
                }
            }
        }
    }
`;

/** One point of a segment's threshold history. */
export interface HistoryPoint {
    id: string;
    segment: string;
    asOf: string | null;
    activeThreshold: number | null;
    recommendedThreshold: number | null;
    rejectionRate: number | null;
    sqlRate: number | null;
    change: string | null;
}

/** Maps the runHistory result (percent fields arrive as 0-100). */
export function toHistory(data: unknown): HistoryPoint[] {
    const edges = ((data as { uiapi?: { query?: { MQL_Calibration_Run__c?: { edges?: { node: Node }[] } } } })?.uiapi?.query?.MQL_Calibration_Run__c?.edges ?? []) as { node: Node }[];
    const pctOf = (n: number | null) => (n === null ? null : n / 100);
    return edges.map(({ node }) => ({
        id: node.Id,
        segment: v<string>(node, 'Segment__c') ?? '',
        asOf: v<string>(node, 'As_Of__c'),
        activeThreshold: v<number>(node, 'Active_Threshold__c'),
        recommendedThreshold: v<number>(node, 'Recommended_Threshold__c'),
        rejectionRate: pctOf(v<number>(node, 'Rejection_Rate__c')),
        sqlRate: pctOf(v<number>(node, 'SQL_Rate__c')),
        change: v<string>(node, 'Threshold_Change__c')
    }));
}

/** Live figures since the run: server-side aggregates over Lead (counts grouped by picklists only). */
export const LIVE_FIGURES_QUERY = gql`
    query liveFigures($monthStart: DateTime, $since: DateTime) {
        uiapi {
            aggregate {
                thisMonth: Lead(where: { Handoff_Date__c: { gte: { value: $monthStart } } }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                rejected90: Lead(where: { and: [{ Handoff_Date__c: { gte: { value: $since } } }, { Rejection_Reason__c: { ne: null } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                bySource: Lead(where: { Handoff_Date__c: { gte: { value: $since } } }, groupBy: { LeadSource: { group: true } }) {
                    edges { node { aggregate { LeadSource { value } Id { count { value } } } } }
                }
                sqlBySource: Lead(where: { and: [{ Handoff_Date__c: { gte: { value: $since } } }, { IsConverted: { eq: true } }] }, groupBy: { LeadSource: { group: true } }) {
                    edges { node { aggregate { LeadSource { value } Id { count { value } } } } }
                }
                reasons: Lead(where: { and: [{ Handoff_Date__c: { gte: { value: $since } } }, { Rejection_Reason__c: { ne: null } }] }, groupBy: { Rejection_Reason__c: { group: true } }) {
                    edges { node { aggregate { Rejection_Reason__c { value } Id { count { value } } } } }
                }
            }
        }
    }
`;

/** One segment's latest run, in engine types. */
export interface SegmentRun {
    id: string;
    segment: string;
    asOf: string | null;
    runAt: string | null;
    source: string | null;
    activeThreshold: number | null;
    status: string | null;
    frozenUntil: string | null;
    handedOff: number;
    won: number;
    recommendation: Recommendation | null;
    bands: Band[];
    fineBands: FineBand[];
    scenarios: Scenario[];
    triggers: Trigger[];
    paths: PathSummary[];
    diagnostics: Record<string, unknown>;
    /** What governance decided this run (Details_JSON__c.governance); null on records written before it. */
    governance: SegmentGovernance | null;
    /** The segment's threshold pilots (Details_JSON__c.pilots). */
    pilots: PilotReport[];
}

export interface LiveFigures {
    handoffsThisMonth: number;
    handoffs90: number;
    rejected90: number;
    rejectionRate90: number | null;
    sources: { source: string; handedOff: number; sqls: number; sqlRate: number | null }[];
    reasons: { reason: string; count: number; share: number }[];
}

type Field<T> = { value: T } | null | undefined;
type Node = Record<string, unknown> & { Id: string };

function v<T>(node: Node, name: string): T | null {
    const f = node[name] as Field<T>;
    return f && f.value !== undefined ? f.value : null;
}

function parse<T>(node: Node, name: string, fallback: T): T {
    const text = v<string>(node, name);
    if (!text) return fallback;
    try {
        return JSON.parse(text) as T;
    } catch {
        return fallback;
    }
}

/** Maps the latestRuns result to runs, one per segment. */
export function toRuns(data: unknown): SegmentRun[] {
    const edges = ((data as { uiapi?: { query?: { MQL_Calibration_Run__c?: { edges?: { node: Node }[] } } } })?.uiapi?.query?.MQL_Calibration_Run__c?.edges ?? []) as { node: Node }[];
    return edges.map(({ node }) => {
        const details = parse<{ paths?: PathSummary[]; diagnostics?: Record<string, unknown>; governance?: SegmentGovernance | null; pilots?: PilotReport[] }>(node, 'Details_JSON__c', {});
        return {
            id: node.Id,
            segment: v<string>(node, 'Segment__c') ?? '(unnamed)',
            asOf: v<string>(node, 'As_Of__c'),
            runAt: v<string>(node, 'Run_At__c'),
            source: v<string>(node, 'Source__c'),
            activeThreshold: v<number>(node, 'Active_Threshold__c'),
            status: v<string>(node, 'Status__c'),
            frozenUntil: v<string>(node, 'Frozen_Until__c'),
            handedOff: v<number>(node, 'Handed_Off__c') ?? 0,
            won: v<number>(node, 'Won__c') ?? 0,
            recommendation: parse<Recommendation | null>(node, 'Recommendation_JSON__c', null),
            bands: parse<Band[]>(node, 'Bands_JSON__c', []),
            fineBands: parse<FineBand[]>(node, 'Fine_Bands_JSON__c', []),
            scenarios: parse<Scenario[]>(node, 'Scenarios_JSON__c', []),
            triggers: parse<Trigger[]>(node, 'Triggers_JSON__c', []),
            paths: details.paths ?? [],
            diagnostics: details.diagnostics ?? {},
            governance: details.governance ?? null,
            pilots: Array.isArray(details.pilots) ? details.pilots : []
        };
    });
}

type AggEdge = { node: { aggregate: Record<string, { value?: unknown; count?: { value: number } }> } };

function edgesOf(data: unknown, alias: string): AggEdge[] {
    return ((data as { uiapi?: { aggregate?: Record<string, { edges?: AggEdge[] }> } })?.uiapi?.aggregate?.[alias]?.edges ?? []) as AggEdge[];
}

function count(e: AggEdge): number {
    return Number(e.node.aggregate.Id?.count?.value ?? 0);
}

/** Maps the liveFigures aggregates. */
export function toLiveFigures(data: unknown): LiveFigures {
    const total = (alias: string) => edgesOf(data, alias).reduce((s, e) => s + count(e), 0);
    const bySource = new Map<string, { handedOff: number; sqls: number }>();
    for (const e of edgesOf(data, 'bySource')) bySource.set(String(e.node.aggregate.LeadSource?.value ?? '(none)'), { handedOff: count(e), sqls: 0 });
    for (const e of edgesOf(data, 'sqlBySource')) {
        const key = String(e.node.aggregate.LeadSource?.value ?? '(none)');
        const row = bySource.get(key) ?? { handedOff: 0, sqls: 0 };
        row.sqls = count(e);
        bySource.set(key, row);
    }
    const handoffs90 = [...bySource.values()].reduce((s, r) => s + r.handedOff, 0);
    const rejected90 = total('rejected90');
    const reasonEdges = edgesOf(data, 'reasons');
    const reasonTotal = reasonEdges.reduce((s, e) => s + count(e), 0);
    return {
        handoffsThisMonth: total('thisMonth'),
        handoffs90,
        rejected90,
        rejectionRate90: handoffs90 > 0 ? rejected90 / handoffs90 : null,
        sources: [...bySource.entries()]
            .map(([source, r]) => ({ source, handedOff: r.handedOff, sqls: r.sqls, sqlRate: r.handedOff > 0 ? r.sqls / r.handedOff : null }))
            .sort((a, b) => b.handedOff - a.handedOff || a.source.localeCompare(b.source)),
        reasons: reasonEdges
            .map((e) => ({ reason: String(e.node.aggregate.Rejection_Reason__c?.value ?? '(none)'), count: count(e), share: reasonTotal > 0 ? count(e) / reasonTotal : 0 }))
            .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    };
}

/** Rolling-window variables for the live figures: start of this month and 90 days back, as ISO date-times. */
export function liveVariables(now: Date): { monthStart: string; since: string } {
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const since = new Date(now.getTime() - 90 * 86_400_000).toISOString();
    return { monthStart, since };
}
