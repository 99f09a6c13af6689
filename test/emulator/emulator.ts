/**
 * A loopback Salesforce org for tests and the benchmark: REST query/queryMore, describe, sObject Collections,
 * Bulk API 2.0 query jobs with locator paging, Metadata API SOAP (read/upsert/create of CustomMetadata), session
 * tokens that can be rotated, a fault queue, and a log of every write. Test code only; never shipped.
 * Behaviour follows ../shared/reference/offline-salesforce-testing.md (what jsforce 3.10 sends and expects).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { dropConnection, takeFault as takeQueued, type FaultScope, type MidBatchFault } from './faults';
import { Access, loadOrgRules, OrgGuard, OrgRefusal, type EmulatedUser } from './orgRules';

export type Row = Record<string, string | number | boolean | null>;

/** The org's data: sObject rows by type, and custom metadata records by full name (`Type.Record`). */
export interface EmulatedOrg {
    sobjects: Record<string, Row[]>;
    /** Field names per sObject for describe; rows may omit fields (null). */
    schema: Record<string, string[]>;
    /** Describe types where the built-in guess (see fieldType) is wrong or the field is not a known one. */
    fieldTypes?: Record<string, Record<string, string>>;
    metadata: Map<string, { label: string; values: Record<string, string | null> }>;
    /** External id fields per sObject (unique): what an upsert may key on, and what an insert may not repeat. */
    externalIds?: Record<string, string[]>;
    /**
     * The org's own validation rules (or a flow that fails): an update whose resulting record `refuses` is refused
     * with FIELD_CUSTOM_VALIDATION_EXCEPTION, as nothing outside the org can know beforehand.
     */
    validationRules?: { object: string; message: string; refuses: (record: Row) => boolean }[];
}

/** Describe types of the standard and package fields the job touches; anything else is a string. */
const KNOWN_TYPES: Record<string, string> = {
    Id: 'id',
    LeadId: 'reference',
    ConvertedOpportunityId: 'reference',
    IsConverted: 'boolean',
    IsWon: 'boolean',
    IsClosed: 'boolean',
    Is_Latest__c: 'boolean',
    Existing_Customer__c: 'boolean',
    Outbound_Assisted__c: 'boolean',
    Demo_Requested__c: 'boolean',
    NumberOfEmployees: 'int',
    Amount: 'currency',
    pi__score__c: 'double',
    Score_At_Handoff__c: 'double',
    Expected_Rejection_Rate__c: 'percent',
    Rejection_Rate__c: 'percent',
    SQL_Rate__c: 'percent',
    Status: 'picklist',
    LeadSource: 'picklist',
    Field: 'picklist',
    Handoff_Score_Source__c: 'picklist',
    Rejection_Reason__c: 'picklist',
    MQL_Pilot_Group__c: 'picklist',
    Recommendation_Status__c: 'picklist',
    CreatedDate: 'datetime',
    Handoff_Date__c: 'datetime',
    First_Touch_Date__c: 'datetime',
    Run_At__c: 'datetime',
    Recommended_On__c: 'datetime',
    ConvertedDate: 'date',
    CloseDate: 'date',
    As_Of__c: 'date',
    Frozen_Until__c: 'date',
    Pilot_Start__c: 'date',
    Pilot_Min_Weeks__c: 'double',
    OldValue: 'anyType',
    NewValue: 'anyType'
};

const NUMBER_FIELD = /(Threshold|_Low|_High|Size|Per_Month|Count|Order|Handed_Off|Won)__c$/;

/** The describe type of a field: the org's own override, a known field, a numeric-looking package field, or string. */
export function fieldType(org: Pick<EmulatedOrg, 'fieldTypes'>, sobject: string, field: string): string {
    return (
        org.fieldTypes?.[sobject]?.[field] ??
        KNOWN_TYPES[field] ??
        (NUMBER_FIELD.test(field) ? 'double' : 'string')
    );
}

