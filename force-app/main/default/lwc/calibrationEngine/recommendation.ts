/**
 * The recommendation rule (method item 6): the floors each reading sets, combined into one threshold, and its
 * bootstrap range; and the rationale in words.
 */
import type {
    Band,
    CalibrationSettings,
    ChangeEvidence,
    FineBand,
    FloorEvidence,
    Recommendation,
    RecommendationEvidence,
    Scenario,
    SegmentPolicy
} from './types';
import { mulberry32, poisson, quantile, pct } from './statistics';
import {
    STARTING_POINTS,
    capacityThreshold,
    changePointTest,
    rejectionTargetThreshold,
    splitAt,
    sqlBands,
    sqlFloor,
    type ChangePointTest
} from './method';
import { CLASSES, type SegmentAccumulator } from './accumulator';

/** Defaults of the abstention settings (CalibrationSettings documents each). */
export const ABSTENTION_DEFAULTS = { significanceLevel: 0.01, maxRangeShare: 0.25, minDistinctScores: 5, maxExcludedShare: 0.2 };

export interface Candidates {
    inflection: number | null;
    /** Floors as found; `evidence.floors` says which counted. */
    rejectionTarget: number | null;
    sqlTarget: number | null;
    capacity: number | null;
    value: number | null;
    /** Why no threshold can be read from these counts: no significant rise, or only a significant fall. */
    abstain: 'no-signal' | 'inverted' | null;
    win: ChangePointTest;
    sql: ChangePointTest;
    floors: RecommendationEvidence['floors'];
}

/**
 * The recommendation rule (method item 6, docs/method.md), on fine bands in ascending score order:
 * 1. the knee: the change-point of the win rate (`changePointTest` on won deals), counted only when its
 *    Bonferroni-corrected likelihood-ratio p-value is at most half the level; failing that, the change-point of the
 *    SQL rate at the same test. Neither significant: abstain, as 'inverted' when a falling change is significant;
 * 2. the rejection floor: the lowest threshold whose leads at or above are rejected at most the target rate
 *    (`rejectionTargetThreshold`), counted only when those leads are rejected significantly less than the leads below;
 * 3. the SQL floor: seed 002's band rule read at the score's resolution (`sqlFloor`), counted only when the leads at
 *    or above it convert significantly better than those below;
 * 4. sales capacity, when set: the lowest threshold whose recent volume fits (a constraint, not a reading);
 * 5. the threshold is the highest of the knee and the floors that count, kept within the observed scores.
 * The bootstrap passes `counted`, the floors that counted on the data itself: it takes the knee whatever its
 * p-value and those floors whatever theirs, so the range shows where the readings the recommendation rests on land
 * on resampled data, not how often they would pass their tests.
 */
export function candidatesFor(
    fine: FineBand[],
    bandWidth: number,
    settings: CalibrationSettings,
    capacityPerMonth: number | null | undefined,
    counted?: { rejectionTarget: boolean; sqlTarget: boolean }
): Candidates {
    const gated = counted === undefined;
    const level = settings.significanceLevel ?? ABSTENTION_DEFAULTS.significanceLevel;
    const win = changePointTest(fine, 'won');
    const sql = changePointTest(fine, 'qualified');
    // Two tests, one decision: each at half the level keeps the chance of a recommendation from noise within it.
    const sig = (e: { pValue: number } | null): boolean => e !== null && (!gated || e.pValue <= level / 2);
    let inflection: number | null = null;
    if (sig(win.up)) inflection = win.up!.at;
    else if (sig(sql.up)) inflection = sql.up!.at;
    let abstain: Candidates['abstain'] = null;
    if (inflection === null) abstain = gated && (sig(win.down) || sig(sql.down)) ? 'inverted' : 'no-signal';

    const rejectionTarget = rejectionTargetThreshold(fine, settings.targetRejectionRate);
    const rejection = floorEvidence(fine, rejectionTarget, 'rejected', false, level);
    const sqlReading = sqlFloor(fine, sqlBands(fine, bandWidth), settings.healthySqlRate.min);
    const sqlTarget = sqlReading.at;
    const sqlEvidence = { ...floorEvidence(fine, sqlTarget, 'qualified', true, level), band: sqlReading.band };
    const capacity = capacityThreshold(fine, capacityPerMonth, settings.scenarioWindowDays);
    let value: number | null = null;
    if (inflection !== null) {
        value = inflection;
        if (rejectionTarget !== null && (counted ? counted.rejectionTarget : rejection.counted)) value = Math.max(value, rejectionTarget);
        if (sqlTarget !== null && (counted ? counted.sqlTarget : sqlEvidence.counted)) value = Math.max(value, sqlTarget);
        if (capacity !== null) value = Math.max(value, capacity);
        if (fine.length > 0) value = Math.min(Math.max(value, fine[0].score), fine[fine.length - 1].score);
    }
    return {
        inflection,
        rejectionTarget,
        sqlTarget,
        capacity,
        value,
        abstain,
        win,
        sql,
        floors: { rejectionTarget: rejection, sqlTarget: sqlEvidence, capacity }
    };
}

