/**
 * The org as a source: thresholds and settings from custom metadata, opportunities, leads and the score field's
 * LeadHistory through Bulk API 2.0, streamed into the engine. Every field name that settings supply is checked
 * against describe first.
 *
 * Custom metadata is read with REST SOQL rather than the Metadata API's readMetadata: SOQL lists every
 * MQL_Threshold__mdt record, including segments admins added, without knowing their names first (readMetadata
 * needs each full name, so it would take a listMetadata call too); values come back as JSON numbers and strings
 * rather than untyped XML; and it needs only read access to the type, which the job's permission set grants,
 * not "Modify Metadata". The writes (scripts/salesforce/writes.ts) do use readMetadata, because they must send
 * back the exact record they replace.
 */
import {
    assertHandoffEvidence,
    countLead,
    type CalibrationSource,
    type RecordSink,
    type StreamOptions,
    type StreamSummary
} from './types';
import {
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    HISTORY_FIELDS,
    rowToLead,
    rowToOpportunity,
    ruleFields,
    HandoffScores,
    ScoreResolver,
    handoffSourceOf,
    needsStatusHistory,
    noHandoffSources,
    noRejectionSources,
    ownString,
    STATUS_HISTORY_FIELD,
    type HandoffSource,
    type MappingContext
} from './salesforceRows';
import { rowMaker } from './csvRecords';
import {
    parseOverride,
    parseRule,
    validateSettings,
    type JobSettings,
    type SettingsFile
} from '../config/settings';
import {
    IdList,
    detachString,
    grown,
    type SegmentPolicy,
    type SegmentRule,
    type LeadRecord
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import {
    assertFieldsExist,
    BulkQuery,
    describeFields,
    restQueryAll,
    sobjectExists,
    NUMERIC_FIELD_TYPES,
    type BulkBatch,
    type BulkOptions
} from '../salesforce/bulk';
import type { SfConnection } from '../salesforce/connection';
import { RowError, SettingsError, SalesforceApiError } from '../errors';
import {
    parsePilotConfig,
    type PilotConfig
} from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';

const THRESHOLD_FIELDS = [
    'DeveloperName',
    'Active_Threshold__c',
    'Recommendation_Status__c',
    'Recommended_Threshold__c',
    'Recommended_On__c',
    'Frozen_Until__c',
    'Override_1__c',
    'Override_2__c',
    'Segment_Rule__c',
    'Rule_Order__c',
    'Capacity_MQLs_Per_Month__c',
    'Pilot_Field__c',
    'Pilot_Test_Values__c',
    'Pilot_Threshold__c',
    'Pilot_Start__c',
    'Pilot_Min_Weeks__c'
];

type MdtRow = Record<string, string | number | boolean | null>;

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const numOrNull = (v: unknown): number | null =>
    v === null || v === undefined || v === '' ? null : Number(v);

/** Reads MQL_Calibration_Setting__mdt.Default as a settings layer (validated like a settings file). */
export async function readOrgSettings(conn: SfConnection): Promise<SettingsFile> {
    const rows = await restQueryAll<MdtRow>(
        conn,
        "SELECT DeveloperName, Score_Field__c, Grade_Field__c, Handoff_Statuses__c, Accepted_Statuses__c, Rejected_Statuses__c, Qualified_Statuses__c, Lookback_Months__c, Band_Width__c, Target_Rejection_Rate__c, Healthy_SQL_Rate_Min__c, Healthy_SQL_Rate_Max__c, Min_Won_Deals__c, Min_Handed_Off__c, Min_Step__c, Scenario_Delta__c, Freeze_Days__c, SLA_Hours__c, Decay_Points__c, Decay_Days__c FROM MQL_Calibration_Setting__mdt WHERE DeveloperName = 'Default'"
    );
    const r = rows[0];
    if (!r) return {};
    const list = (v: unknown) =>
        str(v)
            ? String(v)
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean)
            : undefined;
    const pct = (v: unknown) => (numOrNull(v) === null ? undefined : Number(v) / 100);
    const n = (v: unknown) => numOrNull(v) ?? undefined;
    const layer: Record<string, unknown> = {
        scoreField: str(r.Score_Field__c) ?? undefined,
        gradeField: str(r.Grade_Field__c) ?? undefined,
        statuses: {
            handoff: list(r.Handoff_Statuses__c),
            accepted: list(r.Accepted_Statuses__c),
            rejected: list(r.Rejected_Statuses__c),
            qualified: list(r.Qualified_Statuses__c)
        },
        lookbackMonths: n(r.Lookback_Months__c),
        bandWidth: n(r.Band_Width__c),
        targetRejectionRate: pct(r.Target_Rejection_Rate__c),
        healthySqlRate:
            pct(r.Healthy_SQL_Rate_Min__c) !== undefined && pct(r.Healthy_SQL_Rate_Max__c) !== undefined
                ? { min: pct(r.Healthy_SQL_Rate_Min__c), max: pct(r.Healthy_SQL_Rate_Max__c) }
                : undefined,
        minWonDeals: n(r.Min_Won_Deals__c),
        minHandedOff: n(r.Min_Handed_Off__c),
        minStep: n(r.Min_Step__c),
        scenarioDelta: n(r.Scenario_Delta__c),
        freezeDays: n(r.Freeze_Days__c),
        slaHours: n(r.SLA_Hours__c),
        decay:
            n(r.Decay_Points__c) !== undefined && n(r.Decay_Days__c) !== undefined
                ? { points: n(r.Decay_Points__c), days: n(r.Decay_Days__c) }
                : undefined
    };
    const clean = JSON.parse(JSON.stringify(layer)) as Record<string, unknown>;
    if (clean.statuses && Object.keys(clean.statuses as object).length === 0) delete clean.statuses;
    return validateSettings(clean, "the org's MQL_Calibration_Setting__mdt.Default");
}

