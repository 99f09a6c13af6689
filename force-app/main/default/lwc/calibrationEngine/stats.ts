/**
 * Small statistics the method needs: Wilson intervals, a seeded PRNG, Poisson draws for the bootstrap,
 * percentiles and medians from histograms. Pure and deterministic.
 */
import type { Rate } from './types';

/**
 * Wilson score interval for a proportion (95% by default).
 * Rule: centre = (p + z²/2n) / (1 + z²/n), half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
 * Edge cases: total 0 gives rate, low and high null; count is clamped to [0, total].
 */
export function wilson(count: number, total: number, z = 1.96): Rate {
    if (!(total > 0)) return { count: 0, total: 0, rate: null, low: null, high: null };
    const k = Math.min(Math.max(count, 0), total);
    const p = k / total;
    const z2 = z * z;
    const denom = 1 + z2 / total;
    const centre = (p + z2 / (2 * total)) / denom;
    const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
    return { count: k, total, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). Same seed, same sequence, on every platform. */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * A Poisson(lambda) draw: Knuth's product method below 30, a rounded normal approximation above.
 * Used by the Poisson bootstrap, where each lead's weight is Poisson(1), so a cell of n leads becomes Poisson(n).
 */
export function poisson(lambda: number, rand: () => number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
        const limit = Math.exp(-lambda);
        let k = 0;
        let p = rand();
        while (p > limit) {
            k++;
            p *= rand();
        }
        return k;
    }
    // Box-Muller normal approximation.
    const u1 = Math.max(rand(), 1e-12);
    const u2 = rand();
    const n = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * n));
}

/** The q-quantile (0-1) of a list of numbers by the nearest-rank rule; null for an empty list. */
export function quantile(values: number[], q: number): number | null {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank];
}

/** Median of a histogram whose index is the value (e.g. days); null when it is empty. */
export function histogramMedian(hist: ArrayLike<number>): number | null {
    let total = 0;
    for (let i = 0; i < hist.length; i++) total += hist[i];
    if (total === 0) return null;
    const half = total / 2;
    let run = 0;
    for (let i = 0; i < hist.length; i++) {
        run += hist[i];
        if (run >= half) return i;
    }
    return hist.length - 1;
}

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/**
 * Parses an ISO date or date-time to epoch milliseconds; NaN for null, empty or unparseable input.
 * The shapes Salesforce writes (`2024-01-02`, `2024-01-02T03:04:05.000+0000`, `...Z`) take a fast path that
 * reads the digits directly (Date.parse is the hot spot at a million leads); anything else goes to Date.parse.
 */
export function toMs(value: string | null | undefined): number {
    if (!value) return NaN;
    const n = value.length;
    if (n >= 10 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45) {
        const y = digits(value, 0, 4);
        const mo = digits(value, 5, 2);
        const d = digits(value, 8, 2);
        if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
        if (y < 0) return NaN;
        if (n === 10) return daysFromCivil(y, mo, d) * DAY_MS;
        if (n >= 19 && value.charCodeAt(10) === 84) {
            let i = 19;
            let ms = 0;
            if (i < n && value.charCodeAt(i) === 46) {
                let scale = 100;
                for (i = 20; i < n; i++) {
                    const c = value.charCodeAt(i) - 48;
                    if (c < 0 || c > 9) break;
                    ms += c * scale;
                    scale /= 10;
                }
            }
            if (utcZone(value, i)) {
                const h = digits(value, 11, 2);
                const mi = digits(value, 14, 2);
                const se = digits(value, 17, 2);
                if (h >= 0 && h < 24 && mi >= 0 && se >= 0) return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + se) * 1000 + Math.round(ms);
            }
        }
    }
    // Other offsets: Date.parse reads +hh:mm everywhere, +hhmm not.
    const v = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value;
    return Date.parse(v);
}

