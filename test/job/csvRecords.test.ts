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
