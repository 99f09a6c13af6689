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

/**
 * The newest 2,000 runs (the most one subquery returns), newest first so a long-lived org sees this quarter rather
 * than its first months; the mapper puts them back in time order. The job writes one a segment a night.
 */
export const RUN_HISTORY_QUERY = gql`
    query runHistory {
        uiapi {
            query {
                MQL_Calibration_Run__c(orderBy: { Run_At__c: { order: DESC } }, first: 2000) {
                    edges {
                        node {
                            Id
                            Segment__c { value }
                            As_Of__c { value }
                            Run_At__c { value }
                            Active_Threshold__c { value }
                            Recommended_Threshold__c { value }
                            Rejection_Rate__c { value }
                            SQL_Rate__c { value }
                            Threshold_Change__c { value }
                            Trigger_Count__c { value }
                        }
                    }
                }
            }
        }
    }
`;

/**
 * The governed truth: every segment's custom metadata record, read live so an approval in Setup shows on the next
 * page load, not after the next night's run. The run records stay the evidence behind it.
 */
export const THRESHOLDS_QUERY = gql`
    query liveThresholds {
        uiapi {
            query {
                MQL_Threshold__mdt(orderBy: { DeveloperName: { order: ASC } }, first: 200) {
                    edges {
                        node {
                            Id
                            DeveloperName { value }
                            Active_Threshold__c { value }
                            Recommended_Threshold__c { value }
                            Recommended_Low__c { value }
                            Recommended_High__c { value }
                            Recommendation_Status__c { value }
                            Recommendation_Reason__c { value }
                            Rationale__c { value }
                            Recommended_On__c { value }
                            Frozen_Until__c { value }
                        }
                    }
                }
            }
        }
    }
`;

/** One segment's MQL_Threshold__mdt record as the admin last left it. */
export interface LiveThreshold {
    /** Record id, for the Setup link. */
    id: string;
    segment: string;
    activeThreshold: number | null;
    recommendedThreshold: number | null;
    range: [number, number] | null;
    status: string | null;
    reason: string | null;
    rationale: string | null;
    recommendedOn: string | null;
    frozenUntil: string | null;
}

/** Maps the liveThresholds result to records keyed by segment DeveloperName. */
export function toThresholds(data: unknown): Map<string, LiveThreshold> {
    const edges = ((data as { uiapi?: { query?: { MQL_Threshold__mdt?: { edges?: { node: Node }[] } } } })?.uiapi?.query?.MQL_Threshold__mdt?.edges ?? []) as { node: Node }[];
    const out = new Map<string, LiveThreshold>();
    for (const { node } of edges) {
        const segment = v<string>(node, 'DeveloperName');
        if (!segment) continue;
        const low = v<number>(node, 'Recommended_Low__c');
        const high = v<number>(node, 'Recommended_High__c');
        out.set(segment, {
            id: node.Id,
            segment,
            activeThreshold: v<number>(node, 'Active_Threshold__c'),
            recommendedThreshold: v<number>(node, 'Recommended_Threshold__c'),
            range: low !== null && high !== null ? [low, high] : null,
            status: v<string>(node, 'Recommendation_Status__c'),
            reason: v<string>(node, 'Recommendation_Reason__c'),
            rationale: v<string>(node, 'Rationale__c'),
            recommendedOn: v<string>(node, 'Recommended_On__c'),
            frozenUntil: v<string>(node, 'Frozen_Until__c')
        });
    }
    return out;
}

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
    runAt: string | null;
    triggerCount: number | null;
}

