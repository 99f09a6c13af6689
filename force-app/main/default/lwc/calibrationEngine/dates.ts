/**
 * Dates as the engine reads them: ISO dates and date-times to epoch milliseconds (the fast path for the shapes
 * Salesforce writes), month indexes, and day arithmetic. Pure, and independent of the host's time zone.
 */
/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of the first of each month of the years 1900-2199, at (year - 1900) × 12 + month − 1. */
const MONTH_START = (() => {
    const t = new Int32Array(300 * 12);
    for (let y = 1900; y < 2200; y++)
        for (let m = 1; m <= 12; m++) t[(y - 1900) * 12 + m - 1] = daysFromCivil(y, m, 1);
    return t;
})();

/**
 * Parses an ISO date or date-time to epoch milliseconds; NaN for null, empty or unparseable input.
 * The shapes Salesforce writes (`2024-01-02`, `2024-01-02T03:04:05.000+0000`, `...Z`) in the years 1900-2199 take a
 * fast path that reads each character once and checks all the digits of a part with one test (Date.parse is the hot
 * spot at a million leads, and a test per digit was half of this); other years and shapes take `toMsSlow`, and
 * anything it does not know goes to Date.parse.
 */
export function toMs(value: string | null | undefined): number {
    if (!value) return NaN;
    const n = value.length;
    if (n !== 10 && (n < 19 || value.charCodeAt(10) !== 84)) return toMsSlow(value);
    const y1 = value.charCodeAt(0) - 48;
    const y2 = value.charCodeAt(1) - 48;
    const y3 = value.charCodeAt(2) - 48;
    const y4 = value.charCodeAt(3) - 48;
    const m1 = value.charCodeAt(5) - 48;
    const m2 = value.charCodeAt(6) - 48;
    const d1 = value.charCodeAt(8) - 48;
    const d2 = value.charCodeAt(9) - 48;
    if (
        !allDigits(
            y1 | y2 | y3 | y4 | m1 | m2 | d1 | d2,
            (y1 + 6) | (y2 + 6) | (y3 + 6) | (y4 + 6) | (m1 + 6) | (m2 + 6) | (d1 + 6) | (d2 + 6)
        ) ||
        value.charCodeAt(4) !== 45 ||
        value.charCodeAt(7) !== 45
    )
        return toMsSlow(value);
    const y = y1 * 1000 + y2 * 100 + y3 * 10 + y4;
    const mo = m1 * 10 + m2;
    const d = d1 * 10 + d2;
    if (y < 1900 || y >= 2200 || mo < 1 || mo > 12 || d < 1 || d > 31) return toMsSlow(value);
    const dayMs = (MONTH_START[(y - 1900) * 12 + mo - 1] + d - 1) * DAY_MS;
    if (n === 10) return dayMs;
    const h1 = value.charCodeAt(11) - 48;
    const h2 = value.charCodeAt(12) - 48;
    const i1 = value.charCodeAt(14) - 48;
    const i2 = value.charCodeAt(15) - 48;
    const s1 = value.charCodeAt(17) - 48;
    const s2 = value.charCodeAt(18) - 48;
    if (
        !allDigits(h1 | h2 | i1 | i2 | s1 | s2, (h1 + 6) | (h2 + 6) | (i1 + 6) | (i2 + 6) | (s1 + 6) | (s2 + 6)) ||
        value.charCodeAt(13) !== 58 ||
        value.charCodeAt(16) !== 58 ||
        h1 * 10 + h2 > 23
    )
        return toMsSlow(value);
    const at = dayMs + (((h1 * 10 + h2) * 60 + i1 * 10 + i2) * 60 + s1 * 10 + s2) * 1000;
    if (n === 19) return at;
    // Milliseconds and a zero offset as Salesforce writes them: `.000+0000` or `.000Z`.
    if (value.charCodeAt(19) === 46 && (n === 28 || n === 24)) {
        const f1 = value.charCodeAt(20) - 48;
        const f2 = value.charCodeAt(21) - 48;
        const f3 = value.charCodeAt(22) - 48;
        if (allDigits(f1 | f2 | f3, (f1 + 6) | (f2 + 6) | (f3 + 6))) {
            const zone =
                n === 24
                    ? value.charCodeAt(23) === 90
                    : value.charCodeAt(23) === 43 &&
                      value.charCodeAt(24) === 48 &&
                      value.charCodeAt(25) === 48 &&
                      value.charCodeAt(26) === 48 &&
                      value.charCodeAt(27) === 48;
            if (zone) return at + f1 * 100 + f2 * 10 + f3;
        }
    }
    return toMsSlow(value);
}

