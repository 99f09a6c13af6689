/**
 * Review triggers (method item 10) and the diagnostics thresholds of item 9 that call for a review.
 *
 * A trigger that reads a rate is a stated test with a minimum sample, judged at `TRIGGER_LEVEL` (1%), and fires
 * only when the test is significant and the change is as large as the method names (10 points, 5 points, twice as
 * many): noise alone raises each on at most 1% of runs, and the five change triggers together on at most 5%
 * (test/engine/triggers.test.ts measures both). Triggers that read a recorded fact (no active threshold, a lowered
 * threshold, a stale calibration) have no sampling error and say so in their evidence.
 */
import type { FineBand, CalibrationSettings, SegmentPolicy, Trigger, TriggerEvidence } from './types';
import { pct } from './statistics';
import { addDays } from './dates';
import { scenarioAt } from './method';
import { binomialUpperTail, normalUpperTail, twoProportionZ } from './significance';
import { dominantReasonsByBand } from './diagnostics';
import type { SegmentAccumulator } from './accumulator';

/** The method's review triggers (item 10): only these lift a freeze; diagnostics do not. */
export const REVIEW_TRIGGERS: ReadonlySet<Trigger['code']> = new Set<Trigger['code']>(['REJECTION_RATE_SPIKE', 'SQL_RATE_SHIFT', 'NO_ACTIVE_THRESHOLD', 'THRESHOLD_COMPRESSION', 'SCORE_BUNCHING', 'CALIBRATION_STALE']);

/** The level each statistical trigger is judged at: five change triggers at 1% keep a segment-run under 5%. */
export const TRIGGER_LEVEL = 0.01;
/** Seed 000: a rejection rate above 35% is a strong signal the threshold is wrong. */
const STRONG_REJECTION = 0.35;
/** Decided (or handed-off) leads each compared window needs before a rate is compared at all. */
export const TRIGGER_MIN_SAMPLE = 30;

/**
 * Whether a trigger lifts a governance freeze: a review trigger (item 10) that fired on a recorded fact or on a
 * test significant at its level. A trigger without evidence (hand-made, or from a run before evidence was kept)
 * does not.
 */
export function liftsFreeze(t: Trigger): boolean {
    return REVIEW_TRIGGERS.has(t.code) && !!t.evidence && t.evidence.significant;
}

/** A p-value as messages print it. */
export function formatP(p: number): string {
    return p < 0.001 ? '< 0.001' : `= ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`;
}

/** "15% (30 of 200)": a rate with the counts it came from. */
function rateOf(k: number, n: number): string {
    return `${pct(k / n)} (${k} of ${n})`;
}

function points(d: number): string {
    return `${d >= 0 ? '+' : '−'}${Math.round(Math.abs(d) * 100)} points`;
}

function fact(test: string, counts: Record<string, number> = {}): TriggerEvidence {
    return { kind: 'fact', test, pValue: null, level: null, significant: true, counts };
}

function tested(test: string, pValue: number, level: number, counts: Record<string, number>): TriggerEvidence {
    return { kind: 'test', test, pValue, level, significant: pValue <= level, counts };
}

