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
import { fileURLToPath } from 'node:url';
import { loadOrgRules, type EmulatedUser } from './orgRules';

export const SCORE_FIELD = 'pi__score__c';
/** The demo's fit-grade field (Account Engagement's), named in the Default setting: the grade gate applies. */
export const GRADE_FIELD = 'pi__grade__c';

/** The fields the project's metadata defines on an object (standard ones included), as deployed from force-app. */
function projectFields(object: string): string[] {
    return [...(loadOrgRules().objects.get(object)?.fields.keys() ?? [])].filter(
        (f) => !['CreatedDate', 'LastModifiedDate', 'QualifiedApiName'].includes(f)
    );
}

/**
 * The integration user the job runs as in an org: only the job's permission set, plus read access to the fields
 * the package cannot grant because they are not its own — the score and grade fields (Account Engagement's) and the
 * demo override's field (the org's) — which the admin grants when naming them in settings.
 */
export const JOB_USER: EmulatedUser = {
    permissionSets: ['MQL_Calibration_Job'],
    grants: [`Lead.${SCORE_FIELD}`, `Lead.${GRADE_FIELD}`, 'Lead.Demo_Requested__c']
};

/** Each demo segment's active threshold, as its admin typed it in Setup after seeding. */
export const DEMO_ACTIVE: Record<string, number> = Object.fromEntries(
    demoOrgSpec().segments.map((s) => [s.name, s.activeThreshold as number])
);

/** The fields force-app declares External ID on an object: what the emulator lets an upsert key on. */
function externalIdsOf(object: string): string[] {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'force-app', 'main', 'default', 'objects', object, 'fields');
    return readdirSync(dir)
        .filter((f) => /<externalId>true<\/externalId>/.test(readFileSync(path.join(dir, f), 'utf8')))
        .map((f) => f.replace(/\.field-meta\.xml$/, ''));
}

/**
 * A dashboard viewer: only the viewer set. The emulator has no UI API GraphQL endpoint, so tests read as the
 * viewer through SOQL, which needs API Enabled where Lightning's in-session UI API does not; object access and
 * field-level security apply to both alike.
 */
export const VIEWER_USER: EmulatedUser = {
    permissionSets: ['MQL_Calibration_Viewer'],
    userPermissions: ['ApiEnabled']
};

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
    const lf = LEAD_FIELDS({ scoreField: SCORE_FIELD, gradeField: GRADE_FIELD, extra: overrideFields });
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
            Grade_Field__c: GRADE_FIELD,
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
            Lead: [...new Set([...lf.required, ...lf.optional, ...projectFields('Lead')])],
            Opportunity: [...OPPORTUNITY_FIELDS.required, ...OPPORTUNITY_FIELDS.optional],
            LeadHistory: [...HISTORY_FIELDS.required, ...HISTORY_FIELDS.optional],
            MQL_Calibration_Run__c: projectFields('MQL_Calibration_Run__c'),
            MQL_Threshold__mdt: projectFields('MQL_Threshold__mdt'),
            MQL_Calibration_Setting__mdt: projectFields('MQL_Calibration_Setting__mdt')
        },
        metadata,
        externalIds: { MQL_Calibration_Run__c: externalIdsOf('MQL_Calibration_Run__c') }
    };
}
