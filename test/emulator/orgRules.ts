/**
 * The org's rules as the project's own metadata states them, so the loopback emulator refuses what a real org
 * would: field types, lengths, precision, restricted picklists, formula and system fields, converted leads, and
 * what a user holding given permission sets may read, create and edit. Read once per process from force-app
 * (*.object-meta.xml, *.field-meta.xml, permissionsets/*.permissionset-meta.xml); nothing is hand-copied here
 * except the standard fields Salesforce itself defines, which no project file describes.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

/** One field as describe reports it and as writes are checked against it. */
export interface FieldRule {
    name: string;
    /** The describe type: string, textarea, double, percent, currency, int, boolean, date, datetime, picklist, … */
    type: string;
    /** Characters for text types. */
    length?: number;
    /** Total digits and digits after the point for numbers (Number(5,1) holds at most 9999.9). */
    precision?: number;
    scale?: number;
    /** Restricted picklists refuse any value not listed. */
    picklist?: { values: string[]; restricted: boolean };
    /** Formula fields: readable, never writable. */
    calculated: boolean;
    /** False for system and formula fields, whoever the user is. */
    writable: boolean;
    /** Whether field-level security applies (custom fields and some standard ones); if not, object access decides. */
    fls: boolean;
    custom: boolean;
}

export interface ObjectRule {
    name: string;
    custom: boolean;
    fields: Map<string, FieldRule>;
}

export interface PermissionSetRule {
    name: string;
    objects: Map<
        string,
        {
            read: boolean;
            create: boolean;
            edit: boolean;
            delete: boolean;
            viewAll: boolean;
            modifyAll: boolean;
        }
    >;
    fields: Map<string, { readable: boolean; editable: boolean }>;
    userPermissions: Set<string>;
    customMetadataTypes: Set<string>;
}

export interface OrgRules {
    objects: Map<string, ObjectRule>;
    permissionSets: Map<string, PermissionSetRule>;
}

/**
 * Who the emulated session belongs to. `admin` is a System Administrator (every object and field, Customize
 * Application, Modify All Data) — the schema's own rules still hold for it. Otherwise the user holds exactly
 * the named permission sets, plus `grants` (Object.Field names readable, and editable when listed in
 * `editGrants`) for fields no project file can grant, such as an installed package's score field.
 */
export type EmulatedUser =
    | 'admin'
    | { permissionSets: string[]; grants?: string[]; editGrants?: string[]; userPermissions?: string[] };

const DEFAULT_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'force-app', 'main', 'default');

const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    isArray: (name) =>
        [
            'fieldPermissions',
            'objectPermissions',
            'userPermissions',
            'customMetadataTypeAccesses',
            'value'
        ].includes(name)
});

const TYPE_OF: Record<string, string> = {
    Checkbox: 'boolean',
    Number: 'double',
    Percent: 'percent',
    Currency: 'currency',
    Date: 'date',
    DateTime: 'datetime',
    Text: 'string',
    TextArea: 'textarea',
    LongTextArea: 'textarea',
    Html: 'textarea',
    Picklist: 'picklist',
    MultiselectPicklist: 'multipicklist',
    Email: 'email',
    Url: 'url',
    Phone: 'phone',
    Lookup: 'reference',
    MasterDetail: 'reference',
    MetadataRelationship: 'string'
};

const std = (
    name: string,
    type: string,
    opts: Partial<Pick<FieldRule, 'length' | 'precision' | 'scale' | 'writable' | 'fls'>> = {}
): FieldRule => ({ name, type, calculated: false, writable: true, fls: false, custom: false, ...opts });

const sys = (name: string, type: string): FieldRule => std(name, type, { writable: false });

/**
 * The standard fields the job and the dashboard touch, as Salesforce defines them. `fls: true` where a
 * permission set must grant the field (LeadSource, NumberOfEmployees, Amount …); system fields are never
 * writable; required fields (Status, CloseDate) are visible with the object.
 */