/** What a typed Metadata API value must look like, by its xsi:type. */
const XSD_FORMATS: Record<string, RegExp> = {
    'xsd:double': /^-?\d+(\.\d+)?$/,
    'xsd:int': /^-?\d+$/,
    'xsd:boolean': /^(true|false)$/,
    'xsd:date': /^\d{4}-\d{2}-\d{2}$/,
    'xsd:dateTime': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/
};

export type Fault = (
    | { kind: 'INVALID_SESSION_ID'; match?: RegExp }
    | { kind: 'REQUEST_LIMIT_EXCEEDED'; match?: RegExp }
    | { kind: 'QUERY_TIMEOUT'; match?: RegExp }
    | { kind: '503'; match?: RegExp }
    | { kind: 'CUT'; match?: RegExp }
    // (`match` is tested against the path with its query string.)
    | { kind: 'JOB_FAILED'; match?: RegExp }
    | { kind: 'METADATA_PARTIAL'; fullName: string }
    | MidBatchFault
) &
    FaultScope;

export interface WriteLogEntry {
    method: string;
    path: string;
    body: string;
}

export interface EmulatorOptions {
    /** Rows per Bulk 2.0 results page (default 1,000). */
    bulkPageSize?: number;
    /** Records per REST query page (default 2,000). */
    restPageSize?: number;
    /** Polls answering InProgress before JobComplete (default 1). */
    pollsBeforeComplete?: number;
    lineEnding?: 'LF' | 'CRLF';
    /** The integration user's username (default USERNAME); two emulated orgs authorised side by side need two. */
    username?: string;
    /** The refresh token /services/oauth2/token accepts (default 'REFRESH-1'). */
    refreshToken?: string;
    /**
     * Who the session belongs to (default 'admin'): the job's tests pass the job's permission set, and the org
     * then refuses what that set does not allow (see orgRules.ts). The schema's rules hold for every user.
     */
    user?: EmulatedUser;
    /** The force-app/main/default folder whose metadata and permission sets the org enforces (default: this project's). */
    metadataRoot?: string;
}

export interface Emulator {
    url: string;
    /** The currently valid access token. */
    token: string;
    /** Invalidates the current token and returns the new one (what a refresh would obtain). */
    rotateToken(): string;
    faults: Fault[];
    writes: WriteLogEntry[];
    requests: { method: string; path: string }[];
    org: EmulatedOrg;
    close(): Promise<void>;
}

const API = /^\/services\/data\/v(\d+\.\d+)/;

/** The integration user the emulator's tokens belong to. */
export const USERNAME = 'calibration-job@emulated.example';
const USER_ID = '005000000000001AAA';
const ORG_ID = '00D000000000001AAA';

/** Parses the SOQL subset the job sends: SELECT f, ... FROM T [WHERE a op v AND ...] [ORDER BY f [DESC]] [LIMIT n]. */
export function parseSoql(soql: string): {
    fields: string[];
    from: string;
    where: { field: string; op: string; value: string | number | boolean | null }[];
    orderBy?: { field: string; desc: boolean };
    limit?: number;
} {
    const m =
        /^\s*SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(\w+)(\s+DESC|\s+ASC)?)?(?:\s+LIMIT\s+(\d+))?\s*$/i.exec(
            soql
        );
    if (!m) throw new SoqlError(`MALFORMED_QUERY: unexpected token in "${soql.slice(0, 80)}"`);
    const where = (m[3] ? m[3].split(/\s+AND\s+/i) : []).map((c) => {
        const w = /^\s*(\w+)\s*(=|!=|>=|<=|>|<)\s*(.+?)\s*$/.exec(c);
        if (!w) throw new SoqlError(`MALFORMED_QUERY: cannot read condition "${c}"`);
        const raw = w[3];
        let value: string | number | boolean | null;
        if (/^'.*'$/.test(raw)) value = raw.slice(1, -1).replace(/\\'/g, "'");
        else if (/^null$/i.test(raw)) value = null;
        else if (/^(true|false)$/i.test(raw)) value = raw.toLowerCase() === 'true';
        else if (Number.isFinite(Number(raw))) value = Number(raw);
        else value = raw; // date literals compare as strings
        return { field: w[1], op: w[2], value };
    });
    return {
        fields: m[1].split(',').map((f) => f.trim()),
        from: m[2],
        where,
        orderBy: m[4] ? { field: m[4], desc: /desc/i.test(m[5] ?? '') } : undefined,
        limit: m[6] ? Number(m[6]) : undefined
    };
}