/** A floor's evidence: it counts when no leads lie below it (it raises nothing) or its split is significant. */
function floorEvidence(fine: FineBand[], at: number | null, outcome: 'rejected' | 'qualified', higherAbove: boolean, level: number): FloorEvidence {
    if (at === null) return { at: null, counted: false, rateAbove: null, rateBelow: null, pValue: null };
    const s = splitAt(fine, at, outcome, higherAbove);
    return { at, counted: s.belowLeads === 0 || s.pValue <= level, rateAbove: s.above, rateBelow: s.below, pValue: s.belowLeads === 0 ? null : s.pValue };
}

/** One change-point test in the result's words. */
export function changeEvidence(t: ChangePointTest, side: 'up' | 'down'): ChangeEvidence {
    const e = t[side];
    return {
        test: 'likelihood-ratio test of one change-point against none, Bonferroni-corrected over the splits tried',
        outcome: t.outcome,
        direction: e ? side : null,
        at: e?.at ?? null,
        rateBelow: e?.rateBelow ?? null,
        rateAbove: e?.rateAbove ?? null,
        statistic: e ? Math.round(e.statistic * 1000) / 1000 : null,
        pValue: e ? e.pValue : null,
        splits: t.splits
    };
}

/**
 * The 90% bootstrap range of the recommendation: resample each (score, outcome) cell by a Poisson draw, rerun the
 * rule with the readings that counted on the data (`counted`), and take the 5th and 95th percentiles.
 */
export function bootstrapRange(
    acc: SegmentAccumulator,
    settings: CalibrationSettings,
    bandWidth: number,
    capacity: number | null,
    counted: { rejectionTarget: boolean; sqlTarget: boolean },
    seedOffset: number
): [number, number] | null {
    const rand = mulberry32(settings.seed + seedOffset);
    const values: number[] = [];
    // The non-empty (score, outcome class) cells, listed once: each sample draws only these, in the same order.
    const scores: number[] = [];
    const cellEnd: number[] = [];
    const cellClass: number[] = [];
    const cellCount: number[] = [];
    for (let s = 0; s < acc.cap; s++) {
        if (acc.handedOff[s] === 0) continue;
        for (let c = 0; c < CLASSES; c++) {
            const n = acc.classes[s * CLASSES + c];
            if (n === 0) continue;
            cellClass.push(c);
            cellCount.push(n);
        }
        scores.push(acc.scoreAt(s));
        cellEnd.push(cellClass.length);
    }
    for (let b = 0; b < settings.bootstrapSamples; b++) {
        const fine: FineBand[] = [];
        let cell = 0;
        for (let j = 0; j < scores.length; j++) {
            let h = 0;
            let a = 0;
            let r = 0;
            let q = 0;
            let w = 0;
            for (const end = cellEnd[j]; cell < end; cell++) {
                const c = cellClass[cell];
                const k = poisson(cellCount[cell], rand);
                h += k;
                if (c & 1) r += k;
                if (c & 2) a += k;
                if (c & 4) q += k;
                if (c & 8) w += k;
            }
            if (h === 0) continue;
            fine.push({
                score: scores[j], handedOff: h, accepted: a, rejected: r, neverWorked: 0, qualified: q, opportunities: 0, won: w,
                pipelineAmount: 0, wonAmount: 0,
                recent: { handedOff: 0, accepted: 0, rejected: 0, qualified: 0, pipelineAmount: 0, wonAmount: 0 }
            });
        }
        const c = candidatesFor(fine, bandWidth, settings, null, counted);
        if (c.value !== null) values.push(capacity !== null ? Math.max(c.value, capacity) : c.value);
    }
    const lo = quantile(values, 0.05);
    const hi = quantile(values, 0.95);
    return lo === null || hi === null ? null : [lo, hi];
}

