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

/**
 * Building an Intl.NumberFormat costs far more than formatting with one (tens of microseconds against one): the
 * page formats thousands of numbers a render, so each formatter is built once per locale and options.
 */
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    const key = `${locale}|${JSON.stringify(options)}`;
    let f = formatters.get(key);
    if (!f) {
        f = new Intl.NumberFormat(locale, options);
        formatters.set(key, f);
    }
    return f;
}

/** Whole dollars with thousands separators. */
export function money(n: number): string {
    return `$${formatter('en-US', { maximumFractionDigits: 0 }).format(Math.round(n))}`;
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

/** A count with the locale's thousands separators: 200000 → "200,000" in en-US, "200.000" in de-DE. */
export function formatCount(n: number | null | undefined, locale: string): string {
    return n === null || n === undefined ? '–' : formatter(locale, { maximumFractionDigits: 0 }).format(Math.round(n));
}

/**
 * An amount in the org's currency, whole units, written the way the user's locale writes money. The figures come
 * from aggregates, which Salesforce returns in the org's currency, so the code is the org's, never the locale's.
 */
export function formatMoney(n: number | null | undefined, locale: string, currency: string): string {
    if (n === null || n === undefined) return '–';
    try {
        return formatter(locale, { style: 'currency', currency, maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(Math.round(n));
    } catch {
        // An unknown currency code must not blank the page: show the code beside the number instead.
        return `${formatCount(n, locale)} ${currency}`;
    }
}

/** What the overview says about a segment's status, in words (recommended / keep / abstained and why / frozen / pilot). */
export interface StatusInput {
    activeThreshold: number | null;
    status: string | null;
    frozenUntil: string | null;
    recommendation: { threshold: number | null; reason: string; rationale: string } | null;
    /** The recommendation written in the custom metadata, when read live; it wins over the run's. */
    liveRecommended?: number | null;
    pilotRunning: boolean;
}

/** The engine's abstention codes in a few words; a code not listed here is explained by the run's own rationale. */
const ABSTAIN_WORDS: Record<string, string> = {
    'insufficient-sample': 'too little data',
    'no-evidence': 'no signal in the data',
    frozen: 'frozen'
};

/** A segment's status in one line: "Recommend 65 (active 50), pending review", "Keep 40", "Abstained: too little data". */
export function statusInWords(s: StatusInput): string {
    const parts: string[] = [];
    const rec = s.recommendation;
    const recommended = s.liveRecommended ?? rec?.threshold ?? null;
    const active = s.activeThreshold === null ? 'none' : String(s.activeThreshold);
    if (s.frozenUntil) parts.push(`Frozen until ${s.frozenUntil} at ${active}`);
    else if (s.status === 'Approved' && recommended !== null && recommended === s.activeThreshold) parts.push(`Approved ${active}`);
    else if (recommended !== null) parts.push(`Recommend ${recommended} (active ${active})${s.status === 'Pending review' ? ', pending review' : s.status ? `, ${s.status.toLowerCase()}` : ''}`);
    else if (rec?.reason === 'no-change') parts.push(`Keep ${active}: the evidence agrees`);
    else if (rec) parts.push(`Abstained: ${ABSTAIN_WORDS[rec.reason] ?? (rec.rationale || rec.reason)}`);
    else parts.push('No recommendation recorded');
    if (s.pilotRunning) parts.push('pilot running');
    return parts.join('; ');
}

/**
 * Why the paths other than the score's are no evidence for the threshold, for the line above a paths table; null
 * when every lead took the scored path.
 */
export function pathsNote(paths: { path: string }[]): string | null {
    const others = paths.filter((p) => p.path !== 'Scored');
    if (others.length === 0) return null;
    const graded = others.some((p) => p.path === 'Grade C (manual review)' || p.path === 'Below fit grade (D-F)');
    return `Only the scored path is evidence for the threshold: ${graded ? 'hand-raisers and leads graded C-F (the A/B fit-grade gate)' : 'hand-raisers'} do not become MQLs by their score, so they are kept out of the bands, the recommendation and the scenarios.`;
}
