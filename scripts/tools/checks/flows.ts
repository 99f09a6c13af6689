/**
 * Check (e): flows and validation rules. Every Flow file is checked against the Metadata API's Flow type (element
 * names, which are required, which may repeat, enumerations and value types, written out below by hand from the
 * published metadata WSDL, API 66.0) and against the platform's rules for a record-triggered flow (a before-save
 * flow may only assign, decide and get records; no Apex); every connector must lead to an element of the flow; every
 * field a flow or validation rule names must exist, and every custom metadata record a validation rule names must
 * be among the seed records. A deploy would refuse most of these; this finds them without an org.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { walk, SOURCE_DIRS, type Problem } from './common';
import { STANDARD_FIELDS } from './references';

/** One element of a complex type: its value type, whether it is required, whether it may repeat. */
interface ElementSpec {
    type: string;
    required: boolean;
    many: boolean;
}

/**
 * Types in a compact notation, one entry per element: `name type`, with `?` after the name when it is optional
 * (minOccurs 0) and `*` when it may repeat (maxOccurs unbounded). Only the Flow types this package's flows use
 * are described; an element of a type not described here is reported, so that a flow growing a loop or a screen
 * gets its type added from the WSDL rather than passing unchecked.
 */
const BASE = ['processMetadataValues?* FlowMetadataValue'];
const ELEMENT = [...BASE, 'description? string', 'name? string'];
const NODE = [
    ...ELEMENT,
    'elementSubtype? FlowElementSubtype',
    'group? string',
    'label? string',
    'locationX int',
    'locationY int'
];
const DESCRIBED: Record<string, string[]> = {
    Flow: [
        'fullName? string',
        'actionCalls?* FlowActionCall',
        'apexPluginCalls?* FlowApexPluginCall',
        'apiVersion? double',
        'assignments?* FlowAssignment',
        'constants?* FlowConstant',
        'customErrors?* FlowCustomError',
        'decisions?* FlowDecision',
        'description? string',
        'environments?* FlowEnvironment',
        'formulas?* FlowFormula',
        'interviewLabel? string',
        'isTemplate? boolean',
        'label string',
        'loops?* FlowLoop',
        'processMetadataValues?* FlowMetadataValue',
        'processType? FlowProcessType',
        'recordCreates?* FlowRecordCreate',
        'recordDeletes?* FlowRecordDelete',
        'recordLookups?* FlowRecordLookup',
        'recordUpdates?* FlowRecordUpdate',
        'runInMode? FlowRunInMode',
        'screens?* FlowScreen',
        'start? FlowStart',
        'startElementReference? string',
        'status? FlowVersionStatus',
        'subflows?* FlowSubflow',
        'textTemplates?* FlowTextTemplate',
        'triggerOrder? int',
        'variables?* FlowVariable',
        'waits?* FlowWait'
    ],
    FlowStart: [
        ...NODE,
        'conditionLogic? string',
        'conditions?* FlowCondition',
        'connector? FlowConnector',
        'doesRequireRecordChangedToMeetCriteria? boolean',
        'filterFormula? string',
        'filterLogic? string',
        'filters?* FlowRecordFilter',
        'flowRunAsUser? FlowRunAsUser',
        'object? string',
        'recordTriggerType? RecordTriggerType',
        'triggerType? FlowTriggerType'
    ],
    FlowAssignment: [...NODE, 'assignmentItems?* FlowAssignmentItem', 'connector? FlowConnector'],
    FlowAssignmentItem: [
        ...BASE,
        'assignToReference? string',
        'operator? FlowAssignmentOperator',
        'value? FlowElementReferenceOrValue'
    ],
    FlowConnector: [...BASE, 'isGoTo? boolean', 'targetReference string'],
    FlowDecision: [
        ...NODE,
        'defaultConnector? FlowConnector',
        'defaultConnectorLabel? string',
        'rules?* FlowRule'
    ],
    FlowRule: [
        ...ELEMENT,
        'conditionLogic string',
        'conditions?* FlowCondition',
        'connector? FlowConnector',
        'doesRequireRecordChangedToMeetCriteria? boolean',
        'label string'
    ],
    FlowCondition: [
        ...BASE,
        'conditionLogic? string',
        'conditions?* FlowCondition',
        'leftValueReference? string',
        'operator FlowComparisonOperator',
        'rightValue? FlowElementReferenceOrValue'
    ],
    FlowFormula: [...ELEMENT, 'dataType? FlowDataType', 'expression string', 'scale? int'],
    FlowRecordFilter: [
        ...BASE,
        'field? string',
        'operator? FlowRecordFilterOperator',
        'value? FlowElementReferenceOrValue'
    ],
    FlowRecordLookup: [
        ...NODE,
        'assignNullValuesIfNoRecordsFound? boolean',
        'connector? FlowConnector',
        'faultConnector? FlowConnector',
        'filterLogic? string',
        'filters?* FlowRecordFilter',
        'getFirstRecordOnly? boolean',
        'object? string',
        'outputReference? string',
        'queriedFields?* string',
        'sortField? string',
        'sortOrder? SortOrder',
        'storeOutputAutomatically? boolean'
    ],
    FlowMetadataValue: ['name string', 'value? FlowElementReferenceOrValue'],
    FlowElementReferenceOrValue: [
        'booleanValue? boolean',
        'dateTimeValue? dateTime',
        'dateValue? date',
        'elementReference? string',
        'numberValue? double',
        'stringValue? string'
    ],
    ValidationRule: [
        'fullName? string',
        'active boolean',
        'description? string',
        'errorConditionFormula string',
        'errorDisplayField? string',
        'errorMessage string',
        'shouldEvaluateOnClient? boolean'
    ]
};