/** A stable 32-bit hash of a segment name: each segment's bootstrap draws its own seeded sequence. */
export function hashName(name: string): number {
    let h = 2166136261;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    return h >>> 0;
}

/** A p-value for messages: two significant digits, or "< 0.0001". */
export function formatP(p: number | null): string {
    if (p === null) return 'n/a';
    if (p < 0.0001) return '< 0.0001';
    return String(Number(p.toPrecision(2)));
}

/** The recommendation in words: what the evidence says and which reading set the floor, or why there is none. */
export function rationaleFor(x: {
    policy: SegmentPolicy;
    acc: SegmentAccumulator;
    bands: Band[];
    fine: FineBand[];
    cands: Candidates;
    reason: string;
    settings: CalibrationSettings;
    evidence: RecommendationEvidence | null;
}): string {
    const { acc, bands, cands, settings, policy, evidence: ev } = x;
    const parts: string[] = [];
    const sp = STARTING_POINTS[policy.name];
    const starting = sp ? `The seeds' starting range for this kind of segment is ${sp[0]}-${sp[1]}; it is a starting point, not evidence.` : null;
    if (x.reason === 'insufficient-sample') {
        parts.push(
            `Too little evidence: ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals, against a minimum of ${settings.minHandedOff} and ${settings.minWonDeals}.`
        );
        if (starting) parts.push(starting);
        return parts.join(' ');
    }
    if (ev && x.reason === 'too-many-excluded') {
        parts.push(
            `No recommendation: ${ev.excluded} of ${ev.excluded + acc.total.handedOff + acc.outOfFit} handed-off leads (${pct(ev.excludedShare)}) had to be excluded (no usable score or outcome), above the ${pct(ev.maxExcludedShare)} the method accepts; the rest may not represent the segment.`
        );
    } else if (ev && x.reason === 'too-few-score-values') {
        parts.push(
            `No recommendation: handed-off leads carry only ${ev.distinctScores} distinct score value${ev.distinctScores === 1 ? '' : 's'} (at least ${ev.minDistinctScores} needed), so no threshold can separate them; the score may not be populated at handoff.`
        );
    } else if (ev && x.reason === 'no-signal') {
        const w = ev.winRate.up;
        const q = ev.sqlRate.up;
        parts.push(
            `No recommendation: neither the win rate nor the SQL rate changes significantly across the score (best rising split: win rate p = ${formatP(w.pValue)}, SQL rate p = ${formatP(q.pValue)}; each needs ${formatP(ev.level / 2)} or less). On these leads the score does not separate good from bad; a threshold read from them would be noise.`
        );
    } else if (ev && x.reason === 'inverted') {
        const d = ev.winRate.down.pValue !== null && ev.winRate.down.pValue <= ev.level / 2 ? ev.winRate.down : ev.sqlRate.down;
        parts.push(
            `No recommendation: the relation goes the wrong way. ${d.outcome === 'won' ? 'The win rate' : 'The SQL rate'} falls from ${pct(d.rateBelow)} below ${d.at} to ${pct(d.rateAbove)} at or above it (p = ${formatP(d.pValue)}), and nothing rises significantly: the score may be inverted or broken.`
        );
    } else if (ev && x.reason === 'range-too-wide') {
        parts.push(
            `No recommendation: the rule gives ${cands.value}, but its 90% bootstrap range spans ${pct(ev.rangeShare)} of the observed scores (at most ${pct(ev.maxRangeShare)} accepted), so the data cannot place the threshold.`
        );
    }
    if (parts.length > 0) {
        if (starting) parts.push(starting);
        parts.push(`Based on ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals over ${settings.lookbackMonths} months.`);
        return parts.join(' ');
    }
    if (cands.inflection !== null) {
        const i = bands.findIndex((b) => b.from <= cands.inflection! && cands.inflection! < b.to);
        const t = ev ? (cands.win.up && ev.winRate.up.at === cands.inflection ? ev.winRate.up : ev.sqlRate.up) : null;
        const test = t ? ` (${t.outcome === 'won' ? 'win' : 'SQL'} rate ${pct(t.rateBelow)} below, ${pct(t.rateAbove)} at or above; p = ${formatP(t.pValue)})` : '';
        // When won deals are too few to show the change, the SQL rate's change-point stands in for it: say which.
        const which = t && t.outcome === 'qualified' ? 'the SQL rate' : 'the win rate';
        if (i > 0) {
            parts.push(
                `Won deals climb from ${pct(bands[i - 1].wonShare)} to ${pct(bands[i].wonShare)} of the total at ${bands[i].from}; ${which} changes most sharply at ${cands.inflection}${test}.`
            );
        } else parts.push(`${which === 'the SQL rate' ? 'The SQL rate' : 'The win rate'} changes most sharply at ${cands.inflection}${test}.`);
    }
    if (cands.value !== null) {
        let acc2 = 0;
        let rej = 0;
        let q = 0;
        let h = 0;
        let rejBelow = 0;
        let rejTotal = 0;
        for (const f of x.fine) {
            rejTotal += f.rejected;
            if (f.score >= cands.value) {
                acc2 += f.accepted;
                rej += f.rejected;
                q += f.qualified;
                h += f.handedOff;
            } else rejBelow += f.rejected;
        }
        const rate = acc2 + rej > 0 ? rej / (acc2 + rej) : null;
        parts.push(
            `Leads at ${cands.value}+ were rejected ${pct(rate)} of the time against a ${pct(settings.targetRejectionRate)} target, and ${pct(h > 0 ? q / h : null)} became SQLs (healthy ${pct(settings.healthySqlRate.min)}-${pct(settings.healthySqlRate.max)}).`
        );
        if (rejTotal > 0) parts.push(`${pct(rejBelow / rejTotal)} of rejected leads scored below ${cands.value}.`);
        const f = cands.floors;
        if (f.rejectionTarget.counted && cands.rejectionTarget === cands.value && cands.rejectionTarget !== cands.inflection)
            parts.push(`The rejection target, not the inflection, sets the floor.`);
        if (f.sqlTarget.counted && cands.sqlTarget === cands.value && cands.sqlTarget !== cands.inflection)
            parts.push(`The SQL floor (the band rule's ${f.sqlTarget.band}, read at the score's resolution), not the inflection, sets the floor.`);
        for (const [name, e] of [['rejection target', f.rejectionTarget], ['SQL floor', f.sqlTarget]] as const) {
            if (e.at !== null && !e.counted && e.at > cands.value)
                parts.push(`The ${name} reading ${e.at} is not counted: its evidence is not significant (p = ${formatP(e.pValue)}).`);
        }
        if (cands.capacity !== null && cands.capacity === cands.value) parts.push(`Sales capacity (${policy.capacityPerMonth} MQLs a month) sets the floor.`);
        if (ev && ev.aboveHealthySqlMax)
            parts.push(
                `Warning: ${pct(ev.sqlRateAtThreshold)} of leads at ${cands.value}+ became SQLs, above the healthy maximum of ${pct(settings.healthySqlRate.max)}: the threshold may leave conversions on the table.`
            );
    }
    parts.push(`Based on ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals over ${settings.lookbackMonths} months.`);
    if (x.reason === 'no-change') parts.push(`That is within ${settings.minStep} points of the active ${policy.activeThreshold}: no change proposed.`);
    if (x.reason === 'frozen') parts.push(`The segment is frozen until ${policy.frozenUntil} and no review trigger fired: no proposal.`);
    return parts.join(' ');
}

