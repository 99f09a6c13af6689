import type {
    CalibrationSettings,
    LeadRecord,
    OpportunityRecord,
    ScoreSource,
    SegmentPolicy
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type {
    PilotConfig,
    RunSnapshot
} from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';
import { rejectionSourceOf, type HandoffSource, type RejectionSource } from './salesforceRows';
import { NoHandoffError } from '../errors';

/**
 * Where leads come from: the org (jsforce), CSV exports, or the embedded demo org. Every source streams records
 * into the sink the job hands it, opportunities first, so that the job never holds the whole org in memory.
 */
export interface CalibrationSource {
    /** What the report and the terminal call this source, e.g. "org admin@acme.com" or "CSV exports". */
    readonly label: string;
    readonly kind: 'org' | 'csv' | 'demo';
    /** Reads policies (thresholds per segment) and org settings, when the source has them. */
    loadPolicies(): Promise<{
        policies: SegmentPolicy[];
        settings?: Partial<CalibrationSettings>;
        /** Threshold pilots the source configures (the org's MQL_Threshold__mdt Pilot_* fields, the demo's spec). */
        pilots?: PilotConfig[];
        /** Each segment's earlier runs, oldest first, when the source keeps them (governance compares with them). */
        history?: Map<string, RunSnapshot[]>;
    }>;
    /**
     * Streams every opportunity, then every lead, into `sink`. Leads arrive with their score at handoff already
     * resolved (snapshot, else history, else current) and its source set.
     */
    stream(sink: RecordSink, options: StreamOptions): Promise<StreamSummary>;
}

export interface RecordSink {
    addOpportunity(o: OpportunityRecord): void;
    addLead(l: LeadRecord): void;
}

export interface StreamOptions {
    asOf: string;
    settings: CalibrationSettings;
    /** The score field's API name on Lead (default pi__score__c). */
    scoreField: string;
    /** Lead fields that partition a running pilot: read with each lead and kept in its attributes. */
    pilotFields?: string[];
    /** Called as work progresses; the job turns it into a progress bar on a TTY. */
    onProgress?: (step: string, done: number, total?: number) => void;
}

export interface StreamSummary {
    leads: number;
    opportunities: number;
    historyRows: number;
    scoreSources: Record<ScoreSource, number>;
    /** Records the source left out before the engine saw them, by reason (the report counts them with the engine's). */
    excluded?: Record<string, number>;
    /** Handed-off leads by where their handoff time came from (see HandoffSource). */
    handoffSources: Record<HandoffSource, number>;
    /** Rejected handed-off leads by where their rejection came from (see RejectionSource). */
    rejectionSources: Record<RejectionSource, number>;
    /** Seconds per step (transfer, parse, ...), for the benchmark's "where the time goes". */
    timings: Record<string, number>;
}

/**
 * Counts a lead the source hands to the engine: for a handed-off lead, where its score at handoff, its handoff and
 * (when rejected) its rejection came from. `rejection` defaults to what the lead's row says.
 */
export function countLead(
    summary: StreamSummary,
    lead: LeadRecord,
    handoff: HandoffSource | null,
    rejection: RejectionSource | null = rejectionSourceOf(lead)
): void {
    if (!lead.handoffDate) return;
    if (lead.scoreSource) summary.scoreSources[lead.scoreSource]++;
    if (handoff) summary.handoffSources[handoff]++;
    if (rejection) summary.rejectionSources[rejection]++;
}

/**
 * Refuses to calibrate when no lead carries a recorded handoff. Conversions alone would make every converted lead a
 * handoff and every other lead never handed off: no rejected lead, no lead sales sent back, a win rate near 100%
 * at any score, and a threshold that means nothing. A current status alone gives no handoff time (the creation
 * date stands in) and loses every lead recycled since. Throws NoHandoffError (exit 1, nothing written).
 */
export function assertHandoffEvidence(summary: StreamSummary): void {
    const h = summary.handoffSources;
    if (summary.leads === 0 || h.Field + h.StatusHistory > 0) return;
    throw new NoHandoffError(
        `no lead has a handoff: enable Lead field history on Status and the score field, or the handoff flow (docs/funnel-capture.md); ` +
            `of ${summary.leads} leads ${h.Conversion} are converted and ${h.CurrentStatus} more are in a handoff status now, ` +
            `and the job does not recommend from those alone`
    );
}