/** True when the rest of the string from `i` is empty, Z, or a zero UTC offset (+0000, +00:00, -0000, -00:00). */
function utcZone(s: string, i: number): boolean {
    const rest = s.length - i;
    if (rest === 0) return true;
    if (rest === 1) return s.charCodeAt(i) === 90;
    const sign = s.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return false;
    // Character codes only: no closure or substring per call (this runs for every date-time of every lead).
    if (rest === 5)
        return s.charCodeAt(i + 1) === 48 && s.charCodeAt(i + 2) === 48 && s.charCodeAt(i + 3) === 48 && s.charCodeAt(i + 4) === 48;
    return (
        rest === 6 &&
        s.charCodeAt(i + 1) === 48 &&
        s.charCodeAt(i + 2) === 48 &&
        s.charCodeAt(i + 3) === 58 &&
        s.charCodeAt(i + 4) === 48 &&
        s.charCodeAt(i + 5) === 48
    );
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil): pure arithmetic. */
function daysFromCivil(y: number, m: number, d: number): number {
    const yy = m <= 2 ? y - 1 : y;
    const era = Math.floor(yy / 400);
    const yoe = yy - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
}

function digits(s: string, at: number, len: number): number {
    let v = 0;
    for (let i = at; i < at + len; i++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return -1;
        v = v * 10 + c;
    }
    return v;
}

/** Adds whole days to an ISO date (YYYY-MM-DD) and returns an ISO date. */
export function addDays(isoDate: string, days: number): string {
    return new Date(toMs(isoDate.slice(0, 10)) + days * DAY_MS).toISOString().slice(0, 10);
}

let H1 = 0;
let H2 = 0;

/** Two independent 32-bit hashes of an id (FNV-1a and a murmur-style mix) into H1 and H2; H2 is never 0. */
function idHashes(id: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
        const c = id.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 16777619);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    H1 = h1;
    H2 = h2 | 1;
}

/**
 * A map from ids to small non-negative integers kept as two independent 32-bit hashes in typed arrays (open
 * addressing), for millions of lead and opportunity ids without holding the id strings: 12 bytes a slot instead of
 * a string and a hash-table entry. Two ids are confused only if both hashes collide (about 1 in 2^64).
 */
export class IdHashMap {
    /** Slots of three Int32 each — hash 1, hash 2 (0 = empty), value — side by side, so a probe reads one cache line. */
    private slots = new Int32Array(3 << 16);
    private capacity = 1 << 16;
    private count = 0;

    /** Sets `id` to `value` unless it is already there; returns false when it was. */
    setIfAbsent(id: string, value: number): boolean {
        if (this.count * 2 >= this.capacity) this.grow();
        idHashes(id);
        return this.put(H1, H2, value);
    }

    /** The value of `id`, or -1. */
    get(id: string): number {
        idHashes(id);
        return this.getHashed();
    }

    /** The value of the id last hashed (by `get`, `setIfAbsent` or an IdHashSet's `add`), or -1: one hash, two maps. */
    getHashed(): number {
        const h1 = H1;
        const h2 = H2;
        const s = this.slots;
        const mask = this.capacity - 1;
        for (let i = h1 & mask; s[i * 3 + 1] !== 0; i = (i + 1) & mask) if (s[i * 3] === h1 && s[i * 3 + 1] === h2) return s[i * 3 + 2];
        return -1;
    }

    get size(): number {
        return this.count;
    }

    private put(h1: number, h2: number, value: number): boolean {
        const s = this.slots;
        const mask = this.capacity - 1;
        let i = h1 & mask;
        while (s[i * 3 + 1] !== 0) {
            if (s[i * 3] === h1 && s[i * 3 + 1] === h2) return false;
            i = (i + 1) & mask;
        }
        s[i * 3] = h1;
        s[i * 3 + 1] = h2;
        s[i * 3 + 2] = value;
        this.count++;
        return true;
    }

    private grow(): void {
        const old = this.slots;
        const oldCapacity = this.capacity;
        this.capacity = oldCapacity * 2;
        this.slots = new Int32Array(this.capacity * 3);
        this.count = 0;
        for (let i = 0; i < oldCapacity; i++) if (old[i * 3 + 1] !== 0) this.put(old[i * 3], old[i * 3 + 1], old[i * 3 + 2]);
    }
}

/** A set of ids on IdHashMap: catches duplicates among millions of ids in 12 bytes each. */
export class IdHashSet {
    private readonly map = new IdHashMap();

    /** Adds an id; returns false when it was already there. */
    add(id: string): boolean {
        return this.map.setIfAbsent(id, 0);
    }

    get size(): number {
        return this.map.size;
    }
}
