/**
 * The calibration engine: the Threshold-Setting Method as pure, deterministic functions.
 * Shared by the nightly job (Node, through tsx) and the dashboard (as the LWC service module c/calibrationEngine).
 * No I/O and no platform imports may enter this bundle.
 */
export * from './types';
export * from './statistics';
export * from './dates';
export * from './idTables';
export * from './method';
export * from './calibrator';
export * from './significance';
export { REVIEW_TRIGGERS, TRIGGER_LEVEL, liftsFreeze } from './triggers';
export { ABSTENTIONS, abstentionSummary, evidenceLines, formatP } from './recommendation';
import type { CalibrationSettings } from './types';

/** The documented defaults of every setting (PRODUCT.md "Data model" and "The method"). */
export function defaultSettings(): CalibrationSettings {
    return {
        bandWidth: null,
        lookbackMonths: 18,
        targetRejectionRate: 0.15,
        healthySqlRate: { min: 0.3, max: 0.5 },
        healthyRejectionRate: { min: 0.15, max: 0.25 },
        minWonDeals: 30,
        minHandedOff: 100,
        minStep: 3,
        scenarioDelta: 15,
        scenarioWindowDays: 90,
        slaHours: 24,
        freezeDays: 91,
        bootstrapSamples: 200,
        seed: 20260101,
        decay: { points: 5, days: 30 },
        significanceLevel: 0.01,
        maxRangeShare: 0.25,
        minDistinctScores: 5,
        maxExcludedShare: 0.2,
        segmentRules: [
            { segment: 'Expansion', order: 1, field: 'Existing_Customer__c', op: '=', value: true },
            { segment: 'Outbound_Assisted', order: 2, field: 'Outbound_Assisted__c', op: '=', value: true },
            { segment: 'Enterprise_Inbound', order: 3, field: 'NumberOfEmployees', op: '>=', value: 1000 },
            { segment: 'SMB_Inbound', order: 4, field: null, op: '*', value: null }
        ]
    };
}