class SoqlError extends Error {}

function evaluate(org: EmulatedOrg, soql: string, guard: OrgGuard): { fields: string[]; rows: Row[] } {
    const q = parseSoql(soql);
    guard.checkQuery(q.from, [...q.fields, ...q.where.map((w) => w.field)]);
    let rows = rowsOf(org, q.from).filter((r) =>
        q.where.every((w) => {
            const v = r[w.field] ?? null;
            switch (w.op) {
                case '=':
                    return w.value === null ? v === null || v === '' : String(v) === String(w.value);
                case '!=':
                    return w.value === null ? !(v === null || v === '') : String(v) !== String(w.value);
                default: {
                    if (v === null) return false;
                    const a = typeof w.value === 'number' ? Number(v) : String(v);
                    const b = w.value as number | string;
                    return w.op === '>=' ? a >= b : w.op === '<=' ? a <= b : w.op === '>' ? a > b : a < b;
                }
            }
        })
    );
    if (q.orderBy) {
        const { field, desc } = q.orderBy;
        rows = [...rows].sort(
            (a, b) =>
                (String(a[field] ?? '') < String(b[field] ?? '')
                    ? -1
                    : String(a[field] ?? '') > String(b[field] ?? '')
                      ? 1
                      : 0) * (desc ? -1 : 1)
        );
    }
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    return { fields: q.fields, rows };
}

/** Custom metadata types are queryable like objects: one row per record, DeveloperName from the full name. */
function rowsOf(org: EmulatedOrg, from: string): Row[] {
    if (!from.endsWith('__mdt')) return org.sobjects[from] ?? [];
    const prefix = `${from.slice(0, -5)}.`;
    return [...org.metadata.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => ({
            Id: `m00${k.length}`,
            DeveloperName: k.slice(prefix.length),
            MasterLabel: v.label,
            ...v.values
        }));
}

function csvValue(v: string | number | boolean | null | undefined): string {
    if (v === null || v === undefined) return '';
    return `"${String(v).replace(/"/g, '""')}"`;
}

const xml = new XMLParser({
    ignoreAttributes: false,
    removeNSPrefix: true,
    parseTagValue: false,
    isArray: (name) => ['metadata', 'values', 'fullNames'].includes(name)
});