/** Reads the MQL_Threshold__mdt records: one policy per segment, and the segment rules when records carry them. */
export async function readPolicies(
    conn: SfConnection
): Promise<{ policies: SegmentPolicy[]; rules: SegmentRule[]; pilots: PilotConfig[] }> {
    const rows = await restQueryAll<MdtRow>(
        conn,
        `SELECT ${THRESHOLD_FIELDS.join(', ')} FROM MQL_Threshold__mdt`
    );
    const policies: SegmentPolicy[] = [];
    const rules: SegmentRule[] = [];
    const pilots: PilotConfig[] = [];
    for (const r of rows) {
        const name = String(r.DeveloperName);
        const where = `MQL_Threshold__mdt.${name}`;
        const overrides = [r.Override_1__c, r.Override_2__c].map(str).filter((v): v is string => v !== null);
        try {
            policies.push({
                name,
                activeThreshold: numOrNull(r.Active_Threshold__c),
                status: (str(r.Recommendation_Status__c) as SegmentPolicy['status']) ?? null,
                recommendedThreshold: numOrNull(r.Recommended_Threshold__c),
                frozenUntil: str(r.Frozen_Until__c),
                lastCalibratedOn: str(r.Recommended_On__c),
                capacityPerMonth: numOrNull(r.Capacity_MQLs_Per_Month__c),
                overrides: overrides.map(parseOverride)
            });
            const rule = str(r.Segment_Rule__c);
            if (rule)
                rules.push({ segment: name, order: numOrNull(r.Rule_Order__c) ?? 99, ...parseRule(rule) });
            // A pilot runs when Pilot_Field__c is filled; the other Pilot_* fields must then make sense.
            if (str(r.Pilot_Field__c))
                pilots.push(
                    parsePilotConfig({
                        segment: name,
                        field: str(r.Pilot_Field__c),
                        testValues: str(r.Pilot_Test_Values__c) ?? [],
                        testThreshold: numOrNull(r.Pilot_Threshold__c),
                        start: str(r.Pilot_Start__c),
                        minWeeks: numOrNull(r.Pilot_Min_Weeks__c)
                    })
                );
        } catch (e) {
            throw new SettingsError(`${where}: ${(e as Error).message}`);
        }
    }
    return { policies, rules, pilots };
}

/** A lead the job will stamp: handed off, but without a snapshot of its score at handoff. */
export interface LeadStamp {
    id: string;
    score: number;
    source: 'History' | 'Current';
    /**
     * Handoff_Date__c to stamp too, only where the field is empty and the job rebuilt the time from a record of it:
     * Status history (the first handoff status), else the conversion date.
     */
    handoffDate: string | null;
}