/** The reasons the engine abstains for (no threshold, and no proposal to review). */
export const ABSTENTIONS: ReadonlySet<string> = new Set(['insufficient-sample', 'too-many-excluded', 'too-few-score-values', 'no-signal', 'inverted', 'range-too-wide']);

/**
 * An abstention in a few words, the same in the report, the terminal table and the dashboard; null when the
 * recommendation is not an abstention. Each names the figure that decided it.
 */
export function abstentionSummary(r: Pick<Recommendation, 'reason' | 'range' | 'evidence'>): string | null {
    const ev = r.evidence ?? null;
    switch (r.reason) {
        case 'insufficient-sample':
            return 'too little data';
        case 'too-many-excluded':
            return `${ev ? pct(ev.excludedShare) : 'too many'} of handed-off leads excluded (at most ${ev ? pct(ev.maxExcludedShare) : 'n/a'})`;
        case 'too-few-score-values':
            return `only ${ev?.distinctScores ?? 'a few'} distinct score value${ev?.distinctScores === 1 ? '' : 's'}`;
        case 'no-signal': {
            const p = ev ? Math.min(ev.winRate.up.pValue ?? 1, ev.sqlRate.up.pValue ?? 1) : null;
            return `no significant change in win or SQL rate across the score (p = ${formatP(p)}, level ${ev ? ev.level : 'n/a'})`;
        }
        case 'inverted':
            return 'outcomes fall as the score rises: the score may be inverted or broken';
        case 'range-too-wide':
            return `90% bootstrap range ${r.range ? `${r.range[0]}–${r.range[1]}` : 'n/a'} spans ${ev ? pct(ev.rangeShare) : 'too much'} of the scores (at most ${ev ? pct(ev.maxRangeShare) : 'n/a'})`;
        default:
            return null;
    }
}

