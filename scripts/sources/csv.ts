/**
 * CSV exports as a source: Lead, Opportunity and (optionally) LeadHistory files with API field names as headers,
 * as `sf data export bulk` and Data Loader write them (quotes, CRLF, embedded newlines, a BOM, upper-case Data
 * Loader headers). Files are streamed: opportunities, then leads, then history for the leads that need it.
 */
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import type { CalibrationSource, RecordSink, StreamOptions, StreamSummary } from './types';
import { LEAD_FIELDS, OPPORTUNITY_FIELDS, HISTORY_FIELDS, rowToLead, rowToOpportunity, ruleFields, ScoreResolver, type MappingContext, type Row } from './salesforceRows';
import { InputFileError, RowError } from '../errors';
import type { SegmentPolicy } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

/**
 * Streams the rows of one CSV file, checking its header first: every required column must be there (matched
 * case-insensitively, so Data Loader's upper-case headers work), and each row must have as many fields as the
 * header. Errors name the file, the line and the column.
 */
export async function* readCsvRows(file: string, fields: { required: string[]; optional: string[] }): AsyncGenerator<{ row: Row; line: number }> {
    try {
        if (statSync(file).size === 0) throw new InputFileError(file, null, null, 'the file is empty (expected a header row of API field names)');
    } catch (e) {
        if (e instanceof InputFileError) throw e;
        throw new InputFileError(file, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const canonical = new Map([...fields.required, ...fields.optional].map((f) => [f.toLowerCase(), f]));
    let headerSeen = false;
    const parser = createReadStream(file).pipe(
        parse({
            bom: true,
            info: true,
            skip_empty_lines: true,
            columns: (header: string[]) => {
                headerSeen = true;
                const names = header.map((h) => canonical.get(h.trim().toLowerCase()) ?? h.trim());
                const missing = fields.required.filter((f) => !names.includes(f));
                if (missing.length > 0) throw new InputFileError(file, 1, missing[0], `required column missing (the header has ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`);
                return names;
            }
        })
    );
    try {
        for await (const rec of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
            yield { row: rec.record, line: rec.info.lines };
        }
    } catch (e) {
        if (e instanceof InputFileError) throw e;
        const err = e as Error & { code?: string; lines?: number };
        if (/^CSV_RECORD_(INCONSISTENT|DONT_MATCH)/.test(err.code ?? '')) {
            throw new InputFileError(file, err.lines ?? null, null, 'ragged row: the number of fields differs from the header');
        }
        throw new InputFileError(file, err.lines ?? null, null, `not a readable CSV (${err.message})`);
    }
    if (!headerSeen) throw new InputFileError(file, null, null, 'the file is empty (expected a header row of API field names)');
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
            overridesBySegment: new Map(this.policies.map((p) => [p.name, p.overrides ?? []]))
        };
        const timings: Record<string, number> = {};
        const summary: StreamSummary = { leads: 0, opportunities: 0, historyRows: 0, scoreSources: { Snapshot: 0, History: 0, Current: 0 }, timings };
        const count = (l: { scoreSource: keyof StreamSummary['scoreSources'] | null; handoffDate: string | null }) => {
            if (l.handoffDate && l.scoreSource) summary.scoreSources[l.scoreSource]++;
        };
        let t = performance.now();
        for await (const { row, line } of readCsvRows(this.files.opportunities, OPPORTUNITY_FIELDS)) {
            sink.addOpportunity(mapRow(this.files.opportunities, line, () => rowToOpportunity(row)));
            if (++summary.opportunities % 50_000 === 0) options.onProgress?.('opportunities', summary.opportunities);
        }
        timings.opportunities = (performance.now() - t) / 1000;
        t = performance.now();
        const resolver = new ScoreResolver(this.mapping.scoreField);
        const leadFields = LEAD_FIELDS({ ...this.mapping, extra: ruleFields(ctx) });
        for await (const { row, line } of readCsvRows(this.files.leads, leadFields)) {
            const lead = mapRow(this.files.leads, line, () => rowToLead(row, ctx));
            summary.leads++;
            if (ScoreResolver.isResolved(lead)) {
                count(lead);
                sink.addLead(lead);
            } else resolver.wait(lead);
            if (summary.leads % 50_000 === 0) options.onProgress?.('leads', summary.leads);
        }
        timings.leads = (performance.now() - t) / 1000;
        t = performance.now();
        if (this.files.leadHistory && resolver.pending > 0) {
            for await (const { row } of readCsvRows(this.files.leadHistory, HISTORY_FIELDS)) {
                resolver.addHistory(row);
                if (++summary.historyRows % 200_000 === 0) options.onProgress?.('history', summary.historyRows);
            }
        }
        for (const lead of resolver.drain()) {
            count(lead);
            sink.addLead(lead);
        }
        timings.history = (performance.now() - t) / 1000;
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
