/**
 * The Threshold-Setting Method's rules, each a small pure function over counts (never over raw leads), so the
 * nightly job, the bootstrap and the dashboard's what-if slider all run the very same rule.
 */
import type {
    Band,
    BandVerdict,
    CalibrationSettings,
    FineBand,
    LeadRecord,
    OverrideRule,
    Scenario,
    SegmentRule
} from './types';
import { chiSquare1Tail, twoProportionPValue, wilson } from './statistics';
import { DAY_MS, toMs } from './dates';

/** A configuration the method refuses, e.g. a third high-intent override. */
export class ConfigurationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'ConfigurationError';
    }
}

/** The seeds' starting ranges (seed 000), shown when a segment has too little data; never a recommendation. */
export const STARTING_POINTS: Record<string, [number, number]> = {
    SMB_Inbound: [60, 70],
    Enterprise_Inbound: [40, 55],
    Outbound_Assisted: [35, 50],
    Expansion: [25, 40]
};

/**
 * Verdict of a band from its MQL→SQL rate against the healthy range (seed 002's table, generalised):
 * at or above the top of the range "Hot", at or above its floor "Good", at or above half the floor "Marginal",
 * else "Too early". A band with no handed-off leads is "Too early".
 * Seed 002 with the default range 30-50%: 5% Too early, 15% Marginal, 35% Good, 60% Hot.
 */
export function bandVerdict(sqlRate: number | null, healthy: { min: number; max: number }): BandVerdict {
    if (sqlRate === null) return 'Too early';
    if (sqlRate >= healthy.max) return 'Hot';
    if (sqlRate >= healthy.min) return 'Good';
    if (sqlRate >= healthy.min / 2) return 'Marginal';
    return 'Too early';
}

/**
 * Won-deal inflection (seed 000): the bottom of the band where the share of won deals climbs most sharply from
 * the band below — the largest increase, not the mean. Bands are taken in ascending order of `from`.
 * Ties go to the lower band (the more inclusive threshold). Fewer than two bands, or no won deals, gives null.
 * Seed 000's table (<40: 8%, 40-59: 14%, 60-79: 31%, 80-99: 28%, 100+: 19%) gives 60.
 */
export function findInflection(bands: { from: number; won: number }[]): number | null {
    const sorted = [...bands].sort((a, b) => a.from - b.from);
    const total = sorted.reduce((s, b) => s + b.won, 0);
    if (sorted.length < 2 || total <= 0) return null;
    let best: number | null = null;
    let bestRise = 0;
    for (let i = 1; i < sorted.length; i++) {
        const rise = (sorted[i].won - sorted[i - 1].won) / total;
        if (rise > bestRise) {
            bestRise = rise;
            best = sorted[i].from;
        }
    }
    return best;
}

/** The best single split of one outcome's rate over score, in one direction, and its likelihood-ratio test. */
export interface SplitEvidence {
    /** The lowest score on the upper side of the split. */
    at: number;
    /** Rates below and at or above `at`. */
    rateBelow: number;
    rateAbove: number;
    /** Likelihood-ratio statistic (deviance drop) of two rates against one. */
    statistic: number;
    /** Its chi-square (1 df) p-value times the number of splits tried (Bonferroni), at most 1. */
    pValue: number;
}

/** Both directions of the change-point test on one outcome: `up` (the rate rises at the split) and `down`. */
export interface ChangePointTest {
    outcome: 'won' | 'qualified';
    splits: number;
    up: SplitEvidence | null;
    down: SplitEvidence | null;
}

/**
 * Change-point test (the knee's evidence): for every candidate split t with at least `minSide` handed-off leads on
 * each side, models each side as one Bernoulli rate of `outcome` and computes the likelihood-ratio statistic of two
 * rates against one. The best split where the rate rises (`up`) and where it falls (`down`) are kept, each with a
 * p-value: the statistic's chi-square (1 df) tail multiplied by the number of splits tried (Bonferroni), which
 * bounds the chance that data with no relation to the score shows so large a split anywhere. Conservative, and
 * cheap enough to rerun in every bootstrap sample.
 */
