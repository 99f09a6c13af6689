/**
 * The engine's compact structures against the plain JavaScript ones they stand in for: the id tables against Set
 * and Map, IdList against an array, the date helpers against Date.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
    IdHashMap,
    IdHashSet,
    IdList,
    SEEN_BEFORE,
    SEEN_LINKED,
    SEEN_NEW,
    detachString,
    monthOfDay,
    toMs
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

/** Salesforce-shaped ids made one after another (as exports list them), random ids, and short or odd ones. */
const sequentialIds = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => `00Q${String(from + i).padStart(12, '0')}AAA`);
const anyId = fc.oneof(
    fc.integer({ min: 0, max: 5000 }).map((n) => `00Q${String(n).padStart(12, '0')}AAA`),
    fc.string({ minLength: 1, maxLength: 24 }),
    fc.constantFrom('a', 'ab', 'abcde', 'abcdef', '')
);

test('IdHashSet catches exactly the ids a Set has seen, across growth, and tells linked ids apart with their numbers', () => {
    fc.assert(
        fc.property(
            fc.array(anyId, { maxLength: 3000 }),
            fc.array(anyId, { maxLength: 300 }),
            (ids, links) => {
                const set = new IdHashSet();
                const linked = new Map<string, number>();
                links.forEach((id, i) => {
                    set.link(id, i);
                    if (!linked.has(id)) linked.set(id, i); // the first link keeps its number
                });
                const seen = new Set<string>();
                for (const id of ids) {
                    const got = set.see(id);
                    const want = seen.has(id) ? SEEN_BEFORE : linked.has(id) ? SEEN_LINKED : SEEN_NEW;
                    assert.equal(got, want, id);
                    if (got === SEEN_LINKED) assert.equal(set.linkedValue, linked.get(id), id);
                    seen.add(id);
                }
            }
        ),
        { numRuns: 60 }
    );
});

test('IdHashSet sized ahead, and with a hundred thousand sequential ids, misses none and invents none', () => {
    const ids = sequentialIds(1, 100_000);
    for (const expected of [0, 100_000]) {
        const set = new IdHashSet(expected);
        for (const id of ids) assert.equal(set.add(id), true);
        for (const id of ids) assert.equal(set.add(id), false);
        for (const id of sequentialIds(200_000, 1000)) assert.equal(set.add(id), true);
        assert.equal(set.size, 101_000);
    }
});

test('IdHashMap keeps the first value set for an id, like a Map with set-if-absent', () => {
    fc.assert(
        fc.property(fc.array(fc.tuple(anyId, fc.nat(1e6)), { maxLength: 3000 }), (pairs) => {
            const map = new IdHashMap();
            const ref = new Map<string, number>();
            for (const [id, v] of pairs) {
                assert.equal(map.setIfAbsent(id, v), !ref.has(id));
                if (!ref.has(id)) ref.set(id, v);
            }
            for (const [id, v] of ref) assert.equal(map.get(id), v);
            assert.equal(map.get('never-set-id'), ref.get('never-set-id') ?? -1);
            assert.equal(map.size, ref.size);
        }),
        { numRuns: 60 }
    );
});

test('IdList gives back every id in order and by position, past the thousand-id chunks, empty and long ids included', () => {
    fc.assert(
        fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 2500 }), (ids) => {
            const list = new IdList();
            for (const id of ids) list.push(id);
            assert.equal(list.length, ids.length);
            assert.deepEqual(list.toArray(), ids);
            assert.deepEqual(
                ids.map((_, i) => list.at(i)),
                ids
            );
            const positions: number[] = [];
            list.forEach((_, i) => positions.push(i));
            assert.deepEqual(
                positions,
                ids.map((_, i) => i)
            );
        }),
        { numRuns: 40 }
    );
});

test('detachString copies the characters exactly', () => {
    const text = 'x'.repeat(100_000) + 'Closed - Not a fit' + 'y'.repeat(10);
    const cut = text.slice(100_000, 100_018);
    assert.equal(detachString(cut), 'Closed - Not a fit');
    assert.equal(detachString(''), '');
});

test('monthOfDay agrees with Date for every day from 1600 to 2400', () => {
    for (let day = -135_000; day <= 157_000; day++) {
        const d = new Date(day * 86_400_000);
        const want = d.getUTCFullYear() * 12 + d.getUTCMonth();
        if (monthOfDay(day) !== want)
            assert.fail(`day ${day} (${d.toISOString().slice(0, 10)}): ${monthOfDay(day)} vs ${want}`);
    }
});

test('toMs reads the shapes Salesforce writes exactly as Date.parse does, in every year the table covers and beyond', () => {
    const instant = fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(2300, 0, 1) });
    fc.assert(
        fc.property(instant, (ms) => {
            const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
            assert.equal(toMs(iso), ms);
            assert.equal(toMs(`${iso.slice(0, 23)}+0000`), ms);
            assert.equal(toMs(`${iso.slice(0, 19)}Z`), Math.floor(ms / 1000) * 1000);
            assert.equal(toMs(iso.slice(0, 10)), Date.parse(iso.slice(0, 10)));
            assert.equal(toMs(`${iso.slice(0, 23)}+02:00`), ms - 2 * 3_600_000);
        }),
        { numRuns: 2000 }
    );
    assert.ok(Number.isNaN(toMs('2024-13-01')));
    assert.ok(Number.isNaN(toMs('not a date')));
    assert.ok(Number.isNaN(toMs('')));
    assert.ok(Number.isNaN(toMs(null)));
});

test('toMs gives NaN when any digit of a Salesforce date or date-time is not a digit', () => {
    // The fast path checks all the digits of a part in one test: each position, and the characters just below '0'
    // and just above '9' (':' to '?'), which a test of the low four bits alone would let through.
    const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31) });
    const digitAt = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    const bad = fc.constantFrom('/', ':', ';', '?', '@', 'a', ' ', '\u0660');
    fc.assert(
        fc.property(instant, fc.constantFrom(...digitAt), bad, fc.boolean(), (ms, at, ch, z) => {
            const iso = `${new Date(ms).toISOString().slice(0, 23)}${z ? 'Z' : '+0000'}`;
            const broken = iso.slice(0, at) + ch + iso.slice(at + 1);
            assert.ok(Number.isNaN(toMs(broken)), broken);
            if (at < 10) assert.ok(Number.isNaN(toMs(broken.slice(0, 10))), broken.slice(0, 10));
        }),
        { numRuns: 3000 }
    );
    assert.ok(Number.isNaN(toMs('2024-01-32')));
    assert.ok(Number.isNaN(toMs('2024-00-10T00:00:00.000+0000')));
    // Hour 24 is left to Date.parse, which reads 24:00 as the next midnight.
    assert.equal(toMs('2024-01-10T24:00:00.000+0000'), Date.parse('2024-01-11T00:00:00.000Z'));
    assert.equal(toMs('2024-01-10T10:00:00.000+0100'), Date.parse('2024-01-10T10:00:00.000+01:00'));
});
