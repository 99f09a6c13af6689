/**
 * The calibration engine's data contract: what goes in (leads, opportunities, settings) and what comes out
 * (per-segment band tables, recommendation, scenarios, triggers). The nightly job, the run records it writes and
 * the dashboard all speak these shapes; nothing here may import a platform module.
 */

/** Where a lead's score at handoff came from, in order of preference. */
export type ScoreSource = 'Snapshot' | 'History' | 'Current';

/** Verdict of a score band, after seed 002's table. */
export type BandVerdict = 'Too early' | 'Marginal' | 'Good' | 'Hot';

/** Review status of a recommendation, as kept in MQL_Threshold__mdt.Recommendation_Status__c. */
export type RecommendationStatus = 'Pending review' | 'Approved' | 'Rejected' | 'Held';

/** One lead as the engine sees it: already mapped from Salesforce fields or CSV columns. */
export interface LeadRecord {
    id: string;
    /** Segment DeveloperName (MQL_Segment__c). Null: resolved by the segment rules from `attributes`. */
    segment: string | null;
    /** Score at handoff, or null when the lead was never handed off or no score is known. */
    scoreAtHandoff: number | null;
    scoreSource: ScoreSource | null;
    /** The org's current score (for decay, bunching and "A-grade with no activity" diagnostics). */
    currentScore?: number | null;
    /** ISO date-time of the handoff; null = never handed off. */
    handoffDate: string | null;
    createdDate?: string | null;
    /** Sales accepted the lead (worked it and did not reject it). */
    accepted: boolean;
    rejected: boolean;
    rejectionReason?: string | null;
    /** SQL: converted, or in a qualified status. */
    qualified: boolean;
    /** ISO date the lead became an SQL (ConvertedDate), when known. */
    qualifiedDate?: string | null;
    /** Converted opportunity id, when any. */
    opportunityId?: string | null;
    /** ISO date-time of the first sales touch; null = never worked. */
    firstTouchDate?: string | null;
    lastActivityDate?: string | null;
    leadSource?: string | null;
    /** Fit grade A-F (e.g. pi__grade__c), when the org has one. */
    grade?: string | null;
    /** Names of the high-intent override paths this lead matched (e.g. "Demo request"). */
    overridePaths?: string[];
    /** Pilot group (MQL_Pilot_Group__c): 'Test', 'Control' or null. */
    pilotGroup?: 'Test' | 'Control' | null;
    /** Raw field values the segment and override rules read (NumberOfEmployees, Existing_Customer__c, ...). */
    attributes?: Record<string, string | number | boolean | null>;
}

/** One opportunity; linked to its lead by `leadId` (Lead.ConvertedOpportunityId, reversed). */
export interface OpportunityRecord {
    id: string;
    leadId: string | null;
    amount: number | null;
    isWon: boolean;
    isClosed: boolean;
    createdDate?: string | null;
    closeDate?: string | null;
}

/** A segment rule: first match in `order` wins. `field op value`; op '*' matches every lead. */
export interface SegmentRule {
    segment: string;
    order: number;
    field: string | null;
    op: '=' | '!=' | '>=' | '>' | '<=' | '<' | 'in' | 'notblank' | '*';
    value: string | number | boolean | null;
}

/** A high-intent override: leads matching it become MQLs regardless of score (at most two per segment). */
export interface OverrideRule {
    name: string;
    field: string;
    op: SegmentRule['op'];
    value: string | number | boolean | null;
}

/** Per-segment policy, as kept in MQL_Threshold__mdt (admins own `activeThreshold`). */
export interface SegmentPolicy {
    name: string;
    activeThreshold: number | null;
    /** Previous active thresholds, newest last, for compression detection (from the run history). */
    thresholdHistory?: { threshold: number; changedOn: string }[];
    status?: RecommendationStatus | null;
    recommendedThreshold?: number | null;
    frozenUntil?: string | null;
    lastCalibratedOn?: string | null;
    overrides?: OverrideRule[];
    /** Sales capacity: the most MQLs per month sales can work, when set. */
    capacityPerMonth?: number | null;
}

/** Settings (MQL_Calibration_Setting__mdt.Default, or the job's --config JSON). Every field has a default. */
export interface CalibrationSettings {
    bandWidth: number;
    lookbackMonths: number;
    /** Target rejection rate, 0-1 (default 0.15). */
    targetRejectionRate: number;
    /** Healthy MQL->SQL range, 0-1 (default 0.30-0.50); the minimum is the "acceptable SQL rate". */
    healthySqlRate: { min: number; max: number };
    healthyRejectionRate: { min: number; max: number };
    minWonDeals: number;
    minHandedOff: number;
    /** No change smaller than this many points is proposed. */
    minStep: number;
    scenarioDelta: number;
    scenarioWindowDays: number;
    slaHours: number;
    freezeDays: number;
    bootstrapSamples: number;
    seed: number;
    decay: { points: number; days: number } | null;
    /** Scores above this are treated as bad input (default 10,000). */
    maxScore?: number;
    segmentRules: SegmentRule[];
}