export function changePointTest(fine: FineBand[], outcome: 'won' | 'qualified', minSide = 20): ChangePointTest {
    let n = 0;
    let w = 0;
    for (const b of fine) {
        n += b.handedOff;
        w += b[outcome];
    }
    const ll = (k: number, m: number): number => {
        if (m === 0 || k === 0 || k === m) return 0;
        const p = k / m;
        return k * Math.log(p) + (m - k) * Math.log(1 - p);
    };
    const whole = ll(w, n);
    let up: SplitEvidence | null = null;
    let down: SplitEvidence | null = null;
    let splits = 0;
    let nLow = 0;
    let wLow = 0;
    for (let i = 0; i < fine.length; i++) {
        if (i > 0 && nLow >= minSide && n - nLow >= minSide) {
            splits++;
            const rateBelow = wLow / nLow;
            const rateAbove = (w - wLow) / (n - nLow);
            const statistic = 2 * (ll(wLow, nLow) + ll(w - wLow, n - nLow) - whole);
            if (rateAbove > rateBelow) {
                if (!up || statistic > up.statistic) up = { at: fine[i].score, rateBelow, rateAbove, statistic, pValue: 1 };
            } else if (rateAbove < rateBelow) {
                if (!down || statistic > down.statistic) down = { at: fine[i].score, rateBelow, rateAbove, statistic, pValue: 1 };
            }
        }
        nLow += fine[i].handedOff;
        wLow += fine[i][outcome];
    }
    if (up) up.pValue = Math.min(1, splits * chiSquare1Tail(up.statistic));
    if (down) down.pValue = Math.min(1, splits * chiSquare1Tail(down.statistic));
    return { outcome, splits, up, down };
}

/**
 * Fine-resolution knee: the single change-point of the win rate over score at handoff (`changePointTest` on won
 * deals, rising side), whatever its significance; the recommendation uses it only when the test is significant.
 * Normalising by how many leads sit at each score keeps a crowded score range from passing for an inflection;
 * on equal-density data it is the point where the won-deal histogram climbs most sharply (seed 000's rule).
 * Expects fine bands in ascending score order; null when no split raises the rate.
 */
export function findKnee(fine: FineBand[], minSide = 20): number | null {
    return changePointTest(fine, 'won', minSide).up?.at ?? null;
}

/**
 * The rate of `outcome` among handed-off leads at or above `t` against those below, with the one-sided p-value that
 * it is higher above (`higherAbove`) or lower above: the evidence a floor needs to count.
 */
export function splitAt(
    fine: FineBand[],
    t: number,
    outcome: 'rejected' | 'qualified',
    higherAbove: boolean
): { above: number; aboveLeads: number; below: number | null; belowLeads: number; pValue: number } {
    let kA = 0;
    let nA = 0;
    let kB = 0;
    let nB = 0;
    for (const f of fine) {
        // Rejection rates are over decided leads (accepted + rejected), SQL rates over handed-off leads.
        const n = outcome === 'rejected' ? f.accepted + f.rejected : f.handedOff;
        if (f.score >= t) {
            kA += f[outcome];
            nA += n;
        } else {
            kB += f[outcome];
            nB += n;
        }
    }
    const pValue = higherAbove ? twoProportionPValue(kA, nA, kB, nB) : twoProportionPValue(kB, nB, kA, nA);
    return { above: nA > 0 ? kA / nA : 0, aboveLeads: nA, below: nB > 0 ? kB / nB : null, belowLeads: nB, pValue };
}

/**
 * SQL-rate rule (seed 002, "where the SQL rate becomes acceptable"): the lowest band from which every band with
 * leads, itself and above, converts to SQL at `minRate` or better; returns that band's `from`. Bands without
 * handed-off leads (or fewer than `minLeads`) are skipped. Seed 002's table (0-30: 5%, 31-50: 15%, 51-70: 35%,
 * 71+: 60%) gives 51.
 */
export function sqlTargetThreshold(
    bands: { from: number; handedOff: number; qualified: number }[],
    minRate: number,
    minLeads = 1
): number | null {
    const sorted = [...bands].filter((b) => b.handedOff >= Math.max(1, minLeads)).sort((a, b) => a.from - b.from);
    let result: number | null = null;
    for (let i = sorted.length - 1; i >= 0; i--) {
        if (sorted[i].qualified / sorted[i].handedOff >= minRate) result = sorted[i].from;
        else break;
    }
    return result;
}