/** Maps the runHistory result, oldest first (percent fields arrive as 0-100). */
export function toHistory(data: unknown): HistoryPoint[] {
    const edges = ((data as { uiapi?: { query?: { MQL_Calibration_Run__c?: { edges?: { node: Node }[] } } } })?.uiapi?.query?.MQL_Calibration_Run__c?.edges ?? []) as { node: Node }[];
    const pctOf = (n: number | null) => (n === null ? null : n / 100);
    const points = edges.map(({ node }) => ({
        id: node.Id,
        segment: v<string>(node, 'Segment__c') ?? '',
        asOf: v<string>(node, 'As_Of__c'),
        activeThreshold: v<number>(node, 'Active_Threshold__c'),
        recommendedThreshold: v<number>(node, 'Recommended_Threshold__c'),
        rejectionRate: pctOf(v<number>(node, 'Rejection_Rate__c')),
        sqlRate: pctOf(v<number>(node, 'SQL_Rate__c')),
        change: v<string>(node, 'Threshold_Change__c'),
        runAt: v<string>(node, 'Run_At__c'),
        triggerCount: v<number>(node, 'Trigger_Count__c')
    }));
    // ISO dates and date-times sort as text; a run without its time sorts by its as-of date.
    const when = (h: HistoryPoint) => h.runAt ?? h.asOf ?? '';
    return points.sort((a, b) => (when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0));
}

/**
 * Live figures since the run: server-side aggregates over Lead (counts grouped by picklists only). An aggregate
 * connection returns 10 groups unless asked, so every grouped one asks for 2,000 (SOQL's most groups), and every
 * total is its own ungrouped count rather than a sum of groups that may have been cut short.
 */
