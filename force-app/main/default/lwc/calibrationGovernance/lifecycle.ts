/**
 * The approval lifecycle between nightly runs, as pure functions. The job reads the run history back from
 * MQL_Calibration_Run__c, prepares each segment's policy before the engine runs (freeze, threshold history, last
 * calibration), and governs the engine's recommendation after it (freeze, rejected proposals). Nothing here
 * writes anything, and nothing here ever sets an active threshold: admins do that in Setup.
 */
import { addDays, liftsFreeze, scenarioAt } from 'c/calibrationEngine';
import type {
    CalibrationSettings,
    Recommendation,
    RecommendationStatus,
    SegmentPolicy,
    SegmentResult,
    Trigger
} from 'c/calibrationEngine';

/** What the job reads back from one MQL_Calibration_Run__c record of a segment. */
export interface RunSnapshot {
    segment: string;
    /** Run_At__c, ISO date-time. */
    runAt: string;
    /** Active_Threshold__c: the active threshold the run read from the metadata. */
    activeThreshold: number | null;
    /** Recommended_Threshold__c: what the run proposed (null when it abstained or held back). */
    recommendedThreshold: number | null;
    /** Status__c: the recommendation status the run wrote or read. */
    status: RecommendationStatus | null;
    /** Frozen_Until__c, ISO date. */
    frozenUntil: string | null;
    /** Handed_Off__c: the handed-off sample behind the run. */
    handedOff: number | null;
    /** Rejection_Rate__c as 0-1: the rejection rate at the active threshold. */
    rejectionRate: number | null;
    /** Recommendation_JSON__c.expectedRejectionRate (0-1): the rejection rate at the value the run computed. */
    expectedRejectionRate?: number | null;
    /** Recommendation_JSON__c.rationale: the evidence the run gave in words. */
    rationale?: string | null;
    /** Threshold_Change__c: an approved change this run detected, e.g. "50 → 65". */
    thresholdChange?: string | null;
}

/** An approved change of the active threshold, detected by comparing with the previous run. */
export interface ThresholdChange {
    from: number | null;
    to: number | null;
    /** The analysis date of the run that detected it (the admin changed it at or before then). */
    detectedOn: string;
    /** Why: the job's proposal it adopts, or a note that the admin set a value the job never proposed. */
    rationale: string;
    /** "from → to", as stored in MQL_Calibration_Run__c.Threshold_Change__c. */
    text: string;
}

/** One segment's governance as a run reports it (the job's result, Details_JSON__c, the report, the page). */
export interface SegmentGovernance {
    segment: string;
    /** 'org': judged against the org's run history; 'none': a run with no history (CSV exports, the demo). */
    history: 'org' | 'none';
    change: ThresholdChange | null;
    frozenUntil: string | null;
    propose: boolean;
    reason: string;
    status: string | null;
    /** Codes of the review triggers that fired (they lift a freeze). */
    reviewTriggers: string[];
}

/** What governance decided for one segment in one run. */
export interface GovernanceDecision {
    segment: string;
    change: ThresholdChange | null;
    /** The freeze to write (Frozen_Until__c), or null when the segment is not frozen on `asOf`. */
    frozenUntil: string | null;
    /** True when a proposal is written this run. */
    propose: boolean;
    /** The recommendation reason to write: the engine's, or 'frozen' / 'rejected-unchanged' when held back. */
    reason: string;
    /** The status to write: 'Pending review' for a new proposal, else the status the admin left. */
    status: RecommendationStatus | null;
    /** The engine's recommendation, with `threshold` cleared when governance holds it back. */
    recommendation: Recommendation;
    /** The review triggers that fired on a fact or significant evidence (they lift a freeze). */
    reviewTriggers: Trigger[];
}

/** The documented defaults of the rejection margin (see `governSegment`). */
export const DEFAULT_REJECTION_MARGIN = 0.05;
/** The handed-off sample must grow by this fraction (+50%) to count as new evidence for a rejected value. */
export const DEFAULT_SAMPLE_GROWTH = 0.5;

function fmt(v: number | null): string {
    return v === null ? 'none' : String(v);
}

/**
 * An approved change: the policy's active threshold differs from the one the previous run read. Null on a first
 * run (no previous run) or when nothing changed. The rationale names the adopted proposal, or says plainly that
 * the value was set without one (an undocumented change, which seed 001 warns about).
 */
export function detectChange(
    policy: SegmentPolicy,
    previous: RunSnapshot | null,
    asOf: string
): ThresholdChange | null {
    if (!previous || previous.activeThreshold === policy.activeThreshold) return null;
    const to = policy.activeThreshold;
    const from = previous.activeThreshold;
    const proposed = previous.recommendedThreshold ?? policy.recommendedThreshold ?? null;
    const rationale =
        to !== null && proposed !== null && to === proposed
            ? `Approved the job's proposal of ${to}${previous.rationale ? `: ${previous.rationale}` : '.'}`
            : `Set by an admin to ${fmt(to)} without a matching proposal (the job had proposed ${fmt(proposed)}): no evidence recorded for this change.`;
    return { from, to, detectedOn: asOf, rationale, text: `${fmt(from)} → ${fmt(to)}` };
}