/**
 * Suffix sums over fine bands: for each threshold t, the handed-off, accepted, rejected and qualified leads at
 * or above t. Returned sorted by score ascending.
 */
function suffixes(fine: FineBand[]): { score: number; handedOff: number; accepted: number; rejected: number; qualified: number }[] {
    const sorted = [...fine].sort((a, b) => a.score - b.score);
    const out: { score: number; handedOff: number; accepted: number; rejected: number; qualified: number }[] = new Array(sorted.length);
    let h = 0;
    let a = 0;
    let r = 0;
    let q = 0;
    for (let i = sorted.length - 1; i >= 0; i--) {
        h += sorted[i].handedOff;
        a += sorted[i].accepted;
        r += sorted[i].rejected;
        q += sorted[i].qualified;
        out[i] = { score: sorted[i].score, handedOff: h, accepted: a, rejected: r, qualified: q };
    }
    return out;
}

/**
 * Rejection-rate target (seed 000: "what rejection rate could you live with?"): the lowest threshold t whose
 * handed-off leads at or above t were rejected at `target` or less (rejected / (accepted + rejected)), judged
 * only where at least `minDecided` leads were decided. Null when no threshold meets it.
 */
export function rejectionTargetThreshold(fine: FineBand[], target: number, minDecided = 20): number | null {
    for (const s of suffixes(fine)) {
        const decided = s.accepted + s.rejected;
        if (decided >= minDecided && s.rejected / decided <= target) return s.score;
    }
    return null;
}

/**
 * Seed 002's band rule read at the score's own resolution, as the recommendation uses it: the band rule
 * (`sqlTargetThreshold`) over `bands` gives the floor B; the band just below B failed as a whole, yet its upper part
 * may convert as well as B's (a band that straddles the change is averaged down), so the floor moves down inside that
 * band as far as the leads between it and B still convert at `minRate` (with at least `minLeads` of them).
 * `band` is the band rule's own reading, `at` the refined floor; both null when no band reaches the rate.
 * On seed 002's table (leads at 0, 31, 51 and 71, bands of 10 or 20) the band holding 51 is the first to reach 30%
 * and the 31s below it convert at 15%: 51.
 */
export function sqlFloor(
    fine: FineBand[],
    bands: { from: number; to: number; handedOff: number; qualified: number }[],
    minRate: number,
    minLeads = 20
): { band: number | null; at: number | null } {
    const band = sqlTargetThreshold(bands, minRate);
    if (band === null) return { band: null, at: null };
    const i = bands.findIndex((b) => b.from === band);
    const lower = i > 0 ? bands[i - 1].from : band;
    // A threshold between scores admits the same leads as the next score up: the floor is the band's lowest score.
    let at: number | null = null;
    let h = 0;
    let q = 0;
    for (let j = fine.length - 1; j >= 0; j--) {
        const f = fine[j];
        if (f.score >= band) {
            at = f.score;
            continue;
        }
        if (f.score < lower) break;
        h += f.handedOff;
        q += f.qualified;
        if (h >= minLeads && q / h >= minRate) at = f.score;
    }
    return { band, at: at ?? band };
}

/** The SQL rule's view of a band table: where each band of `width` starts, its handed-off and qualified leads. */
export function sqlBands(fine: FineBand[], width: number): { from: number; to: number; handedOff: number; qualified: number }[] {
    const out: { from: number; to: number; handedOff: number; qualified: number }[] = [];
    for (const f of fine) {
        const from = bandStart(f.score, width);
        let last = out[out.length - 1];
        if (!last || last.from !== from) {
            last = { from, to: from + width, handedOff: 0, qualified: 0 };
            out.push(last);
        }
        last.handedOff += f.handedOff;
        last.qualified += f.qualified;
    }
    return out;
}

/**
 * The lower edge of the band of `width` holding `score`: a multiple of the width, computed so that a score on an
 * edge (0.3 with width 0.1) is not put in the band below by a rounding error.
 */
