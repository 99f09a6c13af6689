/**
 * Reading an org in bulk: Bulk API 2.0 query jobs paged by `Sforce-Locator` by hand (jsforce's bulk2.query fails on
 * multi-page results, jsforce#1546), each page streamed through the CSV record reader so memory stays flat; REST queries for
 * small results; field names checked against describe before they enter SOQL.
 */
import { CsvRecordSplitter, type CsvRecord } from '../sources/csvRecords';
import type { SfConnection } from './connection';
import { SalesforceApiError, SettingsError } from '../errors';

export interface BulkOptions {
    pollIntervalMs?: number;
    pollTimeoutMs?: number;
    /** Rows per results page requested from Salesforce. */
    maxRecords?: number;
    /** Attempts per results page when the connection drops (default 3). */
    pageAttempts?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a Bulk API 2.0 query and yields its rows (API field names as keys, values as strings). Job creation and
 * polling go through jsforce (so an expired session is refreshed); results pages are fetched directly and parsed
 * as they arrive. A page cut off mid-way is fetched again and the rows already yielded are skipped. The job is
 * deleted when done or on error.
 */
export async function* bulkQuery(
    conn: SfConnection,
    soql: string,
    o: BulkOptions = {}
): AsyncGenerator<Record<string, string>> {
    const base = `/services/data/v${conn.version}/jobs/query`;
    const job = await conn.request<{ id: string }>({
        method: 'POST',
        url: base,
        body: JSON.stringify({ operation: 'query', query: soql }),
        headers: { 'Content-Type': 'application/json' }
    });
    try {
        const deadline = Date.now() + (o.pollTimeoutMs ?? 30 * 60_000);
        for (;;) {
            const info = await conn.request<{ state: string; errorMessage?: string }>(`${base}/${job.id}`);
            if (info.state === 'JobComplete') break;
            if (info.state === 'Failed' || info.state === 'Aborted')
                throw new SalesforceApiError(
                    `Bulk query ${info.state.toLowerCase()}: ${info.errorMessage ?? 'no message'} (${soql.slice(0, 60)}...)`
                );
            if (Date.now() > deadline)
                throw new SalesforceApiError(`Bulk query job ${job.id} did not complete in time`);
            await sleep(o.pollIntervalMs ?? 2000);
        }
        let locator: string | null = null;
        do {
            const url = `${conn.instanceUrl}${base}/${job.id}/results?maxRecords=${o.maxRecords ?? 50000}${locator ? `&locator=${encodeURIComponent(locator)}` : ''}`;
            let yielded = 0;
            let next: string | null = null;
            for (let attempt = 1; ; attempt++) {
                try {
                    const res = await fetchPage(conn, url);
                    const header = res.headers.get('sforce-locator');
                    next = header && header !== 'null' ? header : null;
                    let i = 0;
                    // The same record reader as the CSV source (about ten times csv-parse's speed); the first
                    // record of every page is its header.
                    const splitter = new CsvRecordSplitter();
                    const decoder = new TextDecoder();
                    let columns: string[] | null = null;
                    const rows = function* (records: CsvRecord[]): Generator<Record<string, string>> {
                        for (const r of records) {
                            if (!columns) {
                                columns = r.fields;
                                continue;
                            }
                            if (r.fields.length !== columns.length)
                                throw new Error(
                                    `results line ${r.line} has ${r.fields.length} fields, the header ${columns.length}`
                                );
                            if (i++ < yielded) continue;
                            const row: Record<string, string> = {};
                            for (let k = 0; k < columns.length; k++) row[columns[k]] = r.fields[k];
                            yield row;
                        }
                    };
                    // A dropped connection ends this loop with an error: the page is fetched again below.
                    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
                        for (const row of rows(splitter.push(decoder.decode(chunk, { stream: true })))) {
                            yielded++;
                            yield row;
                        }
                    }
                    const tail = decoder.decode();
                    for (const row of rows([...(tail ? splitter.push(tail) : []), ...splitter.end()])) {
                        yielded++;
                        yield row;
                    }
                    break;
                } catch (e) {
                    if (e instanceof SalesforceApiError || attempt >= (o.pageAttempts ?? 3))
                        throw e instanceof SalesforceApiError
                            ? e
                            : new SalesforceApiError(
                                  `Bulk results page failed ${attempt} times: ${(e as Error).message}`
                              );
                    await sleep(200 * attempt);
                }
            }
            locator = next;
        } while (locator);
    } finally {
        await conn.request({ method: 'DELETE', url: `${base}/${job.id}` }).catch(() => undefined);
    }
}

