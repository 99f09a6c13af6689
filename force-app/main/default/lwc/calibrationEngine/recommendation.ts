/**
 * The recommendation rule (method item 6): the floors each reading sets, combined into one threshold, and its
 * bootstrap range; and the rationale in words.
 */
import type {
    Band,
    CalibrationResult,
    CalibrationSettings,
    Exclusion,
    FineBand,
    LeadRecord,
    OpportunityRecord,
    PathSummary,
    Recommendation,
    Scenario,
    ScoreSource,
    SegmentPolicy,
    SegmentResult,
    Trigger
} from './types';
import { mulberry32, poisson, quantile, pct } from './statistics';
import {
    STARTING_POINTS,
    bandsFromFine,
    capacityThreshold,
    findInflection,
    findKnee,
    rejectionTargetThreshold,
    sqlTargetThresholdFine
} from './method';
import { CLASSES, type SegmentAccumulator } from './accumulator';

const draw = poisson;

export interface Candidates {
    inflection: number | null;
    rejectionTarget: number | null;
    sqlTarget: number | null;
    capacity: number | null;
    value: number | null;
}

/**
 * The recommendation rule (method item 6), on one-point counts:
 * 1. start from the knee — the change-point of the win rate (`findKnee`), falling back to the band-level
 *    won-deal inflection (`findInflection`) when the knee cannot be placed;
 * 2. raise it to the lowest threshold whose leads at or above are rejected at most the target rate;
 * 3. raise it to the lowest threshold whose leads at or above convert to SQL at the healthy floor;
 * 4. raise it until the recent MQL volume fits the sales capacity, when one is set;
 * 5. keep it within the observed scores.
 * Each raise only ever moves the threshold up: every candidate is a floor that sales or the data sets.
 */
export function candidatesFor(
    fine: FineBand[],
    bandsOf: () => Band[],
    settings: CalibrationSettings,
    capacityPerMonth: number | null | undefined
): Candidates {
    // Bands are only read when the knee cannot be placed: the bootstrap builds them only then.
    const inflection = findKnee(fine) ?? findInflection(bandsOf());
    const rejectionTarget = rejectionTargetThreshold(fine, settings.targetRejectionRate);
    const sqlTarget = sqlTargetThresholdFine(fine, settings.healthySqlRate.min);
    const capacity = capacityThreshold(fine, capacityPerMonth, settings.scenarioWindowDays);
    const floors = [inflection, rejectionTarget, sqlTarget, capacity].filter((v): v is number => v !== null);
    let value = floors.length > 0 ? Math.max(...floors) : null;
    if (value !== null && fine.length > 0) {
        const lo = fine[0].score;
        const hi = fine[fine.length - 1].score;
        value = Math.min(Math.max(value, lo), hi);
    }
    return { inflection, rejectionTarget, sqlTarget, capacity, value };
}

/** Poisson bootstrap of the recommendation: resample each (score, outcome) cell, rerun the rule, 5th-95th pct. */
export function bootstrapRange(acc: SegmentAccumulator, settings: CalibrationSettings, capacity: number | null, seedOffset: number): [number, number] | null {
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
        scores.push(s);
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
                const k = draw(cellCount[cell], rand);
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
        const c = candidatesFor(fine, () => bandsFromFine(fine, settings.bandWidth, settings.healthySqlRate), settings, null);
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

/** The recommendation in words: what the evidence says and which reading set the floor. */
export function rationaleFor(x: {
    policy: SegmentPolicy;
    acc: SegmentAccumulator;
    bands: Band[];
    fine: FineBand[];
    cands: Candidates;
    reason: string;
    settings: CalibrationSettings;
    at: Scenario | null;
}): string {
    const { acc, bands, cands, settings, policy } = x;
    const parts: string[] = [];
    if (x.reason === 'insufficient-sample') {
        const sp = STARTING_POINTS[policy.name];
        parts.push(
            `Too little evidence: ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals, against a minimum of ${settings.minHandedOff} and ${settings.minWonDeals}.`
        );
        if (sp) parts.push(`The seeds' starting range for this kind of segment is ${sp[0]}-${sp[1]}; it is a starting point, not evidence.`);
        return parts.join(' ');
    }
    if (cands.inflection !== null) {
        const i = bands.findIndex((b) => b.from <= cands.inflection! && cands.inflection! < b.to);
        if (i > 0) {
            parts.push(
                `Won deals climb from ${pct(bands[i - 1].wonShare)} to ${pct(bands[i].wonShare)} of the total at ${bands[i].from}; the win rate changes most sharply at ${cands.inflection}.`
            );
        } else parts.push(`The win rate changes most sharply at ${cands.inflection}.`);
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
        if (cands.rejectionTarget !== null && cands.rejectionTarget === cands.value && cands.rejectionTarget !== cands.inflection)
            parts.push(`The rejection target, not the inflection, sets the floor.`);
        if (cands.capacity !== null && cands.capacity === cands.value) parts.push(`Sales capacity (${policy.capacityPerMonth} MQLs a month) sets the floor.`);
    }
    parts.push(`Based on ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals over ${settings.lookbackMonths} months.`);
    if (x.reason === 'no-change') parts.push(`That is within ${settings.minStep} points of the active ${policy.activeThreshold}: no change proposed.`);
    if (x.reason === 'frozen') parts.push(`The segment is frozen until ${policy.frozenUntil} and no review trigger fired: no proposal.`);
    return parts.join(' ');
}

