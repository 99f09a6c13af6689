/**
 * The job's governance step: after the engine, each segment's recommendation goes through
 * c/calibrationGovernance's `governSegment` (freeze, rejection margin, approved changes) against the run history
 * the org side read back. Offline sources have no run history: they apply the freeze and rejection the settings
 * file states, and record no changes. Nothing here computes a rate.
 */
import type {
    CalibrationSettings,
    SegmentPolicy,
    SegmentResult
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import {
    governSegment,
    type RunSnapshot,
    type SegmentGovernance
} from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';

/** What the report, the run records and the metadata write need of one segment's governance. */
export type { SegmentGovernance };

/** The run that made the proposal an admin rejected: the newest run that recommended that value. */
export function proposalRunOf(runs: RunSnapshot[], policy: SegmentPolicy): RunSnapshot | null {
    const value = policy.recommendedThreshold ?? null;
    if (value === null) return null;
    for (let i = runs.length - 1; i >= 0; i--) if (runs[i].recommendedThreshold === value) return runs[i];
    return null;
}

/**
 * Governs every segment of a run, replacing each recommendation with the governed one (a held-back proposal has
 * `threshold: null` and the reason 'frozen' or 'rejected-unchanged'). `policies` are the policies as read (before
 * preparation); `history` is each segment's runs, oldest first, or null offline.
 */
export function governSegments(input: {
    policies: SegmentPolicy[];
    segments: SegmentResult[];
    history: Map<string, RunSnapshot[]> | null;
    asOf: string;
    settings: CalibrationSettings;
}): SegmentGovernance[] {
    const byName = new Map(input.policies.map((p) => [p.name, p]));
    return input.segments.map((seg) => {
        const policy = byName.get(seg.name) ?? { name: seg.name, activeThreshold: seg.activeThreshold };
        const runs = input.history?.get(seg.name) ?? [];
        const d = governSegment({
            policy,
            previousRun: runs.length > 0 ? runs[runs.length - 1] : null,
            proposalRun: proposalRunOf(runs, policy),
            result: seg,
            asOf: input.asOf,
            settings: input.settings
        });
        seg.recommendation = d.recommendation;
        return {
            segment: seg.name,
            history: input.history ? 'org' : 'none',
            change: d.change,
            frozenUntil: d.frozenUntil,
            propose: d.propose,
            reason: d.reason,
            status: d.status,
            reviewTriggers: d.reviewTriggers.map((t) => t.code)
        };
    });
}