/** GETs one results page; a 401 is handed to jsforce (which refreshes the session) and the page is tried again. */
async function fetchPage(conn: SfConnection, url: string): Promise<Response> {
    for (let i = 0; i < 2; i++) {
        const res = await fetch(url, {
            headers: { Authorization: `Bearer ${conn.accessToken}`, Accept: 'text/csv' }
        });
        if (res.status === 401 && i === 0) {
            await res.body?.cancel();
            // Any jsforce call with the stale token triggers its session refresh; the new token lands on conn.
            await conn.request(`/services/data/v${conn.version}/limits`);
            continue;
        }
        if (!res.ok) {
            const text = await res.text();
            let code = `HTTP_${res.status}`;
            try {
                code = (JSON.parse(text) as { errorCode: string }[])[0].errorCode;
            } catch {
                /* not JSON */
            }
            throw new SalesforceApiError(`${code}: Bulk results request failed (${text.slice(0, 120)})`);
        }
        return res;
    }
    throw new SalesforceApiError('INVALID_SESSION_ID: the session could not be refreshed');
}

/** Options of restQueryAll. */
export interface RestQueryOptions {
    /** The most records a "small" result may have (default 10,000); more is an error, never a silent cut. */
    maxFetch?: number;
}

/**
 * Runs a REST query and returns every record, following nextRecordsUrl itself (jsforce's autoFetch stops quietly
 * at its maxFetch). For small results only — settings, thresholds, previous runs — so it refuses to grow past
 * `maxFetch` instead of holding a large result in memory.
 */
export async function restQueryAll<T = Record<string, unknown>>(
    conn: SfConnection,
    soql: string,
    options: RestQueryOptions = {}
): Promise<T[]> {
    const maxFetch = options.maxFetch ?? 10_000;
    let page = await conn.query<T>(soql);
    const out = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
        if (out.length > maxFetch) break;
        page = await conn.queryMore<T>(page.nextRecordsUrl);
        out.push(...page.records);
    }
    if (out.length > maxFetch)
        throw new SalesforceApiError(
            `REST query returned more than ${maxFetch} records where a small result was expected: ${soql.slice(0, 80)}`
        );
    return out.map((r) => {
        const { attributes: _a, ...rest } = r as Record<string, unknown>;
        return rest as T;
    });
}

/** Field names of an sObject with their describe types (`double`, `picklist`, ...), from describe. */
export async function describeFields(conn: SfConnection, sobject: string): Promise<Map<string, string>> {
    const d = await conn.describe(sobject);
    return new Map(d.fields.map((f) => [f.name, f.type ?? 'string']));
}

/** Describe types a score can be read from. */
export const NUMERIC_FIELD_TYPES = ['double', 'int', 'percent', 'currency'] as const;

/** A settings-supplied field name to check: where it came from, and optionally the describe types it may have. */
export interface FieldCheck {
    name: string;
    setting: string;
    types?: readonly string[];
}

/**
 * Rejects a field name that describe does not list (or lists with a type the job cannot use), before it goes
 * into SOQL: settings can name fields, so this is what keeps a crafted setting from injecting SOQL. `setting`
 * names where the field came from, so the one-line error points at the key to fix.
 */
export function assertFieldsExist(known: Map<string, string>, sobject: string, fields: FieldCheck[]): void {
    for (const f of fields) {
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(f.name) || !known.has(f.name)) {
            throw new SettingsError(
                `${f.setting}: "${f.name}" is not a field of ${sobject} in this org (checked against describe)`
            );
        }
        const type = known.get(f.name)!;
        if (f.types && !f.types.includes(type)) {
            throw new SettingsError(
                `${f.setting}: ${sobject}.${f.name} is a ${type} field; expected one of ${f.types.join(', ')}`
            );
        }
    }
}
