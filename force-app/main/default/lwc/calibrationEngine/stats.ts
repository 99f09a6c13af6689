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

/** Days since 1970-01-01 of the first of each month of the years 1900-2199, at (year - 1900) × 12 + month − 1. */
const MONTH_START = (() => {
    const t = new Int32Array(300 * 12);
    for (let y = 1900; y < 2200; y++)
        for (let m = 1; m <= 12; m++) t[(y - 1900) * 12 + m - 1] = daysFromCivil(y, m, 1);
    return t;
})();

/**
 * Parses an ISO date or date-time to epoch milliseconds; NaN for null, empty or unparseable input.
 * The shapes Salesforce writes (`2024-01-02`, `2024-01-02T03:04:05.000+0000`, `...Z`) in the years 1900-2199 take a
 * fast path that reads each character once and checks all the digits of a part with one test (Date.parse is the hot
 * spot at a million leads, and a test per digit was half of this); other years and shapes take `toMsSlow`, and
 * anything it does not know goes to Date.parse.
 */
export function toMs(value: string | null | undefined): number {
    if (!value) return NaN;
    const n = value.length;
    if (n !== 10 && (n < 19 || value.charCodeAt(10) !== 84)) return toMsSlow(value);
    const y1 = value.charCodeAt(0) - 48;
    const y2 = value.charCodeAt(1) - 48;
    const y3 = value.charCodeAt(2) - 48;
    const y4 = value.charCodeAt(3) - 48;
    const m1 = value.charCodeAt(5) - 48;
    const m2 = value.charCodeAt(6) - 48;
    const d1 = value.charCodeAt(8) - 48;
    const d2 = value.charCodeAt(9) - 48;
    if (
        !allDigits(
            y1 | y2 | y3 | y4 | m1 | m2 | d1 | d2,
            (y1 + 6) | (y2 + 6) | (y3 + 6) | (y4 + 6) | (m1 + 6) | (m2 + 6) | (d1 + 6) | (d2 + 6)
        ) ||
        value.charCodeAt(4) !== 45 ||
        value.charCodeAt(7) !== 45
    )
        return toMsSlow(value);
    const y = y1 * 1000 + y2 * 100 + y3 * 10 + y4;
    const mo = m1 * 10 + m2;
    const d = d1 * 10 + d2;
    if (y < 1900 || y >= 2200 || mo < 1 || mo > 12 || d < 1 || d > 31) return toMsSlow(value);
    const dayMs = (MONTH_START[(y - 1900) * 12 + mo - 1] + d - 1) * DAY_MS;
    if (n === 10) return dayMs;
    const h1 = value.charCodeAt(11) - 48;
    const h2 = value.charCodeAt(12) - 48;
    const i1 = value.charCodeAt(14) - 48;
    const i2 = value.charCodeAt(15) - 48;
    const s1 = value.charCodeAt(17) - 48;
    const s2 = value.charCodeAt(18) - 48;
    if (
        !allDigits(h1 | h2 | i1 | i2 | s1 | s2, (h1 + 6) | (h2 + 6) | (i1 + 6) | (i2 + 6) | (s1 + 6) | (s2 + 6)) ||
        value.charCodeAt(13) !== 58 ||
        value.charCodeAt(16) !== 58 ||
        h1 * 10 + h2 > 23
    )
        return toMsSlow(value);
    const at = dayMs + (((h1 * 10 + h2) * 60 + i1 * 10 + i2) * 60 + s1 * 10 + s2) * 1000;
    if (n === 19) return at;
    // Milliseconds and a zero offset as Salesforce writes them: `.000+0000` or `.000Z`.
    if (value.charCodeAt(19) === 46 && (n === 28 || n === 24)) {
        const f1 = value.charCodeAt(20) - 48;
        const f2 = value.charCodeAt(21) - 48;
        const f3 = value.charCodeAt(22) - 48;
        if (allDigits(f1 | f2 | f3, (f1 + 6) | (f2 + 6) | (f3 + 6))) {
            const zone =
                n === 24
                    ? value.charCodeAt(23) === 90
                    : value.charCodeAt(23) === 43 &&
                      value.charCodeAt(24) === 48 &&
                      value.charCodeAt(25) === 48 &&
                      value.charCodeAt(26) === 48 &&
                      value.charCodeAt(27) === 48;
            if (zone) return at + f1 * 100 + f2 * 10 + f3;
        }
    }
    return toMsSlow(value);
}

