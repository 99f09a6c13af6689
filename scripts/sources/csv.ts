/**
 * CSV exports as a source: Lead, Opportunity and (optionally) LeadHistory files with API field names as headers,
 * as `sf data export bulk` and Data Loader write them (quotes, CRLF, embedded newlines, a BOM, upper-case Data
 * Loader headers). Files are streamed: opportunities, then leads, then history for the leads with no score
 * snapshot, then those leads again (a second read of the leads file keeps memory flat as the org grows).
 */
import { statSync } from 'node:fs';
import { CsvSyntaxError, readCsvRecords } from './csvRecords';
import type { CalibrationSource, RecordSink, StreamOptions, StreamSummary } from './types';
import {
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    HISTORY_FIELDS,
    rowToLead,
    rowToOpportunity,
    ruleFields,
    HandoffScores,
    ScoreResolver,
    type MappingContext,
    type Row
} from './salesforceRows';
import { InputFileError, RowError } from '../errors';
import type { SegmentPolicy } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

/**
 * Streams the rows of one CSV file, checking its header first: every required column must be there (matched
 * case-insensitively, so Data Loader's upper-case headers work), and each row must have as many fields as the
 * header. Errors name the file, the line and the column. `keep`, when given, skips rows by their raw fields before
 * any object is built (the second read of the leads file wants a few rows of millions).
 */
export async function* readCsvRows(
    file: string,
    fields: { required: string[]; optional: string[] },
    keep?: (fields: string[], column: (name: string) => number) => boolean
): AsyncGenerator<{ row: Row; line: number }> {
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
    let names: string[] | null = null;
    let column: (name: string) => number = () => -1;
    try {
        for await (const rec of readCsvRecords(file)) {
            if (names === null) {
                names = rec.fields.map((h) => canonical.get(h.trim().toLowerCase()) ?? h.trim());
                const missing = fields.required.filter((f) => !names!.includes(f));
                if (missing.length > 0) {
                    throw new InputFileError(
                        file,
                        rec.line,
                        missing[0],
                        `required column missing (the header has ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`
                    );
                }
                const index = new Map(names.map((n, i) => [n, i]));
                column = (name) => index.get(name) ?? -1;
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
            if (keep && !keep(rec.fields, column)) continue;
            const row: Row = {};
            for (let i = 0; i < names.length; i++) row[names[i]] = rec.fields[i];
            yield { row, line: rec.line };
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

/** Checks a file's header (and that it can be read as CSV up to its first row) without reading the rest. */
export async function checkCsvHeader(
    file: string,
    fields: { required: string[]; optional: string[] }
): Promise<void> {
    for await (const _first of readCsvRows(file, fields)) break;
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
            timings
        };
        const count = (l: {
            scoreSource: keyof StreamSummary['scoreSources'] | null;
            handoffDate: string | null;
        }) => {
            if (l.handoffDate && l.scoreSource) summary.scoreSources[l.scoreSource]++;
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
        for await (const { row, line } of readCsvRows(this.files.opportunities, OPPORTUNITY_FIELDS)) {
            sink.addOpportunity(mapRow(this.files.opportunities, line, () => rowToOpportunity(row)));
            if (++summary.opportunities % 50_000 === 0)
                options.onProgress?.('opportunities', summary.opportunities);
        }
        timings.opportunities = (performance.now() - t) / 1000;
        // Leads with no score snapshot need the history, which comes after the leads. Rather than hold those leads
        // (a third of a big org), only their ids and handoff times are kept; the leads file is read a second time
        // for them once the history is in. Without a history file the current score stands in at once.
        t = performance.now();
        const history = this.files.leadHistory ? new HandoffScores(this.mapping.scoreField) : null;
        const resolveNow = new HandoffScores(this.mapping.scoreField);
        for await (const { row, line } of readCsvRows(this.files.leads, leadFields)) {
            const lead = mapRow(this.files.leads, line, () => rowToLead(row, ctx));
            summary.leads++;
            if (ScoreResolver.isResolved(lead)) {
                count(lead);
                sink.addLead(lead);
            } else if (history) history.expect(lead);
            else {
                const resolved = resolveNow.resolve(lead);
                count(resolved);
                sink.addLead(resolved);
            }
            if (summary.leads % 50_000 === 0) options.onProgress?.('leads', summary.leads);
        }
        timings.leads = (performance.now() - t) / 1000;
        t = performance.now();
        if (history && history.size > 0) {
            for await (const { row } of readCsvRows(this.files.leadHistory!, HISTORY_FIELDS)) {
                history.addHistory(row);
                if (++summary.historyRows % 200_000 === 0)
                    options.onProgress?.('history', summary.historyRows);
            }
            timings.history = (performance.now() - t) / 1000;
            t = performance.now();
            let done = 0;
            const waiting = (fields: string[], column: (name: string) => number) =>
                history.has(fields[column('Id')]);
            for await (const { row, line } of readCsvRows(this.files.leads, leadFields, waiting)) {
                const lead = history.resolve(mapRow(this.files.leads, line, () => rowToLead(row, ctx)));
                count(lead);
                sink.addLead(lead);
                if (++done % 50_000 === 0) options.onProgress?.('leads with history', done, history.size);
            }
            timings.leadsWithHistory = (performance.now() - t) / 1000;
        }
        return summary;
    }
}

function mapRow<T>(file: string, line: number, fn: () => T): T {
    try {
        return fn();
    } catch (e) {
        if (e instanceof RowError) throw new InputFileError(file, line, e.field, e.message);
        throw e;
    }
}
