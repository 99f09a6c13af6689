/**
 * Validates the dashboard's GraphQL documents against the UI API GraphQL schema an org serves (the introspected
 * schema in ../shared/schemas/), extended with this project's objects and fields the way that schema describes
 * every custom object and custom metadata type. Test code only.
 *
 * The `graphql` npm package is not installed here, so this holds a small parser for the two languages involved:
 * SDL as the introspection writes it, and executable documents as the dashboard writes them (one operation,
 * fields, aliases, arguments, variables; no fragments or directives, which the dashboard does not use and a
 * document using them is refused rather than passed unchecked).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

type Tok = { t: 'name' | 'punct' | 'string' | 'number'; v: string };

function tokenize(text: string): Tok[] {
    const out: Tok[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (/[\s,\uFEFF]/.test(c)) i++;
        else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
        else if (text.startsWith('"""', i)) {
            const end = text.indexOf('"""', i + 3);
            out.push({ t: 'string', v: text.slice(i + 3, end) });
            i = end + 3;
        } else if (c === '"') {
            let j = i + 1;
            while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
            out.push({ t: 'string', v: text.slice(i + 1, j) });
            i = j + 1;
        } else if (text.startsWith('...', i)) {
            out.push({ t: 'punct', v: '...' });
            i += 3;
        } else if ('{}()[]:=!$|&@'.includes(c)) {
            out.push({ t: 'punct', v: c });
            i++;
        } else if (/[-0-9]/.test(c)) {
            const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))!;
            out.push({ t: 'number', v: m[0] });
            i += m[0].length;
        } else if (/[_A-Za-z]/.test(c)) {
            const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(text.slice(i))!;
            out.push({ t: 'name', v: m[0] });
            i += m[0].length;
        } else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
    return out;
}

class Reader {
    i = 0;
    constructor(readonly toks: Tok[]) {}
    peek(v?: string): boolean {
        const t = this.toks[this.i];
        return !!t && (v === undefined || t.v === v);
    }
    take(v?: string): Tok {
        const t = this.toks[this.i];
        if (!t) throw new Error(`unexpected end${v ? `, expected ${v}` : ''}`);
        if (v !== undefined && t.v !== v) throw new Error(`expected ${v}, found ${t.v}`);
        this.i++;
        return t;
    }
    skipDescription(): void {
        while (this.toks[this.i]?.t === 'string') this.i++;
    }
}

/** A type reference: the named type, and whether it is a list. */
export interface TypeRef {
    name: string;
    list: boolean;
}

interface FieldDef {
    type: TypeRef;
    args: Map<string, TypeRef>;
}

interface TypeDef {
    kind: 'type' | 'input' | 'enum' | 'scalar' | 'interface' | 'union';
    fields: Map<string, FieldDef>;
    values: Set<string>;
}

/** A parsed schema: types by name. */
export type Schema = Map<string, TypeDef>;

function readTypeRef(r: Reader): TypeRef {
    if (r.peek('[')) {
        r.take('[');
        const inner = readTypeRef(r);
        r.take(']');
        if (r.peek('!')) r.take('!');
        return { name: inner.name, list: true };
    }
    const name = r.take().v;
    if (r.peek('!')) r.take('!');
    return { name, list: false };
}

function skipValue(r: Reader): void {
    const t = r.take();
    if (t.v === '[' || t.v === '{') {
        const close = t.v === '[' ? ']' : '}';
        while (!r.peek(close)) {
            if (t.v === '{') {
                r.take();
                r.take(':');
            }
            skipValue(r);
        }
        r.take(close);
    } else if (t.v === '$') r.take();
}

function skipDirectives(r: Reader): void {
    while (r.peek('@')) {
        r.take('@');
        r.take();
        if (r.peek('(')) {
            r.take('(');
            while (!r.peek(')')) {
                r.take();
                r.take(':');
                skipValue(r);
            }
            r.take(')');
        }
    }
}

