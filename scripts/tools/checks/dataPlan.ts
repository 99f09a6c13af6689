/**
 * Check (h): the sample data plan loads into a scratch org as a user holding the shipped sets. `sf data import
 * tree` inserts as the logged-in user, and a field deployed from source has no field-level security for any
 * profile until a permission set grants it, so every field the plan fills must be editable in the scratch data
 * set (or be a required field, which the object's Create covers), and a restricted picklist refuses any value
 * it does not list. Either failure would otherwise surface only in an org, record by record.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SOURCE_DIRS, type Problem } from './common';
import { readPermissionSets } from './permissions';

/** The scratch directory's set for the developer who loads the sample data. */
export const DATA_SET = 'MQL_Calibration_Scratch_Data';

/** Fields required on insert: always editable when the object may be created, no field-level security. */
const REQUIRED_ON_INSERT: Record<string, string[]> = { Lead: ['LastName', 'Company', 'Status'] };

/** The values a restricted picklist field allows, or null when the field is not a restricted picklist. */
function restrictedValues(root: string, object: string, field: string): Set<string> | null {
    for (const dir of SOURCE_DIRS) {
        const file = path.join(
            root,
            dir,
            'main',
            'default',
            'objects',
            object,
            'fields',
            `${field}.field-meta.xml`
        );
        if (!existsSync(file)) continue;
        const doc = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'value' }).parse(
            readFileSync(file, 'utf8')
        ).CustomField as {
            valueSet?: { restricted?: string; valueSetDefinition?: { value?: { fullName: string }[] } };
        };
        if (doc.valueSet?.restricted !== 'true') return null;
        return new Set((doc.valueSet.valueSetDefinition?.value ?? []).map((v) => String(v.fullName)));
    }
    return null;
}

/** Problems that would stop data/sample-data-plan.json from loading. */
export function checkDataPlan(root: string): Problem[] {
    const planFile = path.join(root, 'data', 'sample-data-plan.json');
    if (!existsSync(planFile)) return [];
    const problems: Problem[] = [];
    const set = readPermissionSets(root).find((p) => p.name === DATA_SET);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { sobject: string; files: string[] }[];
    for (const step of plan) {
        const object = step.sobject;
        const access = set?.objects.get(object);
        if (!access?.allowCreate)
            problems.push({
                file: planFile,
                message: `${DATA_SET} cannot create ${object} records, which the plan inserts`
            });
        for (const f of step.files) {
            const file = path.join(root, 'data', f);
            const records = (JSON.parse(readFileSync(file, 'utf8')) as { records: Record<string, unknown>[] })
                .records;
            records.forEach((r, i) => {
                const row = `record ${i + 1}${typeof r.attributes === 'object' && r.attributes && 'referenceId' in r.attributes ? ` (${String((r.attributes as { referenceId: string }).referenceId)})` : ''}`;
                for (const [field, value] of Object.entries(r)) {
                    if (field === 'attributes' || REQUIRED_ON_INSERT[object]?.includes(field)) continue;
                    if (!set?.fields.get(`${object}.${field}`)?.editable)
                        problems.push({
                            file,
                            message: `${row}: ${object}.${field} is not editable in ${DATA_SET}, so the import would refuse it`
                        });
                    const allowed = restrictedValues(root, object, field);
                    if (allowed && !allowed.has(String(value)))
                        problems.push({
                            file,
                            message: `${row}: ${object}.${field} = "${String(value)}" is not a value of that restricted picklist`
                        });
                }
            });
        }
    }
    return problems;
}
