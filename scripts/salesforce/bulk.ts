/**
 * Reading an org in bulk: Bulk API 2.0 query jobs paged by `Sforce-Locator` by hand (jsforce's bulk2.query fails on
 * multi-page results, jsforce#1546), each page streamed through the CSV record reader so memory stays flat, and the
 * next page asked for while this one is read; REST queries for small results; field names checked against describe
 * before they enter SOQL.
 */
import { CsvRecordSplitter, rowMaker, type CsvRecord, type CsvRecordFilter } from '../sources/csvRecords';
import type { SfConnection } from './connection';
import { SalesforceApiError, SettingsError } from '../errors';
import { classify, delayFor, describeError, retryPolicy, RetryableApiError } from './retry';

export interface BulkOptions {
    pollIntervalMs?: number;
    pollTimeoutMs?: number;
    /** Rows per results page requested from Salesforce. */
    maxRecords?: number;
    /** Attempts per results page when the connection drops or the org answers 503 or a request limit (default 3). */
    pageAttempts?: number;
}

/** Rows to keep, by the value of one column (API field name); the others are stepped over unparsed. */
export interface BulkRowFilter {
    column: string;
    test: (value: string) => boolean;
}

/** The rows of a results page completed by one chunk off the wire. */
export interface BulkBatch {
    /** The page's header: API field names, in the order of each record's fields. */
    columns: string[];
    /** The rows, as their fields (strings; empty = null). Only the kept ones when a filter was given. */
    records: string[][];
    /** How many rows this batch covered, kept or not. */
    read: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a Bulk API 2.0 query and yields its rows (API field names as keys, values as strings). See
 * bulkQueryBatches, which this unpacks a row at a time.
 */
export async function* bulkQuery(
    conn: SfConnection,
    soql: string,
    o: BulkOptions = {}
): AsyncGenerator<Record<string, string>> {
    let columns: string[] | null = null;
    let makeRow: (fields: readonly string[]) => Record<string, string> = () => ({});
    for await (const batch of bulkQueryBatches(conn, soql, o)) {
        if (batch.columns !== columns) {
            columns = batch.columns;
            makeRow = rowMaker(columns);
        }
        for (const fields of batch.records) yield makeRow(fields);
    }
}

/**
 * Runs a Bulk API 2.0 query and yields its rows in order, a batch per chunk received (see BulkQuery.batches). The
 * job is deleted when done or on error.
 */
export async function* bulkQueryBatches(
    conn: SfConnection,
    soql: string,
    o: BulkOptions = {},
    keep?: BulkRowFilter
): AsyncGenerator<BulkBatch> {
    const query = await BulkQuery.start(conn, soql, o);
    yield* query.batches(keep);
}

/**
 * One Bulk API 2.0 query job, created at once and read later, so that a reader can have Salesforce prepare the next
 * query while it reads this one. Job creation and polling go through jsforce (so an expired session is refreshed);
 * results pages are fetched directly and parsed as they arrive.
 */
export class BulkQuery {
    /** The page asked for ahead of time, and its URL. */
    private ahead: { url: string; res: Promise<Response> } | null = null;
    private completed: Promise<void> | null = null;
    private deleted = false;

    private constructor(
        private readonly conn: SfConnection,
        private readonly soql: string,
        private readonly o: BulkOptions,
        private readonly base: string,
        readonly id: string
    ) {}

    /** Creates the query job. */
    static async start(conn: SfConnection, soql: string, o: BulkOptions = {}): Promise<BulkQuery> {
        const base = `/services/data/v${conn.version}/jobs/query`;
        const job = await conn.request<{ id: string }>({
            method: 'POST',
            url: base,
            body: JSON.stringify({ operation: 'query', query: soql }),
            headers: { 'Content-Type': 'application/json' }
        });
        return new BulkQuery(conn, soql, o, base, job.id);
    }

    /** Polls the job until it is complete (once, however often it is asked). */
    private complete(): Promise<void> {
        this.completed ??= (async () => {
            const deadline = Date.now() + (this.o.pollTimeoutMs ?? 30 * 60_000);
            for (;;) {
                const info = await this.conn.request<{ state: string; errorMessage?: string }>(
                    `${this.base}/${this.id}`
                );
                if (info.state === 'JobComplete') return;
                if (info.state === 'Failed' || info.state === 'Aborted')
                    throw new SalesforceApiError(
                        `Bulk query ${info.state.toLowerCase()}: ${info.errorMessage ?? 'no message'} (${this.soql.slice(0, 60)}...)`
                    );
                if (Date.now() > deadline)
                    throw new SalesforceApiError(`Bulk query job ${this.id} did not complete in time`);
                await sleep(this.o.pollIntervalMs ?? 2000);
            }
        })();
        return this.completed;
    }

    private pageUrl(locator: string | null): string {
        return `${this.conn.instanceUrl}${this.base}/${this.id}/results?maxRecords=${this.o.maxRecords ?? 50000}${locator ? `&locator=${encodeURIComponent(locator)}` : ''}`;
    }

    /** Asks for a page now, to be read later; a failure is met (and retried) when it is read. */
    private fetchAhead(url: string, after: Promise<void> = Promise.resolve()): void {
        if (this.ahead || this.deleted) return;
        const res = after.then(() => fetchPage(this.conn, url));
        res.catch(() => undefined);
        this.ahead = { url, res };
    }

    /**
     * Waits for the job in the background and asks for its first results page, so that both are under way while
     * the reader is still busy with an earlier query.
     */
    prepare(): void {
        const done = this.complete();
        done.catch(() => undefined);
        this.fetchAhead(this.pageUrl(null), done);
    }

