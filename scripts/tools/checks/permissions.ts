/**
 * Check (e): permission sets a real org would accept and that let each user do their job. A deploy refuses a
 * permission set that grants a user permission without the permissions it depends on, an object permission
 * without Read, field permissions on a field that is required, a system field, or not in the same deploy, and
 * object permissions on a history object; none of this shows in a source conversion. The job set is also held
 * against what the job's code reads and writes (see checkJobAccess), so a field added to a query or a write
 * fails here rather than in an org where the integration user silently cannot see it.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { walk, SOURCE_DIRS, type Problem } from './common';
import { STANDARD_FIELDS } from './references';

/**
 * User permissions and the permissions a deploy insists come with them. Customize Application: View Setup and
 * Configuration, View Roles and Role Hierarchy and Manage Custom Permissions in every current org (a deploy
 * names the missing ones: "Permission CustomizeApplication depends on permission(s): ..."); orgs with the
 * Translation Workbench or Enterprise Territory Management add ManageTranslation or ManageTerritories, which
 * the package cannot ship (the permission is unknown where the feature is off), see docs/data-model.md.
 * Modify Metadata Through Metadata API Functions is usable only through the API, hence API Enabled.
 */
export const PERMISSION_DEPENDENCIES: Record<string, string[]> = {
    CustomizeApplication: ['ViewSetup', 'ViewRoles', 'ManageCustomPermissions'],
    ModifyMetadata: ['ApiEnabled']
};

/**
 * Standard fields that carry field-level security, so a permission set may (and a user reading them must) have
 * field permissions for them. The other standard fields the package names (references.STANDARD_FIELDS) are
 * required on their object (Lead.Status, Opportunity.StageName, CloseDate) or system fields (Id, CreatedDate,
 * IsConverted, IsWon, ...): always readable with the object, and a deploy refuses field permissions for them.
 */
export const STANDARD_FLS_FIELDS = new Set([
    'Lead.LeadSource',
    'Lead.NumberOfEmployees',
    'Opportunity.Amount'
]);

interface ObjectAccess {
    allowRead: boolean;
    allowCreate: boolean;
    allowEdit: boolean;
    allowDelete: boolean;
    viewAllRecords: boolean;
    modifyAllRecords: boolean;
}

/** One permission set as the checks see it. */
export interface PermissionSetAccess {
    file: string;
    name: string;
    /** The package directory it deploys with (force-app, routing, scratch). */
    dir: string;
    text: string;
    userPermissions: Set<string>;
    objects: Map<string, ObjectAccess>;
    fields: Map<string, { readable: boolean; editable: boolean }>;
    customMetadataTypes: Set<string>;
}

const parser = new XMLParser({
    parseTagValue: false,
    isArray: (n) =>
        ['userPermissions', 'objectPermissions', 'fieldPermissions', 'customMetadataTypeAccesses'].includes(n)
});

const yes = (v: unknown): boolean => String(v) === 'true';

/** Reads every permission set of the deployable source directories. */
export function readPermissionSets(root: string): PermissionSetAccess[] {
    const out: PermissionSetAccess[] = [];
    for (const dir of SOURCE_DIRS) {
        for (const file of walk(path.join(root, dir), (n) => n.endsWith('.permissionset-meta.xml'))) {
            const text = readFileSync(file, 'utf8');
            const doc = (parser.parse(text).PermissionSet ?? {}) as Record<
                string,
                Record<string, unknown>[] | undefined
            >;
            const objects = new Map<string, ObjectAccess>();
            for (const o of doc.objectPermissions ?? []) {
                objects.set(String(o.object), {
                    allowRead: yes(o.allowRead),
                    allowCreate: yes(o.allowCreate),
                    allowEdit: yes(o.allowEdit),
                    allowDelete: yes(o.allowDelete),
                    viewAllRecords: yes(o.viewAllRecords),
                    modifyAllRecords: yes(o.modifyAllRecords)
                });
            }
            out.push({
                file,
                name: path.basename(file).replace('.permissionset-meta.xml', ''),
                dir,
                text,
                userPermissions: new Set(
                    (doc.userPermissions ?? []).filter((p) => yes(p.enabled)).map((p) => String(p.name))
                ),
                objects,
                fields: new Map(
                    (doc.fieldPermissions ?? []).map((f) => [
                        String(f.field),
                        { readable: yes(f.readable), editable: yes(f.editable) }
                    ])
                ),
                customMetadataTypes: new Set(
                    (doc.customMetadataTypeAccesses ?? [])
                        .filter((a) => yes(a.enabled))
                        .map((a) => String(a.name))
                )
            });
        }
    }
    return out;
}