/**
 * The evidence behind a recommendation or an abstention, one line each, for the reports: the change-point tests,
 * the floors and whether they counted, the range's share of the scores, the resolution and band width.
 */
export function evidenceLines(r: Pick<Recommendation, 'evidence'>): string[] {
    const ev = r.evidence;
    if (!ev) return [];
    const change = (name: string, e: ChangeEvidence): string =>
        (e.direction === null
            ? `${name}: no split with enough leads on both sides (${e.splits} tried).`
            : `${name}: best ${e.direction === 'up' ? 'rise' : 'fall'} at ${e.at}, ${pct(e.rateBelow)} below to ${pct(e.rateAbove)} at or above (likelihood ratio ${e.statistic}, p = ${formatP(e.pValue)} over ${e.splits} splits).`);
    const floor = (name: string, f: FloorEvidence): string =>
        (f.at === null
            ? `${name}: not reached.`
            : `${name}: ${f.at}, ${f.counted ? 'counted' : 'not counted'} (${pct(f.rateAbove)} at or above, ${pct(f.rateBelow)} below${f.pValue === null ? '' : `, p = ${formatP(f.pValue)}`}).`);
    const lines = [
        `Tests at level ${ev.level}; the knee needs p ≤ ${ev.level / 2} on the win or the SQL rate, a floor p ≤ ${ev.level}.`,
        change('Win rate', ev.winRate.up),
        ...(ev.winRate.down.direction ? [change('Win rate', ev.winRate.down)] : []),
        change('SQL rate', ev.sqlRate.up),
        ...(ev.sqlRate.down.direction ? [change('SQL rate', ev.sqlRate.down)] : []),
        floor('Rejection-target floor', ev.floors.rejectionTarget),
        floor(`SQL floor (band rule ${ev.floors.sqlTarget.band ?? 'n/a'})`, ev.floors.sqlTarget),
        `Scores: ${ev.distinctScores} distinct values over ${ev.observedRange ? `${ev.observedRange[0]}–${ev.observedRange[1]}` : 'none'}, kept to ${ev.resolution}; bands of ${ev.bandWidth}. Excluded: ${ev.excluded} (${pct(ev.excludedShare)}).`
    ];
    if (ev.rangeShare !== null) lines.push(`The 90% bootstrap range spans ${pct(ev.rangeShare)} of the observed scores (at most ${pct(ev.maxRangeShare)}).`);
    if (ev.aboveHealthySqlMax) lines.push(`MQL→SQL at the threshold is ${pct(ev.sqlRateAtThreshold)}, above the healthy maximum.`);
    return lines;
}
