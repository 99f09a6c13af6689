/**
 * Diagnostics (method item 9): SQL and rejection rates against their healthy ranges, lead sources, rejection reasons
 * by band, time to SQL and first touch, monthly cohorts, grade flags and decay.
 */
import type { Band, CalibrationSettings, FineBand } from './types';
import { wilson, histogramMedian } from './statistics';
import { DAY_MS, toMs, monthLabel } from './dates';
import type { SegmentAccumulator } from './accumulator';

const DAY = DAY_MS;
const parseMs = toMs;

/** Orders by a count, largest first, then by name, so that results never depend on the order of the input. */
export function byCountThenName<T>(count: (x: T) => number, name: (x: T) => string): (a: T, b: T) => number {
    return (a, b) => count(b) - count(a) || name(a).localeCompare(name(b));
}

/** The diagnostics of one segment. */
export function diagnosticsFor(acc: SegmentAccumulator, bands: Band[], settings: CalibrationSettings & { bandWidth: number }, asOf: string, fine: FineBand[], active: number | null): Record<string, unknown> {
    const sqlRate = acc.total.handedOff > 0 ? acc.total.qualified / acc.total.handedOff : null;
    const decided = acc.total.accepted + acc.total.rejected;
    const asOfMs = parseMs(asOf);
    const cohorts = [];
    for (let k = 0; k < acc.cohortHandedOff.length; k++) {
        const handedOff = acc.cohortHandedOff[k];
        if (handedOff === 0) continue;
        const month = monthLabel(acc.cohortBase + k);
        const start = parseMs(`${month}-01`);
        const age = (asOfMs - start) / DAY;
        cohorts.push({
            month,
            handedOff,
            wonRate90: age >= 120 ? wilson(acc.cohortWon90[k], handedOff) : null,
            wonRate180: age >= 210 ? wilson(acc.cohortWon180[k], handedOff) : null
        });
    }
    const reasonRows: { from: number; to: number; reasons: Record<string, number> }[] = [];
    acc.reasonsByBand.forEach((row, band) => {
        const inBand: [string, number][] = [];
        row.forEach((count, r) => {
            if (count > 0) inBand.push([acc.reasons.names[r], count]);
        });
        const from = band * settings.bandWidth;
        reasonRows.push({ from, to: from + settings.bandWidth, reasons: Object.fromEntries(inBand.sort((a, b) => a[0].localeCompare(b[0]))) });
    });
    return {
        sqlRate: wilson(acc.total.qualified, acc.total.handedOff),
        sqlRateHealthy: sqlRate === null ? null : sqlRate >= settings.healthySqlRate.min && sqlRate <= settings.healthySqlRate.max,
        rejectionRate: wilson(acc.total.rejected, decided),
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

