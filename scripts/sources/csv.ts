/**
 * CSV exports as a source: Lead, Opportunity and (optionally) LeadHistory files with API field names as headers,
 * as `sf data export bulk` and Data Loader write them (quotes, CRLF, embedded newlines, a BOM, upper-case Data
 * Loader headers). Files are streamed: opportunities, then leads, then history for the leads with no score
 * snapshot, then those leads again (a second read of the leads file keeps memory flat as the org grows).
 */
import { statSync } from 'node:fs';
import { CsvSyntaxError, readCsvRecordBatches, rowMaker, type CsvRecordPositions } from './csvRecords';
import {
    assertHandoffEvidence,
    countLead,
    type CalibrationSource,
    type RecordSink,
    type StreamOptions,
    type StreamSummary
} from './types';
import {
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    HISTORY_FIELDS,
    rowToLead,
    rowToOpportunity,
    ruleFields,
    HandoffScores,
    ScoreResolver,
    handoffSourceOf,
    needsStatusHistory,
    noHandoffSources,
    noRejectionSources,
    ownString,
    isDecimal,
    type MappingContext,
    type Row
} from './salesforceRows';
import { InputFileError, RowError } from '../errors';
import { checkDates } from './csvValues';
import {
    grown,
    type SegmentPolicy
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

/**
 * Streams the rows of one CSV file, checking its header first: every required column must be there (matched
 * case-insensitively, so Data Loader's upper-case headers work), and each row must have as many fields as the
 * header. Errors name the file, the line and the column. `keep`, when given, skips rows by one column's value
 * before the rest of the row is cut into strings or any object is built (the history read wants the rows of a
 * fifth of the leads), or names the positions of the only rows to read (an earlier read's `at` and `line`). Rows
 * come in batches, one per chunk read, so that the consumer awaits once a batch rather than once a row.
 */
export async function* readCsvRowBatches(
    file: string,
    fields: CsvFields,
    keep?: RowFilter | CsvRecordPositions,
    header?: (names: string[]) => void
): AsyncGenerator<RowBatch> {
    try {
        const stat = statSync(file);
        if (stat.isDirectory())
            throw new InputFileError(file, null, null, 'a directory, not a file: name the CSV export itself');
        // The job reads each file more than once (the header first, the leads twice): a pipe would be read empty.
        if (!stat.isFile())
            throw new InputFileError(
                file,
                null,
                null,
                'not a regular file (a pipe or a device): save the export to a file first'
            );
        if (stat.size === 0)
            throw new InputFileError(
                file,
                null,
                null,
                'the file is empty (expected a header row of API field names)'
            );
    } catch (e) {
        if (e instanceof InputFileError) throw e;
        throw new InputFileError(
            file,
            null,
            null,
            `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
        );
    }
    const canonical = new Map([...fields.required, ...fields.optional].map((f) => [f.toLowerCase(), f]));
    const nameOf = (h: string) => canonical.get(h.trim().toLowerCase()) ?? h.trim();
    let names: string[] | null = null;
    let keyColumn = -1;
    let makeRow: (fields: readonly string[]) => Row = () => ({});
    // The reader steps over the rows `keep` does not want; a row it hands over anyway (one it could not step over
    // safely) is checked again below.
    const filter = keep && 'column' in keep ? keep : null;
    const filterFor = keep
        ? (header: string[]) => {
              if (!filter) return keep as CsvRecordPositions;
              const column = header.map(nameOf).indexOf(filter.column);
              return column < 0 ? null : { column, fields: header.length, keep: filter.test };
          }
        : undefined;
    try {
        for await (const { records, skipped } of readCsvRecordBatches(file, filterFor)) {
            const rows: { row: Row; line: number; at: number }[] = [];
            let read = skipped;
            for (const rec of records) {
                if (names === null) {
                    names = rec.fields.map(nameOf);
                    // A second copy of a column (Data Loader's upper case included) would win over the first as the
                    // row is built: an empty second HANDOFF_DATE__C silently hid two thirds of the handoffs.
                    const seen = new Map<string, number>();
                    names.forEach((n, k) => {
                        const first = seen.get(n.toLowerCase());
                        if (first !== undefined)
                            throw new InputFileError(
                                file,
                                rec.line,
                                shortText(rec.fields[k].trim()),
                                `duplicate column (column ${first + 1} is ${shortText(names![first])})`
                            );
                        seen.set(n.toLowerCase(), k);
                    });
                    const missing = fields.required.filter((f) => !names!.includes(f));
                    if (missing.length > 0) {
                        throw new InputFileError(
                            file,
                            rec.line,
                            missing[0],
                            `required column missing (${
                                fields.because?.get(missing[0]) ??
                                `the header has ${names
                                    .slice(0, 8)
                                    .map((n) => shortText(n))
                                    .join(', ')}${names.length > 8 ? ', ...' : ''}`
                            })`
                        );
                    }
                    header?.(names);
                    if (filter) keyColumn = names.indexOf(filter.column);
                    makeRow = rowMaker(names);
                    continue;
                }
                if (rec.fields.length !== names.length) {
                    throw new InputFileError(
                        file,
                        rec.line,
                        null,
                        `ragged row: ${rec.fields.length} fields where the header has ${names.length}`
                    );
                }
                read++;
                if (filter && !filter.test(rec.fields[keyColumn] ?? '')) continue;
                rows.push({ row: makeRow(rec.fields), line: rec.line, at: rec.at });
            }
            if (read > 0) yield { rows, read };
        }
    } catch (e) {
        if (e instanceof CsvSyntaxError)
            throw new InputFileError(file, e.line, null, `not a readable CSV (${e.message})`);
        throw e;
    }
    if (names === null)
        throw new InputFileError(
            file,
            null,
            null,
            'the file is empty (expected a header row of API field names)'
        );
}

/**
 * The columns a file must and may have. `because` says, for a required column, why it is required when that is not
 * obvious (a segment rule reads it), in the error that names it missing.
 */
export interface CsvFields {
    required: string[];
    optional: string[];
    because?: Map<string, string>;
}

/** A header name or value as an error line may quote it: at most 60 characters, control characters as `\xNN`. */
export function shortText(s: string, max = 60): string {
    // A value cut already keeps its first cut (and the length it tells), however often it is quoted again.
    const already = /^[^]*\.\.\. \([\d,]+ characters\)$/.test(s) && s.length <= max + 32;
    const cut =
        s.length > max && !already ? `${s.slice(0, max)}... (${s.length.toLocaleString('en-US')} characters)` : s;
    return cut.replace(
        /[\u0000-\u001f\u007f]/g,
        (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
    );
}

/** A row error's message as one short line: each quoted value cut (shortText), and the whole line bounded too. */
function shortMessage(message: string): string {
    return shortText(
        message.replace(/"([^"]*)"/g, (_, v: string) => `"${shortText(v)}"`),
        400
    );
}

/** The rows kept from one chunk of a file, and how many rows the chunk held (kept or not). */
export interface RowBatch {
    /** Each row, the line it starts on and where it starts in the file's text (see CsvRecord). */
    rows: { row: Row; line: number; at: number }[];
    read: number;
}

/** Rows to keep, by the value of one column (API field name). */
export interface RowFilter {
    column: string;
    test: (value: string) => boolean;
}

/** Streams the rows of one CSV file one by one (see readCsvRowBatches). */
export async function* readCsvRows(
    file: string,
    fields: CsvFields,
    keep?: RowFilter | CsvRecordPositions
): AsyncGenerator<{ row: Row; line: number; at: number }> {
    for await (const batch of readCsvRowBatches(file, fields, keep)) yield* batch.rows;
}

/**
 * Checks a file's header, and that it can be read as CSV up to its first row, without reading the rest; returns
 * the header's columns (API names). A file with a header and no row is refused: an empty export would give
 * "0 handed-off leads" for every segment and exit 0.
 */
export async function checkCsvHeader(file: string, fields: CsvFields): Promise<string[]> {
    let names: string[] = [];
    for await (const _first of readCsvRowBatches(file, fields, undefined, (n) => (names = n))) return names;
    throw new InputFileError(file, null, null, 'no rows after the header: an empty export is refused');
}

/** The CSV exports source. */
export class CsvSource implements CalibrationSource {
    readonly kind = 'csv' as const;
    readonly label: string;

    constructor(
        private readonly files: { leads: string; opportunities: string; leadHistory?: string },
        private readonly mapping: Omit<MappingContext, 'segmentRules' | 'overridesBySegment'>,
        private readonly policies: SegmentPolicy[]
    ) {
        this.label = `CSV exports (${files.leads}, ${files.opportunities}${files.leadHistory ? `, ${files.leadHistory}` : ''})`;
    }

    async loadPolicies(): Promise<{ policies: SegmentPolicy[] }> {
        return { policies: this.policies };
    }

    async stream(sink: RecordSink, options: StreamOptions): Promise<StreamSummary> {
        const ctx: MappingContext = {
            ...this.mapping,
            segmentRules: options.settings.segmentRules,
            overridesBySegment: new Map(this.policies.map((p) => [p.name, p.overrides ?? []])),
            pilotFields: options.pilotFields ?? []
        };
        const timings: Record<string, number> = {};
        const summary: StreamSummary = {
            leads: 0,
            opportunities: 0,
            historyRows: 0,
            scoreSources: { Snapshot: 0, History: 0, Current: 0 },
            handoffSources: noHandoffSources(),
            rejectionSources: noRejectionSources(),
            timings
        };
        // Every file's header first: a column missing from the last file should not wait for the first to be read.
        const leadFields: CsvFields = {
            ...LEAD_FIELDS({ ...this.mapping, extra: ruleFields(ctx) }),
            because: new Map()
        };
        const require = (f: string, why: string) => {
            if (!leadFields.required.includes(f)) leadFields.required.push(f);
            leadFields.because!.set(f, why);
        };
        // A pilot's partitioning column must be in the export: without it every lead would count as control.
        for (const f of ctx.pilotFields ?? []) require(f, 'a pilot partitions leads by it');
        // Without an override's column no lead would take that path; as the org source does, it is refused.
        for (const list of ctx.overridesBySegment.values())
            for (const o of list) require(o.field, `the override "${o.name}" reads it`);
        await checkCsvHeader(this.files.opportunities, OPPORTUNITY_FIELDS);
        // A segment rule's column is needed wherever MQL_Segment__c does not give the segment: missing, every lead
        // would fall through to the catch-all (all Enterprise leads counted as SMB). Without MQL_Segment__c in the
        // export that is every lead, so the header is refused; with it, the first lead that needs the rules is.
        const leadColumns = await checkCsvHeader(this.files.leads, leadFields);
        const ruleColumns = [...new Set(ctx.segmentRules.flatMap((r) => (r.field ? [r.field] : [])))];
        const lacking = ruleColumns.filter((f) => !leadColumns.includes(f));
        if (lacking.length > 0 && !leadColumns.includes('MQL_Segment__c'))
            throw new InputFileError(
                this.files.leads,
                1,
                lacking[0],
                'required column missing (a segment rule reads it, and the export has no MQL_Segment__c to give each lead its segment)'
            );
        const leadDates = [
            'CreatedDate',
            'Handoff_Date__c',
            'ConvertedDate',
            'First_Touch_Date__c',
            'LastActivityDate'
        ];
        const checkLead = (row: Row): void => {
            const bad = checkDates(row, leadDates);
            if (bad !== null) throw notADate(bad, row[bad]!);
            if (lacking.length > 0 && !row.MQL_Segment__c)
                throw new RowError(
                    lacking[0],
                    `MQL_Segment__c is blank and the segment rules read ${lacking[0]}, which the export lacks`
                );
        };
        if (this.files.leadHistory) await checkCsvHeader(this.files.leadHistory, HISTORY_FIELDS);
        let t = performance.now();
        for await (const batch of readCsvRowBatches(this.files.opportunities, OPPORTUNITY_FIELDS)) {
            for (const { row, line } of batch.rows) {
                const opportunity = mapRow(this.files.opportunities, line, () => {
                    const bad = checkDates(row, OPPORTUNITY_DATES);
                    if (bad !== null) throw notADate(bad, row[bad]!);
                    return rowToOpportunity(row);
                });
                // The engine keeps every opportunity id: a copy, since a field cut from a chunk keeps the chunk.
                opportunity.id = ownString(opportunity.id);
                sink.addOpportunity(opportunity);
                if (++summary.opportunities % 50_000 === 0)
                    options.onProgress?.('opportunities', summary.opportunities);
            }
        }
        timings.opportunities = (performance.now() - t) / 1000;
        // Leads with no score snapshot need the history, which comes after the leads. Rather than hold those leads
        // (a third of a big org), only their ids and handoff times are kept, and where each starts in the file; the
        // leads file is read a second time for them once the history is in, going straight to those rows. Without a
        // history file the current score stands in at once.
        t = performance.now();
        // With statuses configured, a lead nobody stamped with Handoff_Date__c waits too: its Status history may
        // hold a handoff (and a rejection) its row no longer shows.
        const history = this.files.leadHistory
            ? new HandoffScores(this.mapping.scoreField, this.mapping.statuses)
            : null;
        let waitingForStatus = 0;
        const resolveNow = new HandoffScores(this.mapping.scoreField);
        const waiting = new RowPositions();
        const leadsFile = fileStamp(this.files.leads);
        for await (const batch of readCsvRowBatches(this.files.leads, leadFields)) {
            for (const { row, line, at } of batch.rows) {
                const lead = mapRow(this.files.leads, line, () => {
                    checkLead(row);
                    return rowToLead(row, ctx);
                });
                const handoff = handoffSourceOf(row, ctx);
                const forStatus = history !== null && needsStatusHistory(row, ctx);
                summary.leads++;
                if (!forStatus && ScoreResolver.isResolved(lead)) {
                    countLead(summary, lead, handoff);
                    sink.addLead(lead);
                } else if (history) {
                    history.expect(lead, handoff);
                    waiting.add(at, line);
                    if (forStatus) waitingForStatus++;
                } else {
                    const resolved = resolveNow.resolve(lead);
                    countLead(summary, resolved, handoff);
                    sink.addLead(resolved);
                }
                if (summary.leads % 50_000 === 0) options.onProgress?.('leads', summary.leads);
            }
        }
        timings.leads = (performance.now() - t) / 1000;
        t = performance.now();
        if (history && history.size > 0) {
            // Only the rows of waiting leads are cut into fields (HandoffScores would ignore the others).
            const ofWaiting = { column: 'LeadId', test: (id: string) => history.has(id) };
            // A score-history row whose value or date cannot be read is counted, not silently dropped; a file in
            // which no score row can be read is refused (its scores would all fall back to the current score).
            let scoreRows = 0;
            let unreadable = 0;
            // Status rows first, in a read of their own: the handoff time they give decides which score rows count.
            if (waitingForStatus > 0)
                for await (const batch of readCsvRowBatches(
                    this.files.leadHistory!,
                    HISTORY_FIELDS,
                    ofWaiting
                ))
                    for (const { row } of batch.rows) history.addStatusHistory(row);
            for await (const batch of readCsvRowBatches(this.files.leadHistory!, HISTORY_FIELDS, ofWaiting)) {
                for (const { row } of batch.rows) {
                    if (row.Field === this.mapping.scoreField) {
                        scoreRows++;
                        const value = row.NewValue ?? '';
                        if (checkDates(row, HISTORY_DATES) !== null || (value !== '' && !isDecimal(value))) {
                            unreadable++;
                            continue;
                        }
                    }
                    history.addHistory(row);
                }
                const before = summary.historyRows;
                summary.historyRows += batch.read;
                if (Math.floor(summary.historyRows / 200_000) > Math.floor(before / 200_000))
                    options.onProgress?.('history', summary.historyRows);
            }
            if (scoreRows > 0 && unreadable === scoreRows)
                throw new InputFileError(
                    this.files.leadHistory!,
                    null,
                    null,
                    `none of the ${scoreRows.toLocaleString('en-US')} score-history rows read is usable (each value not a number or its CreatedDate not a date)`
                );
            if (unreadable > 0)
                summary.excluded = {
                    'score-history row unreadable (value not a number or date not a date)': unreadable
                };
            timings.history = (performance.now() - t) / 1000;
            t = performance.now();
            let done = 0;
            // The rows are found again by position: the file must be the one read first.
            if (fileStamp(this.files.leads) !== leadsFile)
                throw new InputFileError(
                    this.files.leads,
                    null,
                    null,
                    'the file changed while the job read it'
                );
            for await (const batch of readCsvRowBatches(this.files.leads, leadFields, waiting)) {
                for (const { row, line } of batch.rows) {
                    if (!history.has(row.Id ?? ''))
                        throw new InputFileError(
                            this.files.leads,
                            line,
                            'Id',
                            'the file changed while the job read it'
                        );
                    const { lead, handoff, rejection } = history.resolveSourced(
                        mapRow(this.files.leads, line, () => {
                            checkLead(row);
                            return rowToLead(row, ctx);
                        })
                    );
                    countLead(summary, lead, handoff, rejection);
                    sink.addLead(lead);
                    if (++done % 50_000 === 0) options.onProgress?.('leads with history', done, history.size);
                }
            }
            timings.leadsWithHistory = (performance.now() - t) / 1000;
        }
        assertHandoffEvidence(summary);
        return summary;
    }
}

const OPPORTUNITY_DATES = ['CreatedDate', 'CloseDate'];
const HISTORY_DATES = ['CreatedDate'];

function notADate(field: string, value: string): RowError {
    return new RowError(
        field,
        `expected a date YYYY-MM-DD or a date-time (a time without a zone is read as UTC), got "${shortText(value)}"`
    );
}

/** Where rows start in a file and their lines, in the order added (12 bytes a row). */
class RowPositions implements CsvRecordPositions {
    at = new Float64Array(1024);
    lines = new Uint32Array(1024);
    count = 0;

    add(at: number, line: number): void {
        if (this.count === this.at.length) {
            this.at = grown(this.at, this.count * 2);
            this.lines = grown(this.lines, this.count * 2);
        }
        this.at[this.count] = at;
        this.lines[this.count++] = line;
    }
}

/** A file's size and modification time, to tell whether it changed between two reads. */
function fileStamp(file: string): string {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
}

function mapRow<T>(file: string, line: number, fn: () => T): T {
    try {
        return fn();
    } catch (e) {
        if (e instanceof RowError)
            throw new InputFileError(file, line, shortText(e.field), shortMessage(e.message));
        throw e;
    }
}
