/**
 * Threshold pilots (seed 000's A/B test): a segment's leads are partitioned by a field (region, team or source);
 * the test values route at a test threshold, the rest at the active one. Leads are folded into counts as they
 * stream past, and the two groups are compared with significance tests that say "not yet conclusive" until the
 * pilot has run long enough and is large enough.
 */
import { DAY_MS, normalCdf, normalQuantile, studentCritical, studentTwoSidedP, toMs } from 'c/calibrationEngine';

// The distributions moved to the engine (c/calibrationEngine's significance module), where the review triggers
// use them too; named here as before for callers of the pilot statistics.
export { normalCdf, normalQuantile, incompleteBeta, studentTwoSidedP, studentCritical } from 'c/calibrationEngine';
import type { LeadRecord, OpportunityRecord } from 'c/calibrationEngine';

/** A pilot, as configured in MQL_Threshold__mdt (Pilot_*__c fields) or in the job's settings JSON. */
export interface PilotConfig {
    /** Segment DeveloperName the pilot runs in. */
    segment: string;
    /** Lead field that partitions the segment: 'Region__c', 'Team__c', 'LeadSource', ... */
    field: string;
    /** Values of `field` that put a lead in the test group; every other lead of the segment is control. */
    testValues: string[];
    /** The threshold the test group is routed at. */
    testThreshold: number;
    /** ISO date the pilot started; leads handed off before it are not in the pilot. */
    start: string;
    /** Minimum run in weeks before any verdict (default 6). */
    minWeeks: number;
    /** The metric the verdict is about (default MQL→SQL); the others are reported as secondary. */
    primaryMetric?: PilotMetric;
}

/** The metrics a pilot compares, in the order they are reported. */
export const PILOT_METRICS = [
    'MQL→SQL',
    'Acceptance',
    'Opportunity rate at 30 days',
    'Opportunity rate at 60 days',
    'Hours to first contact',
    'Revenue at 90 days per MQL'
] as const;

/** One of `PILOT_METRICS`. */
export type PilotMetric = (typeof PILOT_METRICS)[number];

/** A pilot configuration that cannot be used; the message names the segment and the field at fault. */
export class PilotConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'PilotConfigError';
    }
}

/**
 * Checks a pilot configuration read from JSON or metadata and fills `minWeeks` (6; fewer is refused, because
 * seed 000 asks for at least six weeks). Throws PilotConfigError naming what is wrong.
 */
export function parsePilotConfig(raw: unknown): PilotConfig {
    const o = (raw ?? {}) as Record<string, unknown>;
    const where = typeof o.segment === 'string' && o.segment ? `pilot for ${o.segment}` : 'pilot';
    if (typeof o.segment !== 'string' || !o.segment)
        throw new PilotConfigError('pilot: "segment" is required');
    if (typeof o.field !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(o.field))
        throw new PilotConfigError(
            `${where}: "field" must be a Lead field API name (e.g. Region__c, Team__c, LeadSource)`
        );
    const values = typeof o.testValues === 'string' ? o.testValues.split(',') : o.testValues;
    if (!Array.isArray(values) || values.length === 0)
        throw new PilotConfigError(`${where}: "testValues" must list at least one value of ${o.field}`);
    const testValues = values.map((v) => String(v).trim()).filter((v) => v !== '');
    if (testValues.length === 0)
        throw new PilotConfigError(`${where}: "testValues" must list at least one value of ${o.field}`);
    const testThreshold = Number(o.testThreshold);
    if (
        o.testThreshold === null ||
        o.testThreshold === undefined ||
        o.testThreshold === '' ||
        !Number.isFinite(testThreshold)
    )
        throw new PilotConfigError(`${where}: "testThreshold" must be a number`);
    if (
        typeof o.start !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}/.test(o.start) ||
        Number.isNaN(Date.parse(o.start.slice(0, 10)))
    )
        throw new PilotConfigError(`${where}: "start" must be an ISO date (YYYY-MM-DD)`);
    const minWeeks =
        o.minWeeks === undefined || o.minWeeks === null || o.minWeeks === '' ? 6 : Number(o.minWeeks);
    if (!Number.isInteger(minWeeks) || minWeeks < 6)
        throw new PilotConfigError(`${where}: "minWeeks" must be a whole number of at least 6`);
    const primary = o.primaryMetric === undefined || o.primaryMetric === null || o.primaryMetric === '' ? 'MQL→SQL' : o.primaryMetric;
    if (!(PILOT_METRICS as readonly unknown[]).includes(primary))
        throw new PilotConfigError(`${where}: "primaryMetric" must be one of ${PILOT_METRICS.join(', ')}`);
    return {
        segment: o.segment,
        field: o.field,
        testValues,
        testThreshold,
        start: o.start.slice(0, 10),
        minWeeks,
        primaryMetric: primary as PilotMetric
    };
}