/**
 * Leads to stamp, kept compactly while streaming (a big org has hundreds of thousands): ids in an IdList, scores
 * in a Float64Array, the source in a byte each.
 */
class StampStore {
    private readonly ids = new IdList();
    private scores = new Float64Array(1024);
    private kinds = new Uint8Array(1024);
    /** Handoff dates to stamp, by stamp number (only converted leads that had none). */
    private readonly handoffDates = new Map<number, string>();

    add(stamp: LeadStamp): void {
        const i = this.ids.length;
        if (i >= this.scores.length) {
            this.scores = grown(this.scores, this.scores.length * 2);
            this.kinds = grown(this.kinds, this.kinds.length * 2);
        }
        this.ids.push(stamp.id);
        this.scores[i] = stamp.score;
        this.kinds[i] = stamp.source === 'History' ? 1 : 2;
        // Copied, like the ids: a date cut from a results page would keep the page.
        if (stamp.handoffDate) this.handoffDates.set(i, detachString(stamp.handoffDate));
    }

    toArray(): LeadStamp[] {
        return this.ids.toArray().map((id, i) => ({
            id,
            score: this.scores[i],
            source: this.kinds[i] === 1 ? 'History' : 'Current',
            handoffDate: this.handoffDates.get(i) ?? null
        }));
    }
}

export class OrgSource implements CalibrationSource {
    readonly kind = 'org' as const;
    private stampStore = new StampStore();
    private stampList: LeadStamp[] | null = null;

    /** Leads to stamp after the run, filled while streaming (only leads with no snapshot). */
    get stamps(): LeadStamp[] {
        if (!this.stampList) {
            this.stampList = this.stampStore.toArray();
            this.stampStore = new StampStore();
        }
        return this.stampList;
    }

    constructor(
        private readonly conn: SfConnection,
        private readonly settings: JobSettings,
        private readonly policies: SegmentPolicy[],
        readonly label: string,
        private readonly bulk: BulkOptions = {}
    ) {}

    /** Pilots configured in MQL_Threshold__mdt (set by the org side after readPolicies). */
    pilots: PilotConfig[] = [];

    async loadPolicies(): Promise<{ policies: SegmentPolicy[]; pilots: PilotConfig[] }> {
        return { policies: this.policies, pilots: this.pilots };
    }

