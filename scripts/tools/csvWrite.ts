/**
 * Writes rows as CSV the way Bulk API 2.0 results look: every value double-quoted, inner quotes doubled, header of
 * API field names, LF or CRLF line ends. Streams to a file so large exports never sit in memory as one string.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export function csvLine(values: (string | undefined)[], eol: string): string {
    return values.map((v) => `"${(v ?? '').replace(/"/g, '""')}"`).join(',') + eol;
}

/** A CSV file being written row by row; call `close()` when done. */
export class CsvWriter {
    private readonly out: WriteStream;
    private buffer = '';

    constructor(
        file: string,
        private readonly columns: string[],
        private readonly eol: '\n' | '\r\n' = '\n',
        bom = false
    ) {
        this.out = createWriteStream(file);
        this.buffer = (bom ? '\ufeff' : '') + csvLine(columns, eol);
    }

    async write(row: Record<string, string | undefined>): Promise<void> {
        this.buffer += csvLine(this.columns.map((c) => row[c]), this.eol);
        if (this.buffer.length > 1 << 20) await this.flush();
    }

    private async flush(): Promise<void> {
        if (!this.out.write(this.buffer)) await once(this.out, 'drain');
        this.buffer = '';
    }

    async close(): Promise<void> {
        await this.flush();
        this.out.end();
        await once(this.out, 'finish');
    }
}
