/**
 * The write log as the reports show it: one row per write step with what the org confirmed, refused, left
 * unanswered, and what was never sent. Shown whenever the run wrote to an org, in full when it stopped part-way.
 */
import type { WriteStepLog } from '../salesforce/writeLog';

const HEAD = [
    'Step',
    'Object',
    'Planned',
    'Landed',
    'Failed',
    'Refused',
    'Unconfirmed',
    'Not attempted',
    'Retries',
    'Stopped by'
];

const cell = (n: number | null): string => (n === null ? '–' : n.toLocaleString('en-US'));

function rows(log: WriteStepLog[]): string[][] {
    return log.map((s) => [
        s.label,
        s.object,
        cell(s.planned),
        String(s.landed),
        cell(s.failed.length),
        cell(s.refused),
        cell(s.unconfirmed),
        cell(s.notAttempted),
        cell(s.retries),
        s.error ?? ''
    ]);
}

const MEANING =
    'Landed: confirmed by the org. Failed: refused record by record. Refused: in calls the org turned down whole after every retry (not written). Unconfirmed: sent, never answered (may have landed; the next run finds out). Every write is idempotent, so rerunning finishes what is missing.';

/** The write log as a Markdown section (empty when the run wrote nothing to an org). */
export function writeLogMd(log: WriteStepLog[] | undefined): string[] {
    if (!log) return [];
    const failed = log.flatMap((s) => s.failed.map((f) => `- ${s.label}: ${f.id}: ${f.message}`));
    return [
        '### Write log',
        '',
        `| ${HEAD.join(' | ')} |`,
        `|${HEAD.map(() => '---').join('|')}|`,
        ...rows(log).map((r) => `| ${r.join(' | ')} |`),
        '',
        MEANING,
        '',
        ...(failed.length > 0
            ? [
                  'Records the org refused:',
                  '',
                  ...failed.slice(0, 200),
                  ...(failed.length > 200 ? [`- and ${failed.length - 200} more`] : []),
                  ''
              ]
            : [])
    ];
}

/** The write log as an HTML fragment, text escaped with `esc`. */
export function writeLogHtml(log: WriteStepLog[] | undefined, esc: (s: string) => string): string {
    if (!log) return '';
    const failed = log.flatMap((s) => s.failed.map((f) => `${s.label}: ${f.id}: ${f.message}`));
    return `<h3>Write log</h3><table><thead><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows(
        log
    )
        .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table><p>${esc(MEANING)}</p>${
        failed.length > 0
            ? `<ul>${failed
                  .slice(0, 200)
                  .map((f) => `<li>${esc(f)}</li>`)
                  .join('')}</ul>`
            : ''
    }`;
}