/**
 * The active threshold over time from the run history (oldest first), for the engine's THRESHOLD_COMPRESSION
 * trigger: one entry per value the active threshold took, dated by the first run that read it, plus the policy's
 * current value dated `asOf` when it differs from the last run's.
 */
export function thresholdHistoryFrom(
    runs: RunSnapshot[],
    policy: SegmentPolicy,
    asOf: string
): { threshold: number; changedOn: string }[] {
    const out: { threshold: number; changedOn: string }[] = [];
    let last: number | null | undefined;
    const ordered = [...runs].sort((a, b) => a.runAt.localeCompare(b.runAt));
    for (const r of ordered) {
        if (r.activeThreshold !== last && r.activeThreshold !== null)
            out.push({ threshold: r.activeThreshold, changedOn: r.runAt.slice(0, 10) });
        last = r.activeThreshold;
    }
    if (policy.activeThreshold !== null && policy.activeThreshold !== last)
        out.push({ threshold: policy.activeThreshold, changedOn: asOf });
    return out;
}

/**
 * When the segment was last calibrated, for the engine's CALIBRATION_STALE trigger: the date of the last change
 * of the active threshold seen in the run history (`asOf` when this run detects one); with no change on record,
 * the first run's date, since the threshold has stood unreviewed at least since then. Null without history.
 */
export function lastCalibratedFrom(
    runs: RunSnapshot[],
    change: ThresholdChange | null,
    asOf: string
): string | null {
    if (change) return asOf;
    const history = thresholdHistoryFrom(runs, { name: '', activeThreshold: null }, asOf);
    if (history.length >= 2) return history[history.length - 1].changedOn;
    const ordered = [...runs].sort((a, b) => a.runAt.localeCompare(b.runAt));
    return ordered.length > 0 ? ordered[0].runAt.slice(0, 10) : null;
}

/**
 * Before the engine runs: detect an approved change against the latest run, freeze the segment for
 * `settings.freezeDays` from `asOf` when there is one (a running freeze is carried over; an expired one is
 * dropped), and fill `thresholdHistory` and `lastCalibratedOn` from the run history (oldest first; the latest
 * run last) so the engine's compression and staleness triggers see it.
 */
export function preparePolicy(
    policy: SegmentPolicy,
    runs: RunSnapshot[],
    asOf: string,
    settings: CalibrationSettings
): { policy: SegmentPolicy; change: ThresholdChange | null } {
    const ordered = [...runs].sort((a, b) => a.runAt.localeCompare(b.runAt));
    const previous = ordered.length > 0 ? ordered[ordered.length - 1] : null;
    const change = detectChange(policy, previous, asOf);
    let frozenUntil = change
        ? addDays(asOf, settings.freezeDays)
        : (policy.frozenUntil ?? previous?.frozenUntil ?? null);
    if (frozenUntil !== null && frozenUntil.slice(0, 10) <= asOf) frozenUntil = null;
    const fromRuns = thresholdHistoryFrom(ordered, policy, asOf);
    const thresholdHistory = fromRuns.length > 0 ? fromRuns : (policy.thresholdHistory ?? []);
    const lastCalibratedOn = lastCalibratedFrom(ordered, change, asOf) ?? policy.lastCalibratedOn ?? null;
    return { policy: { ...policy, frozenUntil, thresholdHistory, lastCalibratedOn }, change };
}

/**
 * After the engine runs: what the job writes for the segment. Rules, in order:
 *
 * 1. **Approved change.** The policy's active threshold differs from the previous run's: a `ThresholdChange` is
 *    recorded and the segment is frozen until `asOf + settings.freezeDays` (a quarter by default).
 * 2. **Freeze.** While frozen (frozen-until after `asOf`), nothing is proposed — reason `frozen` — unless one of
 *    the method's review triggers fired on a recorded fact or on a test significant at its level (the engine's
 *    `liftsFreeze`), which lifts the freeze.
 * 3. **Rejection margin.** When the admin's last decision is Rejected, a recommendation fewer than
 *    `settings.minStep` points from the rejected value is held back — reason `rejected-unchanged` — unless the
 *    evidence moved: the rejection rate at the rejected value (over the scenario window, as the proposal measured
 *    it) moved by at least `rejectionMargin` (default 0.05, five points) from the proposal's
 *    `expectedRejectionRate`, or the handed-off sample grew by at least `sampleGrowth` (default 0.5, i.e. +50%).
 *    The baseline is `proposalRun` (the run that made the rejected proposal), else `previousRun`; with no
 *    baseline the evidence counts as unchanged. A recommendation `minStep` or more away is new evidence.
 * 4. Otherwise the engine's recommendation stands; a threshold is written as a new proposal with status
 *    'Pending review'. The status is never set to Approved or Rejected here and the active threshold never moves.
 */