/** The triggers that fire for one segment on its counts. */
export function detectTriggers(x: { policy: SegmentPolicy; acc: SegmentAccumulator; fine: FineBand[]; settings: CalibrationSettings & { bandWidth: number }; asOf: string }): Trigger[] {
    const { policy, acc, fine, settings, asOf } = x;
    const out: Trigger[] = [];
    const active = policy.activeThreshold;
    const w = acc.win;
    const level = TRIGGER_LEVEL;
    // Rejection spike: one-sided pooled two-proportion z-test (continuity-corrected) of the last 90 days against the 90 before
    // (H0: the rate did not rise), and a rise of at least 10 points.
    if (w.dec90 >= TRIGGER_MIN_SAMPLE && w.decPrev >= TRIGGER_MIN_SAMPLE) {
        const now = w.rej90 / w.dec90;
        const before = w.rejPrev / w.decPrev;
        const p = normalUpperTail(twoProportionZ(w.rej90, w.dec90, w.rejPrev, w.decPrev, true));
        const evidence = tested('one-sided two-proportion z-test, continuity-corrected', p, level, { rejectedNow: w.rej90, decidedNow: w.dec90, rejectedBefore: w.rejPrev, decidedBefore: w.decPrev });
        if (now - before >= 0.1 && evidence.significant)
            out.push({ code: 'REJECTION_RATE_SPIKE', severity: 'critical', evidence, message: `Rejection rate rose from ${rateOf(w.rejPrev, w.decPrev)} to ${rateOf(w.rej90, w.dec90)} over the last 90 days against the 90 before (${points(now - before)}; one-sided two-proportion z-test p ${formatP(p)}, level ${level}).` });
    }
    // SQL shift: two-sided pooled two-proportion z-test (continuity-corrected) between the last two matured monthly cohorts, and a move
    // of more than 5 points.
    if (w.h30 >= TRIGGER_MIN_SAMPLE && w.hPrev >= TRIGGER_MIN_SAMPLE) {
        const now = w.q30 / w.h30;
        const before = w.qPrev / w.hPrev;
        const p = Math.min(1, 2 * normalUpperTail(Math.abs(twoProportionZ(w.q30, w.h30, w.qPrev, w.hPrev, true))));
        const evidence = tested('two-sided two-proportion z-test, continuity-corrected', p, level, { qualifiedNow: w.q30, handedOffNow: w.h30, qualifiedBefore: w.qPrev, handedOffBefore: w.hPrev });
        if (Math.abs(now - before) > 0.05 && evidence.significant)
            out.push({ code: 'SQL_RATE_SHIFT', severity: 'warning', evidence, message: `MQL→SQL (within 30 days of handoff) moved from ${rateOf(w.qPrev, w.hPrev)} to ${rateOf(w.q30, w.h30)} between the last two monthly cohorts (${points(now - before)}; two-sided two-proportion z-test p ${formatP(p)}, level ${level}).` });
    }
    if (active === null && acc.total.handedOff > 0)
        out.push({ code: 'NO_ACTIVE_THRESHOLD', severity: 'warning', evidence: fact('no active threshold in MQL_Threshold__mdt', { handedOff: acc.total.handedOff }), message: `${acc.total.handedOff} leads were handed off but the segment has no active threshold.` });
    const hist = policy.thresholdHistory ?? [];
    if (hist.length >= 2) {
        const last = hist[hist.length - 1];
        const prev = hist[hist.length - 2];
        const quarterAgo = addDays(asOf, -91);
        if (last.threshold < prev.threshold && last.changedOn.slice(0, 10) >= quarterAgo)
            out.push({ code: 'THRESHOLD_COMPRESSION', severity: 'critical', evidence: fact('recorded change of the active threshold', { from: prev.threshold, to: last.threshold }), message: `The active threshold was lowered from ${prev.threshold} to ${last.threshold} on ${last.changedOn.slice(0, 10)}, within a quarter (a recorded change, not an estimate).` });
    }
    if (active !== null) {
        let justAbove = 0;
        let nextAbove = 0;
        // "Just above" is three tenths of a band on the score's own scale: three points on a 0-100 score with its
        // ten-point bands, 30 on a 0-1,000 one, 0.03 on a 0-1 one.
        const near = settings.bandWidth * 0.3;
        for (const f of fine) {
            if (f.score >= active && f.score < active + near) justAbove += f.recent.handedOff;
            else if (f.score >= active + near && f.score < active + 2 * near) nextAbove += f.recent.handedOff;
        }
        // Bunching: of the recent handoffs in the two windows above the threshold, the first holds at least 20 and
        // twice the next, and an exact binomial test rejects "each half equally likely" (one-sided).
        if (justAbove >= 20 && justAbove >= 2 * Math.max(nextAbove, 1)) {
            const p = binomialUpperTail(justAbove, justAbove + nextAbove, 0.5);
            const evidence = tested('one-sided exact binomial test against an even split', p, level, { justAbove, nextAbove });
            if (evidence.significant)
                out.push({ code: 'SCORE_BUNCHING', severity: 'warning', evidence, message: `${justAbove} recent handoffs scored just above the threshold (${active} to below ${Number((active + near).toPrecision(6))}) against ${nextAbove} in the next ${Number(near.toPrecision(6))} score units (exact binomial test against an even split p ${formatP(p)}, level ${level}): scores may be nudged over the line.` });
        }
        const s = scenarioAt(fine, active, settings.scenarioWindowDays);
        let rejected = 0;
        for (const f of fine) if (f.score >= active) rejected += f.recent.rejected;
        const decided = s.accepted + rejected;
        // Rejection rate high: at least 30 decided leads at the active threshold, and an exact binomial test rejects
        // "at most 35%" (one-sided): the claim is seed 000's strong signal, so that is what is tested, not merely
        // "above the healthy range" (diagnostics say that, as rejectionRateHealthy).
        if (decided >= TRIGGER_MIN_SAMPLE && rejected / decided > STRONG_REJECTION) {
            const healthy = settings.healthyRejectionRate;
            const p = binomialUpperTail(rejected, decided, STRONG_REJECTION);
            const evidence = tested('one-sided exact binomial test against 35%', p, level, { rejected, decided });
            if (evidence.significant)
                out.push({ code: 'REJECTION_RATE_HIGH', severity: 'critical', evidence, message: `Sales rejected ${rateOf(rejected, decided)} of the last 90 days' decided MQLs at ${active}: above 35%, a strong signal, against a healthy ${pct(healthy.min)}-${pct(healthy.max)} (exact binomial test against 35% p ${formatP(p)}, level ${level}).` });
        }
        if (s.mqls >= TRIGGER_MIN_SAMPLE) {
            const sql = s.sqls / s.mqls;
            if (sql < settings.healthySqlRate.min || sql > settings.healthySqlRate.max)
                out.push({ code: 'SQL_RATE_OUT_OF_RANGE', severity: 'info', message: `MQL→SQL at ${active} is ${rateOf(s.sqls, s.mqls)} over the last 90 days, outside the healthy ${pct(settings.healthySqlRate.min)}-${pct(settings.healthySqlRate.max)}.` });
        }
    }
    if (policy.lastCalibratedOn && policy.lastCalibratedOn.slice(0, 10) < addDays(asOf, -91))
        out.push({ code: 'CALIBRATION_STALE', severity: 'warning', evidence: fact('date of the last calibration'), message: `Last calibrated on ${policy.lastCalibratedOn.slice(0, 10)}, more than a quarter ago.` });
    // Dominant reason, per band (diagnostics.ts): one trigger per reason, naming each band it dominates.
    const dominance = dominantReasonsByBand(acc, settings.bandWidth, level);
    const byReason = new Map<string, typeof dominance.bands>();
    for (const b of dominance.bands) if (b.dominant && b.reason !== null) byReason.set(b.reason, [...(byReason.get(b.reason) ?? []), b]);
    for (const [reason, bands] of byReason) {
        const worst = Math.max(...bands.map((b) => b.pValue!));
        const where = bands.map((b) => `${pct(b.share)} of the ${b.withReason} rejections in ${bandLabel(b.from, b.to)}`).join(', ');
        out.push({
            code: 'REJECTION_REASON_DOMINANT',
            severity: 'warning',
            evidence: tested(`one-sided exact binomial test against 40%, Bonferroni over ${dominance.tests} tests (three a band)`, worst, dominance.levelPerTest, { bands: bands.length, tests: dominance.tests }),
            message: `"${reason}" gives ${where} that state a reason (exact binomial test against 40%: ${bands.length > 1 ? 'largest ' : ''}p ${formatP(worst)}, level ${level} over ${dominance.tests} tests, three a band): the likely miscalibration there.`
        });
    }
    return out;
}

/** "30-39" for a whole-point band [30, 40); "0.3-0.4" otherwise. */
function bandLabel(from: number, to: number): string {
    return Number.isInteger(from) && Number.isInteger(to) ? `${from}-${to - 1}` : `${from}-${to}`;
}
