/**
 * The method on one segment's counts: bands, the recommendation and its range, scenarios, triggers, paths and
 * diagnostics, assembled into the segment's result.
 */
import type { CalibrationSettings, PathSummary, Recommendation, RecommendationEvidence, Scenario, SegmentPolicy, SegmentResult } from './types';
import { wilson } from './statistics';
import { STARTING_POINTS, bandsFromFine, defaultBandWidth, scenarioAt } from './method';
import type { SegmentAccumulator } from './accumulator';
import { ABSTENTION_DEFAULTS, bootstrapRange, candidatesFor, changeEvidence, hashName, rationaleFor } from './recommendation';
import { detectTriggers, liftsFreeze } from './triggers';
import { byCountThenName, diagnosticsFor } from './diagnostics';

/** Runs the method on one segment (policy and counts) as of the analysis date. */
export function analyseSegment(policy: SegmentPolicy, acc: SegmentAccumulator, settings: CalibrationSettings, asOf: string): SegmentResult {
    const fine = acc.fine();
    // The scenarios also see leads never handed off; every reading of the method sees handed-off leads only.
    const scenarioCells = acc.fine(true);
    const resolution = acc.resolution();
    const observedRange: [number, number] | null = fine.length > 0 ? [fine[0].score, fine[fine.length - 1].score] : null;
    const bandWidth = settings.bandWidth ?? defaultBandWidth(observedRange?.[0] ?? 0, observedRange?.[1] ?? 0, resolution);
    const bands = bandsFromFine(fine, bandWidth, settings.healthySqlRate);
    const active = policy.activeThreshold;
    const window = settings.scenarioWindowDays;
    const cands = candidatesFor(fine, bandWidth, settings, policy.capacityPerMonth);
    const level = settings.significanceLevel ?? ABSTENTION_DEFAULTS.significanceLevel;
    const maxRangeShare = settings.maxRangeShare ?? ABSTENTION_DEFAULTS.maxRangeShare;
    const minDistinctScores = settings.minDistinctScores ?? ABSTENTION_DEFAULTS.minDistinctScores;
    const maxExcludedShare = settings.maxExcludedShare ?? ABSTENTION_DEFAULTS.maxExcludedShare;
    // The minimum step is in score units; never more than half a band, so that 3 "points" is not a whole 0-1 scale.
    const minStep = Math.min(settings.minStep, bandWidth / 2);
    // Of every handed-off lead: those counted in the bands, those on a path out of the fit, and those excluded.
    const excludedShare = acc.excluded > 0 ? acc.excluded / (acc.excluded + acc.total.handedOff + acc.outOfFit) : 0;

    acc.reasonsByBand = acc.reasonsInBands(bandWidth);
    const triggers = detectTriggers({ policy, acc, fine, settings: { ...settings, bandWidth }, asOf });
    // Only the method's review triggers (item 10) lift a freeze, and only on a fact or significant evidence;
    // diagnostics such as a dominant rejection reason do not.
    const blocking = triggers.filter(liftsFreeze);
    const sampleOk = acc.total.won >= settings.minWonDeals && acc.total.handedOff >= settings.minHandedOff;
    const frozen = !!policy.frozenUntil && policy.frozenUntil > asOf && blocking.length === 0;

    let threshold: number | null = null;
    let reason: string;
    let range: [number, number] | null = null;
    let rangeShare: number | null = null;
    let computed: number | null = cands.value;
    // The abstentions in the order a reviewer would check them: is there enough data, is it usable, does the score
    // carry any signal, and can the data place the threshold.
    if (!sampleOk) reason = 'insufficient-sample';
    else if (excludedShare > maxExcludedShare) reason = 'too-many-excluded';
    else if (fine.length < minDistinctScores) reason = 'too-few-score-values';
    else if (cands.abstain !== null || cands.value === null) reason = cands.abstain ?? 'no-signal';
    else {
        range = bootstrapRange(
            acc,
            settings,
            bandWidth,
            cands.capacity,
            { rejectionTarget: cands.floors.rejectionTarget.counted, sqlTarget: cands.floors.sqlTarget.counted },
            hashName(policy.name)
        );
        const span = observedRange![1] - observedRange![0];
        rangeShare = range !== null && span > 0 ? (range[1] - range[0]) / span : null;
        if (range === null || (rangeShare !== null && rangeShare > maxRangeShare)) reason = 'range-too-wide';
        else if (frozen) reason = 'frozen';
        else if (active !== null && Math.abs(cands.value - active) < minStep) reason = 'no-change';
        else {
            threshold = cands.value;
            reason = 'recommended';
        }
    }
    const abstained = reason !== 'recommended' && reason !== 'no-change' && reason !== 'frozen';
    // An abstention shows no computed value: a number would read as a recommendation. The range stays when it is the
    // evidence of the abstention (too wide).
    if (abstained) computed = null;
    if (abstained && reason !== 'range-too-wide') range = null;
    const at = computed !== null ? scenarioAt(scenarioCells, computed, window, undefined, active) : null;
    let sqlAt: number | null = null;
    if (cands.value !== null) {
        let h = 0;
        let q = 0;
        for (const f of fine) {
            if (f.score >= cands.value) {
                h += f.handedOff;
                q += f.qualified;
            }
        }
        sqlAt = h > 0 ? q / h : null;
    }
    const evidence: RecommendationEvidence | null = sampleOk
        ? {
              level,
              winRate: { up: changeEvidence(cands.win, 'up'), down: changeEvidence(cands.win, 'down') },
              sqlRate: { up: changeEvidence(cands.sql, 'up'), down: changeEvidence(cands.sql, 'down') },
              distinctScores: fine.length,
              minDistinctScores,
              resolution,
              bandWidth,
              observedRange,
              excluded: acc.excluded,
              excludedShare,
              maxExcludedShare,
              rangeShare,
              maxRangeShare,
              floors: cands.floors,
              sqlRateAtThreshold: sqlAt,
              aboveHealthySqlMax: sqlAt !== null && sqlAt > settings.healthySqlRate.max
          }
        : null;
    const recommendation: Recommendation = {
        threshold,
        reason,
        range,
        rationale: rationaleFor({ policy, acc, bands, fine, cands, reason, settings: { ...settings, minStep }, evidence }),
        candidates: { inflection: cands.inflection, rejectionTarget: cands.rejectionTarget, sqlTarget: cands.sqlTarget, capacity: cands.capacity },
        computed,
        startingPoint: abstained ? STARTING_POINTS[policy.name] ?? null : null,
        expectedMqlsPerMonth: at ? at.mqlsPerMonth : null,
        expectedRejectionRate: at ? at.rejectionRate : null,
        evidence
    };

    const scenarios: Scenario[] = [];
    if (active !== null) {
        scenarios.push(scenarioAt(scenarioCells, active - settings.scenarioDelta, window, `Active − ${settings.scenarioDelta}`, active));
        scenarios.push(scenarioAt(scenarioCells, active, window, 'Active', active));
        scenarios.push(scenarioAt(scenarioCells, active + settings.scenarioDelta, window, `Active + ${settings.scenarioDelta}`, active));
    }
    if (computed !== null && computed !== active) scenarios.push(scenarioAt(scenarioCells, computed, window, 'Recommended', active));

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
        fineBands: scenarioCells,
        inflection: cands.inflection,
        recommendation,
        scenarios,
        triggers,
        paths,
        diagnostics: diagnosticsFor(acc, bands, { ...settings, bandWidth }, asOf, fine, active)
    };
}
