/** Service module: how the dashboard writes rates, intervals and money, in one place. No template. */
import type { Rate, Scenario } from 'c/calibrationEngine';
import type { MetricComparison, PilotReport, SegmentGovernance } from 'c/calibrationGovernance';

/** A 0-1 rate as a whole percentage, or an en dash when there is none. */
export function pct(r: number | null | undefined): string {
    return r === null || r === undefined ? '–' : `${Math.round(r * 100)}%`;
}

/** A rate with its Wilson interval: "35% (28%–42%)". */
export function ci(r: Rate): string {
    return r.rate === null ? '–' : `${pct(r.rate)} (${pct(r.low)}–${pct(r.high)})`;
}

/** Whole dollars with thousands separators. */
export function money(n: number): string {
    return `$${Math.round(n).toLocaleString('en-US')}`;
}

/** A scenario's figures as the scenario table and the what-if show them. */
export function formatScenario(s: Scenario): { threshold: number; mqls: number; mqlsPerMonth: number; rejectionRate: string; sqls: number; pipeline: string; revenue: string; extrapolated: boolean } {
    return {
        threshold: s.threshold,
        mqls: s.mqls,
        mqlsPerMonth: s.mqlsPerMonth,
        rejectionRate: pct(s.rejectionRate),
        sqls: s.sqls,
        pipeline: money(s.pipelineAmount),
        revenue: money(s.wonAmount),
        extrapolated: s.extrapolated
    };
}

/** A pilot metric's value in its own unit: a rate as a percentage, hours to one decimal, revenue as money. */
export function metricValue(m: MetricComparison, v: number | null): string {
    if (v === null) return 'n/a';
    if (m.method === 'two-proportion z') return pct(v);
    return m.metric.startsWith('Revenue') ? money(v) : `${v.toFixed(1)} h`;
}

/** A pilot metric's difference test − control with its 95% interval, in the metric's unit (rates in points). */
export function metricDifference(m: MetricComparison): string {
    if (m.difference === null) return 'n/a';
    const f = (x: number): string => {
        const sign = x >= 0 ? '+' : '−';
        if (m.method === 'two-proportion z') return `${sign}${Math.abs(x * 100).toFixed(1)} pts`;
        if (m.metric.startsWith('Revenue')) return `${sign}${money(Math.abs(x))}`;
        return `${sign}${Math.abs(x).toFixed(1)} h`;
    };
    return m.ci ? `${f(m.difference)} (${f(m.ci[0])} to ${f(m.ci[1])})` : f(m.difference);
}

/** A p-value as printed: "< 0.001" below a thousandth, "n/a" without a test. */
export function pValue(p: number | null): string {
    return p === null ? 'n/a' : p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A pilot in one line: "SMB_Inbound: LeadSource in Webinar, Paid Search at 60, since 2026-09-26". */
export function pilotHeading(p: PilotReport): string {
    const c = p.config;
    return `${c.segment}: ${c.field} in ${c.testValues.join(', ')} at ${c.testThreshold}, since ${c.start}`;
}

/**
 * The figures under a pilot's verdict: weeks run, MQLs per group, the sample the sequential test needs, and the
 * primary metric. Run records written before the sequential design carry no primary metric and say less.
 */
export function pilotProgress(p: PilotReport): string {
    const c = p.comparison;
    const sequential = c.primaryMetric !== undefined;
    const need = c.requiredPerGroup !== null ? `; ${c.requiredPerGroup.toLocaleString('en-US')} per group needed for 80% power${sequential ? ` (sequential test, α ${c.alpha} over every nightly look)` : ''}` : '';
    const primary = sequential ? ` Primary metric: ${c.primaryMetric}; the others are secondary, each judged at its own level.` : '';
    return `${c.weeksRun} of at least ${c.minWeeks} weeks run; ${p.test.mqls.toLocaleString('en-US')} test and ${p.control.mqls.toLocaleString('en-US')} control MQLs${need}.${primary}`;
}

/** Why a pilot's comparison is observational: its groups were split by a Lead field, not at random. */
export function pilotCaveat(p: PilotReport): string {
    return p.comparison.caveat ?? `Observational comparison: test and control were split by ${p.config.field}, not at random, so a difference may come from which leads each group holds rather than from the threshold.`;
}

/** A metric's sequential p with how far its |z| is from tonight's boundary: "0.004 (|z| 4.29, boundary 3.25)". */
function sequentialCell(m: MetricComparison): string {
    if (m.sequentialP === undefined) return `${pValue(m.pValue)} (one look)`;
    if (m.sequentialP === null || m.boundary === null || m.statistic === null) return 'n/a';
    return `${pValue(m.sequentialP)} (|z| ${Math.abs(m.statistic).toFixed(2)}, boundary ${m.boundary.toFixed(2)})`;
}

/** A pilot's comparison as table rows: metric (role), test (n), control (n), difference (CI), sequential p, test used. */
export function pilotRows(p: PilotReport): string[][] {
    return p.comparison.metrics.map((m) => [
        m.role ? `${m.metric} (${m.role})` : m.metric,
        `${metricValue(m, m.test)} (n ${m.testN})`,
        `${metricValue(m, m.control)} (n ${m.controlN})`,
        metricDifference(m),
        sequentialCell(m),
        m.method
    ]);
}

/** The headings of `pilotRows`. */
export const PILOT_COLUMNS = ['Metric', 'Test', 'Control', 'Difference (95% CI, every look)', 'Sequential p (|z|, boundary)', 'Test used'];

/** One segment's governance this run, in sentences (report and page). */
export function governanceLines(g: SegmentGovernance): string[] {
    const lines: string[] = [];
    if (g.history === 'none') lines.push('No run history in this source, so approved changes cannot be detected here.');
    if (g.change) lines.push(`Approved change recorded: ${g.change.text} (detected ${g.change.detectedOn}). ${g.change.rationale}`);
    if (g.frozenUntil) lines.push(`Frozen until ${g.frozenUntil}: no new proposal unless a review trigger fires.`);
    if (g.frozenUntil && g.reviewTriggers.length > 0 && g.propose)
        lines.push(`Freeze lifted by review trigger${g.reviewTriggers.length > 1 ? 's' : ''} ${g.reviewTriggers.join(', ')}.`);
    if (g.reason === 'rejected-unchanged') lines.push('The last proposal was rejected and the evidence has not moved by the margin: not proposed again.');
    lines.push(`Status: ${g.status ?? 'none'}${g.propose ? ' (new proposal, waiting for an admin)' : ''}.`);
    return lines;
}
