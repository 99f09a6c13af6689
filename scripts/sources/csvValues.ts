/**
 * Date values of CSV exports, checked and made unambiguous before they reach the mapping. Salesforce writes every
 * date-time in UTC (`2026-01-02T11:02:28.000+0000`); a spreadsheet or an older Data Loader may drop the zone
 * (`2026-01-02T11:02:28`, `2026-01-02 11:02:28`). JavaScript reads a date-time without a zone in the host's time
 * zone, so the same file gave a different answer under another `TZ`: here a zone-less date-time is read as UTC,
 * which is what an export of Salesforce means. A date that is not on the calendar (`2026-02-31`, which Date rolls
 * over to 3 March) or in no ISO shape is not a date.
 */

/** `YYYY-MM-DD`, or that with a time (`T` or a space), seconds and fraction optional, and an optional zone. */
const ISO =
    /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * The value as an ISO date or a date-time with an explicit zone: unchanged when it already is one (no string is
 * made), with `Z` added (and `T` for a space) when it has no zone; null when it is not a real calendar date and
 * time in one of those shapes.
 */
export function utcDateTime(v: string): string | null {
    const m = ISO.exec(v);
    if (m === null) return null;
    const year = +m[1];
    const month = +m[2];
    const day = +m[3];
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
    if (m[4] === undefined) return v;
    if (+m[5] > 23 || +m[6] > 59 || (m[7] !== undefined && +m[7] > 59)) return null;
    const zone = m[8];
    if (zone !== undefined && zone !== 'Z') {
        const digits = zone.replace(':', '');
        if (+digits.slice(1, 3) > 14 || +digits.slice(3) > 59) return null;
    }
    if (zone !== undefined && m[4] === 'T') return v;
    const t = m[4] === ' ' ? `${v.slice(0, 10)}T${v.slice(11)}` : v;
    return zone === undefined ? `${t}Z` : t;
}

/**
 * Checks the date columns of one row and writes back the UTC form of any zone-less date-time. Returns the first
 * column whose value is not a date, or null.
 */
export function checkDates(
    row: Record<string, string | undefined>,
    columns: readonly string[]
): string | null {
    for (const c of columns) {
        const v = row[c];
        if (v === undefined || v === '') continue;
        const utc = utcDateTime(v);
        if (utc === null) return c;
        if (utc !== v) row[c] = utc;
    }
    return null;
}