export function governSegment(input: {
    policy: SegmentPolicy;
    previousRun: RunSnapshot | null;
    result: SegmentResult;
    asOf: string;
    settings: CalibrationSettings;
    rejectionMargin?: number;
    sampleGrowth?: number;
    proposalRun?: RunSnapshot | null;
}): GovernanceDecision {
    const { policy, previousRun, result, asOf, settings } = input;
    const change = detectChange(policy, previousRun, asOf);
    let frozenUntil = change
        ? addDays(asOf, settings.freezeDays)
        : (policy.frozenUntil ?? previousRun?.frozenUntil ?? null);
    if (frozenUntil !== null && frozenUntil.slice(0, 10) <= asOf) frozenUntil = null;
    const reviewTriggers = result.triggers.filter(liftsFreeze);
    const rec = result.recommendation;
    const hold = (reason: string, why: string): GovernanceDecision => ({
        segment: result.name,
        change,
        frozenUntil,
        propose: false,
        reason,
        status: policy.status ?? null,
        recommendation: {
            ...rec,
            threshold: null,
            reason,
            rationale: rec.reason === reason ? rec.rationale : `${rec.rationale} ${why}`
        },
        reviewTriggers
    });

    if (
        frozenUntil !== null &&
        reviewTriggers.length === 0 &&
        (rec.threshold !== null || rec.reason === 'frozen')
    )
        return hold(
            'frozen',
            `The segment is frozen until ${frozenUntil} and no review trigger fired: no proposal.`
        );

    const rejected = policy.status === 'Rejected' ? (policy.recommendedThreshold ?? null) : null;
    if (
        rec.threshold !== null &&
        rejected !== null &&
        Math.abs(rec.threshold - rejected) < settings.minStep
    ) {
        const moved = evidenceMoved(
            result,
            rejected,
            input.proposalRun ?? previousRun,
            settings,
            input.rejectionMargin ?? DEFAULT_REJECTION_MARGIN,
            input.sampleGrowth ?? DEFAULT_SAMPLE_GROWTH
        );
        if (!moved.moved)
            return hold(
                'rejected-unchanged',
                `An admin rejected ${rejected}; the evidence still points within ${settings.minStep} points of it and has not moved (${moved.why}), so it is not proposed again.`
            );
    }
    const propose = rec.threshold !== null;
    return {
        segment: result.name,
        change,
        frozenUntil,
        propose,
        reason: rec.reason,
        status: propose ? 'Pending review' : (policy.status ?? null),
        recommendation: rec,
        reviewTriggers
    };
}

/** Has the evidence at a rejected value moved by the margin since the proposal? (Rule 3 of `governSegment`.) */
export function evidenceMoved(
    result: SegmentResult,
    rejected: number,
    baseline: RunSnapshot | null | undefined,
    settings: CalibrationSettings,
    margin = DEFAULT_REJECTION_MARGIN,
    sampleGrowth = DEFAULT_SAMPLE_GROWTH
): { moved: boolean; why: string } {
    if (!baseline) return { moved: false, why: 'no earlier run to compare with' };
    const nowRate = scenarioAt(result.fineBands, rejected, settings.scenarioWindowDays).rejectionRate;
    const thenRate = baseline.expectedRejectionRate ?? null;
    const parts: string[] = [];
    if (nowRate !== null && thenRate !== null) {
        const delta = nowRate - thenRate;
        if (Math.abs(delta) >= margin - 1e-9)
            return {
                moved: true,
                why: `rejection rate at ${rejected} moved ${pts(thenRate)} → ${pts(nowRate)}`
            };
        parts.push(
            `rejection rate at ${rejected} ${pts(thenRate)} → ${pts(nowRate)}, under ${Math.round(margin * 100)} points`
        );
    }
    const thenN = baseline.handedOff ?? null;
    const nowN = result.sample.handedOff;
    if (thenN !== null && thenN > 0) {
        if (nowN >= thenN * (1 + sampleGrowth))
            return { moved: true, why: `handed-off sample grew ${thenN} → ${nowN}` };
        parts.push(`sample ${thenN} → ${nowN}, under +${Math.round(sampleGrowth * 100)}%`);
    }
    return { moved: false, why: parts.length > 0 ? parts.join('; ') : 'no comparable evidence recorded' };
}

function pts(rate: number): string {
    return `${(rate * 100).toFixed(1)}%`;
}