/** The value of the partitioning field on a lead (`LeadSource` maps to `leadSource`; other fields to attributes). */
function fieldValue(lead: LeadRecord, field: string): string | null {
    const raw =
        field === 'LeadSource' ? (lead.leadSource ?? lead.attributes?.LeadSource) : lead.attributes?.[field];
    return raw === null || raw === undefined || raw === '' ? null : String(raw);
}

/**
 * The pilot group a lead belongs in: null when it is outside the pilot (another segment, or created and handed
 * off before the start), 'Test' when its partitioning field holds a test value, else 'Control'. This is what the
 * job stamps in MQL_Pilot_Group__c. `segment` is the lead's resolved segment (the lead's own when omitted).
 */
export function pilotGroupOf(
    lead: LeadRecord,
    config: PilotConfig,
    segment: string | null = lead.segment
): 'Test' | 'Control' | null {
    if (segment !== config.segment) return null;
    const start = toMs(config.start);
    const entered = lead.handoffDate ?? lead.createdDate ?? null;
    if (!entered || toMs(entered) < start) return null;
    const v = fieldValue(lead, config.field);
    return v !== null && config.testValues.includes(v) ? 'Test' : 'Control';
}

/** Count, sum and sum of squares of a measure: enough for a mean, a variance and Welch's test. */
export interface Moments {
    n: number;
    sum: number;
    sumSq: number;
}

/** A count of successes among eligible leads. */
export interface Tally {
    k: number;
    n: number;
}

/** One side of a pilot, as counts and sums (accumulated from leads, never the leads themselves). */
export interface GroupStats {
    /** Handed off since the pilot's start (the group's MQLs). */
    mqls: number;
    /** Of those, qualified (SQL). */
    sqls: number;
    /** Accepted among decided (accepted + rejected). */
    acceptance: Tally;
    /** Opportunity within 30 / 60 days of handoff, among MQLs handed off at least 30 / 60 days before as-of. */
    opp30: Tally;
    opp60: Tally;
    /** Hours from handoff to first contact, over MQLs that were contacted. */
    touchHours: Moments;
    /** Won amount closed within 90 days of handoff (0 when none), per MQL handed off at least 90 days before. */
    revenue90: Moments;
}

/** An empty GroupStats. */
export function emptyGroup(): GroupStats {
    return {
        mqls: 0,
        sqls: 0,
        acceptance: { k: 0, n: 0 },
        opp30: { k: 0, n: 0 },
        opp60: { k: 0, n: 0 },
        touchHours: { n: 0, sum: 0, sumSq: 0 },
        revenue90: { n: 0, sum: 0, sumSq: 0 }
    };
}

/**
 * What a pilot reads of a lead's opportunity: an OpportunityRecord, or the engine's figures for it (its dates as
 * epoch ms, NaN when missing), so that the job need not keep its own copy of every opportunity.
 */
export type PilotOpportunity =
    | Pick<OpportunityRecord, 'amount' | 'isWon' | 'createdDate' | 'closeDate'>
    | { amount: number | null; isWon: boolean; createdMs: number; closeMs: number };

/** Epoch ms of an opportunity's created or close date, or null when it has none. */
function oppMs(opp: PilotOpportunity | null, which: 'created' | 'close'): number | null {
    if (!opp) return null;
    if ('createdMs' in opp) {
        const ms = which === 'created' ? opp.createdMs : opp.closeMs;
        return Number.isFinite(ms) ? ms : null;
    }
    const iso = which === 'created' ? opp.createdDate : opp.closeDate;
    return iso ? toMs(iso) : null;
}