/** Enumerations of the simple types above (the values the WSDL allows that a flow of this kind can use). */
const ENUMS: Record<string, string[]> = {
    FlowProcessType: ['AutoLaunchedFlow', 'Flow', 'Workflow', 'CustomEvent', 'InvocableProcess'],
    FlowTriggerType: [
        'None',
        'Scheduled',
        'RecordBeforeSave',
        'RecordBeforeDelete',
        'RecordAfterSave',
        'PlatformEvent'
    ],
    RecordTriggerType: ['Update', 'Create', 'CreateAndUpdate', 'Delete', 'None'],
    FlowVersionStatus: ['Active', 'Draft', 'Obsolete', 'InvalidDraft', 'UnderReview'],
    FlowAssignmentOperator: [
        'None',
        'Assign',
        'Add',
        'Subtract',
        'AddItem',
        'RemoveFirst',
        'RemoveBeforeFirst',
        'RemoveAfterFirst',
        'RemoveAll',
        'AddAtStart',
        'RemoveUncommon',
        'AssignCount',
        'RemovePosition'
    ],
    FlowComparisonOperator: [
        'None',
        'EqualTo',
        'NotEqualTo',
        'GreaterThan',
        'LessThan',
        'GreaterThanOrEqualTo',
        'LessThanOrEqualTo',
        'StartsWith',
        'EndsWith',
        'Contains',
        'IsNull',
        'IsChanged',
        'WasSet',
        'WasSelected',
        'WasVisited',
        'In',
        'NotIn',
        'IsBlank',
        'IsEmpty',
        'HasError'
    ],
    FlowRecordFilterOperator: [
        'EqualTo',
        'NotEqualTo',
        'GreaterThan',
        'LessThan',
        'GreaterThanOrEqualTo',
        'LessThanOrEqualTo',
        'StartsWith',
        'EndsWith',
        'Contains',
        'IsNull',
        'IsChanged',
        'In',
        'NotIn'
    ],
    FlowDataType: [
        'Currency',
        'Date',
        'Number',
        'String',
        'Boolean',
        'SObject',
        'DateTime',
        'Time',
        'Picklist',
        'Multipicklist',
        'Apex'
    ],
    FlowRunInMode: ['DefaultMode', 'SystemModeWithSharing', 'SystemModeWithoutSharing'],
    FlowEnvironment: ['Default', 'Slack', 'Offline'],
    FlowRunAsUser: ['TriggeringUser', 'DefaultWorkflowUser'],
    SortOrder: ['Asc', 'Desc']
};