    /**
     * Yields the rows in order, a batch per chunk received (a consumer awaits once a batch, not once a row). Once
     * half of a page has been handed over, the next page is asked for, so that Salesforce prepares it while this one
     * is read (a consumer that stops early has cost at most that one page more); on the last page, the first page of
     * the query `then` returns (the reader's next query, when it has been started) is asked for instead. A page cut
     * off mid-way is fetched again and the rows already handed over are skipped. `keep`, when given, steps over the
     * rows it does not want without cutting them into fields. The job is deleted when done or on error.
     */
    async *batches(keep?: BulkRowFilter, then?: () => BulkQuery | null): AsyncGenerator<BulkBatch> {
        try {
            await this.complete();
            let url: string | null = this.pageUrl(null);
            while (url) {
                /** Rows of this page handed over (or stepped over) so far, over every attempt. */
                let done = 0;
                let next: string | null = null;
                for (let attempt = 1; ; attempt++) {
                    try {
                        let res: Response;
                        if (this.ahead?.url === url) {
                            const pending: Promise<Response> = this.ahead.res;
                            this.ahead = null;
                            res = await pending;
                        } else res = await fetchPage(this.conn, url);
                        const header = res.headers.get('sforce-locator');
                        next = header && header !== 'null' ? header : null;
                        const rowsInPage =
                            Number(res.headers.get('sforce-numberofrecords')) || (this.o.maxRecords ?? 50000);
                        // The same record reader as the CSV source (about ten times csv-parse's speed); the first
                        // record of every page is its header. A retry reads in full and drops the rows handed over:
                        // only a first read may step over rows, as every row of it counts.
                        let columns: string[] | null = null;
                        let keyColumn = -1;
                        const filterFor =
                            keep && done === 0
                                ? (h: string[]): CsvRecordFilter | null => {
                                      const column = h.indexOf(keep.column);
                                      return column < 0
                                          ? null
                                          : { column, fields: h.length, keep: keep.test };
                                  }
                                : undefined;
                        const splitter = new CsvRecordSplitter(filterFor);
                        const decoder = new TextDecoder();
                        let seen = 0;
                        let stepped = 0;
                        const batchOf = (records: CsvRecord[]): BulkBatch => {
                            const kept: string[][] = [];
                            let read = splitter.skipped - stepped;
                            seen += read;
                            stepped = splitter.skipped;
                            for (const r of records) {
                                if (!columns) {
                                    columns = r.fields;
                                    if (keep) keyColumn = columns.indexOf(keep.column);
                                    continue;
                                }
                                if (r.fields.length !== columns.length)
                                    throw new Error(
                                        `results line ${r.line} has ${r.fields.length} fields, the header ${columns.length}`
                                    );
                                if (seen++ < done) continue;
                                read++;
                                // Rows the reader could not step over safely are checked here.
                                if (keep && !keep.test(r.fields[keyColumn] ?? '')) continue;
                                kept.push(r.fields);
                            }
                            return { columns: columns ?? [], records: kept, read };
                        };
                        const handOver = function* (batch: BulkBatch): Generator<BulkBatch> {
                            if (batch.read > 0) yield batch;
                        };
                        // A dropped connection ends this loop with an error: the page is fetched again below.
                        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
                            yield* handOver(batchOf(splitter.push(decoder.decode(chunk, { stream: true }))));
                            done = Math.max(done, seen);
                            if (done * 2 >= rowsInPage) {
                                if (next) this.fetchAhead(this.pageUrl(next));
                                else then?.()?.prepare();
                            }
                        }
                        const tail = decoder.decode();
                        yield* handOver(batchOf([...(tail ? splitter.push(tail) : []), ...splitter.end()]));
                        done = Math.max(done, seen);
                        break;
                    } catch (e) {
                        // A page is a GET: safe to ask again after a 503, a request limit or a dropped connection.
                        const kind = classify(e);
                        const permanent = kind === 'permanent' && e instanceof SalesforceApiError;
                        if (permanent || attempt >= (this.o.pageAttempts ?? 3))
                            throw permanent
                                ? e
                                : new SalesforceApiError(
                                      `Bulk results page failed ${attempt} times: ${describeError(e)}`
                                  );
                        await sleep(
                            kind === 'permanent' ? 200 * attempt : delayFor(kind, attempt, retryPolicy())
                        );
                    }
                }
                url = next ? this.pageUrl(next) : null;
            }
        } finally {
            await this.delete();
        }
    }

    /** Deletes the job (and drops a page asked for ahead); harmless when already deleted. */
    async delete(): Promise<void> {
        if (this.deleted) return;
        this.deleted = true;
        const ahead = this.ahead;
        this.ahead = null;
        if (ahead) ahead.res.then((r) => r.body?.cancel()).catch(() => undefined);
        await this.conn.request({ method: 'DELETE', url: `${this.base}/${this.id}` }).catch(() => undefined);
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
            const message = `${code}: Bulk results request failed (${text.slice(0, 120)})`;
            const kind = classify({
                errorCode: code === `HTTP_${res.status}` ? `ERROR_HTTP_${res.status}` : code
            });
            throw kind === 'permanent'
                ? new SalesforceApiError(message)
                : new RetryableApiError(kind, message);
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

/**
 * Whether the org has an sObject the job's user can see (LeadHistory is missing where field history tracking
 * was never turned on for Lead): describe answers NOT_FOUND for one it does not have.
 */
export async function sobjectExists(conn: SfConnection, sobject: string): Promise<boolean> {
    try {
        await conn.describe(sobject);
        return true;
    } catch (e) {
        const err = e as { errorCode?: string; name?: string; message?: string };
        if (/NOT_FOUND|INVALID_TYPE/.test(`${err.errorCode ?? err.name} ${err.message}`)) return false;
        throw e;
    }
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