/** The line of the first occurrence of `needle`, so a problem points into the file. */
export function lineOf(text: string, needle: string): number | undefined {
    const i = text.indexOf(needle);
    return i < 0 ? undefined : text.slice(0, i).split('\n').length;
}

/** Objects and fields defined in one package directory's source. */
export function definedIn(root: string, dir: string): { objects: Set<string>; fields: Set<string> } {
    const objects = new Set<string>();
    const fields = new Set<string>();
    const objDir = path.join(root, dir, 'main', 'default', 'objects');
    if (!existsSync(objDir)) return { objects, fields };
    for (const o of readdirSync(objDir)) {
        objects.add(o);
        const fdir = path.join(objDir, o, 'fields');
        if (existsSync(fdir))
            for (const f of readdirSync(fdir)) fields.add(`${o}.${f.replace('.field-meta.xml', '')}`);
    }
    return { objects, fields };
}

/**
 * Problems a deploy (or the first use) would meet in any permission set: missing permission dependencies,
 * object permissions without what they need, field permissions on fields that cannot carry them or that the
 * set's own deploy does not create, access to custom metadata types that do not exist.
 */
export function checkPermissionSets(root: string): Problem[] {
    const problems: Problem[] = [];
    const standardObjects = new Set(Object.keys(STANDARD_FIELDS));
    const standard = new Set(
        Object.entries(STANDARD_FIELDS).flatMap(([o, fs]) => fs.map((f) => `${o}.${f}`))
    );
    const app = definedIn(root, 'force-app');
    for (const ps of readPermissionSets(root)) {
        const own = definedIn(root, ps.dir);
        // force-app deploys alone (to production too), where the routing and scratch directories' fields may not
        // exist yet, or ever; the other directories deploy after force-app and may name its fields.
        const base =
            ps.dir === 'force-app'
                ? own
                : {
                      objects: new Set([...app.objects, ...own.objects]),
                      fields: new Set([...app.fields, ...own.fields])
                  };
        const at = (needle: string) => ({ file: ps.file, line: lineOf(ps.text, needle) });
        for (const p of ps.userPermissions) {
            for (const dep of PERMISSION_DEPENDENCIES[p] ?? []) {
                if (!ps.userPermissions.has(dep))
                    problems.push({
                        ...at(`<name>${p}</name>`),
                        message: `${p} depends on ${dep}, which the set does not grant (a deploy refuses it)`
                    });
            }
        }
        for (const [object, a] of ps.objects) {
            const where = at(`<object>${object}</object>`);
            if (/History$/.test(object)) {
                problems.push({
                    ...where,
                    message: `${object} takes no object permissions: its rows follow access to the parent record and the tracked field's field-level security`
                });
                continue;
            }
            if (!standardObjects.has(object) && !base.objects.has(object))
                problems.push({
                    ...where,
                    message: `object ${object} is not in this set's deploy (${ps.dir})`
                });
            const needsRead =
                a.allowCreate || a.allowEdit || a.allowDelete || a.viewAllRecords || a.modifyAllRecords;
            if (needsRead && !a.allowRead)
                problems.push({
                    ...where,
                    message: `${object}: create, edit, delete, View All and Modify All each require Read`
                });
            if (a.allowDelete && !a.allowEdit)
                problems.push({ ...where, message: `${object}: Delete requires Edit` });
            if (a.modifyAllRecords && !(a.viewAllRecords && a.allowEdit && a.allowDelete))
                problems.push({
                    ...where,
                    message: `${object}: Modify All requires View All, Edit and Delete`
                });
        }
        for (const [field, f] of ps.fields) {
            const where = at(`<field>${field}</field>`);
            if (f.editable && !f.readable)
                problems.push({ ...where, message: `${field} is editable but not readable` });
            if (standard.has(field)) {
                if (!STANDARD_FLS_FIELDS.has(field))
                    problems.push({
                        ...where,
                        message: `${field} is a required or system field with no field-level security; a deploy refuses field permissions for it`
                    });
            } else if (!STANDARD_FLS_FIELDS.has(field) && !base.fields.has(field)) {
                problems.push({
                    ...where,
                    message: `field ${field} is not created by this set's deploy (${ps.dir})`
                });
            }
        }
        for (const t of ps.customMetadataTypes) {
            if (!t.endsWith('__mdt') || !base.objects.has(t))
                problems.push({
                    ...at(`<name>${t}</name>`),
                    message: `custom metadata type ${t} does not exist`
                });
        }
    }
    return problems;
}
