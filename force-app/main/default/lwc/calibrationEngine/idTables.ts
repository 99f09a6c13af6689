/**
 * Compact tables of Salesforce ids for the streaming calibrator: hash sets and maps split into parts so that ids
 * made one after another work in one small stretch of memory, a joined id list, and typed-array growth.
 */
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