const STANDARD: Record<string, FieldRule[]> = {
    Lead: [
        sys('Id', 'id'),
        sys('CreatedDate', 'datetime'),
        sys('LastModifiedDate', 'datetime'),
        sys('IsConverted', 'boolean'),
        sys('ConvertedDate', 'date'),
        sys('ConvertedOpportunityId', 'reference'),
        sys('ConvertedAccountId', 'reference'),
        sys('ConvertedContactId', 'reference'),
        sys('LastActivityDate', 'date'),
        std('OwnerId', 'reference'),
        std('Status', 'picklist', { length: 40 }),
        std('Company', 'string', { length: 255 }),
        std('LastName', 'string', { length: 80 }),
        std('LeadSource', 'picklist', { length: 255, fls: true }),
        std('NumberOfEmployees', 'int', { precision: 8, scale: 0, fls: true }),
        std('Industry', 'picklist', { length: 255, fls: true }),
        std('Rating', 'picklist', { length: 255, fls: true })
    ],
    Opportunity: [
        sys('Id', 'id'),
        sys('CreatedDate', 'datetime'),
        sys('IsWon', 'boolean'),
        sys('IsClosed', 'boolean'),
        std('Name', 'string', { length: 120 }),
        std('StageName', 'picklist', { length: 255 }),
        std('CloseDate', 'date'),
        std('Amount', 'currency', { precision: 18, scale: 2, fls: true }),
        std('LeadSource', 'picklist', { length: 255, fls: true })
    ],
    // History rows are written by the platform only; reading them follows read access to Lead.
    LeadHistory: [
        sys('Id', 'id'),
        sys('LeadId', 'reference'),
        sys('Field', 'picklist'),
        sys('OldValue', 'anyType'),
        sys('NewValue', 'anyType'),
        sys('CreatedDate', 'datetime')
    ]
};

/** Fields every custom object has; Name takes its type from the object's nameField. */
function customObjectStandard(name: string, nameField: any): FieldRule[] {
    const fields = [sys('Id', 'id'), sys('CreatedDate', 'datetime'), sys('LastModifiedDate', 'datetime')];
    if (name.endsWith('__mdt'))
        fields.push(
            std('DeveloperName', 'string', { length: 40 }),
            std('MasterLabel', 'string', { length: 40 }),
            sys('QualifiedApiName', 'string')
        );
    else if (nameField?.type === 'AutoNumber') fields.push(sys('Name', 'string'));
    else fields.push(std('Name', 'string', { length: 80 }));
    return fields;
}

function fieldRule(xml: any): FieldRule {
    const f = xml.CustomField;
    const type = TYPE_OF[f.type] ?? 'string';
    const rule: FieldRule = {
        name: String(f.fullName),
        type,
        calculated: f.formula !== undefined,
        writable: f.formula === undefined,
        fls: true,
        custom: true
    };
    if (f.length !== undefined) rule.length = Number(f.length);
    else if (f.type === 'TextArea') rule.length = 255;
    else if (f.type === 'Email' || f.type === 'Url') rule.length = 255;
    if (f.precision !== undefined) rule.precision = Number(f.precision);
    if (f.scale !== undefined) rule.scale = Number(f.scale);
    const values = f.valueSet?.valueSetDefinition?.value as { fullName: string }[] | undefined;
    if (values)
        rule.picklist = {
            values: values.map((v) => String(v.fullName)),
            restricted: String(f.valueSet.restricted) === 'true'
        };
    return rule;
}

const bool = (v: unknown) => String(v) === 'true';

function permissionSetRule(name: string, xml: any): PermissionSetRule {
    const p = xml.PermissionSet;
    return {
        name,
        objects: new Map(
            (p.objectPermissions ?? []).map((o: any) => [
                String(o.object),
                {
                    read: bool(o.allowRead),
                    create: bool(o.allowCreate),
                    edit: bool(o.allowEdit),
                    delete: bool(o.allowDelete),
                    viewAll: bool(o.viewAllRecords),
                    modifyAll: bool(o.modifyAllRecords)
                }
            ])
        ),
        fields: new Map(
            (p.fieldPermissions ?? []).map((f: any) => [
                String(f.field),
                { readable: bool(f.readable), editable: bool(f.editable) }
            ])
        ),
        userPermissions: new Set(
            (p.userPermissions ?? []).filter((u: any) => bool(u.enabled)).map((u: any) => String(u.name))
        ),
        customMetadataTypes: new Set(
            (p.customMetadataTypeAccesses ?? [])
                .filter((c: any) => bool(c.enabled))
                .map((c: any) => String(c.name))
        )
    };
}

const cache = new Map<string, OrgRules>();