/** A rate with its count, denominator and Wilson 95% interval. */
export interface Rate {
    count: number;
    total: number;
    /** count/total, or null when total is 0. */
    rate: number | null;
    low: number | null;
    high: number | null;
}

/** One band of score at handoff, [from, to). */
export interface Band {
    from: number;
    to: number;
    handedOff: number;
    accepted: number;
    rejected: number;
    neverWorked: number;
    qualified: number;
    opportunities: number;
    won: number;
    pipelineAmount: number;
    wonAmount: number;
    /** This band's share of all won deals in the segment, 0-1. */
    wonShare: number;
    acceptanceRate: Rate;
    rejectionRate: Rate;
    sqlRate: Rate;
    opportunityRate: Rate;
    winRate: Rate;
    verdict: BandVerdict;
}

/** One-point counts the what-if slider sums; `score` is the integer floor of the score at handoff. */
export interface FineBand {
    score: number;
    handedOff: number;
    accepted: number;
    rejected: number;
    neverWorked: number;
    qualified: number;
    opportunities: number;
    won: number;
    pipelineAmount: number;
    wonAmount: number;
    /** Of the above, the part handed off within the scenario window (the last 90 days). */
    recent: { handedOff: number; accepted: number; rejected: number; qualified: number; pipelineAmount: number; wonAmount: number };
}

export interface Scenario {
    label: string;
    threshold: number;
    mqls: number;
    mqlsPerMonth: number;
    accepted: number;
    rejectionRate: number | null;
    sqls: number;
    pipelineAmount: number;
    wonAmount: number;
    /** True when the threshold lies outside the observed scores, so the figures are extrapolated. */
    extrapolated: boolean;
}

export interface Trigger {
    code:
        | 'REJECTION_RATE_SPIKE'
        | 'SQL_RATE_SHIFT'
        | 'NO_ACTIVE_THRESHOLD'
        | 'THRESHOLD_COMPRESSION'
        | 'SCORE_BUNCHING'
        | 'CALIBRATION_STALE'
        | 'REJECTION_REASON_DOMINANT'
        | 'REJECTION_RATE_HIGH'
        | 'SQL_RATE_OUT_OF_RANGE';
    message: string;
    severity: 'info' | 'warning' | 'critical';
    /** What the trigger fired on; only a fact, or a test significant at its level, lifts a freeze. */
    evidence?: TriggerEvidence;
}

/** The evidence behind a trigger: a significance test at a stated level, or a recorded fact (no sampling error). */
export interface TriggerEvidence {
    kind: 'test' | 'fact';
    /** The test or the fact, in words. */
    test: string;
    pValue: number | null;
    /** The level the p-value was judged at (after any correction for the number of tests). */
    level: number | null;
    significant: boolean;
    /** The counts the test was computed from. */
    counts: Record<string, number>;
}

export interface Recommendation {
    /** The recommended threshold, or null when the engine abstains. */
    threshold: number | null;
    /** Short machine-readable reason: 'recommended', 'insufficient-sample', 'no-change', 'frozen', ... */
    reason: string;
    /** Bootstrap 90% range of the recommendation, [low, high]; null when abstaining. */
    range: [number, number] | null;
    /** Plain words naming the evidence. */
    rationale: string;
    candidates: { inflection: number | null; rejectionTarget: number | null; sqlTarget: number | null; capacity: number | null };
    /** The threshold the rule arrived at before the minimum-step and freeze rules (null without evidence). */
    computed: number | null;
    /** The seeds' starting range for the segment, shown (never as data) when the sample is too small. */
    startingPoint: [number, number] | null;
    expectedMqlsPerMonth: number | null;
    expectedRejectionRate: number | null;
}

/** Why a record was left out of the analysis; counted, never silent. */
export interface Exclusion {
    id: string | null;
    kind: 'lead' | 'opportunity';
    reason: string;
}

export interface PathSummary {
    path: string;
    handedOff: number;
    qualified: number;
    won: number;
    sqlRate: Rate;
}

export interface SegmentResult {
    name: string;
    activeThreshold: number | null;
    sample: { leads: number; handedOff: number; won: number; rejected: number; scoreSources: Record<ScoreSource, number> };
    bands: Band[];
    fineBands: FineBand[];
    inflection: number | null;
    recommendation: Recommendation;
    scenarios: Scenario[];
    triggers: Trigger[];
    paths: PathSummary[];
    diagnostics: Record<string, unknown>;
}

export interface CalibrationResult {
    asOf: string;
    segments: SegmentResult[];
    exclusions: Exclusion[];
    exclusionCounts: Record<string, number>;
}
