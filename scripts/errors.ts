/**
 * One named error class per failure kind. Each message is written once, here or where it is thrown, as the one
 * line a user reads: it names the file and row, the settings key, or the org.
 */

/** Base class: every error the job expects carries an exit code and a one-line message. */
export class CalibrationJobError extends Error {
    readonly exitCode: number = 1;
}

/** Wrong command-line use (unknown flag, two sources, --out inside force-app/). */
export class UsageError extends CalibrationJobError {
    override readonly name = 'UsageError';
    override readonly exitCode = 2;
}

/** A CSV file that cannot be read as an export: names the file, the row (1 = header) and the field. */
export class InputFileError extends CalibrationJobError {
    override readonly name = 'InputFileError';
    constructor(
        readonly file: string,
        readonly row: number | null,
        readonly field: string | null,
        detail: string
    ) {
        super(`${file}${row !== null ? `:${row}` : ''}: ${field ? `${field}: ` : ''}${detail}`);
    }
}

/** A value in one row that the mapping cannot use; the CSV source adds file and row. */
export class RowError extends Error {
    override readonly name = 'RowError';
    constructor(
        readonly field: string,
        detail: string
    ) {
        super(detail);
    }
}

/** Settings that fail the schema: names the key path and what was expected. */
export class SettingsError extends CalibrationJobError {
    override readonly name = 'SettingsError';
}

/** The org alias or username is not authorised in the sf CLI. */
export class NotAuthorisedError extends CalibrationJobError {
    override readonly name = 'NotAuthorisedError';
}

/** Some writes to the org failed; the others were made. Lists every failure. */
export class PartialWriteError extends CalibrationJobError {
    override readonly name = 'PartialWriteError';
    constructor(readonly failures: { fullName: string; message: string }[]) {
        super(
            `${failures.length} write(s) failed: ${failures.map((f) => `${f.fullName}: ${f.message}`).join('; ')}`
        );
    }
}

/** A Salesforce API call failed in a way that retrying will not fix. */
export class SalesforceApiError extends CalibrationJobError {
    override readonly name = 'SalesforceApiError';
}

/**
 * The org's writes stopped part-way (a refused call after every retry, or records the org refused). Carries the
 * write log: the report is still written, and says what landed, what did not, and what was never attempted.
 */
export class OrgWriteError extends CalibrationJobError {
    override readonly name = 'OrgWriteError';
    /** The run's result with its write log, for the report and --json; set once the report is built. */
    result?: unknown;
    constructor(
        message: string,
        readonly log: unknown[]
    ) {
        super(message);
    }
}

/** The job's user cannot read or edit a field the run needs: found before the first read of records or write. */
export class OrgAccessError extends CalibrationJobError {
    override readonly name = 'OrgAccessError';
}

/** No lead shows a recorded handoff (neither Handoff_Date__c nor Status history): nothing to calibrate on. */
export class NoHandoffError extends CalibrationJobError {
    override readonly name = 'NoHandoffError';
}
