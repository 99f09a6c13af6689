/**
 * Retrying what is safe to retry. jsforce retries GETs on a 5xx but never a POST or PATCH, and never a request
 * limit; an expired session it renews itself when it can (SF_REFRESH_TOKEN, or the sf CLI's authorisation). Every
 * write the job makes is idempotent — metadata upserts, run records upserted on Run_Key__c, field updates by Id —
 * so a write whose answer was lost can be sent again; a plain insert (POST to sObject Collections) cannot, and is
 * never retried here.
 */
import type { SfConnection } from './connection';
import { SalesforceApiError } from '../errors';
import type { WriteLog } from './writeLog';

/** How a failed call may be treated: sent again at once-ish, later, never; and whether it may have landed. */
export type FailureKind = 'unavailable' | 'limit' | 'lost' | 'permanent';

export interface RetryPolicy {
    /** Tries per call, the first included. */
    attempts: number;
    /** Wait before the first retry; doubles each time, four times longer after a request-limit error. */
    baseMs: number;
}

/** The policy for this process: 4 tries from 1 s (SF_RETRY_BASE_MS overrides the base, e.g. for tests). */
export function retryPolicy(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
    const base = Number(env.SF_RETRY_BASE_MS);
    return { attempts: 4, baseMs: Number.isFinite(base) && base >= 0 ? base : 1000 };
}

const NETWORK =
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR_SOCKET|socket hang up|fetch failed|terminated/i;

/** What kind of failure an error from jsforce or fetch is. */
export function classify(e: unknown): FailureKind {
    if (e instanceof RetryableApiError) return e.kind;
    const err = e as { errorCode?: string; name?: string; code?: string; message?: string };
    const code = String(err?.errorCode ?? err?.name ?? '').replace(/^sf:/, '');
    if (code === 'REQUEST_LIMIT_EXCEEDED') return 'limit';
    if (/^ERROR_HTTP_(500|502|503|504)$/.test(code) || code === 'SERVER_UNAVAILABLE') return 'unavailable';
    if (NETWORK.test(String(err?.code ?? '')) || NETWORK.test(String(err?.message ?? ''))) return 'lost';
    return 'permanent';
}

/** A failure of a call the job makes itself (Bulk results pages), marked with how it may be retried. */
export class RetryableApiError extends SalesforceApiError {
    constructor(
        readonly kind: Exclude<FailureKind, 'permanent'>,
        message: string
    ) {
        super(message);
    }
}

/** Milliseconds to wait before retry number `retry` (1 = the first). */
export function delayFor(kind: FailureKind, retry: number, policy: RetryPolicy): number {
    return policy.baseMs * 2 ** (retry - 1) * (kind === 'limit' ? 4 : 1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line for an error: its code (when jsforce gives one) and message. */
export function describeError(e: unknown): string {
    const err = e as { errorCode?: string; message?: string };
    const message = String(err?.message ?? e).split('\n')[0];
    const code = err?.errorCode?.replace(/^sf:/, '');
    return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/**
 * Calls `fn` until it succeeds, a permanent error, or the policy's last try; `onRetry` hears of each retry. The
 * error of the last try is thrown, with `attempts` set on it.
 */
export async function withRetry<T>(
    fn: () => Promise<T>,
    policy: RetryPolicy,
    onRetry?: (kind: FailureKind, error: unknown) => void
): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (e) {
            const kind = classify(e);
            if (kind === 'permanent' || attempt >= policy.attempts) {
                if (e && typeof e === 'object') (e as { attempts?: number }).attempts = attempt;
                throw e;
            }
            onRetry?.(kind, e);
            await sleep(delayFor(kind, attempt, policy));
        }
    }
}

type Req = { method: string; url: string; body?: string; headers?: Record<string, string> };

/**
 * The same connection, with every call retried under `policy` — except inserts, which could land twice — and, when
 * a write log is given, every write's outcome recorded in it: what the org confirmed, refused, or left unanswered.
 */
export function retrying(conn: SfConnection, policy: RetryPolicy, log?: WriteLog): SfConnection {
    const again = <T>(fn: () => Promise<T>) => withRetry(fn, policy);
    const write = async <T>(
        step: ReturnType<WriteLog['stepOf']>,
        sent: number,
        fn: () => Promise<T>,
        names?: (string | undefined)[]
    ) => {
        if (!log || !step) return again(fn);
        log.sending(step, sent);
        try {
            const res = await withRetry(fn, policy, () => log.retried(step));
            log.answered(step, res, names);
            return res;
        } catch (e) {
            log.lost(step, sent, classify(e) === 'lost', e);
            throw e;
        }
    };
    const metadata = new Proxy(conn.metadata, {
        get(target, prop) {
            if (prop === 'upsert')
                return (type: string, records: object[]) =>
                    write(log?.stepOf('SOAP', type, records) ?? null, records.length, () =>
                        target.upsert(type, records)
                    );
            if (prop === 'read')
                return (type: string, names: string[]) => again(() => target.read(type, names));
            const v = Reflect.get(target, prop) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
        }
    });
    return new Proxy(conn, {
        get(target, prop) {
            switch (prop) {
                case 'metadata':
                    return metadata;
                case 'request':
                    return (req: string | Req) => {
                        if (typeof req === 'string') return again(() => target.request(req));
                        const insert = req.method === 'POST' && /\/composite\/sobjects$/.test(req.url);
                        const records = req.body ? recordsOf(req.body) : null;
                        const step = records ? (log?.stepOf(req.method, req.url, records) ?? null) : null;
                        if (insert) return target.request(req);
                        // The org answers record by record in the order sent, and a refused record's answer may
                        // carry no id: its name comes from what was sent.
                        const names = records?.map((r) => String(r.Id ?? r.Run_Key__c ?? '') || undefined);
                        return write(step, records?.length ?? 0, () => target.request(req), names);
                    };
                case 'query':
                    return (soql: string, o?: object) => again(() => target.query(soql, o));
                case 'queryMore':
                    return (locator: string) => again(() => target.queryMore(locator));
                case 'describe':
                    return (sobject: string) => again(() => target.describe(sobject));
                default: {
                    const v = Reflect.get(target, prop) as unknown;
                    return typeof v === 'function' ? v.bind(target) : v;
                }
            }
        }
    });
}

function recordsOf(body: string): Record<string, unknown>[] | null {
    try {
        const parsed = JSON.parse(body) as { records?: unknown };
        return Array.isArray(parsed.records) ? (parsed.records as Record<string, unknown>[]) : null;
    } catch {
        return null;
    }
}
