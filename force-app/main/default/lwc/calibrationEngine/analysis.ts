/**
 * The method on one segment's counts: bands, the recommendation and its range, scenarios, triggers, paths and
 * diagnostics, assembled into the segment's result.
 */
import type { CalibrationSettings, PathSummary, Recommendation, Scenario, SegmentPolicy, SegmentResult } from './types';
import { wilson } from './statistics';
import { STARTING_POINTS, bandsFromFine, scenarioAt } from './method';
import type { SegmentAccumulator } from './accumulator';
import { bootstrapRange, candidatesFor, hashName, rationaleFor } from './recommendation';
import { detectTriggers, liftsFreeze } from './triggers';
import { byCountThenName, diagnosticsFor } from './diagnostics';

/** Runs the method on one segment (policy and counts) as of the analysis date. */
export function analyseSegment(policy: SegmentPolicy, acc: SegmentAccumulator, settings: CalibrationSettings, asOf: string): SegmentResult {
    const fine = acc.fine();
    const bands = bandsFromFine(fine, settings.bandWidth, settings.healthySqlRate);
    const active = policy.activeThreshold;
    const window = settings.scenarioWindowDays;
    const cands = candidatesFor(fine, () => bands, settings, policy.capacityPerMonth);

    const triggers = detectTriggers({ policy, acc, fine, settings, asOf });
    // Only the method's review triggers (item 10) lift a freeze, and only on a fact or significant evidence;
    // diagnostics such as a dominant rejection reason do not.
    const blocking = triggers.filter(liftsFreeze);
    const sampleOk = acc.total.won >= settings.minWonDeals && acc.total.handedOff >= settings.minHandedOff;
    const frozen = !!policy.frozenUntil && policy.frozenUntil > asOf && blocking.length === 0;

    let threshold: number | null = null;
    let reason: string;
    let range: [number, number] | null = null;
    if (!sampleOk) {
        reason = 'insufficient-sample';
    } else if (cands.value === null) {
        reason = 'no-evidence';
    } else {
        range = bootstrapRange(acc, settings, cands.capacity, hashName(policy.name));
        if (frozen) reason = 'frozen';
        else if (active !== null && Math.abs(cands.value - active) < settings.minStep) reason = 'no-change';
        else {
            threshold = cands.value;
            reason = 'recommended';
        }
    }
    const at = cands.value !== null ? scenarioAt(fine, cands.value, window) : null;
    const recommendation: Recommendation = {
        threshold,
        reason,
        range,
        rationale: rationaleFor({ policy, acc, bands, fine, cands, reason, settings, at }),
        candidates: { inflection: cands.inflection, rejectionTarget: cands.rejectionTarget, sqlTarget: cands.sqlTarget, capacity: cands.capacity },
        computed: cands.value,
        startingPoint: sampleOk ? null : STARTING_POINTS[policy.name] ?? null,
        expectedMqlsPerMonth: at ? at.mqlsPerMonth : null,
        expectedRejectionRate: at ? at.rejectionRate : null
    };

    const scenarios: Scenario[] = [];
    if (active !== null) {
        scenarios.push(scenarioAt(fine, active - settings.scenarioDelta, window, `Active − ${settings.scenarioDelta}`));
        scenarios.push(scenarioAt(fine, active, window, 'Active'));
        scenarios.push(scenarioAt(fine, active + settings.scenarioDelta, window, `Active + ${settings.scenarioDelta}`));
    }
    if (cands.value !== null && cands.value !== active) scenarios.push(scenarioAt(fine, cands.value, window, 'Recommended'));

    const paths: PathSummary[] = acc.paths.names.map((path, i) => {
        const v = acc.pathRows[i];
        return { path, handedOff: v.handedOff, qualified: v.qualified, won: v.won, sqlRate: wilson(v.qualified, v.handedOff) };
    }).sort(byCountThenName((p) => p.handedOff, (p) => p.path));

    return {
        name: policy.name,
        activeThreshold: active,
        sample: {
            leads: acc.leads,
            handedOff: acc.total.handedOff,
            won: acc.total.won,
            rejected: acc.total.rejected,
            scoreSources: { ...acc.scoreSources }
        },
        bands,
        fineBands: fine,
        inflection: cands.inflection,
        recommendation,
        scenarios,
        triggers,
        paths,
        diagnostics: diagnosticsFor(acc, bands, settings, asOf, fine, active)
    };
}
