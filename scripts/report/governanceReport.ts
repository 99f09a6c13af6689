/**
 * The governance and pilot parts of the reports: per segment, the approved change, freeze and proposal status;
 * per pilot, test against control on each metric with its difference, interval, p-value and verdict. Figures
 * come from the job's result as computed by c/calibrationGovernance; nothing is re-derived here.
 */
import { money, pct } from 'c/calibrationFormat';
import type { MetricComparison } from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';
import type { SegmentGovernance } from '../job/governance';
import type { PilotReport } from '../job/pilots';

/** A metric's value in its own unit: a rate as a percentage, hours to one decimal, revenue as money. */
export function metricValue(m: MetricComparison, v: number | null): string {
    if (v === null) return 'n/a';
    if (m.method === 'two-proportion z') return pct(v);
    return m.metric.startsWith('Revenue') ? money(v) : `${v.toFixed(1)} h`;
}

/** The difference test − control with its 95% interval, in the metric's unit (rates in points). */
export function metricDifference(m: MetricComparison): string {
    if (m.difference === null) return 'n/a';
    const f = (x: number) =>
        m.method === 'two-proportion z'
            ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} pts`
            : m.metric.startsWith('Revenue')
              ? `${x >= 0 ? '+' : '−'}${money(Math.abs(x))}`
              : `${x >= 0 ? '+' : ''}${x.toFixed(1)} h`;
    return m.ci ? `${f(m.difference)} (${f(m.ci[0])} to ${f(m.ci[1])})` : f(m.difference);
}

/** The p-value as printed: "< 0.001" below a thousandth, "n/a" without a test. */
export function pValue(p: number | null): string {
    return p === null ? 'n/a' : p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** Lines describing one segment's governance this run. */
export function governanceLines(g: SegmentGovernance): string[] {
    const lines: string[] = [];
    if (g.history === 'none') lines.push('Offline run: no run history, so approved changes cannot be detected here.');
    if (g.change) lines.push(`Approved change recorded: ${g.change.text} (detected ${g.change.detectedOn}). ${g.change.rationale}`);
    if (g.frozenUntil) lines.push(`Frozen until ${g.frozenUntil}: no new proposal unless a review trigger fires.`);
    if (g.frozenUntil && g.reviewTriggers.length > 0 && g.propose)
        lines.push(`Freeze lifted by review trigger${g.reviewTriggers.length > 1 ? 's' : ''} ${g.reviewTriggers.join(', ')}.`);
    if (g.reason === 'rejected-unchanged') lines.push('The last proposal was rejected and the evidence has not moved by the margin: not proposed again.');
    lines.push(`Status: ${g.status ?? 'none'}${g.propose ? ' (new proposal, waiting for an admin)' : ''}.`);
    return lines;
}

/** The "Governance" subsection of a segment in Markdown. */
export function governanceMd(g: SegmentGovernance | undefined): string[] {
    return g ? ['### Governance', '', ...governanceLines(g).map((l) => `- ${l}`), ''] : [];
}

/** The "Governance" subsection of a segment in HTML (`esc` escapes text). */
export function governanceHtml(g: SegmentGovernance | undefined, esc: (s: string) => string): string {
    return g ? `<h3>Governance</h3><ul>${governanceLines(g).map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : '';
}

function pilotHeading(p: PilotReport): string {
    const c = p.config;
    return `${c.segment}: ${c.field} in ${c.testValues.join(', ')} at ${c.testThreshold}, since ${c.start}`;
}

function pilotRows(p: PilotReport): string[][] {
    return p.comparison.metrics.map((m) => [
        m.metric,
        `${metricValue(m, m.test)} (n ${m.testN})`,
        `${metricValue(m, m.control)} (n ${m.controlN})`,
        metricDifference(m),
        pValue(m.pValue),
        m.method
    ]);
}

const PILOT_HEAD = ['Metric', 'Test', 'Control', 'Difference (95% CI)', 'p', 'Test used'];

/** The "Pilots" section in Markdown (empty when no pilot is configured). */
export function pilotsMd(pilots: PilotReport[] | undefined): string[] {
    if (!pilots || pilots.length === 0) return [];
    const out = ['## Pilots', ''];
    for (const p of pilots) {
        out.push(`### ${pilotHeading(p)}`, '');
        out.push(`**${p.comparison.verdict}** ${p.comparison.weeksRun} of at least ${p.comparison.minWeeks} weeks run; ${p.test.mqls} test and ${p.control.mqls} control MQLs${p.comparison.requiredPerGroup !== null ? `, ${p.comparison.requiredPerGroup} per group needed for 80% power` : ''}.`, '');
        out.push(`| ${PILOT_HEAD.join(' | ')} |`, `|${PILOT_HEAD.map(() => '---').join('|')}|`, ...pilotRows(p).map((r) => `| ${r.join(' | ')} |`), '');
    }
    return out;
}

/** The "Pilots" section in HTML (empty when no pilot is configured). */
export function pilotsHtml(pilots: PilotReport[] | undefined, esc: (s: string) => string): string {
    if (!pilots || pilots.length === 0) return '';
    const parts = pilots.map((p) => {
        const head = `<tr>${PILOT_HEAD.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
        const rows = pilotRows(p)
            .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('');
        return `<h3>${esc(pilotHeading(p))}</h3><p><strong>${esc(p.comparison.verdict)}</strong> ${p.comparison.weeksRun} of at least ${p.comparison.minWeeks} weeks run; ${p.test.mqls} test and ${p.control.mqls} control MQLs.</p><table><thead>${head}</thead><tbody>${rows}</tbody></table>`;
    });
    return `<section><h2>Pilots</h2>${parts.join('')}</section>`;
}
