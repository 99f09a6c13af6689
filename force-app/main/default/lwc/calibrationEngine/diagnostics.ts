/**
 * Diagnostics (method item 9): SQL and rejection rates against their healthy ranges, lead sources, rejection reasons
 * by band, time to SQL and first touch, monthly cohorts, grade flags and decay.
 */
import type { Band, CalibrationSettings, FineBand } from './types';
import { wilson, histogramMedian } from './statistics';
import { monthLabel, addDays } from './dates';
import { binomialUpperTail } from './significance';
import type { SegmentAccumulator } from './accumulator';


/** What a rejection without a reason is counted under; it is missing data, so it never names a miscalibration. */
export const NO_REASON = '(no reason given)';
/** Seed 000: "a reason above 40% of rejections" names the likely miscalibration. */
export const DOMINANT_SHARE = 0.4;
/** Rejections with a reason a band needs before its reasons are tested at all. */
export const DOMINANT_MIN_REJECTIONS = 20;

/** One band's most frequent rejection reason, tested against the 40% share (see `dominantReasonsByBand`). */
export interface BandReason {
    from: number;
    to: number;
    /** Rejections in the band with a reason given (the denominator of the share). */
    withReason: number;
    reason: string | null;
    count: number;
    share: number | null;
    /** One-sided exact binomial p-value of "share above 40%"; null when the band has too few rejections. */
    pValue: number | null;
    /** True when the p-value is at or under `level`. */
    dominant: boolean;
}

/**
 * The top rejection reason of every band (method item 9: "rejection reasons per band; a reason above 40% of
 * rejections is named as the likely miscalibration"), as a stated test: in a band with at least 20 rejections that
 * give a reason, the top reason's count k of n is tested against H0 "its share is at most 40%" by the exact binomial
 * tail P(X ≥ k | n, 0.4). A Bonferroni correction over the bands tested, three tests a band, keeps `level` (the
 * triggers' 1%) a bound on the chance that any band names a reason that is not in fact above 40%: with every share
 * at most 40%, at most two reasons can sit at 40% and the tail is convex in the share below k/n, so the chance that
 * some reason of a band reaches k is at most 2·T(0.4) + T(0.2) ≤ 3·T(0.4). Rejections without a reason are left out
 * of both counts: they cannot name a cause.
 */
export function dominantReasonsByBand(acc: SegmentAccumulator, bandWidth: number, level: number): { bands: BandReason[]; tests: number; levelPerTest: number } {
    const noReason = acc.reasons.names.indexOf(NO_REASON);
    const named = acc.reasons.names.length - (noReason >= 0 ? 1 : 0);
    const rows: BandReason[] = [];
    acc.reasonsByBand.forEach((row, band) => {
        let withReason = 0;
        let top = -1;
        for (let r = 0; r < row.length; r++) {
            if (r === noReason) continue;
            withReason += row[r];
            if (row[r] > 0 && (top < 0 || row[r] > row[top] || (row[r] === row[top] && acc.reasons.names[r] < acc.reasons.names[top]))) top = r;
        }
        const from = band * bandWidth;
        rows.push({ from, to: from + bandWidth, withReason, reason: top >= 0 ? acc.reasons.names[top] : null, count: top >= 0 ? row[top] : 0, share: withReason > 0 && top >= 0 ? row[top] / withReason : null, pValue: null, dominant: false });
    });
    const tested = rows.filter((b) => b.withReason >= DOMINANT_MIN_REJECTIONS);
    const tests = tested.length * Math.min(3, Math.max(1, named));
    const levelPerTest = tests > 0 ? level / tests : level;
    for (const b of tested) {
        b.pValue = binomialUpperTail(b.count, b.withReason, DOMINANT_SHARE);
        b.dominant = b.share !== null && b.share > DOMINANT_SHARE && b.pValue <= levelPerTest;
    }
    return { bands: rows, tests, levelPerTest };
}

/** The rejection rate against the healthy range (default 15-25%; above 35% is a strong signal, seed 000). */
export function rejectionRateAssessment(rate: number | null, healthy: { min: number; max: number }): 'below' | 'healthy' | 'above' | 'strong signal' | null {
    if (rate === null) return null;
    if (rate > 0.35) return 'strong signal';
    if (rate > healthy.max) return 'above';
    return rate < healthy.min ? 'below' : 'healthy';
}

