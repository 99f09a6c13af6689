/**
 * Review triggers (method item 10) and the diagnostics thresholds of item 9 that call for a review.
 */
import type { FineBand, CalibrationSettings, SegmentPolicy, Trigger } from './types';
import { pct } from './statistics';
import { addDays } from './dates';
import { scenarioAt } from './method';
import type { SegmentAccumulator } from './accumulator';

/** The method's review triggers (item 10): only these lift a freeze; diagnostics do not. */
export const REVIEW_TRIGGERS: ReadonlySet<Trigger['code']> = new Set<Trigger['code']>(['REJECTION_RATE_SPIKE', 'SQL_RATE_SHIFT', 'NO_ACTIVE_THRESHOLD', 'THRESHOLD_COMPRESSION', 'SCORE_BUNCHING', 'CALIBRATION_STALE']);

/** The triggers that fire for one segment on its counts. */
export function detectTriggers(x: { policy: SegmentPolicy; acc: SegmentAccumulator; fine: FineBand[]; settings: CalibrationSettings; asOf: string }): Trigger[] {
    const { policy, acc, fine, settings, asOf } = x;
    const out: Trigger[] = [];
    const active = policy.activeThreshold;
    const w = acc.win;
    if (w.dec90 >= 30 && w.decPrev >= 30) {
        const now = w.rej90 / w.dec90;
        const before = w.rejPrev / w.decPrev;
        if (now - before >= 0.1)
            out.push({ code: 'REJECTION_RATE_SPIKE', severity: 'critical', message: `Rejection rate rose from ${pct(before)} to ${pct(now)} over the last 90 days (+${Math.round((now - before) * 100)} points).` });
    }
    if (w.h30 >= 30 && w.hPrev >= 30) {
        const now = w.q30 / w.h30;
        const before = w.qPrev / w.hPrev;
        if (Math.abs(now - before) > 0.05)
            out.push({ code: 'SQL_RATE_SHIFT', severity: 'warning', message: `MQL→SQL (within 30 days of handoff) moved from ${pct(before)} to ${pct(now)} between the last two monthly cohorts.` });
    }
    if (active === null && acc.total.handedOff > 0)
        out.push({ code: 'NO_ACTIVE_THRESHOLD', severity: 'warning', message: `${acc.total.handedOff} leads were handed off but the segment has no active threshold.` });
    const hist = policy.thresholdHistory ?? [];
    if (hist.length >= 2) {
        const last = hist[hist.length - 1];
        const prev = hist[hist.length - 2];
        const quarterAgo = addDays(asOf, -91);
        if (last.threshold < prev.threshold && last.changedOn.slice(0, 10) >= quarterAgo)
            out.push({ code: 'THRESHOLD_COMPRESSION', severity: 'critical', message: `The active threshold was lowered from ${prev.threshold} to ${last.threshold} on ${last.changedOn.slice(0, 10)}, within a quarter.` });
    }
    if (active !== null) {
        let justAbove = 0;
        let nextAbove = 0;
        for (const f of fine) {
            if (f.score >= active && f.score < active + 3) justAbove += f.recent.handedOff;
            else if (f.score >= active + 3 && f.score < active + 6) nextAbove += f.recent.handedOff;
        }
        if (justAbove >= 20 && justAbove >= 2 * Math.max(nextAbove, 1))
            out.push({ code: 'SCORE_BUNCHING', severity: 'warning', message: `${justAbove} recent handoffs scored just above the threshold (${active}-${active + 2}) against ${nextAbove} in the next three points: scores may be nudged over the line.` });
        const s = scenarioAt(fine, active, settings.scenarioWindowDays);
        if (s.rejectionRate !== null && s.accepted + Math.round(s.rejectionRate * s.mqls) >= 30 && s.rejectionRate > 0.35)
            out.push({ code: 'REJECTION_RATE_HIGH', severity: 'critical', message: `Sales rejected ${pct(s.rejectionRate)} of the last 90 days' MQLs at ${active} (above 35% is a strong signal).` });
        if (s.mqls >= 30) {
            const sql = s.sqls / s.mqls;
            if (sql < settings.healthySqlRate.min || sql > settings.healthySqlRate.max)
                out.push({ code: 'SQL_RATE_OUT_OF_RANGE', severity: 'info', message: `MQL→SQL at ${active} is ${pct(sql)}, outside the healthy ${pct(settings.healthySqlRate.min)}-${pct(settings.healthySqlRate.max)}.` });
        }
    }
    if (policy.lastCalibratedOn && policy.lastCalibratedOn.slice(0, 10) < addDays(asOf, -91))
        out.push({ code: 'CALIBRATION_STALE', severity: 'warning', message: `Last calibrated on ${policy.lastCalibratedOn.slice(0, 10)}, more than a quarter ago.` });
    const rejections = acc.total.rejected;
    if (rejections >= 20) {
        for (let r = 0; r < acc.reasons.names.length; r++) {
            const reason = acc.reasons.names[r];
            const n = acc.reasonCounts[r];
            if (n / rejections > 0.4)
                out.push({ code: 'REJECTION_REASON_DOMINANT', severity: 'warning', message: `"${reason}" accounts for ${pct(n / rejections)} of rejections: the likely miscalibration.` });
        }
    }
    return out;
}