/** Streams leads into test and control GroupStats; see `accumulatePilot`. */
export interface PilotAccumulator {
    /** Folds one lead (with its converted opportunity, if any) into its group; returns the group or null. */
    add(
        lead: LeadRecord,
        opportunity?: PilotOpportunity | null,
        segment?: string | null
    ): 'Test' | 'Control' | null;
    /** The groups so far. */
    stats(): { test: GroupStats; control: GroupStats };
}

function moment(m: Moments, x: number): void {
    m.n++;
    m.sum += x;
    m.sumSq += x * x;
}

/**
 * A streaming accumulator for one pilot: keeps two GroupStats and no leads. A lead's group is its stamped
 * MQL_Pilot_Group__c when set, else `pilotGroupOf`. Only leads handed off on or after the start and by `asOf`
 * count; opportunity and revenue windows count a lead only once the window has fully elapsed by `asOf`, so young
 * leads do not dilute the rates.
 */
export function accumulatePilot(config: PilotConfig, asOf: string): PilotAccumulator {
    const groups = { Test: emptyGroup(), Control: emptyGroup() };
    const startMs = toMs(config.start);
    const asOfMs = toMs(asOf.slice(0, 10)) + DAY_MS - 1;
    return {
        add(lead, opportunity, segment) {
            const seg = segment === undefined ? lead.segment : segment;
            if (seg !== config.segment || !lead.handoffDate) return null;
            const handoff = toMs(lead.handoffDate);
            if (!(handoff >= startMs && handoff <= asOfMs)) return null;
            const group = lead.pilotGroup ?? pilotGroupOf(lead, config, seg);
            if (!group) return null;
            const g = groups[group];
            g.mqls++;
            if (lead.qualified) g.sqls++;
            if (lead.accepted || lead.rejected) {
                g.acceptance.n++;
                if (lead.accepted && !lead.rejected) g.acceptance.k++;
            }
            const opp = opportunity ?? null;
            const oppAt = oppMs(opp, 'created');
            const age = (asOfMs - handoff) / DAY_MS;
            for (const [days, t] of [
                [30, g.opp30],
                [60, g.opp60]
            ] as const) {
                if (age < days) continue;
                t.n++;
                if (oppAt !== null && oppAt - handoff <= days * DAY_MS) t.k++;
            }
            if (age >= 90) {
                const closed = oppMs(opp, 'close');
                const won =
                    opp && opp.isWon && closed !== null && closed - handoff <= 90 * DAY_MS
                        ? (opp.amount ?? 0)
                        : 0;
                moment(g.revenue90, won);
            }
            if (lead.firstTouchDate)
                moment(g.touchHours, Math.max(0, (toMs(lead.firstTouchDate) - handoff) / 3_600_000));
            return group;
        },
        stats() {
            return { test: groups.Test, control: groups.Control };
        }
    };
}

/** Result of a two-group test: statistic, two-sided p-value, difference (test − control) and its CI. */
export interface TestResult {
    statistic: number;
    pValue: number;
    difference: number;
    ci: [number, number];
}

/**
 * Two-proportion z-test, pooled standard error: z = (p1 − p2) / √(p(1−p)(1/n1 + 1/n2)), p = (k1+k2)/(n1+n2),
 * two-sided p-value from the normal. The difference's CI (level 1 − alpha) uses the unpooled (Wald) standard
 * error √(p1(1−p1)/n1 + p2(1−p2)/n2). Null when a side is empty or the pooled rate is 0 or 1.
 */
export function twoProportionTest(
    k1: number,
    n1: number,
    k2: number,
    n2: number,
    alpha = 0.05
): TestResult | null {
    if (n1 === 0 || n2 === 0) return null;
    const pooled = (k1 + k2) / (n1 + n2);
    if (pooled === 0 || pooled === 1) return null;
    const p1 = k1 / n1;
    const p2 = k2 / n2;
    const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
    const zc = normalQuantile(1 - alpha / 2);
    return {
        statistic: z,
        pValue: 2 * (1 - normalCdf(Math.abs(z))),
        difference: p1 - p2,
        ci: [p1 - p2 - zc * se, p1 - p2 + zc * se]
    };
}