    async stream(sink: RecordSink, options: StreamOptions): Promise<StreamSummary> {
        const ctx: MappingContext = {
            scoreField: this.settings.scoreField,
            gradeField: this.settings.gradeField,
            statuses: this.settings.statuses,
            segmentRules: options.settings.segmentRules,
            overridesBySegment: new Map(this.policies.map((p) => [p.name, p.overrides ?? []])),
            pilotFields: options.pilotFields ?? []
        };
        const leadDescribe = await describeFields(this.conn, 'Lead');
        const historyReadable = await sobjectExists(this.conn, 'LeadHistory');
        const extra = ruleFields(ctx);
        assertFieldsExist(leadDescribe, 'Lead', [
            { name: ctx.scoreField, setting: 'scoreField', types: NUMERIC_FIELD_TYPES },
            ...(ctx.gradeField ? [{ name: ctx.gradeField, setting: 'gradeField' }] : []),
            ...extra.map((f) => ({ name: f, setting: 'segment, override or pilot field' }))
        ]);
        const lf = LEAD_FIELDS({ ...ctx, extra });
        // The package's own Lead fields must be there: without them every lead would look never handed off.
        assertFieldsExist(
            leadDescribe,
            'Lead',
            lf.required
                .filter((f) => f !== ctx.scoreField)
                .map((f) => ({ name: f, setting: 'package field (deploy force-app first)' }))
        );
        const leadFields = [...lf.required, ...lf.optional].filter((f) => leadDescribe.has(f));
        const timings: Record<string, number> = {};
        const summary: StreamSummary = {
            leads: 0,
            opportunities: 0,
            historyRows: 0,
            scoreSources: { Snapshot: 0, History: 0, Current: 0 },
            handoffSources: noHandoffSources(),
            rejectionSources: noRejectionSources(),
            timings
        };
        const rows = rowsOf();
        // Each query's job is created before the previous query has been read, and its first page asked for while
        // the previous query's last page is read, so that Salesforce prepares one while the job reads the other.
        const started: Promise<BulkQuery>[] = [];
        const start = (soql: string): Promise<BulkQuery> => {
            const q = BulkQuery.start(this.conn, soql, this.bulk);
            q.catch(() => undefined); // met when the query is read
            started.push(q);
            return q;
        };
        let statusQuery: BulkQuery | null = null;
        let historyQuery: BulkQuery | null = null;
        let againQuery: BulkQuery | null = null;
        try {
            let t = performance.now();
            const oppFields = [...OPPORTUNITY_FIELDS.required, ...OPPORTUNITY_FIELDS.optional];
            const opportunities = await start(`SELECT ${oppFields.join(', ')} FROM Opportunity`);
            const leadSoql = `SELECT ${leadFields.join(', ')} FROM Lead`;
            const leads = await start(leadSoql);
            for await (const batch of opportunities.batches(undefined, () => leads)) {
                for (const row of rows(batch)) {
                    const opportunity = mapRow('Opportunity', row, () => rowToOpportunity(row));
                    // The engine keeps every opportunity id: a copy, as a field cut from a page keeps its chunk alive.
                    opportunity.id = ownString(opportunity.id);
                    sink.addOpportunity(opportunity);
                    if (++summary.opportunities % 50_000 === 0)
                        options.onProgress?.('opportunities', summary.opportunities);
                }
            }
            timings.opportunities = (performance.now() - t) / 1000;
            // Leads with no score snapshot need the history, which comes after the leads. As on the CSV path, only
            // their ids, handoff times and best history values are kept (HandoffScores), not the leads: once the
            // history is in, those leads are read again, by a second query for the leads with no snapshot. Both
            // queries start with the first such lead.
            t = performance.now();
            // With statuses configured, leads nobody stamped with Handoff_Date__c wait too, for their Status history
            // (read before the score history: the handoff time it gives decides which score rows count).
            const scores = new HandoffScores(ctx.scoreField, ctx.statuses);
            const historySoql = `SELECT ${HISTORY_FIELDS.required.join(', ')} FROM LeadHistory WHERE Field = '${ctx.scoreField}'`;
            // OldValue too: a change away from a handoff status is the lead's first touch.
            const statusSoql = `SELECT ${[...HISTORY_FIELDS.required, 'OldValue'].join(', ')} FROM LeadHistory WHERE Field = '${STATUS_HISTORY_FIELD}'`;
            // A lead that gains a snapshot or is deleted between the two reads is not read again. Leads waiting for
            // their Status history may have a snapshot, so then every lead is asked for again (the Id test keeps
            // only the waiting ones).
            const againSoql =
                leadFields.includes('Score_At_Handoff__c') && !scores.readsStatus
                    ? `${leadSoql} WHERE Score_At_Handoff__c = null`
                    : leadSoql;
            let status: Promise<BulkQuery> | null = null;
            let history: Promise<BulkQuery> | null = null;
            let again: Promise<BulkQuery> | null = null;
            for await (const batch of leads.batches(undefined, () => statusQuery ?? historyQuery)) {
                for (const row of rows(batch)) {
                    const lead = mapRow('Lead', row, () => rowToLead(row, ctx));
                    const handoff = handoffSourceOf(row, ctx);
                    const forStatus = needsStatusHistory(row, ctx);
                    summary.leads++;
                    if (!forStatus && ScoreResolver.isResolved(lead)) {
                        countLead(summary, lead, handoff);
                        sink.addLead(lead);
                    } else {
                        scores.expect(lead, handoff);
                        // Without LeadHistory (history tracking off) these leads fall back to their current
                        // score and status, counted as such; the second read still gives them to the engine.
                        if (forStatus && !status && historyReadable) {
                            status = start(statusSoql);
                            status.then((q) => (statusQuery = q)).catch(() => undefined);
                        }
                        if (!again) {
                            if (historyReadable) {
                                history = start(historySoql);
                                history.then((q) => (historyQuery = q)).catch(() => undefined);
                            }
                            again = start(againSoql);
                            again.then((q) => (againQuery = q)).catch(() => undefined);
                        }
                    }
                    if (summary.leads % 50_000 === 0) options.onProgress?.('leads', summary.leads);
                }
            }
            timings.leads = (performance.now() - t) / 1000;
            if (again) {
                t = performance.now();
                // Only the rows of waiting leads are cut into fields (HandoffScores would ignore the others).
                const ofWaiting = { column: 'LeadId', test: (id: string) => scores.has(id) };
                if (status)
                    for await (const batch of (await status).batches(ofWaiting, () => historyQuery ?? againQuery))
                        for (const row of rows(batch)) scores.addStatusHistory(row);
                for await (const batch of history
                    ? (await history).batches(ofWaiting, () => againQuery)
                    : []) {
                    for (const row of rows(batch)) scores.addHistory(row);
                    const before = summary.historyRows;
                    summary.historyRows += batch.read;
                    if (Math.floor(summary.historyRows / 200_000) > Math.floor(before / 200_000))
                        options.onProgress?.('history', summary.historyRows);
                }
                timings.history = (performance.now() - t) / 1000;
                t = performance.now();
                const waiting = { column: 'Id', test: (id: string) => scores.has(id) };
                let done = 0;
                for await (const batch of (await again).batches(waiting)) {
                    for (const row of rows(batch)) {
                        const { lead, handoff, rejection } = scores.resolveSourced(
                            mapRow('Lead', row, () => rowToLead(row, ctx))
                        );
                        countLead(summary, lead, handoff, rejection);
                        this.stampOf(lead, row, handoff);
                        sink.addLead(lead);
                        if (++done % 50_000 === 0)
                            options.onProgress?.('leads with history', done, scores.size);
                    }
                }
                scores.clear();
                timings.leadsWithHistory = (performance.now() - t) / 1000;
            }
            assertHandoffEvidence(summary);
        } finally {
            // Jobs not read to the end (an error on the way) are deleted too.
            for (const q of await Promise.allSettled(started))
                if (q.status === 'fulfilled') await q.value.delete();
        }
        return summary;
    }