/** Reads the objects, fields and permission sets under a force-app/main/default folder (cached per folder). */
export function loadOrgRules(root: string = DEFAULT_ROOT): OrgRules {
    const hit = cache.get(root);
    if (hit) return hit;
    const objects = new Map<string, ObjectRule>();
    for (const [name, fields] of Object.entries(STANDARD))
        objects.set(name, { name, custom: false, fields: new Map(fields.map((f) => [f.name, f])) });
    const objectsDir = path.join(root, 'objects');
    for (const name of existsSync(objectsDir) ? readdirSync(objectsDir) : []) {
        const objectFile = path.join(objectsDir, name, `${name}.object-meta.xml`);
        const objectXml = existsSync(objectFile) ? parser.parse(readFileSync(objectFile, 'utf8')) : null;
        const object = objects.get(name) ?? {
            name,
            custom: name.endsWith('__c') || name.endsWith('__mdt'),
            fields: new Map(
                customObjectStandard(name, objectXml?.CustomObject?.nameField).map((f) => [f.name, f])
            )
        };
        const fieldsDir = path.join(objectsDir, name, 'fields');
        for (const file of existsSync(fieldsDir) ? readdirSync(fieldsDir) : []) {
            if (!file.endsWith('.field-meta.xml')) continue;
            const rule = fieldRule(parser.parse(readFileSync(path.join(fieldsDir, file), 'utf8')));
            object.fields.set(rule.name, rule);
        }
        objects.set(name, object);
    }
    const permissionSets = new Map<string, PermissionSetRule>();
    const psDir = path.join(root, 'permissionsets');
    for (const file of existsSync(psDir) ? readdirSync(psDir) : []) {
        if (!file.endsWith('.permissionset-meta.xml')) continue;
        const name = file.replace(/\.permissionset-meta\.xml$/, '');
        permissionSets.set(
            name,
            permissionSetRule(name, parser.parse(readFileSync(path.join(psDir, file), 'utf8')))
        );
    }
    const rules = { objects, permissionSets };
    cache.set(root, rules);
    return rules;
}

/** What one session may do, from the user's permission sets; every check answers as the org would. */
export class Access {
    private readonly sets: PermissionSetRule[];
    private readonly grants: Set<string>;
    private readonly editGrants: Set<string>;
    private readonly perms: Set<string>;

    constructor(
        readonly rules: OrgRules,
        readonly user: EmulatedUser = 'admin'
    ) {
        if (user === 'admin') {
            this.sets = [];
            this.grants = new Set();
            this.editGrants = new Set();
            this.perms = new Set([
                'ApiEnabled',
                'CustomizeApplication',
                'ModifyAllData',
                'ModifyMetadata',
                'ViewSetup'
            ]);
            return;
        }
        this.sets = user.permissionSets.map((n) => {
            const s = rules.permissionSets.get(n);
            if (!s) throw new Error(`no permission set ${n} in the project`);
            return s;
        });
        this.grants = new Set(user.grants ?? []);
        this.editGrants = new Set(user.editGrants ?? []);
        this.perms = new Set([
            ...this.sets.flatMap((s) => [...s.userPermissions]),
            ...(user.userPermissions ?? [])
        ]);
    }

    private get admin(): boolean {
        return this.user === 'admin';
    }

    /** A user permission (ApiEnabled, CustomizeApplication …); Modify All Data implies the others. */
    has(permission: string): boolean {
        return this.perms.has(permission) || this.perms.has('ModifyAllData');
    }

    private object(name: string) {
        return this.sets.map((s) => s.objects.get(name)).filter((o) => o !== undefined);
    }

    /** Read access to an object; history follows its parent, custom metadata its type access. */
    canRead(object: string): boolean {
        if (this.admin) return true;
        if (object === 'LeadHistory') return this.canRead('Lead');
        if (object.endsWith('__mdt'))
            return (
                this.has('CustomizeApplication') || this.sets.some((s) => s.customMetadataTypes.has(object))
            );
        return this.object(object).some((o) => o.read || o.viewAll || o.modifyAll);
    }

    /** Create access to an object (Modify All does not imply it; a set must allow create). */
    canCreate(object: string): boolean {
        return this.admin || this.object(object).some((o) => o.create);
    }

    /** Edit access to an object's records. */
    canEdit(object: string): boolean {
        return this.admin || this.object(object).some((o) => o.edit || o.modifyAll);
    }

    /** Field-level read: the field exists on the object and, when FLS applies, a set or a grant makes it readable. */
    canReadField(object: string, field: FieldRule): boolean {
        if (!this.canRead(object)) return false;
        if (this.admin || !field.fls || object.endsWith('__mdt')) return true;
        const key = `${object}.${field.name}`;
        return (
            this.grants.has(key) ||
            this.editGrants.has(key) ||
            this.sets.some((s) => s.fields.get(key)?.readable)
        );
    }

    /** Field-level edit: never for formula or system fields; otherwise a set or an edit grant makes it editable. */
    canEditField(object: string, field: FieldRule): boolean {
        if (!field.writable) return false;
        if (this.admin || !field.fls) return this.canReadField(object, field);
        const key = `${object}.${field.name}`;
        return this.editGrants.has(key) || this.sets.some((s) => s.fields.get(key)?.editable);
    }
}