/**
 * Whether character codes minus '0' were all digits 0-9, from them OR-ed together (`any`) and each plus 6 OR-ed
 * together (`anyPlus6`): no bit above the lowest four in `any` (that also catches characters below '0'), and none
 * reaching 16 in `anyPlus6` (that catches ':' to '?'). One test for a whole part of a date instead of one a digit.
 */
function allDigits(any: number, anyPlus6: number): boolean {
    return (any & ~15) === 0 && (anyPlus6 & 16) === 0;
}

/** `toMs` for every shape and year: digits read one by one, any fraction length and zero-offset spelling. */
function toMsSlow(value: string): number {
    const n = value.length;
    if (n >= 10 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45) {
        const y = digits(value, 0, 4);
        const mo = digits(value, 5, 2);
        const d = digits(value, 8, 2);
        if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
        if (y < 0) return NaN;
        const day =
            y >= 1900 && y < 2200 ? MONTH_START[(y - 1900) * 12 + mo - 1] + d - 1 : daysFromCivil(y, mo, d);
        if (n === 10) return day * DAY_MS;
        if (n >= 19 && value.charCodeAt(10) === 84) {
            let i = 19;
            let ms = 0;
            if (i < n && value.charCodeAt(i) === 46) {
                let scale = 100;
                for (i = 20; i < n; i++) {
                    const c = value.charCodeAt(i) - 48;
                    if (c < 0 || c > 9) break;
                    ms += c * scale;
                    scale /= 10;
                }
            }
            if (utcZone(value, i)) {
                const h = digits(value, 11, 2);
                const mi = digits(value, 14, 2);
                const se = digits(value, 17, 2);
                if (h >= 0 && h < 24 && mi >= 0 && se >= 0)
                    return day * DAY_MS + ((h * 60 + mi) * 60 + se) * 1000 + Math.round(ms);
            }
        }
    }
    // Other offsets: Date.parse reads +hh:mm everywhere, +hhmm not.
    const v = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value;
    return Date.parse(v);
}

/** True when the rest of the string from `i` is empty, Z, or a zero UTC offset (+0000, +00:00, -0000, -00:00). */
function utcZone(s: string, i: number): boolean {
    const rest = s.length - i;
    if (rest === 0) return true;
    if (rest === 1) return s.charCodeAt(i) === 90;
    const sign = s.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return false;
    // Character codes only: no closure or substring per call (this runs for every date-time of every lead).
    if (rest === 5)
        return (
            s.charCodeAt(i + 1) === 48 &&
            s.charCodeAt(i + 2) === 48 &&
            s.charCodeAt(i + 3) === 48 &&
            s.charCodeAt(i + 4) === 48
        );
    return (
        rest === 6 &&
        s.charCodeAt(i + 1) === 48 &&
        s.charCodeAt(i + 2) === 48 &&
        s.charCodeAt(i + 3) === 58 &&
        s.charCodeAt(i + 4) === 48 &&
        s.charCodeAt(i + 5) === 48
    );
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil): pure arithmetic. */
function daysFromCivil(y: number, m: number, d: number): number {
    const yy = m <= 2 ? y - 1 : y;
    const era = Math.floor(yy / 400);
    const yoe = yy - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
}

/**
 * The month index (year × 12 + month − 1) of a day number (days since 1970-01-01, UTC): from the table of month
 * starts for 1900-2199 (a guess from the mean month length, corrected by a step), by arithmetic elsewhere.
 */
export function monthOfDay(day: number): number {
    let i = Math.floor((day + 25567) / 30.436875);
    if (i >= 0 && i < MONTH_START.length) {
        if (i + 1 < MONTH_START.length && MONTH_START[i + 1] <= day) i++;
        else if (MONTH_START[i] > day) i--;
        if (i >= 0) return 1900 * 12 + i;
    }
    const z = day + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor(
        (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365
    );
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return y * 12 + m - 1;
}

function digits(s: string, at: number, len: number): number {
    let v = 0;
    for (let i = at; i < at + len; i++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return -1;
        v = v * 10 + c;
    }
    return v;
}

/** Adds whole days to an ISO date (YYYY-MM-DD) and returns an ISO date. */
export function addDays(isoDate: string, days: number): string {
    return new Date(toMs(isoDate.slice(0, 10)) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Month index (year × 12 + month − 1) of an epoch time in UTC, from its day number (`monthOfDay`). */
export function monthOf(ms: number): number {
    return monthOfDay(Math.floor(ms / DAY_MS));
}

/** 'YYYY-MM' of a month index from `monthOf`. */
export function monthLabel(index: number): string {
    const m = (index % 12) + 1;
    return `${Math.floor(index / 12)}-${m < 10 ? '0' : ''}${m}`;
}