export function bandStart(score: number, width: number): number {
    const k = Math.floor(score / width + 1e-9);
    return roundTo(k * width, width);
}

/** `x` rounded to the decimals of `step` (so that 3 × 0.1 reads 0.3, not 0.30000000000000004). */
export function roundTo(x: number, step: number): number {
    if (!(step > 0) || step >= 1) return Math.round(x * 1e9) / 1e9;
    const decimals = Math.min(12, Math.ceil(-Math.log10(step) - 1e-9) + 1);
    return Number(x.toFixed(decimals));
}

/**
 * Sales-capacity rule: the lowest observed score whose recent MQL volume at or above it, per month, fits
 * `capacityPerMonth`. Null when capacity is not set or every threshold fits.
 */
export function capacityThreshold(fine: FineBand[], capacityPerMonth: number | null | undefined, windowDays: number): number | null {
    if (!capacityPerMonth || capacityPerMonth <= 0) return null;
    const months = windowDays / 30.4375;
    const sorted = [...fine].sort((a, b) => a.score - b.score);
    let recent = 0;
    for (const b of sorted) recent += b.recent.handedOff;
    if (recent / months <= capacityPerMonth) return null;
    for (let i = 0; i < sorted.length; i++) {
        recent -= sorted[i].recent.handedOff;
        // The next score up, at the score's own resolution (not "+1", which is a whole 0-1 scale).
        if (recent / months <= capacityPerMonth) return i + 1 < sorted.length ? sorted[i + 1].score : sorted[i].score;
    }
    return null;
}

/** A score's (or a pool of scores') handed-off leads and their outcomes over the lookback, as a fine band holds them. */
type PricedCounts = Pick<FineBand, 'handedOff' | 'accepted' | 'rejected' | 'qualified' | 'pipelineAmount' | 'wonAmount'>;

/** Adds the outcomes of `counts`, scaled by `f` (leads never handed off per lead handed off), to the estimate. */
function addScaled(
    est: { accepted: number; rejected: number; sqls: number; pipeline: number; won: number },
    counts: PricedCounts,
    f: number
): void {
    est.accepted += counts.accepted * f;
    est.rejected += counts.rejected * f;
    est.sqls += counts.qualified * f;
    est.pipeline += counts.pipelineAmount * f;
    est.won += counts.wonAmount * f;
}

/**
 * What a threshold would have done over the scenario window (seed 000's ±15 scenarios, and the dashboard's
 * what-if slider): the handed-off leads of the last `windowDays` with a score at or above `threshold`, their
 * acceptance, rejection rate, SQLs, pipeline and revenue. Works from one-cell counts alone, O(fine bands).
 * `extrapolated` is true when the threshold lies outside the scores observed in the window.
 * Below the `active` threshold, when given, reps pulled only some leads: the leads of the window that scored in
 * [threshold, active) and were never handed off are added to the MQLs (they are counted, by current score), and
 * their acceptance, SQLs, pipeline and revenue estimated at the rates of all handed-off leads of the same score
 * over the lookback (of [threshold, active) where a score has none); the scenario is then marked `estimated`.
 */
