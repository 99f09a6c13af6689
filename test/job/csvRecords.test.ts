// The fast CSV reader is held to csv-parse's output on generated exports, cut into chunks at every kind of place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { CsvRecordSplitter, CsvSyntaxError, type CsvRecord } from '../../scripts/sources/csvRecords';

/** Feeds `text` to a splitter in the given chunk sizes (cycled). */
function split(text: string, sizes: number[] = [text.length || 1]): CsvRecord[] {
    const s = new CsvRecordSplitter();
    const out: CsvRecord[] = [];
    let i = 0;
    let k = 0;
    while (i < text.length) {
        const size = Math.max(1, sizes[k++ % sizes.length]);
        out.push(...s.push(text.slice(i, i + size)));
        i += size;
    }
    out.push(...s.end());
    return out;
}

const fieldText = fc.string({
    unit: fc.constantFrom('a', 'Z', '7', ' ', ',', '"', '\n', '\r\n', '\r', 'é', '€', ';', '.'),
    maxLength: 12
});

interface Doc {
    text: string;
    records: string[][];
    lines: number[];
}

const doc = fc
    .record({
        records: fc.array(fc.array(fieldText, { minLength: 2, maxLength: 6 }), {
            minLength: 1,
            maxLength: 12
        }),
        quoteAll: fc.boolean(),
        eol: fc.constantFrom('\n', '\r\n'),
        bom: fc.boolean(),
        trailingEol: fc.boolean()
    })
    .map(({ records, quoteAll, eol, bom, trailingEol }): Doc => {
        let text = bom ? '\ufeff' : '';
        let line = 1;
        const lines: number[] = [];
        records.forEach((fields, r) => {
            lines.push(line);
            const rec = fields
                .map((f) => (quoteAll || /[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f))
                .join(',');
            line += (rec.match(/\r\n|\r|\n/g) ?? []).length + 1;
            text += rec + (r < records.length - 1 || trailingEol ? eol : '');
        });
        return { text, records, lines };
    });

test('on generated exports the reader gives exactly what csv-parse gives, however the text is chunked', () => {
    fc.assert(
        fc.property(
            doc,
            fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
            (d, sizes) => {
                const expected = parse(d.text, {
                    bom: true,
                    relax_column_count: true,
                    skip_empty_lines: true
                }) as string[][];
                assert.deepEqual(expected, d.records, 'the generator writes what csv-parse reads back');
                const whole = split(d.text);
                assert.deepEqual(
                    whole.map((r) => r.fields),
                    expected
                );
                assert.deepEqual(
                    whole.map((r) => r.line),
                    d.lines,
                    'each record starts on the physical line counted from the text'
                );
                assert.deepEqual(split(d.text, sizes), whole);
            }
        ),
        { numRuns: 400, seed: 20261122 }
    );
});

test('blank lines are skipped, and bare line ends of all three kinds end records', () => {
    assert.deepEqual(
        split('a,b\n\nc,d\r\n\r\ne,f\rg,h').map((r) => [r.line, ...r.fields]),
        [
            [1, 'a', 'b'],
            [3, 'c', 'd'],
            [5, 'e', 'f'],
            [6, 'g', 'h']
        ]
    );
});

test('empty fields at the end of a record, quoted or not, are kept', () => {
    assert.deepEqual(
        split('"x","",\n"y",,""\n').map((r) => r.fields),
        [
            ['x', '', ''],
            ['y', '', '']
        ]
    );
    assert.deepEqual(
        split('a,').map((r) => r.fields),
        [['a', '']]
    );
});

test('malformed text is an error naming the line where the record starts', () => {
    const err = (text: string): CsvSyntaxError => {
        try {
            split(text, [3]);
        } catch (e) {
            assert.ok(e instanceof CsvSyntaxError, String(e));
            return e;
        }
        assert.fail('expected a CsvSyntaxError');
    };
    assert.deepEqual(
        [err('a,b\n"c\nd",e\n"f,g\n').line, err('a,b\n"c\nd",e\n"f,g\n').message],
        [4, 'a quoted field is not closed before the end of the file']
    );
    assert.deepEqual(
        [err('a,b\n"c"x,d\n').line, err('a,b\n"c"x,d\n').message],
        [2, 'unexpected text after a closing quote (field 1)']
    );
    assert.deepEqual(
        [err('a,b\nc,d"e\n').line, err('a,b\nc,d"e\n').message],
        [2, 'a quote inside an unquoted field (field 2)']
    );
});

/** Feeds `text` to a splitter in 64 KB chunks (as the file reader does) and returns the characters it parsed. */
function work(text: string, splitter = new CsvRecordSplitter()): number {
    try {
        for (let i = 0; i < text.length; i += 1 << 16) splitter.push(text.slice(i, i + (1 << 16)));
        splitter.end();
    } catch {
        // Hostile text ends in an error; what is measured is the work done before it.
    }
    return splitter.scanned;
}

test('a stray quote early in a big file costs work in proportion to the file, not its square', () => {
    const row = 'x,00Q000000000001AAA,Working,2026-01-02T11:02:28.000+0000,55\n';
    const hostile = (n: number) => `a,b,c,d,e\n${row}x,"stray,quote,,\n${row.repeat(n)}`;
    const small = hostile(8_000); // about 0.5 MB
    const big = hostile(64_000); // about 4 MB
    const ratio = work(big) / work(small);
    // Parsing the open record again from its start at every chunk makes 8x the input cost about 64x the work.
    assert.ok(ratio < 12, `8x the input cost ${ratio.toFixed(1)}x the work`);
    assert.ok(
        work(big) < 3 * big.length,
        `${work(big)} characters parsed for a ${big.length}-character text`
    );
});

test('a single huge field costs work in proportion to its size', () => {
    const field = (n: number) => `a,b\n"${'x'.repeat(n)}",y\n`;
    const ratio = work(field(8 << 20)) / work(field(1 << 20));
    assert.ok(ratio < 12, `8x the field cost ${ratio.toFixed(1)}x the work`);
});

test('a record past the length limit, or with too many fields, is an error naming the line where it starts', () => {
    const limited = () => new CsvRecordSplitter(undefined, { maxRecordChars: 1000, maxFields: 50 });
    const fail = (text: string): CsvSyntaxError => {
        try {
            const s = limited();
            for (let i = 0; i < text.length; i += 100) s.push(text.slice(i, i + 100));
            s.end();
        } catch (e) {
            assert.ok(e instanceof CsvSyntaxError, String(e));
            return e;
        }
        assert.fail('expected a CsvSyntaxError');
    };
    const open = fail(`a,b\nc,d\ne,"${'x'.repeat(5000)}\n`);
    assert.deepEqual(
        [open.line, open.message],
        [3, 'a record runs past 1,000 characters (an unclosed quote?)']
    );
    const wide = fail(`${Array.from({ length: 60 }, (_, k) => `c${k}`).join(',')}\n`);
    assert.deepEqual([wide.line, wide.message], [1, 'more than 50 fields in a record']);
    // Just under the limits reads fine.
    const s = limited();
    const ok = [...s.push(`a,"${'x'.repeat(900)}"\n${Array(50).fill('y').join(',')}\n`), ...s.end()];
    assert.deepEqual(
        ok.map((r) => r.fields.length),
        [2, 50]
    );
});
