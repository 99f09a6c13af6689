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
    /** Band width in score units; null or absent: derived from the observed score range (about ten bands). */
    bandWidth?: number | null;
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
    /** Scores above this are treated as bad input (default: no limit; any score scale is accepted). */
    maxScore?: number;
    /**
     * Level of the tests the recommendation rests on (default 0.01): the chance that data with no relation between
     * score and outcome still yields a recommendation, and the level each floor's evidence must reach to count.
     */
    significanceLevel?: number;
    /** Abstain when the 90% bootstrap range is wider than this share of the observed score range (default 0.25). */
    maxRangeShare?: number;
    /** Abstain with fewer distinct scores at handoff than this among handed-off leads (default 5). */
    minDistinctScores?: number;
    /** Abstain when more than this share of a segment's handed-off leads had to be excluded (default 0.2). */
    maxExcludedShare?: number;
    /**
     * Fit-grade gate (seed 002: grade A or B for the scored path): handed-off leads graded C-F are reported as their
     * own paths and kept out of the threshold's evidence, and never-handed-off ones out of the estimated scenarios.
     * Default on: leads without a grade pass, so it acts only where a grade field is set. Set false for an org whose
     * routing does not apply the gate (see docs/method.md, "Paths out of the fit").
     */
    gradeGate?: boolean;
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
    /**
     * Of the above, the part handed off within the scenario window (the last 90 days); `notHandedOff`: leads created
     * in the window and never handed off, by their current score (what a lower threshold would add).
     */
    recent: { handedOff: number; accepted: number; rejected: number; qualified: number; pipelineAmount: number; wonAmount: number; notHandedOff?: number };
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
    /**
     * True when the threshold is below the active one and leads scored there were never handed off: they are counted
     * in `mqls` (their number is known), and their outcomes estimated from handed-off leads of the same score.
     */
    estimated?: boolean;
    /** MQLs of the window actually handed off at or above the threshold, and those added by the estimate. */
    observedMqls?: number;
    estimatedMqls?: number;
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

/** The likelihood-ratio change-point test behind a recommendation, or behind an abstention. */
export interface ChangeEvidence {
    test: string;
    outcome: 'won' | 'qualified';
    /** 'up': the rate rises at `at`; 'down': it falls (the score may be inverted or broken); null: no split. */
    direction: 'up' | 'down' | null;
    at: number | null;
    rateBelow: number | null;
    rateAbove: number | null;
    statistic: number | null;
    /** Bonferroni-corrected over `splits` candidate splits. */
    pValue: number | null;
    splits: number;
}

/** A floor (rejection target, SQL floor) and whether its evidence was significant enough for it to count. */
export interface FloorEvidence {
    at: number | null;
    counted: boolean;
    rateAbove: number | null;
    rateBelow: number | null;
    /** One-sided two-proportion test of the leads at or above `at` against those below. */
    pValue: number | null;
}

/** What the recommendation (or the abstention) rests on, in numbers a reviewer can check. */
export interface RecommendationEvidence {
    /** Level of every test below. */
    level: number;
    /** The strongest rising and falling change-points of the win rate and the SQL rate. */
    winRate: { up: ChangeEvidence; down: ChangeEvidence };
    sqlRate: { up: ChangeEvidence; down: ChangeEvidence };
    distinctScores: number;
    minDistinctScores: number;
    /** Score resolution the counts were kept at (score units) and the band width used. */
    resolution: number;
    bandWidth: number;
    observedRange: [number, number] | null;
    excluded: number;
    excludedShare: number;
    maxExcludedShare: number;
    /** Width of the 90% bootstrap range as a share of the observed score range. */
    rangeShare: number | null;
    maxRangeShare: number;
    floors: {
        rejectionTarget: FloorEvidence;
        /** `band` is seed 002's band rule on the band table; `at` the same floor read at the score's resolution. */
        sqlTarget: FloorEvidence & { band: number | null };
        capacity: number | null;
    };
    /** MQL→SQL of the leads at or above the computed threshold, and whether it is above the healthy maximum. */
    sqlRateAtThreshold: number | null;
    aboveHealthySqlMax: boolean;
}

export interface Recommendation {
    /** The recommended threshold, or null when the engine abstains. */
    threshold: number | null;
    /**
     * Short machine-readable reason: 'recommended', 'no-change', 'frozen', or an abstention: 'insufficient-sample',
     * 'too-many-excluded', 'too-few-score-values', 'no-signal', 'inverted', 'range-too-wide'.
     */
    reason: string;
    /** Bootstrap 90% range of the recommendation, [low, high]; null when abstaining. */
    range: [number, number] | null;
    /** Plain words naming the evidence. */
    rationale: string;
    candidates: { inflection: number | null; rejectionTarget: number | null; sqlTarget: number | null; capacity: number | null };
    /** The threshold the rule arrived at before the minimum-step and freeze rules (null without evidence). */
    computed: number | null;
    /** The seeds' starting range for the segment, shown (never as data) whenever the engine abstains. */
    startingPoint: [number, number] | null;
    expectedMqlsPerMonth: number | null;
    expectedRejectionRate: number | null;
    /** The tests and figures behind the recommendation or the abstention (null below the minimum sample). */
    evidence?: RecommendationEvidence | null;
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