export function scenarioAt(fineBands: FineBand[], threshold: number, windowDays: number, label?: string, active?: number | null): Scenario {
    let mqls = 0;
    let accepted = 0;
    let rejected = 0;
    let sqls = 0;
    let pipeline = 0;
    let won = 0;
    let lo = Infinity;
    let hi = -Infinity;
    const below = active !== null && active !== undefined && threshold < active;
    let added = 0;
    // Estimated outcomes of the leads added, and the pooled rates of [threshold, active) for scores with no handoffs.
    const est = { accepted: 0, rejected: 0, sqls: 0, pipeline: 0, won: 0 };
    const pool: PricedCounts = { handedOff: 0, accepted: 0, rejected: 0, qualified: 0, pipelineAmount: 0, wonAmount: 0 };
    let unpriced = 0;
    // The width of one cell, the smallest gap between scores (1 on a whole-point scale): a threshold within the top
    // cell still reads observed counts.
    let cell = Infinity;
    let previous = -Infinity;
    for (const b of fineBands) {
        if (b.score > previous && previous > -Infinity) cell = Math.min(cell, b.score - previous);
        previous = b.score;
        if (b.recent.handedOff > 0) {
            lo = Math.min(lo, b.score);
            hi = Math.max(hi, b.score);
        }
        if (b.score >= threshold) {
            mqls += b.recent.handedOff;
            accepted += b.recent.accepted;
            rejected += b.recent.rejected;
            sqls += b.recent.qualified;
            pipeline += b.recent.pipelineAmount;
            won += b.recent.wonAmount;
            if (below && b.score < active!) {
                pool.handedOff += b.handedOff;
                pool.accepted += b.accepted;
                pool.rejected += b.rejected;
                pool.qualified += b.qualified;
                pool.pipelineAmount += b.pipelineAmount;
                pool.wonAmount += b.wonAmount;
                const n = b.recent.notHandedOff ?? 0;
                if (n > 0) {
                    added += n;
                    if (b.handedOff > 0) addScaled(est, b, n / b.handedOff);
                    else unpriced += n;
                }
            }
        }
    }
    if (unpriced > 0 && pool.handedOff > 0) addScaled(est, pool, unpriced / pool.handedOff);
    const observedMqls = mqls;
    mqls += added;
    accepted += Math.round(est.accepted);
    const rejectedAll = rejected + Math.round(est.rejected);
    sqls += Math.round(est.sqls);
    pipeline += Math.round(est.pipeline);
    won += Math.round(est.won);
    const decided = accepted + rejectedAll;
    const scenario: Scenario = {
        label: label ?? `Threshold ${threshold}`,
        threshold,
        mqls,
        mqlsPerMonth: Math.round((mqls / (windowDays / 30.4375)) * 10) / 10,
        accepted,
        rejectionRate: decided > 0 ? rejectedAll / decided : null,
        sqls,
        pipelineAmount: pipeline,
        wonAmount: won,
        extrapolated: lo === Infinity || threshold < lo || threshold > hi + (cell === Infinity ? 1 : cell)
    };
    if (active !== undefined) {
        scenario.estimated = added > 0;
        scenario.observedMqls = observedMqls;
        scenario.estimatedMqls = added;
    }
    return scenario;
}

/** Builds the band table of width `width` from one-point counts, with rates, intervals and verdicts. */
export function bandsFromFine(fine: FineBand[], width: number, healthy: { min: number; max: number }): Band[] {
    const byBand = new Map<number, Band>();
    let totalWon = 0;
    for (const f of fine) {
        const from = bandStart(f.score, width);
        let b = byBand.get(from);
        if (!b) {
            b = emptyBand(from, from + width);
            byBand.set(from, b);
        }
        b.handedOff += f.handedOff;
        b.accepted += f.accepted;
        b.rejected += f.rejected;
        b.neverWorked += f.neverWorked ?? 0;
        b.qualified += f.qualified;
        b.opportunities += f.opportunities;
        b.won += f.won;
        b.pipelineAmount += f.pipelineAmount;
        b.wonAmount += f.wonAmount;
        totalWon += f.won;
    }
    const bands = [...byBand.values()].sort((a, b) => a.from - b.from);
    for (const b of bands) {
        b.wonShare = totalWon > 0 ? b.won / totalWon : 0;
        b.acceptanceRate = wilson(b.accepted, b.accepted + b.rejected);
        b.rejectionRate = wilson(b.rejected, b.accepted + b.rejected);
        b.sqlRate = wilson(b.qualified, b.handedOff);
        b.opportunityRate = wilson(b.opportunities, b.handedOff);
        b.winRate = wilson(b.won, b.handedOff);
        b.verdict = bandVerdict(b.sqlRate.rate, healthy);
    }
    return bands;
}

function emptyBand(from: number, to: number): Band {
    const none = wilson(0, 0);
    return {
        from,
        to,
        handedOff: 0,
        accepted: 0,
        rejected: 0,
        neverWorked: 0,
        qualified: 0,
        opportunities: 0,
        won: 0,
        pipelineAmount: 0,
        wonAmount: 0,
        wonShare: 0,
        acceptanceRate: none,
        rejectionRate: none,
        sqlRate: none,
        opportunityRate: none,
        winRate: none,
        verdict: 'Too early'
    };
}

