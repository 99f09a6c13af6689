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