/**
 * Welch's t-test on means from counts, sums and sums of squares (sample variances with n − 1), with the
 * Welch-Satterthwaite degrees of freedom and Student's t for the p-value and the CI of the difference. Null when
 * a side has fewer than two values or both variances are 0.
 */
export function welchTest(a: Moments, b: Moments, alpha = 0.05): (TestResult & { df: number }) | null {
    if (a.n < 2 || b.n < 2) return null;
    const ma = a.sum / a.n;
    const mb = b.sum / b.n;
    const va = Math.max(0, (a.sumSq - a.sum * ma) / (a.n - 1)) / a.n;
    const vb = Math.max(0, (b.sumSq - b.sum * mb) / (b.n - 1)) / b.n;
    const se = Math.sqrt(va + vb);
    if (se === 0) return null;
    const t = (ma - mb) / se;
    const df = ((va + vb) * (va + vb)) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
    const tc = studentCritical(alpha, df);
    return {
        statistic: t,
        pValue: studentTwoSidedP(t, df),
        difference: ma - mb,
        ci: [ma - mb - tc * se, ma - mb + tc * se],
        df
    };
}

/**
 * Leads per group a two-sided two-proportion test at `alpha` needs to detect `p1` against `p2` with `power`:
 * n = (z(1−α/2)·√(2·p̄(1−p̄)) + z(power)·√(p1(1−p1) + p2(1−p2)))² / (p1 − p2)², p̄ = (p1 + p2)/2, rounded up.
 */