/** Evaluates one rule (`field op value`) against a lead's attributes. '*' matches everything. */
export function matchesRule(
    attributes: Record<string, string | number | boolean | null> | undefined,
    rule: { field: string | null; op: SegmentRule['op']; value: string | number | boolean | null }
): boolean {
    if (rule.op === '*') return true;
    if (!rule.field) return false;
    const raw = attributes ? attributes[rule.field] : undefined;
    const v = raw === undefined ? null : raw;
    switch (rule.op) {
        case 'notblank':
            return v !== null && v !== '';
        case 'in':
            return String(rule.value ?? '')
                .split(';')
                .map((s) => s.trim())
                .includes(String(v ?? ''));
        case '=':
        case '!=': {
            const eq = normalise(v) === normalise(rule.value);
            return rule.op === '=' ? eq : !eq;
        }
        default: {
            const a = Number(v);
            const b = Number(rule.value);
            if (v === null || v === '' || !Number.isFinite(a) || !Number.isFinite(b)) return false;
            if (rule.op === '>=') return a >= b;
            if (rule.op === '>') return a > b;
            if (rule.op === '<=') return a <= b;
            return a < b;
        }
    }
}

function normalise(v: unknown): string {
    if (v === null || v === undefined) return '';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return String(v).trim().toLowerCase();
}

/**
 * Segment of a lead (method item 1): its own `segment` when set, else the first rule in `order` that matches its
 * attributes. Null when no rule matches (the caller reports it as an exclusion).
 */
export function assignSegment(lead: Pick<LeadRecord, 'segment' | 'attributes'>, rules: SegmentRule[]): string | null {
    if (lead.segment) return lead.segment;
    const ordered = [...rules].sort((a, b) => a.order - b.order);
    for (const rule of ordered) if (matchesRule(lead.attributes, rule)) return rule.segment;
    return null;
}

/**
 * Policy check (seeds 000 and 002): a fixed threshold plus at most two high-intent overrides per segment. A third
 * is a configuration error, thrown as ConfigurationError naming the segment.
 */
export function validateOverrides(rules: OverrideRule[] | undefined, segment = 'segment'): void {
    if (rules && rules.length > 2) {
        throw new ConfigurationError(
            `${segment}: ${rules.length} high-intent overrides configured; at most 2 are allowed (${rules
                .map((r) => r.name)
                .join(', ')})`
        );
    }
}

/** Which path a lead takes to MQL, and why (seed 002's two paths and edge cases). */
export interface MqlPath {
    isMql: boolean;
    path: 'scored' | 'hand-raiser' | 'review' | 'nurture' | 'none';
    reason: string;
}

/** Fit grades that pass the scored path's gate (seed 002: "Demographic Grade: A or B"). */
function gradeLetter(grade: string | null | undefined): string | null {
    if (!grade) return null;
    const letter = grade.trim().charAt(0).toUpperCase();
    return /[A-F]/.test(letter) ? letter : null;
}

/**
 * Classifies a lead against a segment's policy (method item 8):
 * - hand-raiser: it matched a high-intent override (e.g. demo request) and its fit grade is A or B (or unknown):
 *   an MQL regardless of score — but a C-F grade hand-raiser is not (a competitor asking for a demo);
 * - scored: score at or above the threshold and fit grade A or B (or no grade in the org);
 * - review: score at or above the threshold but grade C: flagged for manual review, not auto-MQL;
 * - nurture: grade A with no activity (score 0 or none): perfect fit but cold;
 * - none: otherwise (e.g. a student with 80 points and grade F).
 */