/** Parses SDL into `schema`; `extend` adds fields to a type already there. */
export function parseSdl(text: string, schema: Schema = new Map()): Schema {
    const r = new Reader(tokenize(text));
    while (r.peek()) {
        r.skipDescription();
        if (!r.peek()) break;
        let kw = r.take().v;
        if (kw === 'extend') kw = r.take().v;
        if (kw === 'schema') {
            r.take('{');
            while (!r.peek('}')) r.take();
            r.take('}');
            continue;
        }
        if (kw === 'directive') {
            while (!r.peek('on')) r.take();
            r.take('on');
            r.take();
            while (r.peek('|')) {
                r.take('|');
                r.take();
            }
            continue;
        }
        const name = r.take().v;
        const def: TypeDef = schema.get(name) ?? {
            kind: kw as TypeDef['kind'],
            fields: new Map(),
            values: new Set()
        };
        schema.set(name, def);
        if (kw === 'scalar') {
            skipDirectives(r);
            continue;
        }
        if (kw === 'union') {
            r.take('=');
            if (r.peek('|')) r.take('|');
            r.take();
            while (r.peek('|')) {
                r.take('|');
                r.take();
            }
            continue;
        }
        while (!r.peek('{')) r.take(); // implements …, directives
        r.take('{');
        while (!r.peek('}')) {
            r.skipDescription();
            const fname = r.take().v;
            if (kw === 'enum') {
                def.values.add(fname);
                skipDirectives(r);
                continue;
            }
            const args = new Map<string, TypeRef>();
            if (r.peek('(')) {
                r.take('(');
                while (!r.peek(')')) {
                    r.skipDescription();
                    const an = r.take().v;
                    r.take(':');
                    args.set(an, readTypeRef(r));
                    if (r.peek('=')) {
                        r.take('=');
                        skipValue(r);
                    }
                    skipDirectives(r);
                }
                r.take(')');
            }
            r.take(':');
            const type = readTypeRef(r);
            if (r.peek('=')) {
                r.take('=');
                skipValue(r);
            }
            skipDirectives(r);
            def.fields.set(fname, { type, args });
        }
        r.take('}');
    }
    return schema;
}

/** The UI API's types for one metadata field type: record value, filter operators, aggregate, and group/order. */
const FIELD_TYPES: Record<string, { value: string; ops: string; agg: string; group: string | null }> = {
    Number: { value: 'DoubleValue', ops: 'DoubleOperators', agg: 'DoubleAggregate', group: null },
    Percent: { value: 'PercentValue', ops: 'PercentOperators', agg: 'PercentAggregate', group: null },
    Currency: { value: 'CurrencyValue', ops: 'CurrencyOperators', agg: 'CurrencyAggregate', group: null },
    Text: { value: 'StringValue', ops: 'StringOperators', agg: 'StringAggregate', group: 'GroupByClause' },
    LongTextArea: {
        value: 'LongTextAreaValue',
        ops: 'LongTextAreaOperators',
        agg: 'TextAreaAggregate',
        group: null
    },
    Date: { value: 'DateValue', ops: 'DateOperators', agg: 'DateAggregate', group: 'GroupByDateFunction' },
    DateTime: {
        value: 'DateTimeValue',
        ops: 'DateTimeOperators',
        agg: 'DateAggregate',
        group: 'GroupByDateFunction'
    },
    Checkbox: {
        value: 'BooleanValue',
        ops: 'BooleanOperators',
        agg: 'BooleanAggregate',
        group: 'GroupByClause'
    },
    Picklist: {
        value: 'PicklistValue',
        ops: 'PicklistOperators',
        agg: 'PicklistAggregate',
        group: 'GroupByClause'
    }
};

interface MetaField {
    name: string;
    type: string;
    formula: boolean;
}

function readFields(dir: string): MetaField[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
        .filter((f) => f.endsWith('.field-meta.xml'))
        .map((f) => {
            const xml = readFileSync(path.join(dir, f), 'utf8');
            const formula = /<formula>/.test(xml);
            // A formula field is described by the type it returns.
            const type =
                (formula
                    ? /<type>(\w+)<\/type>/.exec(xml.replace(/<formula>[\s\S]*?<\/formula>/, ''))?.[1]
                    : /<type>(\w+)<\/type>/.exec(xml)?.[1]) ?? 'Text';
            return { name: f.replace('.field-meta.xml', ''), type, formula };
        });
}

