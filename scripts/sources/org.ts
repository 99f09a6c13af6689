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
import type { CalibrationSource, RecordSink, StreamOptions, StreamSummary } from './types';
import {
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    HISTORY_FIELDS,
    rowToLead,
    rowToOpportunity,
    ruleFields,
    ScoreResolver,
    type MappingContext
} from './salesforceRows';
import {
    parseOverride,
    parseRule,
    validateSettings,
    type JobSettings,
    type SettingsFile
} from '../config/settings';
import type {
    SegmentPolicy,
    SegmentRule,
    LeadRecord
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import {
    assertFieldsExist,
    bulkQuery,
    describeFields,
    restQueryAll,
    NUMERIC_FIELD_TYPES,
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
        "SELECT DeveloperName, Score_Field__c, Handoff_Statuses__c, Accepted_Statuses__c, Rejected_Statuses__c, Qualified_Statuses__c, Lookback_Months__c, Band_Width__c, Target_Rejection_Rate__c, Healthy_SQL_Rate_Min__c, Healthy_SQL_Rate_Max__c, Min_Won_Deals__c, Min_Handed_Off__c, Min_Step__c, Scenario_Delta__c, Freeze_Days__c, SLA_Hours__c, Decay_Points__c, Decay_Days__c FROM MQL_Calibration_Setting__mdt WHERE DeveloperName = 'Default'"
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
    /** Handoff_Date__c to stamp too: set only for a converted lead that had none (its conversion date). */
    handoffDate: string | null;
}

export class OrgSource implements CalibrationSource {
    readonly kind = 'org' as const;
    /** Leads to stamp after the run, filled while streaming (only leads with no snapshot). */
    readonly stamps: LeadStamp[] = [];
    /** ConvertedDate of waiting leads that have no Handoff_Date__c (their conversion is their handoff). */
    private readonly convertedOn = new Map<string, string>();

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
            timings
        };
        let t = performance.now();
        const oppFields = [...OPPORTUNITY_FIELDS.required, ...OPPORTUNITY_FIELDS.optional];
        for await (const row of bulkQuery(
            this.conn,
            `SELECT ${oppFields.join(', ')} FROM Opportunity`,
            this.bulk
        )) {
            sink.addOpportunity(mapRow('Opportunity', row, () => rowToOpportunity(row)));
            if (++summary.opportunities % 50_000 === 0)
                options.onProgress?.('opportunities', summary.opportunities);
        }
        timings.opportunities = (performance.now() - t) / 1000;
        t = performance.now();
        const resolver = new ScoreResolver(ctx.scoreField);
        for await (const row of bulkQuery(
            this.conn,
            `SELECT ${leadFields.join(', ')} FROM Lead`,
            this.bulk
        )) {
            const lead = mapRow('Lead', row, () => rowToLead(row, ctx));
            summary.leads++;
            if (ScoreResolver.isResolved(lead)) {
                if (lead.handoffDate && lead.scoreSource) summary.scoreSources[lead.scoreSource]++;
                sink.addLead(lead);
            } else {
                resolver.wait(lead);
                // Only a conversion dates a handoff exactly; a status-derived handoff date is a guess, never stamped.
                if (!row.Handoff_Date__c && row.IsConverted === 'true' && row.ConvertedDate)
                    this.convertedOn.set(lead.id, row.ConvertedDate);
            }
            if (summary.leads % 50_000 === 0) options.onProgress?.('leads', summary.leads);
        }
        timings.leads = (performance.now() - t) / 1000;
        t = performance.now();
        if (resolver.pending > 0) {
            const soql = `SELECT ${[...HISTORY_FIELDS.required, ...HISTORY_FIELDS.optional].join(', ')} FROM LeadHistory WHERE Field = '${ctx.scoreField}'`;
            for await (const row of bulkQuery(this.conn, soql, this.bulk)) {
                resolver.addHistory(row);
                if (++summary.historyRows % 200_000 === 0)
                    options.onProgress?.('history', summary.historyRows);
            }
        }
        for (const lead of resolver.drain()) {
            if (lead.scoreSource) summary.scoreSources[lead.scoreSource]++;
            this.stampOf(lead);
            sink.addLead(lead);
        }
        timings.history = (performance.now() - t) / 1000;
        return summary;
    }

    private stampOf(lead: LeadRecord): void {
        const convertedOn = this.convertedOn.get(lead.id);
        this.convertedOn.delete(lead.id);
        if (
            lead.scoreAtHandoff === null ||
            (lead.scoreSource !== 'History' && lead.scoreSource !== 'Current')
        )
            return;
        this.stamps.push({
            id: lead.id,
            score: lead.scoreAtHandoff,
            source: lead.scoreSource,
            handoffDate: convertedOn ? `${convertedOn.slice(0, 10)}T00:00:00.000Z` : null
        });
    }
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