export function sampleSizePerGroup(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
    const d = Math.abs(p1 - p2);
    if (d === 0) return Infinity;
    const bar = (p1 + p2) / 2;
    const a = normalQuantile(1 - alpha / 2) * Math.sqrt(2 * bar * (1 - bar));
    const b = normalQuantile(power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
    return Math.ceil(((a + b) * (a + b)) / (d * d));
}

/** One metric of a pilot comparison. */
export interface MetricComparison {
    metric: PilotMetric;
    method: 'two-proportion z' | 'Welch t';
    /** The verdict is about the primary metric; secondary ones are reported, each at its own level. */
    role: 'primary' | 'secondary';
    /** Rate (0-1) or mean of each group; null when the group has no eligible leads. */
    test: number | null;
    control: number | null;
    /** Eligible leads behind each figure. */
    testN: number;
    controlN: number;
    difference: number | null;
    /**
     * Confidence sequence of the difference at level 1 − alpha: it covers the true difference at every nightly
     * look at once (see `sequentialTest`), so it is wider than a one-look interval.
     */
    ci: [number, number] | null;
    statistic: number | null;
    /** The one-look p-value (z or Welch t), as if tonight were the only look; not what `significant` is judged by. */
    pValue: number | null;
    /** The always-valid p-value of the mixture sequential test (valid however many nights are looked at). */
    sequentialP: number | null;
    /** The |z| tonight's statistic must reach to cross the sequential boundary at level alpha. */
    boundary: number | null;
    /** True when the statistic crosses the sequential boundary (sequentialP ≤ alpha). */
    significant: boolean;
}

/** The comparison of a pilot's test and control groups. */
export interface PilotComparison {
    weeksRun: number;
    minWeeks: number;
    /** The metric the verdict is about. */
    primaryMetric: PilotMetric;
    /** The level every metric's sequential test keeps over all looks. */
    alpha: number;
    /**
     * 'observational': the groups were split by a Lead field (source, region, team), not at random, so a
     * difference may come from who is in each group rather than from the threshold.
     */
    design: 'observational';
    /** That caveat in words, naming the field. */
    caveat: string;
    /** Leads per group needed (see `comparePilot`), and the effect it was sized for. */
    requiredPerGroup: number | null;
    sizedForEffect: number | null;
    metrics: MetricComparison[];
    conclusive: boolean;
    verdict: string;
}

/** One pilot as a run reports it: its configuration, both groups' counts and the comparison. */
export interface PilotReport {
    config: PilotConfig;
    test: GroupStats;
    control: GroupStats;
    comparison: PilotComparison;
}

/** The default minimum effect on a rate a pilot is sized for when the observed one is smaller: 5 points. */
export const DEFAULT_MIN_EFFECT = 0.05;
/** The effect on a mean (hours, revenue) the sequential test is tuned to: a tenth of a standard deviation. */
export const MEAN_EFFECT_SD = 0.1;
/** Eligible leads each side needs before a metric is tested at all (the variance is estimated from the data). */
export const MIN_TESTED = 30;

/** The mixture sequential test of one difference: always-valid p-value, boundary and confidence sequence. */
export interface SequentialResult {
    /** min(1, 1/Λ): valid at every look at once (P(ever ≤ α) ≤ α under no difference, by Ville's inequality). */
    sequentialP: number;
    /** The |z| = |difference| / √v that crosses the boundary at level alpha tonight. */
    boundary: number;
}

/**
 * Mixture sequential probability ratio test (mSPRT, Robbins; Johari et al.'s always-valid p-values) for a
 * difference estimated as normal with variance `v`, against a normal mixture of alternatives with spread `tau`
 * (the effect the pilot is sized for). The likelihood ratio is
 *   Λ = √(v / (v + τ²)) · exp(d² τ² / (2 v (v + τ²))),
 * a martingale under no difference, so min(1, 1/Λ) is a p-value that holds however often and whenever it is looked
 * at; Λ ≥ 1/α is the same as |d|/√v ≥ √((v + τ²)/τ² · (2 ln(1/α) + ln((v + τ²)/v))), the boundary returned.
 */
export function sequentialTest(d: number, v: number, tau: number, alpha: number): SequentialResult | null {
    if (!(v > 0) || !(tau > 0) || !Number.isFinite(d)) return null;
    const t2 = tau * tau;
    const logLambda = 0.5 * Math.log(v / (v + t2)) + (d * d * t2) / (2 * v * (v + t2));
    const boundary = Math.sqrt(((v + t2) / t2) * (2 * Math.log(1 / alpha) + Math.log((v + t2) / v)));
    return { sequentialP: Math.min(1, Math.exp(-logLambda)), boundary };
}

/**
 * Leads per group the sequential test needs to cross its boundary with `power` when the true difference is
 * `effect` and each lead's variance is `variance` (p(1 − p) for a rate): the smallest n with
 * effect / √(2·variance/n) − boundary(n) ≥ z(power). Larger than the one-look sample size, which is the price of
 * looking every night. Infinity when there is no effect to see.
 */
export function sequentialSampleSize(effect: number, variance: number, tau: number, alpha = 0.05, power = 0.8): number {
    if (!(effect > 0) || !(variance > 0)) return Infinity;
    const zPower = normalQuantile(power);
    const enough = (n: number): boolean => {
        const v = (2 * variance) / n;
        const r = sequentialTest(effect, v, tau, alpha)!;
        return effect / Math.sqrt(v) - r.boundary >= zPower;
    };
    let hi = 2;
    while (!enough(hi)) {
        hi *= 2;
        if (hi > 1e9) return Infinity;
    }
    let lo = hi / 2;
    while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (enough(mid)) hi = mid;
        else lo = mid;
    }
    return hi;
}

/**
 * Compares test with control on six metrics: MQL→SQL, acceptance and opportunity rates at 30 and 60 days (rates,
 * pooled variance under no difference), hours to first contact and revenue at 90 days per MQL (means, from sums and
 * sums of squares, so no lead is kept). Each metric gets its one-look test (two-proportion z or Welch t, as
 * `pValue`) and the mixture sequential test that `significant` is judged by, at `alpha` (0.05) over every nightly
 * look: the job compares every night, and a one-look test looked at nightly for 90 days calls a pilot with no
 * difference significant on some night far more often than 5%. The mixture's spread is the effect the pilot is
 * sized for: `minEffect` (5 points) on rates, a tenth of a standard deviation on means. The difference's interval
 * is the matching confidence sequence (it holds at every look).
 *
 * One metric is primary (`primaryMetric`, default MQL→SQL) and the verdict is about it alone; the others are
 * reported as secondary, each at its own level (no correction across them: read them as supporting evidence).
 *
 * Conclusive once the pilot has run `minWeeks` (default 6) whole weeks and either the primary metric crossed its
 * boundary or both groups hold the MQLs the sequential test needs for `minPower` (0.8) to see the observed
 * difference, or `minEffect` when the observed one is smaller (rates only; a mean metric needs its boundary). Until
 * then the verdict starts "Not yet conclusive" and says what is missing. Every pilot splits leads by a Lead field,
 * not at random, so the comparison is labelled observational with its caveat.
 */
