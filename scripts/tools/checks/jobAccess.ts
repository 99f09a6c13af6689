/**
 * Check (g): each shipped permission set suffices for its user, and the job set grants no more than the job
 * uses. The job's reads come from the code's own field lists (LEAD_FIELDS, OPPORTUNITY_FIELDS) and its run
 * record from runRecordsFor, so a field added there without its permission fails here; in an org the
 * integration user would not see the field at all (describe and queries leave out what field-level security
 * hides), and the sample would shrink without an error.
 */
import { LEAD_FIELDS, OPPORTUNITY_FIELDS } from '../../sources/salesforceRows';
import { runRecordsFor } from '../../salesforce/writes';
import type { SegmentResult } from '../../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type { JobResult } from '../../report/report';
import type { Problem } from './common';
import {
    readPermissionSets,
    definedIn,
    lineOf,
    STANDARD_FLS_FIELDS,
    type PermissionSetAccess
} from './permissions';

export const JOB_SET = 'MQL_Calibration_Job';
export const VIEWER_SET = 'MQL_Calibration_Viewer';
export const ADMIN_SET = 'MQL_Calibration_Admin';

/**
 * Lead fields the job writes (scripts/salesforce/writes.ts: stampLeads sends the score, its source and, for a
 * lead rebuilt from history, the handoff time; stampPilotGroups the pilot group). Nothing else on Lead.
 */
export const JOB_LEAD_WRITES = [
    'Lead.Score_At_Handoff__c',
    'Lead.Handoff_Score_Source__c',
    'Lead.Handoff_Date__c',
    'Lead.MQL_Pilot_Group__c'
];

/** Lead fields the dashboard's live figures read or group by (calibrationQueries). */
export const VIEWER_LEAD_READS = ['Lead.LeadSource', 'Lead.Handoff_Date__c', 'Lead.Rejection_Reason__c'];

/**
 * Opportunity fields the live pipeline sums or groups by (calibrationQueries' pipeline query). IsWon has no field
 * permission of its own (it follows the stage), so only Amount is named.
 */
export const VIEWER_OPPORTUNITY_READS = ['Opportunity.Amount'];

const CUSTOM_METADATA_TYPES = ['MQL_Threshold__mdt', 'MQL_Calibration_Setting__mdt'];

/** The run record's fields, taken from the function that builds it. */
export function runRecordFields(): string[] {
    const segment = {
        name: 'S',
        scenarios: [],
        recommendation: { threshold: null, range: null, reason: '' },
        sample: {},
        triggers: [],
        bands: [],
        fineBands: [],
        activeThreshold: null
    } as unknown as SegmentResult;
    const result = {
        asOf: '2026-01-01',
        source: { kind: 'org' },
        generatedAt: '2026-01-01T00:00:00Z',
        segments: [segment]
    } as unknown as JobResult;
    return Object.keys(runRecordsFor(result)[0])
        .filter((k) => k !== 'attributes' && k !== 'Name')
        .map((k) => `MQL_Calibration_Run__c.${k}`);
}

/**
 * Fields the job reads that field-level security governs and a force-app set can grant: the FLS standard ones
 * and the custom fields force-app creates (MQL_Segment__c lives in routing/, deployed later, see the docs).
 */
export function jobReadFields(root: string): string[] {
    const own = definedIn(root, 'force-app').fields;
    // The score field is the org's own (a setting): no shipped set can name it, see docs/data-model.md.
    const lead = LEAD_FIELDS({ scoreField: '', gradeField: null });
    const fields = [
        ...[...lead.required, ...lead.optional].filter((f) => f !== '').map((f) => `Lead.${f}`),
        ...[...OPPORTUNITY_FIELDS.required, ...OPPORTUNITY_FIELDS.optional].map((f) => `Opportunity.${f}`)
    ];
    return fields.filter((f) => STANDARD_FLS_FIELDS.has(f) || own.has(f));
}

function need(
    ps: PermissionSetAccess,
    problems: Problem[],
    ok: boolean,
    needle: string,
    message: string
): void {
    if (!ok) problems.push({ file: ps.file, line: lineOf(ps.text, needle), message });
}