export const LIVE_FIGURES_QUERY = gql`
    query liveFigures($monthStart: DateTime, $since: DateTime) {
        uiapi {
            aggregate {
                handoffs90: Lead(where: { Handoff_Date__c: { gte: { value: $since } } }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                thisMonth: Lead(where: { Handoff_Date__c: { gte: { value: $monthStart } } }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                rejected90: Lead(where: { and: [{ Handoff_Date__c: { gte: { value: $since } } }, { Rejection_Reason__c: { ne: null } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                bySource: Lead(where: { Handoff_Date__c: { gte: { value: $since } } }, groupBy: { LeadSource: { group: true } }, first: 2000) {
                    edges { node { aggregate { LeadSource { value } Id { count { value } } } } }
                }
                sqlBySource: Lead(where: { and: [{ Handoff_Date__c: { gte: { value: $since } } }, { IsConverted: { eq: true } }] }, groupBy: { LeadSource: { group: true } }, first: 2000) {
                    edges { node { aggregate { LeadSource { value } Id { count { value } } } } }
                }
                reasons: Lead(where: { and: [{ Handoff_Date__c: { gte: { value: $since } } }, { Rejection_Reason__c: { ne: null } }] }, groupBy: { Rejection_Reason__c: { group: true } }, first: 2000) {
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

type AggEdge = { node: { aggregate: Record<string, { value?: unknown; count?: { value: number }; sum?: { value?: number | null } }> } };

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
    const handoffs90 = total('handoffs90');
    const rejected90 = total('rejected90');
    const reasonEdges = edgesOf(data, 'reasons');
    const reasonTotal = rejected90;
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

/** How many segments one pipeline request covers: two subqueries each, and a request holds at most ten. */
export const PIPELINE_SEGMENTS = 5;

/**
 * Live pipeline by segment for the MQLs of the last 90 days, from Opportunity, no Apex and no record paging: per
 * segment slot an ungrouped count of its MQLs, and its converted opportunities (a semi-join on the leads'
 * ConvertedOpportunityId) grouped by IsWon, asking for every group, with count and summed Amount. MQL_Segment__c
 * is a formula, so it can filter but not group: each segment gets its own slot, filled by `pipelineVariables`.
 */
export const PIPELINE_QUERY = gql`
    query pipeline($since: DateTime, $s1: String, $s2: String, $s3: String, $s4: String, $s5: String) {
        uiapi {
            aggregate {
                mqls1: Lead(where: { and: [{ MQL_Segment__c: { eq: $s1 } }, { Handoff_Date__c: { gte: { value: $since } } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                opps1: Opportunity(where: { Id: { inq: { Lead: { and: [{ MQL_Segment__c: { eq: $s1 } }, { Handoff_Date__c: { gte: { value: $since } } }] }, ApiName: "ConvertedOpportunityId" } } }, groupBy: { IsWon: { group: true } }, first: 2000) {
                    edges { node { aggregate { IsWon { value } Id { count { value } } Amount { sum { value } } } } }
                }
                mqls2: Lead(where: { and: [{ MQL_Segment__c: { eq: $s2 } }, { Handoff_Date__c: { gte: { value: $since } } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                opps2: Opportunity(where: { Id: { inq: { Lead: { and: [{ MQL_Segment__c: { eq: $s2 } }, { Handoff_Date__c: { gte: { value: $since } } }] }, ApiName: "ConvertedOpportunityId" } } }, groupBy: { IsWon: { group: true } }, first: 2000) {
                    edges { node { aggregate { IsWon { value } Id { count { value } } Amount { sum { value } } } } }
                }
                mqls3: Lead(where: { and: [{ MQL_Segment__c: { eq: $s3 } }, { Handoff_Date__c: { gte: { value: $since } } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                opps3: Opportunity(where: { Id: { inq: { Lead: { and: [{ MQL_Segment__c: { eq: $s3 } }, { Handoff_Date__c: { gte: { value: $since } } }] }, ApiName: "ConvertedOpportunityId" } } }, groupBy: { IsWon: { group: true } }, first: 2000) {
                    edges { node { aggregate { IsWon { value } Id { count { value } } Amount { sum { value } } } } }
                }
                mqls4: Lead(where: { and: [{ MQL_Segment__c: { eq: $s4 } }, { Handoff_Date__c: { gte: { value: $since } } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                opps4: Opportunity(where: { Id: { inq: { Lead: { and: [{ MQL_Segment__c: { eq: $s4 } }, { Handoff_Date__c: { gte: { value: $since } } }] }, ApiName: "ConvertedOpportunityId" } } }, groupBy: { IsWon: { group: true } }, first: 2000) {
                    edges { node { aggregate { IsWon { value } Id { count { value } } Amount { sum { value } } } } }
                }
                mqls5: Lead(where: { and: [{ MQL_Segment__c: { eq: $s5 } }, { Handoff_Date__c: { gte: { value: $since } } }] }) {
                    edges { node { aggregate { Id { count { value } } } } }
                }
                opps5: Opportunity(where: { Id: { inq: { Lead: { and: [{ MQL_Segment__c: { eq: $s5 } }, { Handoff_Date__c: { gte: { value: $since } } }] }, ApiName: "ConvertedOpportunityId" } } }, groupBy: { IsWon: { group: true } }, first: 2000) {
                    edges { node { aggregate { IsWon { value } Id { count { value } } Amount { sum { value } } } } }
                }
            }
        }
    }
`;

/** A slot no segment can fill: DeveloperNames are letters, digits and single underscores. */
const NO_SEGMENT = '(none)';

/** Variables for PIPELINE_QUERY: the 90-day window and the first five segments in slot order (the rest unread). */
export function pipelineVariables(segments: string[], since: string): Record<string, string> {
    const vars: Record<string, string> = { since };
    for (let i = 0; i < PIPELINE_SEGMENTS; i++) vars[`s${i + 1}`] = segments[i] ?? NO_SEGMENT;
    return vars;
}

/** One segment's live pipeline over the window. Amounts are in the org's currency (aggregates return it). */
export interface LivePipeline {
    segment: string;
    mqls: number;
    opportunities: number;
    pipelineAmount: number;
    won: number;
    wonAmount: number;
}

/** Maps the pipeline aggregates back to the segments that filled the slots, in the order given. */
export function toPipeline(data: unknown, segments: string[]): LivePipeline[] {
    return segments.slice(0, PIPELINE_SEGMENTS).map((segment, i) => {
        const out: LivePipeline = { segment, mqls: 0, opportunities: 0, pipelineAmount: 0, won: 0, wonAmount: 0 };
        for (const e of edgesOf(data, `mqls${i + 1}`)) out.mqls += count(e);
        for (const e of edgesOf(data, `opps${i + 1}`)) {
            const n = count(e);
            const amount = Number((e.node.aggregate.Amount as { sum?: { value?: number | null } } | undefined)?.sum?.value ?? 0);
            out.opportunities += n;
            out.pipelineAmount += amount;
            if (e.node.aggregate.IsWon?.value === true) {
                out.won += n;
                out.wonAmount += amount;
            }
        }
        return out;
    });
}