/**
 * Whether every lead of a monthly cohort is at least `days` old on `asOf`: the month's last day plus `days` is on
 * or before the analysis date. Before that, the cohort's late leads have had less time to close than its early ones.
 */
export function cohortMature(month: string, asOf: string, days: number): boolean {
    const [y, m] = month.split('-').map(Number);
    const lastDay = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    return addDays(lastDay, days) <= asOf.slice(0, 10);
}

/** Orders by a count, largest first, then by name, so that results never depend on the order of the input. */
export function byCountThenName<T>(count: (x: T) => number, name: (x: T) => string): (a: T, b: T) => number {
    return (a, b) => count(b) - count(a) || name(a).localeCompare(name(b));
}

/** The diagnostics of one segment. */
export function diagnosticsFor(acc: SegmentAccumulator, bands: Band[], settings: CalibrationSettings & { bandWidth: number }, asOf: string, fine: FineBand[], active: number | null, level = 0.01): Record<string, unknown> {
    const sqlRate = acc.total.handedOff > 0 ? acc.total.qualified / acc.total.handedOff : null;
    const decided = acc.total.accepted + acc.total.rejected;
    const cohorts = [];
    for (let k = 0; k < acc.cohortHandedOff.length; k++) {
        const handedOff = acc.cohortHandedOff[k];
        if (handedOff === 0) continue;
        const month = monthLabel(acc.cohortBase + k);
        cohorts.push({
            month,
            handedOff,
            wonRate90: cohortMature(month, asOf, 90) ? wilson(acc.cohortWon90[k], handedOff) : null,
            wonRate180: cohortMature(month, asOf, 180) ? wilson(acc.cohortWon180[k], handedOff) : null
        });
    }
    const dominance = dominantReasonsByBand(acc, settings.bandWidth, level);
    const reasonRows: { from: number; to: number; reasons: Record<string, number>; top: BandReason }[] = [];
    acc.reasonsByBand.forEach((row, band) => {
        const inBand: [string, number][] = [];
        row.forEach((count, r) => {
            if (count > 0) inBand.push([acc.reasons.names[r], count]);
        });
        const from = band * settings.bandWidth;
        const top = dominance.bands.find((b) => b.from === from)!;
        reasonRows.push({ from, to: from + settings.bandWidth, reasons: Object.fromEntries(inBand.sort((a, b) => a[0].localeCompare(b[0]))), top });
    });
    const rejectionRate = wilson(acc.total.rejected, decided);
    return {
        sqlRate: wilson(acc.total.qualified, acc.total.handedOff),
        sqlRateHealthy: sqlRate === null ? null : sqlRate >= settings.healthySqlRate.min && sqlRate <= settings.healthySqlRate.max,
        rejectionRate,
        healthyRejectionRate: settings.healthyRejectionRate,
        rejectionRateHealthy: rejectionRateAssessment(rejectionRate.rate, settings.healthyRejectionRate),
        dominantReasonTests: { tests: dominance.tests, levelPerTest: dominance.levelPerTest },
        leadSources: acc.sources.names
            .map((source, i) => {
                const v = acc.sourceRows[i];
                return { source, handedOff: v.handedOff, qualified: v.qualified, won: v.won, sqlRate: wilson(v.qualified, v.handedOff) };
            })
            .sort(byCountThenName((x) => x.handedOff, (x) => x.source)),
        rejectionReasons: acc.reasons.names
            .map((reason, r) => ({ reason, count: acc.reasonCounts[r], share: acc.reasonCounts[r] / Math.max(1, acc.total.rejected) }))
            .sort(byCountThenName((x) => x.count, (x) => x.reason)),
        rejectionReasonsByBand: reasonRows,
        medianDaysToSql: histogramMedian(acc.daysToSql),
        medianHoursToFirstTouch: histogramMedian(acc.hoursToTouch),
        shareOverSla: acc.touched > 0 ? acc.overSla / acc.touched : null,
        neverWorked: bands.reduce((s, b) => s + b.neverWorked, 0),
        cohorts,
        reviewFlaggedGradeC: acc.reviewFlagged,
        nurtureGradeANoActivity: acc.nurture,
        decayDropsBelowThreshold: active === null ? null : acc.decayDrops,
        observedScoreRange: fine.length > 0 ? [fine[0].score, fine[fine.length - 1].score] : null
    };
}