/** Problems with what the job, viewer and admin sets grant against what their users do. */
export function checkJobAccess(root: string): Problem[] {
    const problems: Problem[] = [];
    const sets = new Map(readPermissionSets(root).map((p) => [p.name, p]));
    const job = sets.get(JOB_SET);
    if (job) {
        const run = runRecordFields();
        for (const f of jobReadFields(root))
            need(
                job,
                problems,
                !!job.fields.get(f)?.readable,
                '<PermissionSet',
                `the job reads ${f}, which the job set cannot read`
            );
        for (const f of [...JOB_LEAD_WRITES, ...run])
            need(
                job,
                problems,
                !!job.fields.get(f)?.editable,
                `<field>${f}</field>`,
                `the job writes ${f}, which the job set cannot edit`
            );
        const writable = new Set([...JOB_LEAD_WRITES, ...run]);
        for (const [f, a] of job.fields)
            if (a.editable && !writable.has(f))
                problems.push({
                    file: job.file,
                    line: lineOf(job.text, `<field>${f}</field>`),
                    message: `the job set may edit ${f}, which the job never writes`
                });
        const lead = job.objects.get('Lead');
        need(
            job,
            problems,
            !!lead?.allowRead && !!lead.allowEdit && !!lead.viewAllRecords,
            '<object>Lead</object>',
            'the job reads every lead and stamps some: Lead needs Read, Edit and View All (private sharing would shrink the sample)'
        );
        const opp = job.objects.get('Opportunity');
        need(
            job,
            problems,
            !!opp?.allowRead && !!opp.viewAllRecords,
            '<object>Opportunity</object>',
            'the job reads every converted opportunity: Opportunity needs Read and View All'
        );
        const runs = job.objects.get('MQL_Calibration_Run__c');
        need(
            job,
            problems,
            !!runs?.allowRead && !!runs.allowCreate && !!runs.allowEdit,
            '<object>MQL_Calibration_Run__c</object>',
            'the job creates run records and clears Is_Latest__c on the previous ones: MQL_Calibration_Run__c needs Read, Create and Edit'
        );
        for (const [o, a] of job.objects) {
            if (a.allowDelete || a.modifyAllRecords)
                problems.push({
                    file: job.file,
                    line: lineOf(job.text, `<object>${o}</object>`),
                    message: `the job never deletes: ${o} needs neither Delete nor Modify All`
                });
            if (a.allowCreate && o !== 'MQL_Calibration_Run__c')
                problems.push({
                    file: job.file,
                    line: lineOf(job.text, `<object>${o}</object>`),
                    message: `the job creates no ${o} records`
                });
        }
        for (const t of CUSTOM_METADATA_TYPES)
            need(
                job,
                problems,
                job.customMetadataTypes.has(t),
                '<PermissionSet',
                `the job reads ${t}, which the job set has no access to ("Restrict access to custom metadata types" is on)`
            );
        for (const p of ['ApiEnabled', 'ModifyMetadata', 'CustomizeApplication'])
            need(
                job,
                problems,
                job.userPermissions.has(p),
                '<PermissionSet',
                `the job upserts MQL_Threshold__mdt records through the Metadata API, which needs ${p}`
            );
    }
    const viewer = sets.get(VIEWER_SET);
    if (viewer) {
        for (const f of [...VIEWER_LEAD_READS, ...VIEWER_OPPORTUNITY_READS, ...runRecordFields()])
            need(
                viewer,
                problems,
                !!viewer.fields.get(f)?.readable,
                '<PermissionSet',
                `the dashboard reads ${f}, which the viewer set cannot read`
            );
        for (const o of ['Lead', 'Opportunity', 'MQL_Calibration_Run__c'])
            need(
                viewer,
                problems,
                !!viewer.objects.get(o)?.allowRead,
                '<PermissionSet',
                `the dashboard reads ${o} (run records, live figures, live pipeline), which the viewer set cannot read`
            );
        need(
            viewer,
            problems,
            viewer.customMetadataTypes.has('MQL_Threshold__mdt'),
            '<PermissionSet',
            'the dashboard reads MQL_Threshold__mdt live, which the viewer set has no access to'
        );
        for (const [f, a] of viewer.fields)
            if (a.editable)
                problems.push({
                    file: viewer.file,
                    line: lineOf(viewer.text, `<field>${f}</field>`),
                    message: `the viewer set is read only, yet may edit ${f}`
                });
        for (const [o, a] of viewer.objects)
            if (a.allowCreate || a.allowEdit || a.allowDelete)
                problems.push({
                    file: viewer.file,
                    line: lineOf(viewer.text, `<object>${o}</object>`),
                    message: `the viewer set is read only, yet may change ${o} records`
                });
    }
    const admin = sets.get(ADMIN_SET);
    if (admin) {
        need(
            admin,
            problems,
            admin.userPermissions.has('CustomizeApplication'),
            '<PermissionSet',
            'approving edits MQL_Threshold__mdt records in Setup, which needs CustomizeApplication'
        );
        for (const t of CUSTOM_METADATA_TYPES)
            need(
                admin,
                problems,
                admin.customMetadataTypes.has(t),
                '<PermissionSet',
                `the admin set has no access to ${t}`
            );
    }
    return problems;
}
