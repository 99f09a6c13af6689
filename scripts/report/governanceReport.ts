/**
 * The governance and pilot parts of the reports: per segment, the approved change, freeze and proposal status;
 * per pilot, test against control on each metric with its difference, interval, p-value and verdict. Figures
 * come from the job's result as computed by c/calibrationGovernance, words from c/calibrationFormat (which the
 * dashboard uses too); nothing is re-derived here.
 */
import { governanceLines, pilotCaveat, pilotHeading, pilotProgress, pilotRows, PILOT_COLUMNS } from 'c/calibrationFormat';
import type { PilotReport, SegmentGovernance } from 'c/calibrationGovernance';

/** The "Governance" subsection of a segment in Markdown. */
export function governanceMd(g: SegmentGovernance | null | undefined): string[] {
    return g ? ['### Governance', '', ...governanceLines(g).map((l) => `- ${l}`), ''] : [];
}

/** The "Governance" subsection of a segment in HTML (`esc` escapes text). */
export function governanceHtml(g: SegmentGovernance | null | undefined, esc: (s: string) => string): string {
    return g
        ? `<h3>Governance</h3><ul>${governanceLines(g)
              .map((l) => `<li>${esc(l)}</li>`)
              .join('')}</ul>`
        : '';
}

/** The "Pilots" section in Markdown (empty when no pilot is configured). */
export function pilotsMd(pilots: PilotReport[] | undefined): string[] {
    if (!pilots || pilots.length === 0) return [];
    const out = ['## Pilots', ''];
    for (const p of pilots) {
        out.push(`### ${pilotHeading(p)}`, '', `**${p.comparison.verdict}** ${pilotProgress(p)}`, '', `_${pilotCaveat(p)}_`, '');
        out.push(
            `| ${PILOT_COLUMNS.join(' | ')} |`,
            `|${PILOT_COLUMNS.map(() => '---').join('|')}|`,
            ...pilotRows(p).map((r) => `| ${r.join(' | ')} |`),
            ''
        );
    }
    return out;
}

/** The "Pilots" section in HTML (empty when no pilot is configured). */
export function pilotsHtml(pilots: PilotReport[] | undefined, esc: (s: string) => string): string {
    if (!pilots || pilots.length === 0) return '';
    const parts = pilots.map((p) => {
        const head = `<tr>${PILOT_COLUMNS.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
        const rows = pilotRows(p)
            .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('');
        return `<h3>${esc(pilotHeading(p))}</h3><p><strong>${esc(p.comparison.verdict)}</strong> ${esc(pilotProgress(p))}</p><p class="caveat"><em>${esc(pilotCaveat(p))}</em></p><table><thead>${head}</thead><tbody>${rows}</tbody></table>`;
    });
    return `<section><h2>Pilots</h2>${parts.join('')}</section>`;
}