/**
 * The Object.Field names a permission set does not let its holder read, for a caller (the dashboard's GraphQL
 * queries, for one) to assert it asks only for what the set grants. Standard fields without field-level
 * security count as readable with their object; unknown fields are reported too.
 */
export function unreadableFields(permissionSet: string, fields: string[], root?: string): string[] {
    const rules = loadOrgRules(root);
    const access = new Access(rules, { permissionSets: [permissionSet] });
    return fields.filter((qualified) => {
        const [object, field] = qualified.split('.');
        const rule = rules.objects.get(object)?.fields.get(field);
        return !rule || !access.canReadField(object, rule);
    });
}

/** Why a value cannot be stored in a field, as the org's error code and message; null when it fits. */
export function valueProblem(
    object: string,
    field: FieldRule,
    value: unknown
): { code: string; message: string } | null {
    if (value === null || value === undefined || value === '') return null;
    const label = `${object}.${field.name}`;
    switch (field.type) {
        case 'double':
        case 'percent':
        case 'currency':
        case 'int': {
            const n = typeof value === 'number' ? value : Number(value);
            if (typeof value === 'boolean' || !Number.isFinite(n))
                return {
                    code: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
                    message: `${label}: value not of required type: ${value}`
                };
            if (field.precision !== undefined) {
                const whole = field.precision - (field.scale ?? 0);
                // Salesforce rounds the fraction to the scale, then refuses a value with too many whole digits.
                const rounded = Math.abs(Number(n.toFixed(field.scale ?? 0)));
                if (rounded >= 10 ** whole)
                    return {
                        code: 'NUMBER_OUTSIDE_VALID_RANGE',
                        message: `${label}: value outside of valid range on numeric field: ${value}`
                    };
            }
            return null;
        }
        case 'boolean':
            return typeof value === 'boolean' || value === 'true' || value === 'false'
                ? null
                : {
                      code: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
                      message: `${label}: value not of required type: ${value}`
                  };
        case 'date':
            return /^\d{4}-\d{2}-\d{2}$/.test(String(value))
                ? null
                : {
                      code: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
                      message: `${label}: value not of required type: ${value}`
                  };
        case 'datetime':
            return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(String(value))
                ? null
                : {
                      code: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
                      message: `${label}: value not of required type: ${value}`
                  };
        case 'picklist':
            if (field.picklist?.restricted && !field.picklist.values.includes(String(value)))
                return {
                    code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
                    message: `${label}: bad value for restricted picklist field: ${value}`
                };
            return null;
        default:
            if (field.length !== undefined && String(value).length > field.length)
                return {
                    code: 'STRING_TOO_LONG',
                    message: `${label}: data value too large: ${String(value).slice(0, 40)}... (max length=${field.length})`
                };
            return null;
    }
}

/** A refusal the emulator turns into the org's error response. */
export class OrgRefusal extends Error {
    constructor(
        readonly code: string,
        message: string,
        readonly status = 400
    ) {
        super(message);
    }
}

type SchemaOf = (object: string) => string[] | undefined;
type GuessType = (object: string, field: string) => string;

/**
 * The emulator's gate: which objects and fields exist come from the emulated org (what is deployed there), how
 * each behaves and who may touch it from the project's metadata and the session's permission sets. Fields the
 * project does not define (an installed package's score field) take the emulator's guessed type and, being
 * custom, need a grant.
 */
export class OrgGuard {
    constructor(
        private readonly schemaOf: SchemaOf,
        private readonly guess: GuessType,
        readonly access: Access
    ) {}

    /** The rule of a field the org has, or undefined when it has no such field. */
    rule(object: string, field: string): FieldRule | undefined {
        if (!this.schemaOf(object)?.includes(field)) return undefined;
        const known = this.access.rules.objects.get(object)?.fields.get(field);
        if (known) return known;
        const custom = field.endsWith('__c');
        return {
            name: field,
            type: this.guess(object, field),
            calculated: false,
            writable: field !== 'Id',
            fls: custom,
            custom
        };
    }

    /** Every API call needs "API Enabled". */
    checkApi(): void {
        if (!this.access.has('ApiEnabled'))
            throw new OrgRefusal('API_DISABLED_FOR_ORG', 'The REST API is not enabled for this user', 403);
    }

    /** The fields of an object this user sees; undefined when the object is not there for them. */
    visibleFields(object: string): FieldRule[] | undefined {
        const names = this.schemaOf(object);
        if (!names || !this.access.canRead(object)) return undefined;
        return names.map((f) => this.rule(object, f)!).filter((r) => this.access.canReadField(object, r));
    }

