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
    type MappingContext,
    type Row
} from './salesforceRows';
import { InputFileError, RowError } from '../errors';
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
    fields: { required: string[]; optional: string[] },
    keep?: RowFilter | CsvRecordPositions
): AsyncGenerator<RowBatch> {
    try {
        if (statSync(file).size === 0)
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
                    const missing = fields.required.filter((f) => !names!.includes(f));
                    if (missing.length > 0) {
                        throw new InputFileError(
                            file,
                            rec.line,
                            missing[0],
                            `required column missing (the header has ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`
                        );
                    }
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
    fields: { required: string[]; optional: string[] },
    keep?: RowFilter | CsvRecordPositions
): AsyncGenerator<{ row: Row; line: number; at: number }> {
    for await (const batch of readCsvRowBatches(file, fields, keep)) yield* batch.rows;
}

/** Checks a file's header (and that it can be read as CSV up to its first row) without reading the rest. */
export async function checkCsvHeader(
    file: string,
    fields: { required: string[]; optional: string[] }
): Promise<void> {
    for await (const _first of readCsvRowBatches(file, fields)) break;
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
        const leadFields = LEAD_FIELDS({ ...this.mapping, extra: ruleFields(ctx) });
        // A pilot's partitioning column must be in the export: without it every lead would count as control.
        for (const f of ctx.pilotFields ?? [])
            if (!leadFields.required.includes(f)) leadFields.required.push(f);
        await checkCsvHeader(this.files.opportunities, OPPORTUNITY_FIELDS);
        await checkCsvHeader(this.files.leads, leadFields);
        if (this.files.leadHistory) await checkCsvHeader(this.files.leadHistory, HISTORY_FIELDS);
        let t = performance.now();
        for await (const batch of readCsvRowBatches(this.files.opportunities, OPPORTUNITY_FIELDS)) {
            for (const { row, line } of batch.rows) {
                const opportunity = mapRow(this.files.opportunities, line, () => rowToOpportunity(row));
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
                const lead = mapRow(this.files.leads, line, () => rowToLead(row, ctx));
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
            // Status rows first, in a read of their own: the handoff time they give decides which score rows count.
            if (waitingForStatus > 0)
                for await (const batch of readCsvRowBatches(
                    this.files.leadHistory!,
                    HISTORY_FIELDS,
                    ofWaiting
                ))
                    for (const { row } of batch.rows) history.addStatusHistory(row);
            for await (const batch of readCsvRowBatches(this.files.leadHistory!, HISTORY_FIELDS, ofWaiting)) {
                for (const { row } of batch.rows) history.addHistory(row);
                const before = summary.historyRows;
                summary.historyRows += batch.read;
                if (Math.floor(summary.historyRows / 200_000) > Math.floor(before / 200_000))
                    options.onProgress?.('history', summary.historyRows);
            }
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
                        mapRow(this.files.leads, line, () => rowToLead(row, ctx))
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
        if (e instanceof RowError) throw new InputFileError(file, line, e.field, e.message);
        throw e;
    }
}
