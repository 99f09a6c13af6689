/**
 * Governance between nightly runs, as pure functions: detect an admin's approved change, freeze the segment for a
 * quarter, and keep a rejected proposal from coming back until the evidence moves. The job applies these before
 * and after the engine; nothing here writes anything.
 */
import { addDays } from 'c/calibrationEngine';
import type { CalibrationSettings, Recommendation, SegmentPolicy } from 'c/calibrationEngine';

/** What the job reads back from a segment's previous latest MQL_Calibration_Run__c. */
export interface RunSnapshot {
    segment: string;
    runAt: string;
    activeThreshold: number | null;
    recommendedThreshold: number | null;
    frozenUntil: string | null;
}

/** An approved change of the active threshold, detected by comparing with the previous run. */
export interface ThresholdChange {
    from: number | null;
    to: number | null;
    detectedOn: string;
    text: string;
}

/**
 * Before the engine runs: if the active threshold differs from the one the previous run read, an admin approved
 * a change; it is recorded and the segment is frozen for `settings.freezeDays` from today. A freeze still running
 * from an earlier approval is carried over. Returns the policy the engine should see, and the change if any.
 */
export function applyGovernance(policy: SegmentPolicy, previous: RunSnapshot | null, asOf: string, settings: CalibrationSettings): { policy: SegmentPolicy; change: ThresholdChange | null } {
    let change: ThresholdChange | null = null;
    let frozenUntil = policy.frozenUntil ?? previous?.frozenUntil ?? null;
    const history = [...(policy.thresholdHistory ?? [])];
    if (previous && previous.activeThreshold !== policy.activeThreshold) {
        change = {
            from: previous.activeThreshold,
            to: policy.activeThreshold,
            detectedOn: asOf,
            text: `${previous.activeThreshold ?? 'none'} → ${policy.activeThreshold ?? 'none'}`
        };
        frozenUntil = addDays(asOf, settings.freezeDays);
        if (previous.activeThreshold !== null) history.push({ threshold: previous.activeThreshold, changedOn: previous.runAt.slice(0, 10) });
        if (policy.activeThreshold !== null) history.push({ threshold: policy.activeThreshold, changedOn: asOf });
    }
    if (frozenUntil !== null && frozenUntil <= asOf) frozenUntil = null;
    return { policy: { ...policy, frozenUntil, thresholdHistory: history }, change };
}

/**
 * After the engine runs: a proposal the admin rejected is not proposed again while the evidence has not moved —
 * that is, while the new value is within `settings.minStep` points of the rejected one. A value that has moved by
 * the minimum step or more is proposed again, as new evidence.
 */
export function respectRejection(policy: SegmentPolicy, rec: Recommendation, settings: CalibrationSettings): Recommendation {
    if (policy.status !== 'Rejected' || rec.threshold === null || policy.recommendedThreshold === null || policy.recommendedThreshold === undefined) return rec;
    if (Math.abs(rec.threshold - policy.recommendedThreshold) >= settings.minStep) return rec;
    return {
        ...rec,
        threshold: null,
        reason: 'rejected-unchanged',
        rationale: `${rec.rationale} An admin rejected ${policy.recommendedThreshold}; the evidence still points within ${settings.minStep} points of it, so it is not proposed again.`
    };
}

/** One side of a threshold pilot, as counts and sums (accumulated from leads, never the leads themselves). */
export interface GroupStats {
    mqls: number;
    sqls: number;
    decided: number;
    accepted: number;
    opportunities30: number;
    opportunities60: number;
    /** Hours to first contact: count, sum and sum of squares (for Welch's t-test). */
    touch: { n: number; sum: number; sumSq: number };
    /** Revenue at 90 days per lead: sum and sum of squares over `mqls` leads. */
    revenue90: { sum: number; sumSq: number };
}

export interface MetricComparison {
    metric: string;
    test: number | null;
    control: number | null;
    difference: number | null;
    pValue: number | null;
    method: 'two-proportion z' | 'Welch t';
}

export interface PilotComparison {
    weeksRun: number;
    metrics: MetricComparison[];
    conclusive: boolean;
    verdict: string;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf), accurate to about 1e-7. */
export function normalCdf(z: number): number {
    const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
    const y = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-(z * z) / 2);
    return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/**
 * Two-proportion z-test with a pooled standard error: z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)), two-sided p.
 * Null when either side has no leads or the pooled rate is 0 or 1.
 */