export function comparePilot(input: {
    test: GroupStats;
    control: GroupStats;
    start: string;
    asOf: string;
    minWeeks?: number;
    alpha?: number;
    minPower?: number;
    minEffect?: number;
    primaryMetric?: PilotMetric;
    /** The pilot's configuration, for the caveat's wording (the field it splits by). */
    config?: Pick<PilotConfig, 'field' | 'testValues'>;
}): PilotComparison {
    const { test, control } = input;
    const alpha = input.alpha ?? 0.05;
    const minWeeks = input.minWeeks ?? 6;
    const minEffect = input.minEffect ?? DEFAULT_MIN_EFFECT;
    const primaryMetric = input.primaryMetric ?? 'MQL→SQL';
    const role = (metric: PilotMetric): MetricComparison['role'] => (metric === primaryMetric ? 'primary' : 'secondary');
    const weeksRun = Math.max(
        0,
        Math.floor((toMs(input.asOf.slice(0, 10)) - toMs(input.start.slice(0, 10))) / (7 * DAY_MS))
    );
    const prop = (metric: PilotMetric, t: Tally, c: Tally): MetricComparison => {
        const r = twoProportionTest(t.k, t.n, c.k, c.n, alpha);
        const a = t.n > 0 ? t.k / t.n : null;
        const b = c.n > 0 ? c.k / c.n : null;
        let seq: SequentialResult | null = null;
        let ci: [number, number] | null = null;
        if (r && t.n >= MIN_TESTED && c.n >= MIN_TESTED) {
            const pooled = (t.k + c.k) / (t.n + c.n);
            seq = sequentialTest(r.difference, pooled * (1 - pooled) * (1 / t.n + 1 / c.n), minEffect, alpha);
            const vu = (a! * (1 - a!)) / t.n + (b! * (1 - b!)) / c.n;
            const cs = sequentialTest(r.difference, vu, minEffect, alpha);
            if (cs) ci = [r.difference - cs.boundary * Math.sqrt(vu), r.difference + cs.boundary * Math.sqrt(vu)];
        }
        return {
            metric,
            method: 'two-proportion z',
            role: role(metric),
            test: a,
            control: b,
            testN: t.n,
            controlN: c.n,
            difference: a !== null && b !== null ? a - b : null,
            ci,
            statistic: r ? r.statistic : null,
            pValue: r ? r.pValue : null,
            sequentialP: seq ? seq.sequentialP : null,
            boundary: seq ? seq.boundary : null,
            significant: !!seq && seq.sequentialP <= alpha
        };
    };
    const welch = (metric: PilotMetric, t: Moments, c: Moments): MetricComparison => {
        const r = welchTest(t, c, alpha);
        const a = t.n > 0 ? t.sum / t.n : null;
        const b = c.n > 0 ? c.sum / c.n : null;
        let seq: SequentialResult | null = null;
        let ci: [number, number] | null = null;
        if (r && t.n >= MIN_TESTED && c.n >= MIN_TESTED) {
            const ssT = Math.max(0, t.sumSq - t.sum * a!);
            const ssC = Math.max(0, c.sumSq - c.sum * b!);
            const sd = Math.sqrt((ssT + ssC) / (t.n + c.n - 2));
            const v = ssT / (t.n - 1) / t.n + ssC / (c.n - 1) / c.n;
            seq = sequentialTest(r.difference, v, MEAN_EFFECT_SD * sd, alpha);
            if (seq) ci = [r.difference - seq.boundary * Math.sqrt(v), r.difference + seq.boundary * Math.sqrt(v)];
        }
        return {
            metric,
            method: 'Welch t',
            role: role(metric),
            test: a,
            control: b,
            testN: t.n,
            controlN: c.n,
            difference: a !== null && b !== null ? a - b : null,
            ci,
            statistic: r ? r.statistic : null,
            pValue: r ? r.pValue : null,
            sequentialP: seq ? seq.sequentialP : null,
            boundary: seq ? seq.boundary : null,
            significant: !!seq && seq.sequentialP <= alpha
        };
    };
    const metrics = [
        prop('MQL→SQL', { k: test.sqls, n: test.mqls }, { k: control.sqls, n: control.mqls }),
        prop('Acceptance', test.acceptance, control.acceptance),
        prop('Opportunity rate at 30 days', test.opp30, control.opp30),
        prop('Opportunity rate at 60 days', test.opp60, control.opp60),
        welch('Hours to first contact', test.touchHours, control.touchHours),
        welch('Revenue at 90 days per MQL', test.revenue90, control.revenue90)
    ];
    const primary = metrics.find((m) => m.metric === primaryMetric)!;
    let requiredPerGroup: number | null = null;
    let sizedForEffect: number | null = null;
    if (primary.method === 'two-proportion z' && primary.control !== null && primary.test !== null) {
        sizedForEffect = Math.max(Math.abs(primary.difference!), minEffect);
        const base = primary.control;
        const other = base + sizedForEffect <= 1 ? base + sizedForEffect : base - sizedForEffect;
        const bar = (base + other) / 2;
        const n = sequentialSampleSize(sizedForEffect, bar * (1 - bar), minEffect, alpha, input.minPower ?? 0.8);
        requiredPerGroup = Number.isFinite(n) ? Math.max(n, MIN_TESTED) : null;
    }
    const smaller = Math.min(primary.testN, primary.controlN);
    const missing: string[] = [];
    if (weeksRun < minWeeks) missing.push(`${weeksRun} of ${minWeeks} weeks run`);
    if (!primary.significant) {
        if (primary.method === 'Welch t') missing.push(`no difference in ${primaryMetric} past its sequential boundary yet`);
        else if (requiredPerGroup === null) missing.push('no MQLs in one of the groups yet');
        else if (smaller < requiredPerGroup)
            missing.push(`${smaller} of ${requiredPerGroup} MQLs in the smaller group`);
    }
    const conclusive = missing.length === 0;
    const field = input.config?.field ?? 'a Lead field';
    const caveat = `Observational comparison: test and control were split by ${field}${input.config ? ` (${input.config.testValues.join(', ')} against the rest)` : ''}, not at random, so a difference may come from which leads each group holds rather than from the threshold.`;
    const evidence = (m: MetricComparison): string => {
        if (m.sequentialP === null) return 'no sequential test yet';
        return `sequential p ${m.sequentialP < 0.001 ? '< 0.001' : `= ${fmtP(m.sequentialP)}`}, |z| ${Math.abs(m.statistic!).toFixed(2)} against a boundary of ${m.boundary!.toFixed(2)} at this look, α ${alpha} over every look`;
    };
    let verdict: string;
    if (!conclusive) verdict = `Not yet conclusive: ${missing.join(', ')}.`;
    else if (primary.significant) {
        const higher = primary.difference! > 0 ? 'the test group is higher' : 'the control group is higher';
        verdict = `${primaryMetric} (primary) differs: ${higher} (${metricText(primary, primary.test!)} against ${metricText(primary, primary.control!)}; ${evidence(primary)}).`;
    } else
        verdict = `Conclusive: no significant difference in ${primaryMetric} (primary) (${primary.test === null ? 'n/a' : metricText(primary, primary.test)} against ${primary.control === null ? 'n/a' : metricText(primary, primary.control)}; ${evidence(primary)}).`;
    return { weeksRun, minWeeks, primaryMetric, alpha, design: 'observational', caveat, requiredPerGroup, sizedForEffect, metrics, conclusive, verdict };
}

/** A metric's value for the verdict: rates as percentages, means to one decimal. */
function metricText(m: MetricComparison, v: number): string {
    return m.method === 'two-proportion z' ? pct(v) : v.toFixed(1);
}

function fmtP(p: number): string {
    return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

function pct(x: number): string {
    return `${(x * 100).toFixed(1)}%`;
}
