/**
 * Fault injection for the loopback org: which queued fault a request meets, and a write batch that dies half-way.
 * Faults are what a real org or its load balancer does to a client: a 503 on any call, REQUEST_LIMIT_EXCEEDED
 * (HTTP 403), an expired session, and a collections write whose first records are committed before the connection
 * drops, so the client cannot tell what landed. Test code only.
 */
import type http from 'node:http';

/** Where a queued fault applies: a path pattern, an HTTP method, how many matching calls pass first, how often. */
export interface FaultScope {
    /** Tested against the path with its query string. */
    match?: RegExp;
    /** GET, POST, PATCH, DELETE (SOAP calls are POST). */
    method?: string;
    /** Matching calls that pass untouched before the fault starts firing (default 0). */
    skip?: number;
    /** Matching calls the fault fires on before it is used up (default 1): a large number is an outage. */
    times?: number;
}

/**
 * An sObject Collections write that commits its first `after` records, then loses the connection before any
 * answer: what a client sees when a proxy or the org times out mid-request.
 */
export interface MidBatchFault extends FaultScope {
    kind: 'MID_BATCH';
    after: number;
}

/**
 * The first queued fault of one of `kinds` that applies to this call, consumed by one use; undefined when none
 * does. A fault that is still skipping counts this call and lets it through.
 */
export function takeFault<F extends { kind: string } & FaultScope>(
    faults: F[],
    kinds: readonly string[],
    method: string,
    pathWithQuery: string
): F | undefined {
    for (let i = 0; i < faults.length; i++) {
        const f = faults[i];
        if (!kinds.includes(f.kind)) continue;
        if (f.match && !f.match.test(pathWithQuery)) continue;
        if (f.method && f.method !== method) continue;
        if ((f.skip ?? 0) > 0) {
            f.skip = (f.skip ?? 0) - 1;
            return undefined;
        }
        f.times = (f.times ?? 1) - 1;
        if (f.times <= 0) faults.splice(i, 1);
        return f;
    }
    return undefined;
}

/**
 * Ends a collections call the MID_BATCH way: the records before `after` have been applied by the caller; the socket
 * is destroyed with no response, so the client sees a dropped connection.
 */
export function dropConnection(res: http.ServerResponse): void {
    res.socket?.destroy();
}
