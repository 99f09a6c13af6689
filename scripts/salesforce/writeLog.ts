/**
 * The write log: for each write step of a run, what the org confirmed, what it refused record by record, what it
 * refused whole (a 503, a request limit, an expired session: nothing of that call was applied), what was sent but
 * never answered (may or may not have landed), and what was never sent. Filled from the calls themselves by the
 * retrying connection, so it says what happened on the wire, not what the code meant to do.
 */
import { describeError } from './retry';

/** The job's write steps, in the order it makes them. */
export const WRITE_STEPS = ['metadata', 'runRecords', 'latestFlag', 'leadStamps', 'pilotGroups'] as const;
export type WriteStep = (typeof WRITE_STEPS)[number];

const LABELS: Record<WriteStep, { label: string; object: string }> = {
    metadata: { label: 'Recommendations', object: 'MQL_Threshold__mdt' },
    runRecords: { label: 'Run records', object: 'MQL_Calibration_Run__c' },
    latestFlag: { label: 'Latest flag', object: 'MQL_Calibration_Run__c' },
    leadStamps: { label: 'Lead stamps', object: 'Lead' },
    pilotGroups: { label: 'Pilot groups', object: 'Lead' }
};

/** One step's outcome, as it appears in result.json and the reports. */
export interface WriteStepLog {
    step: WriteStep;
    label: string;
    object: string;
    /** Records the step meant to write; null when it is only known once sent (the latest flag). */
    planned: number | null;
    /** Sent in calls the org answered or refused, or that went unanswered. */
    sent: number;
    /** Confirmed written by the org. */
    landed: number;
    /** Refused record by record (the rest of their call landed). */
    failed: { id: string; message: string }[];
    /** In calls the org refused whole after every retry: not written. */
    refused: number;
    /** In calls that went unanswered after every retry: may or may not have landed; the next run finds out. */
    unconfirmed: number;
    /** Never sent, because an earlier call or step stopped the run; null when the plan was not known. */
    notAttempted: number | null;
    /** Calls sent again after a 503, a request limit or a lost connection. */
    retries: number;
    /** What stopped this step, if anything. */
    error: string | null;
}

type Answer = { success?: boolean | string; id?: string; fullName?: string; errors?: unknown };

export class WriteLog {
    private readonly steps = new Map<WriteStep, WriteStepLog>();
    private last: WriteStep | null = null;

    constructor() {
        for (const step of WRITE_STEPS)
            this.steps.set(step, {
                step,
                ...LABELS[step],
                planned: null,
                sent: 0,
                landed: 0,
                failed: [],
                refused: 0,
                unconfirmed: 0,
                notAttempted: null,
                retries: 0,
                error: null
            });
    }

    /** Records how many records a step means to write. */
    plan(step: WriteStep, planned: number): void {
        this.steps.get(step)!.planned = planned;
    }

    /** The step a write call belongs to, from what it sends; null for a call that is not one of the job's writes. */
    stepOf(method: string, urlOrType: string, records: object[]): WriteStep | null {
        if (method === 'SOAP') return urlOrType === 'CustomMetadata' ? 'metadata' : null;
        if (/\/composite\/sobjects\/MQL_Calibration_Run__c\/Run_Key__c$/.test(urlOrType)) return 'runRecords';
        const first = records[0] as { attributes?: { type?: string } } | undefined;
        const type = first?.attributes?.type;
        if (type === 'MQL_Calibration_Run__c') return method === 'POST' ? 'runRecords' : 'latestFlag';
        if (type === 'Lead') return 'MQL_Pilot_Group__c' in first! ? 'pilotGroups' : 'leadStamps';
        return null;
    }

    /** A call of `step` carrying `count` records is about to be sent (retries are not counted again). */
    sending(step: WriteStep, count: number): void {
        this.steps.get(step)!.sent += count;
        this.last = step;
    }

    /** A call was sent again. */
    retried(step: WriteStep): void {
        this.steps.get(step)!.retries++;
    }

