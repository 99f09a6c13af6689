/**
 * For offline sources (CSV, demo): the recommendations as a deployable metadata folder (Metadata API format),
 * with a note on how to deploy it. The job cannot read the org's records here, so each record carries the
 * active threshold the source reported, unchanged, next to the recommendation fields: a CustomMetadata deploy
 * replaces the whole record.
 */
import type { SegmentResult } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

type Value = {
    field: string;
    type: 'xsd:double' | 'xsd:string' | 'xsd:dateTime' | 'xsd:date';
    value: string | number | null;
};

function xmlEscape(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function valueXml(v: Value): string {
    if (v.value === null)
        return `    <values>\n        <field>${v.field}</field>\n        <value xsi:nil="true"/>\n    </values>`;
    return `    <values>\n        <field>${v.field}</field>\n        <value xsi:type="${v.type}">${xmlEscape(String(v.value))}</value>\n    </values>`;
}

/** The recommendation fields the job owns, for one segment (shared with the org writer's allow-list). */
export function recommendationValues(s: SegmentResult, runAt: string): Value[] {
    const r = s.recommendation;
    const proposing = r.threshold !== null;
    return [
        { field: 'Recommended_Threshold__c', type: 'xsd:double', value: r.threshold ?? r.computed },
        { field: 'Recommended_Low__c', type: 'xsd:double', value: r.range ? r.range[0] : null },
        { field: 'Recommended_High__c', type: 'xsd:double', value: r.range ? r.range[1] : null },
        {
            field: 'Recommendation_Status__c',
            type: 'xsd:string',
            value: proposing ? 'Pending review' : 'Held'
        },
        { field: 'Recommendation_Reason__c', type: 'xsd:string', value: r.reason },
        { field: 'Rationale__c', type: 'xsd:string', value: r.rationale },
        { field: 'Recommended_On__c', type: 'xsd:dateTime', value: runAt },
        { field: 'Sample_Size__c', type: 'xsd:double', value: s.sample.handedOff },
        { field: 'Expected_MQLs_Per_Month__c', type: 'xsd:double', value: r.expectedMqlsPerMonth },
        {
            field: 'Expected_Rejection_Rate__c',
            type: 'xsd:double',
            value: r.expectedRejectionRate === null ? null : Math.round(r.expectedRejectionRate * 1000) / 10
        }
    ];
}

/**
 * What the offline source says about a segment's admin-owned fields. `known` is false when the source could not
 * say (CSV exports with no `segments` in the settings): the record then carries an empty active threshold, and the
 * folder's note says so first, because deploying it would clear the org's value.
 */
export interface AdminValues {
    name: string;
    known: boolean;
    activeThreshold: number | null;
    /** `Field op value` or `*`, with its order, when the source gives the segment's rule. */
    rule?: { text: string; order: number } | null;
    /** `Name: Field op value`, at most two. */
    overrides?: string[];
    capacityPerMonth?: number | null;
    /** Frozen_Until__c (YYYY-MM-DD) as the source gives it; null when the segment is not frozen. */
    frozenUntil?: string | null;
    /** The segment's running pilot (the Pilot_* fields), null when none runs. */
    pilot?: {
        field: string;
        testValues: string[];
        testThreshold: number;
        start: string;
        minWeeks: number;
    } | null;
}

/**
 * Admin-owned fields no offline source knows: a deploy clears them on every record. Kept beside the fields the
 * folder writes so that DEPLOY.md names exactly what a deploy would lose.
 */
export const CLEARED_BY_DEPLOY = ['Review_Conditions__c'];

/** The admin fields the folder carries for a segment, as the source gave them. */
function adminValues(a: AdminValues | undefined): Value[] {
    const values: Value[] = [
        { field: 'Active_Threshold__c', type: 'xsd:double', value: a?.activeThreshold ?? null }
    ];
    if (!a?.known) return values;
    if (a.rule)
        values.push(
            { field: 'Segment_Rule__c', type: 'xsd:string', value: a.rule.text },
            { field: 'Rule_Order__c', type: 'xsd:double', value: a.rule.order }
        );
    const overrides = a.overrides ?? [];
    values.push(
        { field: 'Override_1__c', type: 'xsd:string', value: overrides[0] ?? null },
        { field: 'Override_2__c', type: 'xsd:string', value: overrides[1] ?? null }
    );
    values.push({
        field: 'Capacity_MQLs_Per_Month__c',
        type: 'xsd:double',
        value: a.capacityPerMonth ?? null
    });
    // A deploy replaces the whole record: left out, a running freeze would be lifted and a running pilot ended.
    values.push({ field: 'Frozen_Until__c', type: 'xsd:date', value: a.frozenUntil ?? null });
    const p = a.pilot ?? null;
    values.push(
        { field: 'Pilot_Field__c', type: 'xsd:string', value: p?.field ?? null },
        { field: 'Pilot_Test_Values__c', type: 'xsd:string', value: p ? p.testValues.join(',') : null },
        { field: 'Pilot_Threshold__c', type: 'xsd:double', value: p?.testThreshold ?? null },
        { field: 'Pilot_Start__c', type: 'xsd:date', value: p?.start ?? null },
        { field: 'Pilot_Min_Weeks__c', type: 'xsd:double', value: p?.minWeeks ?? null }
    );
    return values;
}

/**
 * Files of the folder, keyed by path relative to it: one `customMetadata/MQL_Threshold.<Segment>.md` per segment
 * (Metadata API format, for `sf project deploy start --metadata-dir`), `package.xml` and `DEPLOY.md`.
 */
export function metadataFolder(
    segments: SegmentResult[],
    admin: AdminValues[],
    runAt: string
): Record<string, string> {
    const files: Record<string, string> = {};
    const members: string[] = [];
    for (const s of segments) {
        const values: Value[] = [
            ...adminValues(admin.find((a) => a.name === s.name)),
            ...recommendationValues(s, runAt)
        ];
        const member = `MQL_Threshold.${s.name}`;
        members.push(member);
        files[`customMetadata/${member}.md`] = `<?xml version="1.0" encoding="UTF-8"?>
<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <label>${xmlEscape(s.name.replace(/_/g, ' '))}</label>
    <protected>false</protected>
${values.map(valueXml).join('\n')}
</CustomMetadata>
`;
    }
    const unknown = segments.filter((s) => !admin.find((a) => a.name === s.name)?.known).map((s) => s.name);
    const warning =
        unknown.length === 0
            ? ''
            : `> **Do not deploy this folder as it is.** The source did not give the active threshold${unknown.length > 1 ? 's' : ''} of ${unknown.join(', ')} (the settings file has no \`segments\`), so ${unknown.length > 1 ? 'those records carry' : 'that record carries'} an empty \`Active_Threshold__c\`, and a deploy would clear the value admins approved. Rerun with \`--config\` naming each segment's \`activeThreshold\`, rule and overrides as the org has them, or run the job with \`--target-org\`.

`;
    files['package.xml'] = `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
${members.map((m) => `        <members>${m}</members>`).join('\n')}
        <name>CustomMetadata</name>
    </types>
    <version>62.0</version>
</Package>
`;
    files['DEPLOY.md'] = `# Deploying these recommendations

${warning}This folder holds the calibration job's recommendations as \`MQL_Threshold__mdt\` records in Metadata API format.
They were computed from offline data (CSV exports or the demo org), so the job could not read the org's records.

**A custom metadata deploy replaces whole records.** Each record here carries the recommendation fields and,
unchanged, what the source said about the fields admins own: the active threshold (\`Active_Threshold__c\`) and,
for each segment the settings name, the segment rule and order, the two overrides, the capacity, the freeze
(\`Frozen_Until__c\`) and the pilot (\`Pilot_Field__c\`, \`Pilot_Test_Values__c\`, \`Pilot_Threshold__c\`,
\`Pilot_Start__c\`, \`Pilot_Min_Weeks__c\`), empty where the settings give none. A deploy clears ${CLEARED_BY_DEPLOY.map((f) => `\`${f}\``).join(', ')} on every record${unknown.length > 0 ? `, and on ${unknown.join(', ')} every admin field but \`Active_Threshold__c\` (left empty too)` : ''}: no offline source knows ${CLEARED_BY_DEPLOY.length > 1 ? 'them' : 'it'}. Compare with the org first:

    sf project retrieve start --metadata CustomMetadata:MQL_Threshold.SMB_Inbound --target-org <alias>

Then deploy (a check-only run first):

    sf project deploy start --metadata-dir metadata --target-org <alias> --dry-run
    sf project deploy start --metadata-dir metadata --target-org <alias>

Running the job with \`--target-org\` instead writes only the recommendation fields and keeps every other field as
the org has it. Either way the active threshold is an admin's to change.
`;
    return files;
}