/**
 * Whether character codes minus '0' were all digits 0-9, from them OR-ed together (`any`) and each plus 6 OR-ed
 * together (`anyPlus6`): no bit above the lowest four in `any` (that also catches characters below '0'), and none
 * reaching 16 in `anyPlus6` (that catches ':' to '?'). One test for a whole part of a date instead of one a digit.
 */
function allDigits(any: number, anyPlus6: number): boolean {
    return (any & ~15) === 0 && (anyPlus6 & 16) === 0;
}

/** `toMs` for every shape and year: digits read one by one, any fraction length and zero-offset spelling. */
function toMsSlow(value: string): number {
    const n = value.length;
    if (n >= 10 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45) {
        const y = digits(value, 0, 4);
        const mo = digits(value, 5, 2);
        const d = digits(value, 8, 2);
        if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
        if (y < 0) return NaN;
        const day =
            y >= 1900 && y < 2200 ? MONTH_START[(y - 1900) * 12 + mo - 1] + d - 1 : daysFromCivil(y, mo, d);
        if (n === 10) return day * DAY_MS;
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
                if (h >= 0 && h < 24 && mi >= 0 && se >= 0)
                    return day * DAY_MS + ((h * 60 + mi) * 60 + se) * 1000 + Math.round(ms);
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
        return (
            s.charCodeAt(i + 1) === 48 &&
            s.charCodeAt(i + 2) === 48 &&
            s.charCodeAt(i + 3) === 48 &&
            s.charCodeAt(i + 4) === 48
        );
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

/**
 * The month index (year × 12 + month − 1) of a day number (days since 1970-01-01, UTC): from the table of month
 * starts for 1900-2199 (a guess from the mean month length, corrected by a step), by arithmetic elsewhere.
 */
export function monthOfDay(day: number): number {
    let i = Math.floor((day + 25567) / 30.436875);
    if (i >= 0 && i < MONTH_START.length) {
        if (i + 1 < MONTH_START.length && MONTH_START[i + 1] <= day) i++;
        else if (MONTH_START[i] > day) i--;
        if (i >= 0) return 1900 * 12 + i;
    }
    const z = day + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor(
        (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365
    );
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return y * 12 + m - 1;
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
/** The part of a table an id goes to (0-255), from its characters but the last five. */
let PART = 0;

/**
 * Two independent 32-bit hashes of an id (FNV-1a and a murmur-style mix) into H1 and H2 (never 0), and the part of
 * a table it belongs in, PART, from a hash of all its characters but the last five. Ids that differ only at the end
 * (Salesforce ids made one after another, which exports list in order) share a part, so a run of them works in one
 * small stretch of memory instead of a random place in a large table each; other ids spread over all parts.
 */
function idHashes(id: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    const n = id.length;
    const cut = n > 5 ? n - 5 : 0;
    let i = 0;
    for (; i < cut; i++) {
        const c = id.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 16777619);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    // murmur3's finaliser on the prefix's hash, so that its top byte depends on every character.
    let p = h1 ^ (h1 >>> 16);
    p = Math.imul(p, 0x85ebca6b);
    p ^= p >>> 13;
    p = Math.imul(p, 0xc2b2ae35);
    PART = (p ^ (p >>> 16)) >>> 24;
    for (; i < n; i++) {
        const c = id.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 16777619);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    H1 = h1 | 0; // an int32, as the slots keep it (an empty id never went through Math.imul)
    H2 = h2 | 1;
}

/** Parts a table is split into (PART, from idHashes). */
const PARTS = 256;
/** Flag bits kept in the low bits of a slot's second hash (bit 0 is always set: 0 marks an empty slot). */
const FLAG_BITS = 6;

/**
 * The open-addressing table under IdHashMap and IdHashSet: each id kept as two independent 32-bit hashes (8 bytes,
 * no string) and a 32-bit value kept apart (4 bytes, read only when wanted), for millions of lead and opportunity ids. Two ids are confused only if
 * both hashes collide (about 1 in 2^61). The table is split into 256 parts (PART, see idHashes), each
 * doubled once three quarters full: growing touches one small part at a time (it stays in cache, and never holds two
 * copies of the whole table). A caller that knows how many ids will come sizes it for them at once.
 */
class IdTable {
    private readonly keys: Int32Array[] = [];
    private readonly values: Int32Array[] = [];
    private readonly caps = new Int32Array(PARTS);
    private readonly counts = new Int32Array(PARTS);
    private total = 0;

    /** `expected`: how many ids the caller expects, when it knows; the table is sized for them at once. */
    constructor(expected = 0) {
        const cap = Math.max(16, Math.ceil(expected / PARTS / 0.6));
        for (let p = 0; p < PARTS; p++) {
            this.keys.push(new Int32Array(cap * 2));
            this.values.push(new Int32Array(cap));
            this.caps[p] = cap;
        }
    }

    get size(): number {
        return this.total;
    }

    /** The slot of the id last hashed in its part, or -1 - (the empty slot where it would go). */
    find(): number {
        const h1 = H1;
        const h2 = H2 & ~FLAG_BITS;
        const p = PART;
        const k = this.keys[p];
        const cap = this.caps[p];
        // Multiply-shift range reduction: any capacity, not only powers of two.
        let i = (((h1 >>> 8) * cap) / 16777216) | 0;
        for (;;) {
            const b = k[i * 2 + 1];
            if (b === 0) return -1 - i;
            if (k[i * 2] === h1 && (b & ~FLAG_BITS) === h2) return i;
            if (++i === cap) i = 0;
        }
    }

    part(): number {
        return PART;
    }

    flags(part: number, slot: number): number {
        return this.keys[part][slot * 2 + 1] & FLAG_BITS;
    }

    setFlags(part: number, slot: number, flags: number): void {
        this.keys[part][slot * 2 + 1] |= flags;
    }

    value(part: number, slot: number): number {
        return this.values[part][slot];
    }

    setValue(part: number, slot: number, value: number): void {
        this.values[part][slot] = value;
    }

    /** Puts the id last hashed at the empty slot `find` answered (-1 - slot), with flags and a value. */
    insert(empty: number, flags: number, value: number): void {
        const p = PART;
        if ((this.counts[p] + 1) * 4 > this.caps[p] * 3) {
            this.grow(p);
            empty = this.find();
        }
        const i = -1 - empty;
        this.keys[p][i * 2] = H1;
        this.keys[p][i * 2 + 1] = (H2 & ~FLAG_BITS) | flags;
        this.values[p][i] = value;
        this.counts[p]++;
        this.total++;
    }

    private grow(p: number): void {
        const oldKeys = this.keys[p];
        const oldValues = this.values[p];
        const oldCap = this.caps[p];
        const cap = oldCap * 2;
        const k = new Int32Array(cap * 2);
        const v = new Int32Array(cap);
        for (let j = 0; j < oldCap; j++) {
            const b = oldKeys[j * 2 + 1];
            if (b === 0) continue;
            const a = oldKeys[j * 2];
            let i = (((a >>> 8) * cap) / 16777216) | 0;
            while (k[i * 2 + 1] !== 0) if (++i === cap) i = 0;
            k[i * 2] = a;
            k[i * 2 + 1] = b;
            v[i] = oldValues[j];
        }
        this.keys[p] = k;
        this.values[p] = v;
        this.caps[p] = cap;
    }
}

/**
 * A map from ids to small non-negative integers (see IdTable): 12 bytes a slot, no id string kept.
 */
export class IdHashMap {
    private readonly table: IdTable;

    /** `expected`: how many ids will come, when known (the table is sized for them at once). */
    constructor(expected = 0) {
        this.table = new IdTable(expected);
    }

    /** Sets `id` to `value` unless it is already there; returns false when it was. */
    setIfAbsent(id: string, value: number): boolean {
        idHashes(id);
        const at = this.table.find();
        if (at >= 0) return false;
        this.table.insert(at, 0, value);
        return true;
    }

    /** The value of `id`, or -1. */
    get(id: string): number {
        idHashes(id);
        const at = this.table.find();
        return at >= 0 ? this.table.value(this.table.part(), at) : -1;
    }

    get size(): number {
        return this.table.size;
    }
}

/** What IdHashSet.see found: a new id, a new id an opportunity had pointed at, or one seen before. */
export const SEEN_NEW = 0;
export const SEEN_LINKED = 1;
export const SEEN_BEFORE = 2;
const SEEN = 2;
const LINKED = 4;

/**
 * A set of ids (see IdTable), which can also note ids that something points at before they are seen, with a number
 * for each: the engine links each opportunity's lead id to the opportunity's position, so that a lead costs one probe
 * for its duplicate check and its opportunity link together. 8 bytes a slot, and 4 for the number (kept apart, and
 * read only for a linked id).
 */
export class IdHashSet {
    private readonly table: IdTable;
    private lastLinked = -1;

    /** `expected`: how many ids will come, when known (the table is sized for them at once). */
    constructor(expected = 0) {
        this.table = new IdTable(expected);
    }

    /** Adds an id; returns false when it was already there. */
    add(id: string): boolean {
        return this.see(id) !== SEEN_BEFORE;
    }

    /**
     * Marks `id` seen: SEEN_BEFORE when it was, else SEEN_LINKED when `link` had noted it (its number is then
     * `linkedValue`), else SEEN_NEW.
     */
    see(id: string): number {
        idHashes(id);
        const t = this.table;
        const at = t.find();
        if (at < 0) {
            t.insert(at, SEEN, 0);
            return SEEN_NEW;
        }
        const p = t.part();
        const f = t.flags(p, at);
        if (f & SEEN) return SEEN_BEFORE;
        t.setFlags(p, at, SEEN);
        if (!(f & LINKED)) return SEEN_NEW;
        this.lastLinked = t.value(p, at);
        return SEEN_LINKED;
    }

    /** The number `link` gave the id that `see` last answered SEEN_LINKED for. */
    get linkedValue(): number {
        return this.lastLinked;
    }

    /** Notes that something points at `id`, with a number; the first link of an id keeps its number. */
    link(id: string, value: number): void {
        idHashes(id);
        const t = this.table;
        const at = t.find();
        if (at < 0) {
            t.insert(at, LINKED, value);
            return;
        }
        const p = t.part();
        if (t.flags(p, at) & LINKED) return;
        t.setFlags(p, at, LINKED);
        t.setValue(p, at, value);
    }

    /** Ids held: those seen and those only linked. */
    get size(): number {
        return this.table.size;
    }
}

/** A copy of a typed array grown to `length` (its contents first, zeros after). */
export function grown<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, length: number): T {
    const b = new (a.constructor as new (n: number) => T)(length);
    b.set(a);
    return b;
}

/**
 * A copy of a string that shares no memory with the text it was cut from. JavaScript engines keep a cut-out
 * string's whole parent alive, so an id or a name kept from a 64 KB chunk of CSV would keep the chunk; the copy
 * made here (a concatenation, flattened by the slice) keeps only its own characters.
 */
export function detachString(s: string): string {
    return (' ' + s).slice(1);
}

/**
 * A list of ids kept as joined strings of a thousand ids each, with where each ends in its string in a typed
 * array: a joined string is a flat copy, so the list keeps none of the text the ids were cut from, and costs about a
 * byte a character and four an id rather than an object an id.
 */
export class IdList {
    private readonly chunks: string[] = [];
    private pending: string[] = [];
    /** Where each id ends in its chunk (the id before it, or the chunk's start, is where it begins). */
    private ends = new Uint32Array(1024);
    private count = 0;
    /** Characters of the pending ids so far. */
    private pendingChars = 0;

    get length(): number {
        return this.count;
    }

    push(id: string): void {
        if (this.count === this.ends.length) this.ends = grown(this.ends, this.count * 2);
        this.pendingChars += id.length;
        this.ends[this.count++] = this.pendingChars;
        this.pending.push(id);
        if (this.pending.length === 1000) this.flush();
    }

    /** The id at `index` (0 to length - 1). */
    at(index: number): string {
        const chunk = (index / 1000) | 0;
        if (chunk >= this.chunks.length) return this.pending[index - chunk * 1000];
        return this.chunks[chunk].slice(index % 1000 === 0 ? 0 : this.ends[index - 1], this.ends[index]);
    }

    /** Calls `fn` with each id and its position, in the order pushed. */
    forEach(fn: (id: string, index: number) => void): void {
        let i = 0;
        for (const chunk of this.chunks) {
            let at = 0;
            for (let j = 0; j < 1000; j++, i++) {
                const end = this.ends[i];
                fn(chunk.slice(at, end), i);
                at = end;
            }
        }
        for (const id of this.pending) fn(id, i++);
    }

    toArray(): string[] {
        const out: string[] = [];
        this.forEach((id) => out.push(id));
        return out;
    }

    private flush(): void {
        // Always a thousand ids a chunk: forEach and at count on it.
        this.chunks.push(this.pending.join(''));
        this.pending = [];
        this.pendingChars = 0;
    }
}
