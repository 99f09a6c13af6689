/**
 * Emulated orgs built from the synthetic-org generator through the same row mapping the job reads with, so an
 * org run and a --demo run can be compared record for record.
 */
import {
    generateOrg,
    demoOrgSpec,
    statusPathOf,
    SYNTHETIC_STATUSES,
    type OrgSpec
} from '../../scripts/synthetic/generator';
import type { PilotConfig } from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';
import {
    historyToRow,
    leadToRow,
    newInstallLeadRow,
    statusHistoryToRow,
    opportunityToRow,
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    HISTORY_FIELDS
} from '../../scripts/sources/salesforceRows';
import type { EmulatedOrg, Row } from './emulator';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SCORE_FIELD = 'pi__score__c';

const RUN_FIELDS = [
    'Id',
    'Name',
    'Segment__c',
    'Run_At__c',
    'Run_Key__c',
    'As_Of__c',
    'Source__c',
    'Is_Latest__c',
    'Active_Threshold__c',
    'Recommended_Threshold__c',
    'Recommended_Low__c',
    'Recommended_High__c',
    'Recommendation_Reason__c',
    'Status__c',
    'Frozen_Until__c',
    'Handed_Off__c',
    'Won__c',
    'Rejection_Rate__c',
    'SQL_Rate__c',
    'Trigger_Count__c',
    'Threshold_Change__c',
    'Recommendation_JSON__c',
    'Bands_JSON__c',
    'Fine_Bands_JSON__c',
    'Scenarios_JSON__c',
    'Triggers_JSON__c',
    'Details_JSON__c'
];

/** MQL_Threshold__mdt's fields as the package defines them (force-app), so the emulator knows exactly those. */
const THRESHOLD_FIELDS = [
    'Id',
    'DeveloperName',
    'MasterLabel',
    ...readdirSync(
        path.join(
            __dirname,
            '..',
            '..',
            'force-app',
            'main',
            'default',
            'objects',
            'MQL_Threshold__mdt',
            'fields'
        )
    )
        .map((f) => f.replace(/\.field-meta\.xml$/, ''))
        .sort()
];

/** The fields force-app declares External ID on an object: what the emulator lets an upsert key on. */
function externalIdsOf(object: string): string[] {
    const dir = path.join(__dirname, '..', '..', 'force-app', 'main', 'default', 'objects', object, 'fields');
    return readdirSync(dir)
        .filter((f) => /<externalId>true<\/externalId>/.test(readFileSync(path.join(dir, f), 'utf8')))
        .map((f) => f.replace(/\.field-meta\.xml$/, ''));
}

const SETTING_FIELDS = [
    'Id',
    'DeveloperName',
    'MasterLabel',
    'Score_Field__c',
    'Handoff_Statuses__c',
    'Accepted_Statuses__c',
    'Rejected_Statuses__c',
    'Qualified_Statuses__c',
    'Lookback_Months__c',
    'Band_Width__c',
    'Target_Rejection_Rate__c',
    'Healthy_SQL_Rate_Min__c',
    'Healthy_SQL_Rate_Max__c',
    'Min_Won_Deals__c',
    'Min_Handed_Off__c',
    'Min_Step__c',
    'Scenario_Delta__c',
    'Freeze_Days__c',
    'SLA_Hours__c',
    'Decay_Points__c',
    'Decay_Days__c',
    'Enterprise_Min_Employees__c'
];

/** An emulated org holding a generated org (the demo by default), its thresholds and its settings record. */
/** A pilot as an admin enters it in the segment's Pilot_* fields (all null when the segment runs none). */
function pilotValues(p: PilotConfig | undefined): Record<string, string | null> {
    return {
        Pilot_Field__c: p?.field ?? null,
        Pilot_Test_Values__c: p ? p.testValues.join(', ') : null,
        Pilot_Threshold__c: p ? String(p.testThreshold) : null,
        Pilot_Start__c: p?.start ?? null,
        Pilot_Min_Weeks__c: p ? String(p.minWeeks) : null
    };
}

/**
 * `newInstall`: the org as it looks the day the package is installed: no lead has a funnel field filled, Status
 * and its history carry the funnel (SYNTHETIC_STATUSES, named in the Default setting), so the job must rebuild
 * every handoff from LeadHistory.
 */
export function emulatedOrgFrom(
    spec: OrgSpec = demoOrgSpec(),
    options: { newInstall?: boolean } = {}
): EmulatedOrg {
    const org = generateOrg(spec);
    const newInstall = options.newInstall === true;
    const overrideFields = [...new Set(org.policies.flatMap((p) => (p.overrides ?? []).map((o) => o.field)))];
    const lf = LEAD_FIELDS({ scoreField: SCORE_FIELD, gradeField: 'pi__grade__c', extra: overrideFields });
    const metadata = new Map<string, { label: string; values: Record<string, string | null> }>();
    for (const p of org.policies) {
        metadata.set(`MQL_Threshold.${p.name}`, {
            label: p.name.replace(/_/g, ' '),
            values: {
                Active_Threshold__c: p.activeThreshold === null ? null : String(p.activeThreshold),
                Override_1__c: p.overrides?.[0]
                    ? `${p.overrides[0].name}: ${p.overrides[0].field} ${p.overrides[0].op} ${p.overrides[0].value}`
                    : null,
                Review_Conditions__c: 'Quarterly, or when rejection rises 10 points in 90 days.',
                Frozen_Until__c: p.frozenUntil ?? null,
                ...pilotValues(org.pilots.find((x) => x.segment === p.name))
            }
        });
    }
    metadata.set('MQL_Calibration_Setting.Default', {
        label: 'Default',
        values: {
            Score_Field__c: SCORE_FIELD,
            Lookback_Months__c: '18',
            Band_Width__c: '10',
            Target_Rejection_Rate__c: '15',
            ...(newInstall
                ? {
                      Handoff_Statuses__c: SYNTHETIC_STATUSES.handoff.join(', '),
                      Accepted_Statuses__c: SYNTHETIC_STATUSES.accepted.join(', '),
                      Rejected_Statuses__c: SYNTHETIC_STATUSES.rejected.join(', '),
                      Qualified_Statuses__c: SYNTHETIC_STATUSES.qualified.join(', ')
                  }
                : {})
        }
    });
    return {
        sobjects: {
            Lead: org.leads.map(
                (l) =>
                    (newInstall
                        ? newInstallLeadRow(l, SCORE_FIELD, org.asOf, overrideFields)
                        : leadToRow(l, SCORE_FIELD, overrideFields)) as Row
            ),
            Opportunity: org.opportunities.map((o) => opportunityToRow(o) as Row),
            LeadHistory: [
                ...org.scoreHistory.map((h) => historyToRow(h, SCORE_FIELD) as Row),
                ...(newInstall
                    ? org.leads.flatMap((l) =>
                          statusPathOf(l, org.asOf).history.map((h) => statusHistoryToRow(h) as Row)
                      )
                    : [])
            ],
            MQL_Calibration_Run__c: []
        },
        schema: {
            Lead: [...lf.required, ...lf.optional],
            Opportunity: [...OPPORTUNITY_FIELDS.required, ...OPPORTUNITY_FIELDS.optional],
            LeadHistory: [...HISTORY_FIELDS.required, ...HISTORY_FIELDS.optional],
            MQL_Calibration_Run__c: RUN_FIELDS,
            MQL_Threshold__mdt: THRESHOLD_FIELDS,
            MQL_Calibration_Setting__mdt: SETTING_FIELDS
        },
        metadata,
        externalIds: { MQL_Calibration_Run__c: externalIdsOf('MQL_Calibration_Run__c') }
    };
}
