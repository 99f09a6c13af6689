/**
 * The job's pilot step: a record sink that passes every record on to the calibrator and, for each configured
 * pilot, folds the pilot's leads into test/control counts (c/calibrationGovernance's `accumulatePilot`) and notes
 * the leads whose MQL_Pilot_Group__c must be stamped. Opportunities are kept only as the few figures a pilot reads,
 * and only when a pilot is configured.
 */
import type {
    LeadRecord,
    OpportunityRecord
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import {
    accumulatePilot,
    comparePilot,
    pilotGroupOf,
    type PilotAccumulator,
    type PilotConfig,
    type PilotReport
} from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';
import type { RecordSink } from '../sources/types';

/** A lead the pilot puts in a group and whose MQL_Pilot_Group__c is still blank. */
export interface PilotStamp {
    id: string;
    group: 'Test' | 'Control';
}

/** One pilot in the job's result: its configuration, both groups' counts and the comparison. */
export type { PilotReport };

type OppFigures = Pick<
    OpportunityRecord,
    'id' | 'leadId' | 'amount' | 'isWon' | 'isClosed' | 'createdDate' | 'closeDate'
>;

/** Wraps a sink (the calibrator) so that pilots see the same stream; see the module comment. */
export class PilotSink implements RecordSink {
    private readonly accs: { config: PilotConfig; acc: PilotAccumulator }[];
    private readonly opps = new Map<string, OppFigures>();
    private readonly oppByLead = new Map<string, string>();
    /** Leads to stamp with their pilot group (filled while streaming). */
    readonly stamps: PilotStamp[] = [];

    constructor(
        private readonly inner: RecordSink,
        readonly pilots: PilotConfig[],
        private readonly asOf: string
    ) {
        this.accs = pilots.map((config) => ({ config, acc: accumulatePilot(config, asOf) }));
    }

    addOpportunity(o: OpportunityRecord): void {
        this.inner.addOpportunity(o);
        if (this.accs.length === 0) return;
        const { id, leadId, amount, isWon, isClosed, createdDate, closeDate } = o;
        this.opps.set(id, { id, leadId, amount, isWon, isClosed, createdDate, closeDate });
        if (leadId) this.oppByLead.set(leadId, id);
    }

    addLead(l: LeadRecord): void {
        this.inner.addLead(l);
        for (const { config, acc } of this.accs) {
            const group = pilotGroupOf(l, config);
            // Only blank groups are stamped: a stamped lead was routed by its group, so it keeps it even if the
            // pilot's test values are edited later.
            if (group !== null && !l.pilotGroup) this.stamps.push({ id: l.id, group });
            const oppId = l.opportunityId ?? this.oppByLead.get(l.id) ?? null;
            // A lead already stamped keeps its stamped group for the comparison: that is how it was routed.
            acc.add(l, oppId ? ((this.opps.get(oppId) as OpportunityRecord | undefined) ?? null) : null);
        }
    }

    /** Each pilot's counts and comparison, as of the run's analysis date. */
    reports(): PilotReport[] {
        return this.accs.map(({ config, acc }) => {
            const { test, control } = acc.stats();
            return {
                config,
                test,
                control,
                comparison: comparePilot({
                    test,
                    control,
                    start: config.start,
                    asOf: this.asOf,
                    minWeeks: config.minWeeks
                })
            };
        });
    }
}