    /**
     * The org answered a call: each record's success or failure (collections and metadata alike). `names` are the
     * sent records' ids or keys in order, for answers that name no record.
     */
    answered(step: WriteStep, response: unknown, names?: (string | undefined)[]): void {
        const s = this.steps.get(step)!;
        for (const [i, r] of ([response].flat() as Answer[]).entries()) {
            if (r?.success === true || r?.success === 'true') s.landed++;
            else
                s.failed.push({
                    id: String(r?.fullName ?? r?.id ?? names?.[i] ?? '(no id)'),
                    message:
                        ([r?.errors ?? []].flat() as { message?: string }[])
                            .map((e) => e?.message)
                            .filter(Boolean)
                            .join('; ') || 'failed'
                });
        }
    }

    /** A call failed after every retry: refused whole, or unanswered (`lost`). */
    lost(step: WriteStep, count: number, lostConnection: boolean, error: unknown): void {
        const s = this.steps.get(step)!;
        if (lostConnection) s.unconfirmed += count;
        else s.refused += count;
        const attempts = (error as { attempts?: number })?.attempts ?? 1;
        s.error = `${describeError(error)} (${attempts} attempt${attempts === 1 ? '' : 's'})`;
    }

    /**
     * Closes the log after the run's writes: with `error`, the step that was under way is marked stopped (when the
     * call itself did not say why) and what was planned but never sent is counted as not attempted.
     */
    finish(error?: unknown): WriteStepLog[] {
        const list = [...this.steps.values()];
        if (error) {
            const at = this.stoppedAt();
            // Records refused one by one already say why; the error that collected them adds nothing.
            if (at && !at.error && at.failed.length === 0) at.error = describeError(error);
        }
        for (const s of list) {
            const answered = s.landed + s.failed.length + s.refused + s.unconfirmed;
            s.planned ??= s.sent > 0 ? s.sent : null;
            s.notAttempted = s.planned === null ? null : Math.max(0, s.planned - Math.max(s.sent, answered));
        }
        return list;
    }

    /** The step where the run stopped: the first with a failure of any kind, else the last one that sent. */
    stoppedAt(): WriteStepLog | null {
        const list = [...this.steps.values()];
        return (
            list.find((s) => s.failed.length > 0 || s.refused > 0 || s.unconfirmed > 0 || s.error) ??
            (this.last ? this.steps.get(this.last)! : null)
        );
    }

    /** All steps, in order. */
    entries(): WriteStepLog[] {
        return [...this.steps.values()];
    }
}

/** `lead stamps: 400 of 3,489 landed, 200 refused (...)`: one step in a line. */
function stepLine(s: WriteStepLog): string {
    const parts = [`${s.label.toLowerCase()}: ${s.landed} of ${s.planned ?? s.sent} landed`];
    if (s.failed.length > 0)
        parts.push(
            `${s.failed.length} failed (${s.failed
                .slice(0, 3)
                .map((f) => `${f.id}: ${f.message}`)
                .join('; ')}${s.failed.length > 3 ? `; and ${s.failed.length - 3} more` : ''})`
        );
    if (s.refused > 0) parts.push(`${s.refused} refused`);
    if (s.unconfirmed > 0) parts.push(`${s.unconfirmed} unconfirmed (sent, no answer)`);
    if (s.notAttempted) parts.push(`${s.notAttempted} not attempted`);
    return `${parts.join(', ')}${s.error ? ` [${s.error}]` : ''}`;
}

/**
 * The one line a failed run ends with: where the writes stopped and why, what landed before, what was never
 * attempted. The full log is in the report.
 */
export function failureLine(steps: WriteStepLog[]): string {
    const at = steps.findIndex((s) => s.failed.length > 0 || s.refused > 0 || s.unconfirmed > 0 || s.error);
    const stop = at >= 0 ? at : 0;
    const before = steps.slice(0, stop).filter((s) => s.sent > 0 || (s.planned ?? 0) > 0);
    const after = steps.slice(stop + 1).filter((s) => (s.planned ?? 0) > 0 || s.sent > 0);
    return [
        `org writes stopped at ${stepLine(steps[stop])}`,
        before.length > 0
            ? `written before it: ${before.map((s) => `${s.label.toLowerCase()} ${s.landed} of ${s.planned ?? s.sent}`).join(', ')}`
            : null,
        after.length > 0
            ? `after it: ${after.map((s) => `${s.label.toLowerCase()} ${s.landed} landed, ${s.notAttempted ?? '?'} not attempted`).join(', ')}`
            : null,
        'every write is idempotent: rerun to finish; the write log is in the report'
    ]
        .filter(Boolean)
        .join('; ');
}