function soapEnvelope(body: string): string {
    return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

function esc(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Starts the emulator on 127.0.0.1 with an ephemeral port. */
export async function startEmulator(org: EmulatedOrg, options: EmulatorOptions = {}): Promise<Emulator> {
    const bulkPage = options.bulkPageSize ?? 1000;
    const restPage = options.restPageSize ?? 2000;
    const polls = options.pollsBeforeComplete ?? 1;
    const eol = options.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const refreshToken = options.refreshToken ?? 'REFRESH-1';
    const username = options.username ?? USERNAME;
    let token = 'TOKEN-1';
    let tokenN = 1;
    const guard = new OrgGuard(
        (object) => org.schema[object],
        (object, field) => fieldType(org, object, field),
        new Access(loadOrgRules(options.metadataRoot), options.user)
    );
    const faults: Fault[] = [];
    const writes: WriteLogEntry[] = [];
    const requests: { method: string; path: string }[] = [];
    const cursors = new Map<string, { fields: string[]; rows: Row[] }>();
    const jobs = new Map<
        string,
        { soql: string; polls: number; result?: { fields: string[]; rows: Row[] }; error?: string }
    >();

    const takeFault = (method: string, path: string, kinds: Fault['kind'][]): Fault | undefined =>
        takeQueued(faults, kinds, method, path);

    const json = (res: http.ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
        res.end(JSON.stringify(body));
    };
    const restError = (res: http.ServerResponse, status: number, errorCode: string, message: string) =>
        json(res, status, [{ message, errorCode }]);

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const url = new URL(req.url ?? '/', 'http://localhost');
            const path = url.pathname;
            const method = req.method ?? 'GET';
            requests.push({ method, path: `${path}${url.search}` });
            try {
                handle(method, path, url, body, req, res);
            } catch (e) {
                if (e instanceof SoqlError) {
                    const [code, ...rest] = e.message.split(': ');
                    return restError(res, 400, code, rest.join(': '));
                }
                if (e instanceof OrgRefusal)
                    return path.startsWith('/services/Soap/')
                        ? soapFault(res, e.code, e.message)
                        : restError(res, e.status, e.code, e.message);
                restError(res, 500, 'UNKNOWN_EXCEPTION', (e as Error).message);
            }
        });
    });

    function authorised(req: http.IncomingMessage, body: string, soap: boolean): boolean {
        if (soap) {
            const m = /<sessionId>([^<]*)<\/sessionId>/.exec(body);
            return !!m && m[1] === token;
        }
        return req.headers.authorization === `Bearer ${token}`;
    }

    function soapFault(res: http.ServerResponse, code: string, message: string): void {
        res.writeHead(500, { 'Content-Type': 'text/xml;charset=UTF-8' });
        res.end(
            soapEnvelope(
                `<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${esc(message)}</faultstring></soapenv:Fault>`
            )
        );
    }

    function handle(
        method: string,
        path: string,
        url: URL,
        body: string,
        req: http.IncomingMessage,
        res: http.ServerResponse
    ): void {
        if (path === '/services/oauth2/token' && method === 'POST') return oauthToken(body, res);
        // Who the token belongs to: what @salesforce/core asks when an org is authorised from an access token.
        if (path === '/services/oauth2/userinfo' && method === 'GET') {
            if (req.headers.authorization !== `Bearer ${token}`)
                return restError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
            return json(res, 200, {
                user_id: USER_ID,
                organization_id: ORG_ID,
                preferred_username: username
            });
        }
        const soap = path.startsWith('/services/Soap/m/');
        const api = API.exec(path);
        if (!soap && !api)
            return restError(res, 404, 'NOT_FOUND', `The requested resource does not exist: ${path}`);
        const fault = takeFault(method, `${path}${url.search}`, [
            'INVALID_SESSION_ID',
            'REQUEST_LIMIT_EXCEEDED',
            'QUERY_TIMEOUT',
            '503',
            'CUT'
        ]);
        if (fault?.kind === 'INVALID_SESSION_ID') {
            rotate();
            return soap
                ? soapFault(
                      res,
                      'INVALID_SESSION_ID',
                      'Invalid Session ID found in SessionHeader: Illegal Session'
                  )
                : restError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        }
        if (!authorised(req, body, soap)) {
            return soap
                ? soapFault(
                      res,
                      'INVALID_SESSION_ID',
                      'Invalid Session ID found in SessionHeader: Illegal Session'
                  )
                : restError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        }
        if (fault?.kind === 'REQUEST_LIMIT_EXCEEDED')
            return soap
                ? soapFault(res, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
                : restError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
        if (fault?.kind === 'QUERY_TIMEOUT')
            return restError(res, 400, 'QUERY_TIMEOUT', 'Your query request was running for too long.');
        if (fault?.kind === '503') {
            res.writeHead(503, { 'Content-Type': 'text/plain' });
            return void res.end('Service Unavailable');
        }
        guard.checkApi();
        if (soap) return metadataApi(body, res);
        const rest = path.slice(api![0].length);
        if (method === 'GET' && rest === '/query')
            return restQuery(url.searchParams.get('q') ?? '', res, api![1]);
        const more = /^\/query\/([\w-]+)$/.exec(rest);
        if (method === 'GET' && more) return restMore(more[1], res, api![1]);
        const describe = /^\/sobjects\/(\w+)\/describe$/.exec(rest);
        if (method === 'GET' && describe) {
            const described = guard.describe(describe[1]);
            if (!described) return restError(res, 404, 'NOT_FOUND', `The requested resource does not exist`);
            return json(res, 200, described);
        }
        if (method === 'GET' && rest === `/sobjects/User/${USER_ID}`)
            return json(res, 200, { attributes: { type: 'User' }, Id: USER_ID, Username: username });
        if (rest === '/composite/sobjects' && (method === 'POST' || method === 'PATCH'))
            return collections(method, path, body, res);
        const upsert = /^\/composite\/sobjects\/(\w+)\/(\w+)$/.exec(rest);
        if (upsert && method === 'PATCH') return collections(method, path, body, res, upsert[1], upsert[2]);
        if (rest === '/jobs/query' && method === 'POST') return createJob(path, body, res, api![1]);
        const job = /^\/jobs\/query\/([\w-]+)(\/results)?$/.exec(rest);
        if (job && method === 'GET' && !job[2]) return pollJob(job[1], path, res, api![1]);
        if (job && method === 'GET' && job[2]) return results(job[1], url, res, fault?.kind === 'CUT');
        if (job && method === 'DELETE') {
            jobs.delete(job[1]);
            res.writeHead(204);
            return void res.end();
        }
        if (rest === '/limits' && method === 'GET')
            return json(res, 200, { DailyApiRequests: { Max: 15000, Remaining: 14000 } });
        restError(res, 404, 'NOT_FOUND', `The requested resource does not exist: ${path}`);
    }

    function page(id: string, version: string, res: http.ServerResponse, from: number): void {
        const c = cursors.get(id)!;
        const slice = c.rows.slice(from, from + restPage);
        const done = from + restPage >= c.rows.length;
        json(res, 200, {
            totalSize: c.rows.length,
            done,
            ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${from + restPage}` }),
            records: slice.map((r) => ({
                attributes: { type: 'Row', url: '' },
                ...Object.fromEntries(c.fields.map((f) => [f, r[f] ?? null]))
            }))
        });
    }

    function restQuery(soql: string, res: http.ServerResponse, version: string): void {
        const id = `01g${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        cursors.set(id, evaluate(org, soql, guard));
        page(id, version, res, 0);
    }

    function restMore(locator: string, res: http.ServerResponse, version: string): void {
        const m = /^(.*)-(\d+)$/.exec(locator);
        if (!m || !cursors.has(m[1]))
            return restError(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        page(m[1], version, res, Number(m[2]));
    }

    /**
     * sObject Collections: insert (POST), update by Id (PATCH), or upsert on an external id field (PATCH
     * .../composite/sobjects/Type/Field). Each record succeeds or fails alone (allOrNone false); an external id value
     * is unique, as the org's unique index makes it.
     */
    function collections(
        method: string,
        path: string,
        body: string,
        res: http.ServerResponse,
        upsertType?: string,
        upsertField?: string
    ): void {
        writes.push({ method, path, body });
        const payload = JSON.parse(body) as {
            allOrNone?: boolean;
            records: (Row & { attributes: { type: string } })[];
        };
        if (upsertType && !(org.externalIds?.[upsertType] ?? []).includes(upsertField!))
            return restError(
                res,
                400,
                'INVALID_FIELD',
                `Field name provided, ${upsertField} is not an External ID or indexed field for ${upsertType}`
            );
        const cut = takeFault(method, path, ['MID_BATCH']) as MidBatchFault | undefined;
        const fail = (statusCode: string, message: string, fields: string[] = []) => ({
            success: false,
            errors: [{ statusCode, message, fields }]
        });
        const out: object[] = [];
        for (const [i, rec] of payload.records.entries()) {
            if (cut && i >= cut.after) return dropConnection(res);
            const type = rec.attributes.type;
            const fields = org.schema[type];
            const bad = Object.keys(rec).find((k) => k !== 'attributes' && !fields?.includes(k));
            if (!fields || bad) {
                out.push(fail('INVALID_FIELD', `No such column '${bad}' on sobject of type ${type}`, [bad!]));
                continue;
            }
            const { attributes: _a, ...values } = rec;
            const rows = (org.sobjects[type] ??= []);
            const unique = (org.externalIds?.[type] ?? []).filter((f) => values[f] != null);
            const clash = (except?: Row) =>
                unique.find((f) => rows.some((r) => r !== except && r[f] === values[f]));
            let row: Row | undefined;
            if (upsertType) {
                if (type !== upsertType || values[upsertField!] == null) {
                    out.push(
                        fail('INVALID_FIELD', `${upsertField} is required for an upsert of ${upsertType}`)
                    );
                    continue;
                }
                row = rows.find((r) => r[upsertField!] === values[upsertField!]);
            }
            // An upsert that finds no record creates one: the org checks it as an insert.
            const creating = method === 'POST' || (!!upsertType && !row);
            const existing = creating ? undefined : (row ?? rows.find((r) => r.Id === values.Id));
            const refused = guard.checkWrite(creating ? 'POST' : 'PATCH', type, values, existing);
            if (refused) {
                out.push({ id: values.Id ?? null, success: false, errors: [refused] });
                continue;
            }
            const rule = org.validationRules?.find(
                (v) => v.object === type && v.refuses({ ...existing, ...values } as Row)
            );
            if (rule) {
                out.push(fail('FIELD_CUSTOM_VALIDATION_EXCEPTION', rule.message));
                continue;
            }
            if (creating) {
                const dup = clash();
                if (dup) {
                    out.push(
                        fail('DUPLICATE_VALUE', `duplicate value found: ${dup} duplicates value on record`, [
                            dup
                        ])
                    );
                    continue;
                }
                const id = `a0${type.length}${String(rows.length + 1).padStart(13, '0')}`;
                rows.push({ ...values, Id: id });
                out.push({ id, success: true, errors: [], ...(upsertType ? { created: true } : {}) });
                continue;
            }
            row ??= rows.find((r) => r.Id === values.Id);
            if (!row) {
                out.push({ id: values.Id, ...fail('ENTITY_IS_DELETED', 'entity is deleted') });
                continue;
            }
            const dup = clash(row);
            if (dup) {
                out.push(
                    fail('DUPLICATE_VALUE', `duplicate value found: ${dup} duplicates value on record`, [dup])
                );
                continue;
            }
            Object.assign(row, values);
            out.push({ id: row.Id, success: true, errors: [], ...(upsertType ? { created: false } : {}) });
        }
        json(res, 200, out);
    }

    function createJob(path: string, body: string, res: http.ServerResponse, version: string): void {
        const { query } = JSON.parse(body) as { query: string; operation: string };
        const id = `750${randomUUID().replace(/-/g, '').slice(0, 15)}`;
        const job: {
            soql: string;
            polls: number;
            result?: { fields: string[]; rows: Row[] };
            error?: string;
        } = { soql: query, polls: 0 };
        try {
            job.result = evaluate(org, query, guard);
        } catch (e) {
            if (e instanceof SoqlError) {
                const [code, ...rest] = e.message.split(': ');
                return restError(res, 400, code, rest.join(': '));
            }
            if (e instanceof OrgRefusal) return restError(res, e.status, e.code, e.message);
            throw e;
        }
        jobs.set(id, job);
        json(res, 200, {
            id,
            operation: 'query',
            object: parseSoql(query).from,
            state: 'UploadComplete',
            apiVersion: Number(version),
            contentType: 'CSV',
            lineEnding: eol === '\n' ? 'LF' : 'CRLF',
            columnDelimiter: 'COMMA'
        });
    }

    function pollJob(id: string, path: string, res: http.ServerResponse, version: string): void {
        const job = jobs.get(id);
        if (!job) return restError(res, 404, 'NOT_FOUND', 'job not found');
        const failIdx = faults.findIndex((f) => f.kind === 'JOB_FAILED' && (!f.match || f.match.test(path)));
        if (failIdx >= 0) {
            faults.splice(failIdx, 1);
            job.error = 'INVALID_FIELD: the query could not be run (emulated failure)';
        }
        if (job.error)
            return json(res, 200, {
                id,
                state: 'Failed',
                jobType: 'V2Query',
                apiVersion: Number(version),
                errorMessage: job.error
            });
        job.polls++;
        const state = job.polls > polls ? 'JobComplete' : 'InProgress';
        json(res, 200, {
            id,
            state,
            jobType: 'V2Query',
            apiVersion: Number(version),
            numberRecordsProcessed: state === 'JobComplete' ? job.result!.rows.length : 0
        });
    }

    /** The OAuth 2.0 refresh-token flow: the registered refresh token gets the currently valid access token. */
    function oauthToken(body: string, res: http.ServerResponse): void {
        const params = new URLSearchParams(body);
        if (
            params.get('grant_type') !== 'refresh_token' ||
            params.get('refresh_token') !== refreshToken ||
            !params.get('client_id')
        ) {
            return json(res, 400, {
                error: 'invalid_grant',
                error_description: 'expired access/refresh token'
            });
        }
        json(res, 200, {
            access_token: token,
            instance_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            id: `http://127.0.0.1/id/${ORG_ID}/${USER_ID}`,
            token_type: 'Bearer',
            issued_at: String(Date.now()),
            signature: 'emulated'
        });
    }

    function results(id: string, url: URL, res: http.ServerResponse, cut: boolean): void {
        const job = jobs.get(id);
        if (!job) return restError(res, 404, 'NOT_FOUND', 'job not found');
        if (job.polls <= polls) return restError(res, 412, 'JOB_NOT_COMPLETE', 'job is not complete');
        const { fields, rows } = job.result!;
        const from = url.searchParams.get('locator')
            ? Number(Buffer.from(url.searchParams.get('locator')!, 'base64url').toString())
            : 0;
        const max = Math.min(Number(url.searchParams.get('maxRecords') ?? bulkPage) || bulkPage, bulkPage);
        const slice = rows.slice(from, from + max);
        const next =
            from + max < rows.length ? Buffer.from(String(from + max)).toString('base64url') : 'null';
        res.writeHead(200, {
            'Content-Type': 'text/csv',
            'Sforce-Locator': next,
            'Sforce-NumberOfRecords': String(slice.length)
        });
        const lines = [fields.map((f) => `"${f}"`).join(',')];
        for (const r of slice) lines.push(fields.map((f) => csvValue(r[f])).join(','));
        const text = lines.join(eol) + eol;
        if (cut) {
            // Send part of the page, then drop the connection: the client must retry the page, not lose rows.
            res.write(text.slice(0, Math.floor(text.length / 2)));
            setTimeout(() => res.socket?.destroy(), 5);
            return;
        }
        res.end(text);
    }

    function metadataApi(body: string, res: http.ServerResponse): void {
        const doc = xml.parse(body) as { Envelope: { Body: Record<string, any> } };
        const call = Object.keys(doc.Envelope.Body)[0];
        const args = doc.Envelope.Body[call];
        const reply = (inner: string) => {
            res.writeHead(200, { 'Content-Type': 'text/xml;charset=UTF-8' });
            res.end(soapEnvelope(`<${call}Response>${inner}</${call}Response>`));
        };
        // CRUD-based metadata calls take at most 10 components, reads and writes alike.
        const count = call === 'readMetadata' ? (args.fullNames ?? []).length : (args.metadata ?? []).length;
        if (count > 10)
            return soapFault(
                res,
                'EXCEEDED_ID_LIMIT',
                `record limit reached. cannot submit more than 10 records in a single call (${count} sent)`
            );
        if (call === 'readMetadata') {
            guard.checkMetadataRead();
            const names: string[] = (args.fullNames ?? []).map(String);
            return reply(
                `<result>${names
                    .map((n) => {
                        const r = org.metadata.get(n);
                        if (!r) return '<records xsi:nil="true"/>';
                        return `<records xsi:type="CustomMetadata"><fullName>${esc(n)}</fullName><label>${esc(r.label)}</label><protected>false</protected>${Object.entries(
                            r.values
                        )
                            .map(
                                ([f, v]) =>
                                    `<values><field>${f}</field>${v === null ? '<value xsi:nil="true"/>' : `<value xsi:type="xsd:string">${esc(v)}</value>`}</values>`
                            )
                            .join('')}</records>`;
                    })
                    .join('')}</result>`
            );
        }
        if (call === 'upsertMetadata' || call === 'createMetadata') {
            writes.push({ method: 'SOAP', path: call, body });
            const results = (args.metadata ?? []).map((md: any) => {
                const fullName = String(md.fullName);
                const failIdx = faults.findIndex(
                    (f) => f.kind === 'METADATA_PARTIAL' && f.fullName === fullName
                );
                if (failIdx >= 0) {
                    faults.splice(failIdx, 1);
                    return metadataError(
                        fullName,
                        'INVALID_CROSS_REFERENCE_KEY',
                        `Emulated failure for ${fullName}`
                    );
                }
                const exists = org.metadata.has(fullName);
                if (call === 'createMetadata' && exists)
                    return metadataError(
                        fullName,
                        'DUPLICATE_DEVELOPER_NAME',
                        `There is already a record named ${fullName}`
                    );
                const values: Record<string, string | null> = {};
                const type = `${fullName.split('.')[0]}__mdt`;
                const known = org.schema[type];
                for (const v of md.values ?? []) {
                    const raw = v.value;
                    const field = String(v.field);
                    const nil = raw && typeof raw === 'object' && raw['@_nil'] === 'true';
                    const text =
                        nil || raw === undefined || raw === ''
                            ? null
                            : typeof raw === 'object'
                              ? String(raw['#text'] ?? '')
                              : String(raw);
                    const xsdType =
                        raw && typeof raw === 'object' ? (raw['@_type'] as string | undefined) : undefined;
                    // A type the emulator knows the fields of checks names and typed values, as the org would.
                    if (known && !known.includes(field))
                        return metadataError(
                            fullName,
                            'INVALID_FIELD',
                            `no CustomField named ${type}.${field} found`
                        );
                    if (
                        text !== null &&
                        xsdType &&
                        XSD_FORMATS[xsdType] &&
                        !XSD_FORMATS[xsdType].test(text)
                    ) {
                        return metadataError(
                            fullName,
                            'INVALID_TYPE',
                            `${field}: '${text}' is not a valid value for the type ${xsdType}`
                        );
                    }
                    values[field] = text;
                }
                const refused = guard.checkMetadataWrite(type, values);
                if (refused) return metadataError(fullName, refused.statusCode, refused.message);
                // A CustomMetadata upsert replaces the whole record, as a deploy does.
                org.metadata.set(fullName, { label: String(md.label ?? fullName.split('.')[1]), values });
                return `<result><created>${!exists}</created><fullName>${esc(fullName)}</fullName><success>true</success></result>`;
            });
            return reply(results.join(''));
        }
        soapFault(res, 'INVALID_OPERATION', `unsupported call ${call}`);
    }

    function metadataError(fullName: string, statusCode: string, message: string): string {
        return `<result><errors><message>${esc(message)}</message><statusCode>${statusCode}</statusCode></errors><fullName>${esc(fullName)}</fullName><success>false</success></result>`;
    }

    function rotate(): string {
        token = `TOKEN-${++tokenN}`;
        return token;
    }

    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        get token() {
            return token;
        },
        rotateToken: rotate,
        faults,
        writes,
        requests,
        org,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            })
    };
}