    private stampOf(lead: LeadRecord, row: Record<string, string>, handoff: HandoffSource | null): void {
        if (
            lead.scoreAtHandoff === null ||
            (lead.scoreSource !== 'History' && lead.scoreSource !== 'Current')
        )
            return;
        // A converted lead cannot be updated (CANNOT_UPDATE_CONVERTED_LEAD) without "Edit converted leads", which
        // the job's set does not ask for: its score and handoff are rebuilt from history each night instead.
        if (row.IsConverted === 'true') return;
        // Status history says when the handoff happened; the current status alone does not (the creation date
        // stands in), so that guess is never stamped. A filled Handoff_Date__c is never replaced.
        const handoffDate =
            !row.Handoff_Date__c && lead.handoffDate && handoff === 'StatusHistory' ? lead.handoffDate : null;
        this.stampStore.add({
            id: lead.id,
            score: lead.scoreAtHandoff,
            source: lead.scoreSource,
            handoffDate
        });
    }
}

/** Turns Bulk batches into row objects, with one row maker (one hidden class) per header. */
function rowsOf(): (batch: BulkBatch) => Record<string, string>[] {
    const makers = new Map<string, (fields: readonly string[]) => Record<string, string>>();
    let columns: string[] | null = null;
    let makeRow: (fields: readonly string[]) => Record<string, string> = () => ({});
    return (batch) => {
        if (batch.columns !== columns) {
            columns = batch.columns;
            const key = columns.join(',');
            let maker = makers.get(key);
            if (!maker) makers.set(key, (maker = rowMaker(columns)));
            makeRow = maker;
        }
        return batch.records.map(makeRow);
    };
}

function mapRow<T>(sobject: string, row: Record<string, string>, fn: () => T): T {
    try {
        return fn();
    } catch (e) {
        if (e instanceof RowError)
            throw new SalesforceApiError(`${sobject} ${row.Id ?? '(no Id)'}: ${e.field}: ${e.message}`);
        throw e;
    }
}