/** SDL lines adding `fields` to an object's record, filter, order, group and aggregate types. */
function fieldSdl(object: string, fields: MetaField[]): string {
    const pick = (f: MetaField) => {
        const t = FIELD_TYPES[f.type];
        if (!t) throw new Error(`${object}.${f.name}: no UI API mapping for field type ${f.type}`);
        return t;
    };
    const block = (kw: string, name: string, line: (f: MetaField) => string | null) => {
        const lines = fields.map(line).filter((l): l is string => l !== null);
        return lines.length ? `extend ${kw} ${name} {\n${lines.join('\n')}\n}\n` : '';
    };
    return [
        block('type', object, (f) => `${f.name}: ${pick(f).value}`),
        block('input', `${object}_Filter`, (f) => `${f.name}: ${pick(f).ops}`),
        block('input', `${object}_OrderBy`, (f) => `${f.name}: OrderByClause`),
        // SOQL groups neither formula nor number fields: the schema leaves them out of GroupBy.
        block('input', `${object}_GroupBy`, (f) =>
            f.formula || !pick(f).group ? null : `${f.name}: ${pick(f).group}`
        ),
        block('type', `${object}Aggregate`, (f) => `${f.name}: ${pick(f).agg}`)
    ].join('');
}

/**
 * SDL for a project object that the reference org lacks, cloned from an object of the same kind in the reference
 * schema (its standard fields, connections, filters, the RecordQuery/aggregate/semi-join entries), renamed, with
 * that object's own custom fields and relationships dropped.
 */