    /** A SOQL read: the object readable, every field it names visible, as INVALID_TYPE / INVALID_FIELD errors. */
    checkQuery(object: string, fields: string[]): void {
        const visible = this.visibleFields(object);
        if (!visible)
            throw new OrgRefusal(
                'INVALID_TYPE',
                `sObject type '${object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`
            );
        const names = new Set(visible.map((f) => f.name));
        for (const f of fields)
            if (!names.has(f))
                throw new OrgRefusal('INVALID_FIELD', `No such column '${f}' on entity '${object}'.`);
    }

    /** The describe of an object as this user sees it (fields without read access are left out, as in an org). */
    describe(object: string): object | undefined {
        const fields = this.visibleFields(object);
        if (!fields) return undefined;
        return {
            name: object,
            label: object,
            custom: object.endsWith('__c') || object.endsWith('__mdt'),
            queryable: true,
            createable: this.access.canCreate(object),
            updateable: this.access.canEdit(object),
            fields: fields.map((f) => ({
                name: f.name,
                label: f.name,
                type: f.type,
                custom: f.custom,
                calculated: f.calculated,
                nillable: f.name !== 'Id',
                length: f.length ?? 0,
                precision: f.precision ?? 0,
                scale: f.scale ?? 0,
                createable: this.access.canCreate(object) && this.access.canEditField(object, f),
                updateable: this.access.canEdit(object) && this.access.canEditField(object, f),
                restrictedPicklist: f.picklist?.restricted ?? false,
                picklistValues: (f.picklist?.values ?? []).map((v) => ({ value: v, label: v, active: true }))
            }))
        };
    }

    /**
     * One record of an sObject Collections create or update: object access, each field visible and editable,
     * each value fitting its field, and no update of a converted lead. Returns the org's error, or null.
     */
    checkWrite(
        method: 'POST' | 'PATCH',
        object: string,
        values: Record<string, unknown>,
        existing: Record<string, unknown> | undefined
    ): { statusCode: string; message: string; fields: string[] } | null {
        const allowed = method === 'POST' ? this.access.canCreate(object) : this.access.canEdit(object);
        if (!this.schemaOf(object) || !this.access.canRead(object) || !allowed)
            return {
                statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
                message: `insufficient access rights on object ${object} to ${method === 'POST' ? 'create' : 'update'}`,
                fields: []
            };
        const denied: string[] = [];
        for (const [name, value] of Object.entries(values)) {
            if (name === 'Id' && method === 'PATCH') continue;
            const rule = this.rule(object, name);
            if (!rule || !this.access.canReadField(object, rule))
                return {
                    statusCode: 'INVALID_FIELD',
                    message: `No such column '${name}' on sobject of type ${object}`,
                    fields: [name]
                };
            if (!this.access.canEditField(object, rule)) {
                denied.push(name);
                continue;
            }
            const problem = valueProblem(object, rule, value);
            if (problem) return { statusCode: problem.code, message: problem.message, fields: [name] };
        }
        if (denied.length > 0)
            return {
                statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
                message: `Unable to ${method === 'POST' ? 'create' : 'update'} fields: ${denied.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
                fields: denied
            };
        if (object === 'Lead' && method === 'PATCH' && existing && String(existing.IsConverted) === 'true')
            return {
                statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
                message: 'cannot reference converted lead',
                fields: []
            };
        return null;
    }

    /** Reading metadata through the Metadata API needs Modify Metadata or Customize Application. */
    checkMetadataRead(): void {
        if (!this.access.has('ModifyMetadata') && !this.access.has('CustomizeApplication'))
            throw new OrgRefusal(
                'INSUFFICIENT_ACCESS',
                'insufficient access rights on cross-reference id',
                500
            );
    }

    /**
     * One CustomMetadata record of an upsert/create: Customize Application is required to write custom metadata
     * records, and each value must fit its field. Returns the org's error, or null.
     */
    checkMetadataWrite(
        type: string,
        values: Record<string, string | null>
    ): { statusCode: string; message: string } | null {
        if (!this.access.has('CustomizeApplication'))
            return {
                statusCode: 'INSUFFICIENT_ACCESS',
                message: `You do not have permission to create or edit ${type} records: Customize Application is required`
            };
        for (const [field, value] of Object.entries(values)) {
            const rule = this.rule(type, field);
            if (!rule) continue; // the caller reports unknown fields
            const problem = valueProblem(type, rule, value);
            if (problem) return { statusCode: problem.code, message: problem.message };
        }
        return null;
    }
}