export function twoProportionTest(k1: number, n1: number, k2: number, n2: number): { z: number; p: number } | null {
    if (n1 === 0 || n2 === 0) return null;
    const pooled = (k1 + k2) / (n1 + n2);
    if (pooled === 0 || pooled === 1) return null;
    const z = (k1 / n1 - k2 / n2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    return { z, p: 2 * (1 - normalCdf(Math.abs(z))) };
}

/**
 * Welch's t-test from counts, sums and sums of squares; the p-value uses the normal approximation, which is close
 * for the sample sizes a pilot needs (a pilot too small for it is "not yet conclusive" anyway).
 */
export function welchTest(a: { n: number; sum: number; sumSq: number }, b: { n: number; sum: number; sumSq: number }): { t: number; p: number } | null {
    if (a.n < 2 || b.n < 2) return null;
    const mean = (x: typeof a) => x.sum / x.n;
    const variance = (x: typeof a) => (x.sumSq - (x.sum * x.sum) / x.n) / (x.n - 1);
    const se = Math.sqrt(variance(a) / a.n + variance(b) / b.n);
    if (se === 0) return null;
    const t = (mean(a) - mean(b)) / se;
    return { t, p: 2 * (1 - normalCdf(Math.abs(t))) };
}

/**
 * Test against control on MQL→SQL, acceptance, opportunity rate at 30 and 60 days (two-proportion z-tests),
 * time to first contact and revenue at 90 days (Welch). Conclusive only after `minWeeks` (default 6) and with
 * at least `minPerGroup` MQLs per group (default 388: n = (1.96·√(2·0.45·0.55) + 0.8416·√(0.4·0.6 + 0.5·0.5))² / 0.1², enough to see 40% against 50%
 * with 80% power at alpha 0.05); until then the verdict is "not yet conclusive".
 */
export function comparePilot(input: { test: GroupStats; control: GroupStats; start: string; asOf: string; minWeeks?: number; alpha?: number; minPerGroup?: number }): PilotComparison {
    const { test, control } = input;
    const weeksRun = Math.floor((Date.parse(input.asOf) - Date.parse(input.start)) / (7 * 86_400_000));
    const rate = (k: number, n: number) => (n > 0 ? k / n : null);
    const prop = (metric: string, kt: number, nt: number, kc: number, nc: number): MetricComparison => {
        const r = twoProportionTest(kt, nt, kc, nc);
        const a = rate(kt, nt);
        const b = rate(kc, nc);
        return { metric, test: a, control: b, difference: a !== null && b !== null ? a - b : null, pValue: r ? r.p : null, method: 'two-proportion z' };
    };
    const revenue = (g: GroupStats) => ({ n: g.mqls, sum: g.revenue90.sum, sumSq: g.revenue90.sumSq });
    const mean = (x: { n: number; sum: number }) => (x.n > 0 ? x.sum / x.n : null);
    const welch = (metric: string, a: { n: number; sum: number; sumSq: number }, b: { n: number; sum: number; sumSq: number }): MetricComparison => {
        const r = welchTest(a, b);
        const ma = mean(a);
        const mb = mean(b);
        return { metric, test: ma, control: mb, difference: ma !== null && mb !== null ? ma - mb : null, pValue: r ? r.p : null, method: 'Welch t' };
    };
    const metrics = [
        prop('MQL→SQL', test.sqls, test.mqls, control.sqls, control.mqls),
        prop('Acceptance', test.accepted, test.decided, control.accepted, control.decided),
        prop('Opportunity rate at 30 days', test.opportunities30, test.mqls, control.opportunities30, control.mqls),
        prop('Opportunity rate at 60 days', test.opportunities60, test.mqls, control.opportunities60, control.mqls),
        welch('Hours to first contact', test.touch, control.touch),
        welch('Revenue at 90 days per MQL', revenue(test), revenue(control))
    ];
    const minWeeks = input.minWeeks ?? 6;
    const minPerGroup = input.minPerGroup ?? 388;
    const alpha = input.alpha ?? 0.05;
    const conclusive = weeksRun >= minWeeks && test.mqls >= minPerGroup && control.mqls >= minPerGroup;
    let verdict: string;
    if (!conclusive) {
        const why = [weeksRun < minWeeks ? `${weeksRun} of ${minWeeks} weeks run` : null, Math.min(test.mqls, control.mqls) < minPerGroup ? `${Math.min(test.mqls, control.mqls)} of ${minPerGroup} MQLs in the smaller group` : null].filter(Boolean);
        verdict = `Not yet conclusive: ${why.join(', ')}.`;
    } else {
        const sql = metrics[0];
        verdict = sql.pValue !== null && sql.pValue < alpha ? `MQL→SQL differs significantly (p = ${sql.pValue.toFixed(3)}): ${sql.difference! > 0 ? 'the test threshold converts better' : 'the control converts better'}.` : `No significant difference in MQL→SQL (p = ${sql.pValue === null ? 'n/a' : sql.pValue.toFixed(3)}).`;
    }
    return { weeksRun, metrics, conclusive, verdict };
}