function cloneObject(sdl: string, template: string, object: string): string {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const family = new RegExp(
        `^(type|input|enum|union) (${esc(template)}(Aggregate|AggregateConnection|AggregateEdge|Connection|Edge|Result|_Filter|_GroupBy|_OrderBy)?|${esc(template.toUpperCase())}_SCOPE)\\b[^\\n]*\\{\\n[\\s\\S]*?^\\}`,
        'gm'
    );
    const rename = (text: string) =>
        text.split(template).join(object).split(template.toUpperCase()).join(object.toUpperCase());
    const blocks = [...sdl.matchAll(family)].map((m) =>
        rename(m[0].replace(/"""[\s\S]*?"""/g, ''))
            .split('\n')
            // Drop the template's own custom fields, relationships and child relationships.
            .filter((l) => !/^\s+\w+__(c|r)\b/.test(l) && !/^\s+\w+\(orderBy/.test(l))
            .join('\n')
    );
    const roots = ['RecordQuery', 'RecordQueryAggregate', 'JoinInput'].map((root) => {
        const body = new RegExp(`^(?:type|input) ${root} \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(sdl)?.[1] ?? '';
        const line = body
            .split('\n')
            .find((l) => l.trim().startsWith(`${template}(`) || l.trim().startsWith(`${template}:`));
        if (!line) throw new Error(`${template} is not under ${root} in the reference schema`);
        return `extend ${root === 'JoinInput' ? 'input' : 'type'} ${root} {\n${rename(line)}\n}`;
    });
    return [...blocks, ...roots].join('\n');
}

/**
 * The reference org's UI API schema plus this project: the run object and both custom metadata types (cloned from
 * the reference's own custom object and custom metadata type), and the project's Lead fields (force-app and routing).
 */
export function projectSchema(root: string, referenceSdl: string): Schema {
    const objects = path.join(root, 'force-app', 'main', 'default', 'objects');
    let extra = '';
    for (const object of readdirSync(objects)) {
        const fields = readFields(path.join(objects, object, 'fields'));
        if (object.endsWith('__mdt')) extra += cloneObject(referenceSdl, 'ACC_Email_Alerts__mdt', object);
        else if (object.endsWith('__c'))
            extra += cloneObject(referenceSdl, 'AG_Change_Request_Log__c', object);
        extra += fieldSdl(object, fields);
    }
    const routing = path.join(root, 'routing', 'main', 'default', 'objects');
    if (existsSync(routing))
        for (const object of readdirSync(routing))
            extra += fieldSdl(object, readFields(path.join(routing, object, 'fields')));
    // GraphQL's built-in scalars are not written in an introspected schema.
    const schema = parseSdl('scalar Int scalar Float scalar String scalar Boolean scalar ID');
    parseSdl(referenceSdl, schema);
    return parseSdl(extra, schema);
}

type Value =
    | { kind: 'var'; name: string }
    | { kind: 'string' | 'number' | 'enum'; v: string }
    | { kind: 'boolean'; v: boolean }
    | { kind: 'null' }
    | { kind: 'list'; items: Value[] }
    | { kind: 'object'; fields: [string, Value][] };

interface Selection {
    alias: string;
    name: string;
    args: [string, Value][];
    selections: Selection[] | null;
}

function readValue(r: Reader): Value {
    const t = r.take();
    if (t.v === '$') return { kind: 'var', name: r.take().v };
    if (t.t === 'string') return { kind: 'string', v: t.v };
    if (t.t === 'number') return { kind: 'number', v: t.v };
    if (t.v === '[') {
        const items: Value[] = [];
        while (!r.peek(']')) items.push(readValue(r));
        r.take(']');
        return { kind: 'list', items };
    }
    if (t.v === '{') {
        const fields: [string, Value][] = [];
        while (!r.peek('}')) {
            const k = r.take().v;
            r.take(':');
            fields.push([k, readValue(r)]);
        }
        r.take('}');
        return { kind: 'object', fields };
    }
    if (t.v === 'true' || t.v === 'false') return { kind: 'boolean', v: t.v === 'true' };
    if (t.v === 'null') return { kind: 'null' };
    return { kind: 'enum', v: t.v };
}

function readSelections(r: Reader): Selection[] {
    r.take('{');
    const out: Selection[] = [];
    while (!r.peek('}')) {
        if (r.peek('...') || r.peek('@')) throw new Error('fragments and directives are not checked here');
        const alias = r.take().v;
        let name = alias;
        if (r.peek(':')) {
            r.take(':');
            name = r.take().v;
        }
        const args: [string, Value][] = [];
        if (r.peek('(')) {
            r.take('(');
            while (!r.peek(')')) {
                const k = r.take().v;
                r.take(':');
                args.push([k, readValue(r)]);
            }
            r.take(')');
        }
        out.push({ alias, name, args, selections: r.peek('{') ? readSelections(r) : null });
    }
    r.take('}');
    return out;
}

const SCALAR_LITERALS: Record<string, Value['kind'][]> = {
    Boolean: ['boolean'],
    Int: ['number'],
    Long: ['number'],
    Float: ['number'],
    Double: ['number'],
    Currency: ['number', 'string'],
    Percent: ['number', 'string']
};

/**
 * Every problem with `document` against `schema`, one line each, empty when valid. Beyond the GraphQL rules, the
 * two the dashboard promises: every record query says how many records it wants (`first`), and every grouped
 * aggregate asks for all its groups (`first`; the connection returns 10 otherwise).
 */
export function validateDocument(schema: Schema, document: string): string[] {
    const problems: string[] = [];
    let r: Reader;
    let vars: Map<string, TypeRef>;
    let selections: Selection[];
    try {
        r = new Reader(tokenize(document));
        r.take('query');
        if (!r.peek('(') && !r.peek('{')) r.take();
        vars = new Map();
        if (r.peek('(')) {
            r.take('(');
            while (!r.peek(')')) {
                r.take('$');
                const name = r.take().v;
                r.take(':');
                vars.set(name, readTypeRef(r));
                if (r.peek('=')) {
                    r.take('=');
                    readValue(r);
                }
            }
            r.take(')');
        }
        selections = readSelections(r);
        if (r.peek()) return [`unexpected ${r.take().v} after the operation`];
    } catch (e) {
        return [`syntax: ${(e as Error).message}`];
    }
    for (const [name, ref] of vars)
        if (!schema.has(ref.name)) problems.push(`variable $${name}: unknown type ${ref.name}`);
    const used = new Set<string>();

    const checkValue = (where: string, ref: TypeRef, value: Value): void => {
        if (value.kind === 'null') return;
        if (value.kind === 'var') {
            used.add(value.name);
            const declared = vars.get(value.name);
            if (!declared) problems.push(`${where}: variable $${value.name} is not declared`);
            else if (declared.name !== ref.name)
                problems.push(`${where}: $${value.name} is ${declared.name}, expected ${ref.name}`);
            return;
        }
        if (value.kind === 'list') {
            if (!ref.list) problems.push(`${where}: a list where ${ref.name} is expected`);
            for (const item of value.items) checkValue(where, { name: ref.name, list: false }, item);
            return;
        }
        const def = schema.get(ref.name);
        if (!def) return void problems.push(`${where}: unknown type ${ref.name}`);
        if (def.kind === 'input') {
            if (value.kind !== 'object')
                return void problems.push(`${where}: expected an ${ref.name} object`);
            for (const [k, v] of value.fields) {
                const f = def.fields.get(k);
                if (!f) problems.push(`${where}: ${ref.name} has no field ${k}`);
                else checkValue(`${where}.${k}`, f.type, v);
            }
        } else if (def.kind === 'enum') {
            if (value.kind !== 'enum' || !def.values.has(value.v))
                problems.push(
                    `${where}: ${JSON.stringify('v' in value ? value.v : value.kind)} is not a ${ref.name}`
                );
        } else if (def.kind === 'scalar') {
            const ok = SCALAR_LITERALS[ref.name] ?? ['string'];
            if (!ok.includes(value.kind))
                problems.push(`${where}: a ${value.kind} where ${ref.name} is expected`);
        } else problems.push(`${where}: ${ref.name} is not an input type`);
    };

    const walk = (typeName: string, sels: Selection[], at: string): void => {
        const def = schema.get(typeName)!;
        for (const s of sels) {
            const where = `${at}.${s.alias}`;
            const field = def.fields.get(s.name);
            if (!field) {
                problems.push(`${where}: ${typeName} has no field ${s.name}`);
                continue;
            }
            for (const [k, v] of s.args) {
                const arg = field.args.get(k);
                if (!arg) problems.push(`${where}: ${s.name} takes no argument ${k}`);
                else checkValue(`${where}(${k})`, arg, v);
            }
            const args = new Set(s.args.map(([k]) => k));
            if (typeName === 'RecordQuery' && !args.has('first'))
                problems.push(`${where}: a record query must say how many records (first)`);
            if (typeName === 'RecordQueryAggregate' && args.has('groupBy') && !args.has('first'))
                problems.push(
                    `${where}: a grouped aggregate must ask for all its groups (first); it returns 10 otherwise`
                );
            const target = schema.get(field.type.name);
            const composite =
                target && (target.kind === 'type' || target.kind === 'interface' || target.kind === 'union');
            if (composite && !s.selections) problems.push(`${where}: ${field.type.name} needs a selection`);
            else if (!composite && s.selections)
                problems.push(`${where}: ${field.type.name} is a leaf and takes no selection`);
            else if (composite && s.selections && target.kind !== 'union')
                walk(field.type.name, s.selections, where);
        }
    };
    walk('Query', selections, 'query');
    for (const name of vars.keys())
        if (!used.has(name)) problems.push(`variable $${name} is declared but never used`);
    return problems;
}

/** The gql documents in a TypeScript source, by the exported constant that holds each. */
export function documentsIn(source: string): { name: string; text: string }[] {
    return [...source.matchAll(/export const (\w+) = gql`([^`]*)`/g)].map((m) => {
        if (m[2].includes('${'))
            throw new Error(`${m[1]} interpolates into its document: it cannot be checked statically`);
        return { name: m[1], text: m[2] };
    });
}