export function classifyMqlPath(
    lead: Pick<LeadRecord, 'scoreAtHandoff' | 'currentScore' | 'grade' | 'overridePaths' | 'lastActivityDate'>,
    policy: { threshold: number | null; overrides?: OverrideRule[] }
): MqlPath {
    const grade = gradeLetter(lead.grade);
    const fit = grade === null || grade === 'A' || grade === 'B';
    const score = lead.scoreAtHandoff ?? lead.currentScore ?? null;
    const handRaised = (lead.overridePaths ?? []).length > 0;
    if (handRaised && fit) return { isMql: true, path: 'hand-raiser', reason: `hand-raiser: ${lead.overridePaths![0]}` };
    if (policy.threshold !== null && score !== null && score >= policy.threshold) {
        if (fit) return { isMql: true, path: 'scored', reason: `score ${score} ≥ ${policy.threshold} with fit grade ${grade ?? 'n/a'}` };
        if (grade === 'C') return { isMql: false, path: 'review', reason: `grade C with score ${score}: flagged for manual review` };
        return { isMql: false, path: 'none', reason: `score ${score} but fit grade ${grade}: wrong persona` };
    }
    if (grade === 'A' && (score === null || score === 0) && !lead.lastActivityDate) {
        return { isMql: false, path: 'nurture', reason: 'grade A with no activity: nurture' };
    }
    return { isMql: false, path: 'none', reason: score === null ? 'no score' : `score ${score} below threshold` };
}

/**
 * Score decay (method item 9, optional): `points` off for every full `days` without activity, never below 0.
 * 30 days without activity under the default (5 per 30 days) costs 5 points; 29 days costs nothing.
 */
export function applyDecay(
    score: number,
    lastActivityDate: string | null | undefined,
    asOf: string,
    decay: { points: number; days: number } | null
): number {
    if (!decay || !lastActivityDate) return score;
    return decayedScore(score, Math.floor((toMs(asOf) - toMs(lastActivityDate)) / DAY_MS), decay);
}

/**
 * `applyDecay` on whole days already counted: the calibrator's fold calls it with the idle days of each lead, so
 * it runs the same rule without parsing the analysis date a lead. A count that is not a number decays nothing.
 */
export function decayedScore(score: number, idleDays: number, decay: { points: number; days: number }): number {
    if (!(idleDays >= decay.days)) return score;
    return Math.max(0, score - decay.points * Math.floor(idleDays / decay.days));
}

/**
 * High-intent paths (seed 000's overrides, seed 002's hand-raisers): groups (lead origin, source, form) whose
 * SQL rate's Wilson lower bound is at least `lift` times the overall rate, with at least `minLeads` leads.
 */
export function highIntentPaths(
    groups: { name: string; handedOff: number; qualified: number }[],
    lift = 1.5,
    minLeads = 30
): string[] {
    const n = groups.reduce((s, g) => s + g.handedOff, 0);
    const q = groups.reduce((s, g) => s + g.qualified, 0);
    if (n === 0) return [];
    const overall = q / n;
    return groups
        .filter((g) => g.handedOff >= minLeads && (wilson(g.qualified, g.handedOff).low ?? 0) >= overall * lift)
        .sort((a, b) => b.qualified / b.handedOff - a.qualified / a.handedOff)
        .map((g) => g.name);
}

/** Default settings merged with partial overrides (one level deep for the nested ranges). */
export function mergeSettings(base: CalibrationSettings, partial: Partial<CalibrationSettings> | undefined): CalibrationSettings {
    if (!partial) return base;
    const out = { ...base } as CalibrationSettings;
    for (const [k, v] of Object.entries(partial)) {
        if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
    return out;
}

/**
 * The band width used when the setting is absent: a round number (1, 2 or 5 times a power of ten) giving about ten
 * bands over the observed scores, never finer than the score's resolution. 0-100 scores get 10; 0-1 scores 0.1;
 * 0-100,000 scores 10,000.
 */
export function defaultBandWidth(lo: number, hi: number, resolution: number): number {
    const span = hi - lo;
    if (!(span > 0)) return resolution > 0 ? resolution : 1;
    const rough = span / 10;
    const power = 10 ** Math.floor(Math.log10(rough));
    let width = 10 * power;
    for (const m of [1, 2, 5]) {
        if (m * power >= rough - 1e-12 * power) {
            width = m * power;
            break;
        }
    }
    return roundTo(Math.max(width, resolution), Math.min(width, resolution > 0 ? resolution : width));
}