const VALUE_TESTS: Record<string, (v: string) => boolean> = {
    string: () => true,
    boolean: (v) => v === 'true' || v === 'false',
    int: (v) => /^-?\d+$/.test(v),
    double: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
    date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
    dateTime: (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(v)
};

const specs = new Map<string, Map<string, ElementSpec>>(
    Object.entries(DESCRIBED).map(([type, lines]) => [
        type,
        new Map(
            lines.map((line) => {
                const [head, t] = line.split(' ');
                const name = head.replace(/[?*]+$/, '');
                return [name, { type: t, required: !head.includes('?'), many: head.includes('*') }];
            })
        )
    ])
);

/** Elements a before-save flow may hold (the platform refuses the others: it saves no other record). */
const BEFORE_SAVE_ELEMENTS = new Set([
    'assignments',
    'decisions',
    'formulas',
    'recordLookups',
    'loops',
    'variables',
    'constants',
    'customErrors',
    'textTemplates'
]);
/** Elements that hold the flow's nodes, the targets of connectors. */
const NODE_LISTS = [
    'actionCalls',
    'assignments',
    'customErrors',
    'decisions',
    'loops',
    'recordCreates',
    'recordDeletes',
    'recordLookups',
    'recordUpdates',
    'screens',
    'subflows',
    'waits'
];

type Node = Record<string, unknown[]>;

const parser = new XMLParser({
    ignoreAttributes: true,
    isArray: () => true,
    parseTagValue: false,
    trimValues: true
});

/** The text of a leaf element as parsed (isArray makes every element a list). */
function textOf(v: unknown): string | null {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object' && '#text' in v) return String((v as Record<string, unknown>)['#text']);
    return null;
}

/** Checks one element against its type, recursively; `where` is the element path for the message. */
function checkElement(value: unknown, type: string, where: string, report: (m: string) => void): void {
    const spec = specs.get(type);
    if (!spec) {
        if (ENUMS[type]) {
            const t = textOf(value) ?? '';
            if (!ENUMS[type].includes(t))
                report(`${where}: "${t}" is not a ${type} (${ENUMS[type].join(', ')})`);
        } else if (VALUE_TESTS[type]) {
            const t = textOf(value);
            if (t === null || !VALUE_TESTS[type](t)) report(`${where}: expected a ${type} value`);
        } else report(`${where}: ${type} is not described by this check; add it from the Metadata API WSDL`);
        return;
    }
    if (typeof value !== 'object' || value === null) {
        if (value !== '' || [...spec.values()].some((e) => e.required))
            report(`${where}: expected elements of ${type}, found text`);
        return;
    }
    const node = value as Node;
    for (const [name, items] of Object.entries(node)) {
        if (name === '#text') continue;
        const e = spec.get(name);
        if (!e) {
            report(`${where}: <${name}> is not an element of ${type}`);
            continue;
        }
        if (!e.many && items.length > 1)
            report(`${where}: <${name}> appears ${items.length} times in ${type}, at most once allowed`);
        items.forEach((item) => checkElement(item, e.type, `${where}.${name}`, report));
    }
    for (const [name, e] of spec)
        if (e.required && !(name in node)) report(`${where}: ${type} requires <${name}>`);
}

/** All leaf texts under a node, with the element name holding each. */
function* leaves(value: unknown, name = ''): Generator<[string, string]> {
    const t = textOf(value);
    if (t !== null) {
        yield [name, t];
        return;
    }
    if (value && typeof value === 'object')
        for (const [k, items] of Object.entries(value as Node))
            for (const item of items) yield* leaves(item, k);
}

/** Field names the project defines or names as standard, as `Object.Field`, plus the seeded score field on Lead. */
function knownFields(root: string): { fields: Set<string>; scoreField: string | null; seeds: Set<string> } {
    const fields = new Set<string>();
    for (const [o, fs] of Object.entries(STANDARD_FIELDS)) for (const f of fs) fields.add(`${o}.${f}`);
    for (const dir of SOURCE_DIRS) {
        const objDir = path.join(root, dir, 'main', 'default', 'objects');
        if (!existsSync(objDir)) continue;
        for (const o of readdirSync(objDir)) {
            const fdir = path.join(objDir, o, 'fields');
            if (existsSync(fdir))
                for (const f of readdirSync(fdir)) fields.add(`${o}.${f.replace('.field-meta.xml', '')}`);
            // Every custom metadata type has these standard fields.
            if (o.endsWith('__mdt'))
                for (const f of ['Id', 'DeveloperName', 'MasterLabel', 'Label', 'QualifiedApiName'])
                    fields.add(`${o}.${f}`);
        }
    }
    const seedDir = path.join(root, 'data', 'seed', 'customMetadata');
    const seedFiles = existsSync(seedDir) ? readdirSync(seedDir) : [];
    const seeds = new Set(seedFiles.map((f) => f.replace('.md-meta.xml', '')));
    // The org's score field is not in the package (Account Engagement's, or the org's own): a flow may name the one
    // the seeded setting names, so that changing one without the other fails here.
    let scoreField: string | null = null;
    const setting = path.join(seedDir, 'MQL_Calibration_Setting.Default.md-meta.xml');
    if (existsSync(setting))
        scoreField =
            /<field>Score_Field__c<\/field>\s*<value[^>]*>([^<]+)<\/value>/.exec(
                readFileSync(setting, 'utf8')
            )?.[1] ?? null;
    if (scoreField) fields.add(`Lead.${scoreField}`);
    return { fields, scoreField, seeds };
}

function lineOf(text: string, needle: string): number | undefined {
    const i = text.indexOf(needle);
    return i < 0 ? undefined : text.slice(0, i).split('\n').length;
}

/** Checks every flow and validation rule of the deployable source; see the module comment. */
export function checkFlows(root: string): Problem[] {
    const problems: Problem[] = [];
    const { fields, scoreField, seeds } = knownFields(root);
    const fieldProblem = (object: string, field: string) =>
        `names ${object}.${field}, which does not exist${object === 'Lead' && scoreField && /__c$/.test(field) ? ` (the seeded score field is ${scoreField})` : ''}`;
    for (const dir of SOURCE_DIRS) {
        for (const file of walk(path.join(root, dir), (n) => n.endsWith('.flow-meta.xml'))) {
            const text = readFileSync(file, 'utf8');
            const report = (message: string, needle?: string) =>
                problems.push({ file, line: needle ? lineOf(text, needle) : undefined, message });
            const doc = parser.parse(text) as Node;
            const flow = doc.Flow?.[0];
            if (!flow || typeof flow !== 'object') {
                report('the root element is not <Flow>');
                continue;
            }
            if (!/<Flow xmlns="http:\/\/soap\.sforce\.com\/2006\/04\/metadata">/.test(text))
                report('<Flow> must declare xmlns="http://soap.sforce.com/2006/04/metadata"');
            checkElement(flow, 'Flow', 'Flow', (m) => report(m));
            const f = flow as Node;
            const start = f.start?.[0] as Node | undefined;
            const first = (n: Node | undefined, k: string) => (n?.[k] ? textOf(n[k][0]) : null);
            const trigger = first(start, 'triggerType');
            const object = first(start, 'object');
            if (
                !start ||
                !object ||
                !first(start, 'recordTriggerType') ||
                (trigger !== 'RecordBeforeSave' && trigger !== 'RecordAfterSave')
            ) {
                report(
                    'not a record-triggered flow: <start> needs <object>, <recordTriggerType> and a RecordBeforeSave or RecordAfterSave <triggerType>',
                    '<start>'
                );
                continue;
            }
            if (first(f, 'processType') !== 'AutoLaunchedFlow')
                report(
                    'a record-triggered flow has <processType>AutoLaunchedFlow</processType>',
                    '<processType>'
                );
            if (
                f.apexPluginCalls ||
                (f.actionCalls ?? []).some((a) =>
                    [...leaves(a)].some(([k, v]) => k === 'actionType' && v === 'apex')
                )
            )
                report('calls Apex: the package is Apex-free');
            if (trigger === 'RecordBeforeSave')
                for (const k of Object.keys(f))
                    if (NODE_LISTS.includes(k) && !BEFORE_SAVE_ELEMENTS.has(k))
                        report(
                            `a before-save flow cannot hold <${k}> (it saves no other record and calls nothing)`,
                            `<${k}>`
                        );
            // Connectors lead somewhere.
            const names = new Set<string>();
            for (const k of [...NODE_LISTS, 'formulas', 'variables', 'constants', 'textTemplates'])
                for (const n of f[k] ?? []) {
                    const nm = first(n as Node, 'name');
                    if (nm) names.add(nm);
                }
            for (const [k, v] of leaves(flow))
                if (k === 'targetReference' && !names.has(v))
                    report(
                        `a connector leads to ${v}, which is not an element of the flow`,
                        `<targetReference>${v}<`
                    );
            // Fields: $Record / $Record__Prior references anywhere (values, formulas), the start's filters, lookups.
            const lookups = new Map<string, string>();
            for (const l of (f.recordLookups ?? []) as Node[]) {
                const lo = first(l, 'object');
                const nm = first(l, 'name');
                if (!lo) continue;
                if (nm) lookups.set(nm, lo);
                for (const q of l.queriedFields ?? [])
                    if (!fields.has(`${lo}.${textOf(q)}`))
                        report(fieldProblem(lo, String(textOf(q))), `<queriedFields>${textOf(q)}<`);
                for (const flt of (l.filters ?? []) as Node[]) {
                    const fld = first(flt, 'field');
                    if (fld && !fields.has(`${lo}.${fld}`)) report(fieldProblem(lo, fld), `<field>${fld}<`);
                }
            }
            for (const flt of (start.filters ?? []) as Node[]) {
                const fld = first(flt, 'field');
                if (fld && !fields.has(`${object}.${fld}`))
                    report(fieldProblem(object, fld), `<field>${fld}<`);
            }
            const seen = new Set<string>();
            for (const [, v] of leaves(flow))
                for (const m of v.matchAll(/\$Record(?:__Prior)?\.(\w+)|\b(\w+)\.(\w+__c)\b/g)) {
                    const [obj, fld] = m[1] ? [object, m[1]] : [lookups.get(m[2]) ?? null, m[3]];
                    if (!obj || seen.has(`${obj}.${fld}`)) continue;
                    seen.add(`${obj}.${fld}`);
                    if (!fields.has(`${obj}.${fld}`)) report(fieldProblem(obj, fld), fld);
                }
        }
        for (const file of walk(path.join(root, dir), (n) => n.endsWith('.validationRule-meta.xml'))) {
            const text = readFileSync(file, 'utf8');
            const report = (message: string, needle?: string) =>
                problems.push({ file, line: needle ? lineOf(text, needle) : undefined, message });
            const rule = (parser.parse(text) as Node).ValidationRule?.[0];
            if (!rule || typeof rule !== 'object') {
                report('the root element is not <ValidationRule>');
                continue;
            }
            checkElement(rule, 'ValidationRule', 'ValidationRule', (m) => report(m));
            const object = path.basename(path.dirname(path.dirname(file)));
            const formula = textOf((rule as Node).errorConditionFormula?.[0]) ?? '';
            for (const m of formula.matchAll(/\$CustomMetadata\.(\w+)\.(\w+)\.(\w+)/g)) {
                if (!fields.has(`${m[1]}.${m[3]}`))
                    report(`names ${m[1]}.${m[3]}, which does not exist`, m[0]);
                if (!seeds.has(`${m[1].replace(/__mdt$/, '')}.${m[2]}`))
                    report(
                        `names the record ${m[1]}.${m[2]}, which the seed records (data/seed/customMetadata) do not create`,
                        m[0]
                    );
            }
            const plain = formula.replace(/\$CustomMetadata\.[\w.]+/g, '').replace(/"[^"]*"/g, '""');
            for (const m of plain.matchAll(/\b([A-Za-z]\w*__c|Status|IsConverted|LeadSource)\b/g))
                if (!fields.has(`${object}.${m[1]}`)) report(fieldProblem(object, m[1]), m[1]);
            const display = textOf((rule as Node).errorDisplayField?.[0]);
            if (display && !fields.has(`${object}.${display}`))
                report(fieldProblem(object, display), `<errorDisplayField>`);
        }
    }
    return problems;
}
