/**
 * The job's pilot step: a record sink that passes every record on to the calibrator and, for each configured
 * pilot, folds the pilot's leads into test/control counts (c/calibrationGovernance's `accumulatePilot`) and notes
 * the leads whose MQL_Pilot_Group__c must be stamped. It keeps no opportunities: a lead's comes from the
 * calibrator, which has just linked it.
 */
import {
    IdList,
    grown,
    type Calibrator,
    type LeadRecord,
    type OpportunityRecord
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

/**
 * The leads to stamp with their pilot group, kept compactly while the leads stream (ids in an IdList, groups a
 * byte each): a pilot over a big segment notes tens of thousands, and an id cut from a chunk of CSV or a results
 * page would keep the chunk.
 */
export class PilotStamps {
    private readonly ids = new IdList();
    private groups = new Uint8Array(1024);

    get length(): number {
        return this.ids.length;
    }

    push(stamp: PilotStamp): void {
        const i = this.ids.length;
        if (i === this.groups.length) this.groups = grown(this.groups, i * 2);
        this.groups[i] = stamp.group === 'Test' ? 1 : 2;
        this.ids.push(stamp.id);
    }

    toArray(): PilotStamp[] {
        const out: PilotStamp[] = [];
        this.ids.forEach((id, i) => out.push({ id, group: this.groups[i] === 1 ? 'Test' : 'Control' }));
        return out;
    }
}

/**
 * Wraps the calibrator so that pilots see the same stream; see the module comment. A lead's opportunity comes
 * from the calibrator, which has just linked it, so the pilots keep no opportunities of their own.
 */
export class PilotSink implements RecordSink {
    private readonly accs: { config: PilotConfig; acc: PilotAccumulator }[];
    /** Leads to stamp with their pilot group (filled while streaming). */
    readonly stamps = new PilotStamps();

    constructor(
        private readonly inner: Calibrator,
        readonly pilots: PilotConfig[],
        private readonly asOf: string
    ) {
        // A pilot configured without a primary metric (the org's Pilot_* fields, the demo) is judged on MQL→SQL, and
        // says so in its reported configuration, as one from the settings file does.
        this.accs = pilots.map((c) => {
            const config: PilotConfig = { ...c, primaryMetric: c.primaryMetric ?? 'MQL→SQL' };
            return { config, acc: accumulatePilot(config, asOf) };
        });
    }

    addOpportunity(o: OpportunityRecord): void {
        this.inner.addOpportunity(o);
    }

    addLead(l: LeadRecord): void {
        this.inner.addLead(l);
        if (this.accs.length === 0) return;
        // The segment the engine resolved (a blank MQL_Segment__c goes by the segment rules), null for a lead it
        // set aside before that (a duplicate id): the pilots count the leads the calibration counts.
        const segment = this.inner.lastSegment();
        if (segment === null) return;
        const opportunity = this.inner.lastOpportunity();
        for (const { config, acc } of this.accs) {
            const group = pilotGroupOf(l, config, segment);
            // Only blank groups are stamped: a stamped lead was routed by its group, so it keeps it even if the
            // pilot's test values are edited later. A converted lead (the only kind with a qualified date) is past
            // routing and cannot be updated in an org (CANNOT_UPDATE_CONVERTED_LEAD): counted, not stamped.
            if (group !== null && !l.pilotGroup && l.qualifiedDate === null) this.stamps.push({ id: l.id, group });
            // A lead already stamped keeps its stamped group for the comparison: that is how it was routed.
            acc.add(l, opportunity, segment);
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
                    minWeeks: config.minWeeks,
                    primaryMetric: config.primaryMetric,
                    config
                })
            };
        });
    }
}
