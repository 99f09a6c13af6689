/**
 * Reports people read: the JSON result (sf CLI style), Markdown and HTML with a chart per segment, and the short
 * terminal table. Every figure here is a count or a rate the engine computed from counts; nothing is re-derived.
 */
import { ci, money, pathsNote, pct } from 'c/calibrationFormat';
import {
    abstentionSummary,
    evidenceLines,
    type Band,
    type CalibrationResult,
    type Scenario,
    type SegmentResult,
    type CalibrationSettings
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type { StreamSummary } from '../sources/types';
import { renderBandChart } from './chart';
import type { SegmentGovernance } from '../job/governance';
import type { PilotReport } from '../job/pilots';
import { governanceHtml, governanceMd, pilotsHtml, pilotsMd } from './governanceReport';
import { writeLogHtml, writeLogMd } from './writeLogReport';
import type { WriteStepLog } from '../salesforce/writeLog';

/** The job's result: the `result` of `{"status":0,"result":...}`. */
export interface JobResult {
    asOf: string;
    source: { kind: 'org' | 'csv' | 'demo'; label: string };
    generatedAt: string;
    settings: Pick<CalibrationSettings, 'bandWidth' | 'lookbackMonths' | 'targetRejectionRate' | 'healthySqlRate' | 'minWonDeals' | 'minHandedOff' | 'minStep' | 'scenarioDelta' | 'scenarioWindowDays'>;
    read: {
        leads: number;
        opportunities: number;
        historyRows: number;
        scoreSources: StreamSummary['scoreSources'];
        /** Handed-off leads by where their handoff time came from (absent in results written before it was counted). */
        handoffSources?: StreamSummary['handoffSources'];
        /** Rejected handed-off leads by where the rejection came from (absent likewise). */
        rejectionSources?: StreamSummary['rejectionSources'];
    };
    segments: SegmentResult[];
    /** Per segment: approved change, freeze, and whether governance let the proposal through (scripts/job/governance). */
    governance?: SegmentGovernance[];
    /** Threshold pilots: configuration, test and control counts, comparison (scripts/job/pilots). */
    pilots?: PilotReport[];
    exclusions: CalibrationResult['exclusions'];
    exclusionCounts: CalibrationResult['exclusionCounts'];
    writes: {
        mode: 'org' | 'folder' | 'none';
        summary: string;
        details?: unknown;
        /** Org runs: what each write step landed, refused or never sent (scripts/salesforce/writeLog). */
        log?: WriteStepLog[];
        /** True when the writes stopped part-way (the run exits 1). */
        failed?: boolean;
    };
    timings: Record<string, number>;
}

const int = (n: number): string => n.toLocaleString('en-US');

/** One line per segment for the terminal and the top of the reports. */
export function recommendationLine(s: SegmentResult): string {
    const r = s.recommendation;
    if (r.threshold !== null) return `recommend ${r.threshold} (range ${r.range ? `${r.range[0]}–${r.range[1]}` : 'n/a'})`;
    const abstention = abstentionSummary(r);
    if (abstention !== null) return `no recommendation: ${abstention}${r.startingPoint ? ` (starting point ${r.startingPoint[0]}–${r.startingPoint[1]})` : ''}`;
    switch (r.reason) {
        case 'no-change':
            return `keep ${s.activeThreshold} (evidence says ${r.computed}, within the minimum step)`;
        case 'frozen':
            return `frozen: no proposal`;
        default:
            return `no recommendation (${r.reason})`;
    }
}

/** The terminal summary: a fixed-width table, one row per segment. */
export function terminalTable(res: JobResult): string {
    const rows = [['Segment', 'Active', 'Handed off', 'Won', 'Rejection', 'Recommendation', 'Triggers']];
    for (const s of res.segments) {
        const decided = s.bands.reduce((t, b) => t + b.accepted + b.rejected, 0);
        rows.push([
            s.name,
            s.activeThreshold === null ? '–' : String(s.activeThreshold),
            int(s.sample.handedOff),
            int(s.sample.won),
            pct(decided > 0 ? s.sample.rejected / decided : null),
            recommendationLine(s),
            String(s.triggers.length)
        ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
    return [line(rows[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** A band's scores: "60–69" for whole-point bands, "0.3 to under 0.4" for any other scale. */
function bandLabel(b: Band): string {
    return Number.isInteger(b.from) && Number.isInteger(b.to) && b.to - b.from >= 1 ? `${b.from}–${b.to - 1}` : `${b.from} to under ${b.to}`;
}

/** Where a scenario's figures come from: counted, partly estimated (below the active threshold), or extrapolated. */
function scenarioBasis(c: Scenario): string {
    if (c.extrapolated) return 'extrapolated';
    return c.estimated ? `estimated (${int(c.estimatedMqls ?? 0)} never handed off)` : 'observed';
}

function bandTableMd(s: SegmentResult): string {
    const head = '| Score | Handed off | Accepted | Rejected (rate, 95% CI) | SQL rate (95% CI) | Opps | Won | Won share | Pipeline | Revenue | Verdict |\n|---|---|---|---|---|---|---|---|---|---|---|';
    const body = s.bands
        .map((b) => `| ${bandLabel(b)} | ${int(b.handedOff)} | ${int(b.accepted)} | ${int(b.rejected)} (${ci(b.rejectionRate)}) | ${ci(b.sqlRate)} | ${int(b.opportunities)} | ${int(b.won)} | ${pct(b.wonShare)} | ${money(b.pipelineAmount)} | ${money(b.wonAmount)} | ${b.verdict} |`)
        .join('\n');
    return `${head}\n${body}`;
}

function scenariosMd(s: SegmentResult): string {
    if (s.scenarios.length === 0) return '_No active threshold: no scenarios._';
    return [
        '| Scenario | Threshold | MQLs (90 days) | Per month | Accepted | Rejection rate | SQLs | Pipeline | Revenue | |',
        '|---|---|---|---|---|---|---|---|---|---|',
        ...s.scenarios.map((c) => `| ${c.label} | ${c.threshold} | ${int(c.mqls)} | ${c.mqlsPerMonth} | ${int(c.accepted)} | ${pct(c.rejectionRate)} | ${int(c.sqls)} | ${money(c.pipelineAmount)} | ${money(c.wonAmount)} | ${scenarioBasis(c)} |`)
    ].join('\n');
}

/** Where the handoffs came from, as the report's source line says it (empty for a result without the counts). */
function handoffSentence(res: JobResult): string {
    const h = res.read.handoffSources;
    if (!h) return '';
    const r = res.read.rejectionSources;
    return ` Handoff time from Handoff_Date__c ${int(h.Field)}, Status history ${int(h.StatusHistory)}, conversion ${int(h.Conversion)}, current status only ${int(h.CurrentStatus)}.${
        r ? ` Rejections from Rejection_Reason__c ${int(r.Reason)}, current status ${int(r.Status)}, Status history only ${int(r.StatusHistory)}.` : ''
    }`;
}

/** The Markdown report; charts are the SVG files written beside it (`charts/<segment>.svg`). */
export function renderMarkdown(res: JobResult): string {
    const out: string[] = [];
    out.push(`# Lead score calibration — ${res.asOf}`, '');
    out.push(`Source: ${res.source.label}. Read ${int(res.read.leads)} leads, ${int(res.read.opportunities)} opportunities, ${int(res.read.historyRows)} score-history rows. Score at handoff from snapshot ${int(res.read.scoreSources.Snapshot)}, history ${int(res.read.scoreSources.History)}, current score ${int(res.read.scoreSources.Current)}.${handoffSentence(res)}`, '');
    out.push('```', terminalTable(res), '```', '');
    for (const s of res.segments) {
        const r = s.recommendation;
        out.push(`## ${s.name}`, '');
        out.push(`**${recommendationLine(s)}** — active threshold ${s.activeThreshold ?? 'none'}.`, '');
        out.push(r.rationale, '');
        const evidence = evidenceLines(r);
        if (evidence.length > 0) out.push('Evidence:', '', ...evidence.map((l) => `- ${l}`), '');
        if (r.expectedMqlsPerMonth !== null) out.push(`At ${r.computed}: ${r.expectedMqlsPerMonth} MQLs a month, rejection rate ${pct(r.expectedRejectionRate)} (last ${res.settings.scenarioWindowDays} days).`, '');
        out.push(`![${s.name}: won deals and rejected leads by score at handoff](charts/${s.name}.svg)`, '');
        out.push('### Bands', '', bandTableMd(s), '');
        out.push('### Scenarios', '', scenariosMd(s), '');
        out.push('### Review triggers', '', s.triggers.length === 0 ? '_None._' : s.triggers.map((t) => `- **${t.code}** (${t.severity}): ${t.message}`).join('\n'), '');
        out.push(...governanceMd(res.governance?.find((g) => g.segment === s.name)));
        if (s.paths.length > 0) {
            out.push('### Paths to MQL', '', ...(pathsNote(s.paths) ? [pathsNote(s.paths)!, ''] : []), '| Path | Handed off | SQL rate (95% CI) | Won |', '|---|---|---|---|', ...s.paths.map((p) => `| ${p.path} | ${int(p.handedOff)} | ${ci(p.sqlRate)} | ${int(p.won)} |`), '');
        }
    }
    out.push(...pilotsMd(res.pilots));
    const ex = Object.entries(res.exclusionCounts);
    out.push('## Excluded records', '', ex.length === 0 ? '_None._' : ex.map(([reason, n]) => `- ${reason}: ${int(n)}`).join('\n'), '');
    out.push('## Writes', '', res.writes.summary, '', ...writeLogMd(res.writes.log));
    return out.join('\n');
}

function esc(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The HTML report: self-contained (inline SVG and CSS), readable offline and printable. */
export function renderHtml(res: JobResult): string {
    const table = (head: string[], rows: string[][]) =>
        `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    const sections = res.segments.map((s) => {
        const r = s.recommendation;
        return `<section id="${esc(s.name)}"><h2>${esc(s.name)}</h2>
<p class="rec"><strong>${esc(recommendationLine(s))}</strong> — active threshold ${s.activeThreshold ?? 'none'}.</p>
<p>${esc(r.rationale)}</p>
${evidenceLines(r).length > 0 ? `<details class="evidence"><summary>Evidence</summary><ul>${evidenceLines(r).map((l) => `<li>${esc(l)}</li>`).join('')}</ul></details>` : ''}
${renderBandChart({ segment: s.name, bands: s.bands, activeThreshold: s.activeThreshold, recommendedThreshold: r.threshold ?? r.computed })}
<h3>Bands</h3>${table(
            ['Score', 'Handed off', 'Accepted', 'Rejected', 'Rejection rate (95% CI)', 'SQL rate (95% CI)', 'Opps', 'Won', 'Won share', 'Pipeline', 'Revenue', 'Verdict'],
            s.bands.map((b) => [bandLabel(b), int(b.handedOff), int(b.accepted), int(b.rejected), ci(b.rejectionRate), ci(b.sqlRate), int(b.opportunities), int(b.won), pct(b.wonShare), money(b.pipelineAmount), money(b.wonAmount), b.verdict])
        )}
<h3>Scenarios (last ${res.settings.scenarioWindowDays} days)</h3>${
            s.scenarios.length === 0
                ? '<p>No active threshold: no scenarios.</p>'
                : table(
                      ['Scenario', 'Threshold', 'MQLs', 'Per month', 'Accepted', 'Rejection rate', 'SQLs', 'Pipeline', 'Revenue', ''],
                      s.scenarios.map((c) => [c.label, String(c.threshold), int(c.mqls), String(c.mqlsPerMonth), int(c.accepted), pct(c.rejectionRate), int(c.sqls), money(c.pipelineAmount), money(c.wonAmount), scenarioBasis(c)])
                  )
        }
<h3>Review triggers</h3>${s.triggers.length === 0 ? '<p>None.</p>' : `<ul>${s.triggers.map((t) => `<li><strong>${esc(t.code)}</strong> (${t.severity}): ${esc(t.message)}</li>`).join('')}</ul>`}
${governanceHtml(res.governance?.find((g) => g.segment === s.name), esc)}
${s.paths.length > 0 ? `<h3>Paths to MQL</h3>${pathsNote(s.paths) ? `<p>${esc(pathsNote(s.paths)!)}</p>` : ''}${table(['Path', 'Handed off', 'SQL rate (95% CI)', 'Won'], s.paths.map((p) => [p.path, int(p.handedOff), ci(p.sqlRate), int(p.won)]))}` : ''}
</section>`;
    });
    const ex = Object.entries(res.exclusionCounts);
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lead score calibration — ${esc(res.asOf)}</title>
<style>body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#181818;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}td{white-space:nowrap}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}.rec{font-size:1.15rem}pre{background:#f6f6f6;padding:1rem;overflow:auto}section{border-top:2px solid #0b5cab;margin-top:2rem}</style>
</head><body>
<h1>Lead score calibration — ${esc(res.asOf)}</h1>
<p>Source: ${esc(res.source.label)}. Read ${int(res.read.leads)} leads, ${int(res.read.opportunities)} opportunities, ${int(res.read.historyRows)} score-history rows. Score at handoff from snapshot ${int(res.read.scoreSources.Snapshot)}, history ${int(res.read.scoreSources.History)}, current score ${int(res.read.scoreSources.Current)}.${esc(handoffSentence(res))}</p>
<pre>${esc(terminalTable(res))}</pre>
${sections.join('\n')}
${pilotsHtml(res.pilots, esc)}
<section><h2>Excluded records</h2>${ex.length === 0 ? '<p>None.</p>' : `<ul>${ex.map(([r, n]) => `<li>${esc(r)}: ${int(n)}</li>`).join('')}</ul>`}</section>
<section><h2>Writes</h2><p>${esc(res.writes.summary)}</p>${writeLogHtml(res.writes.log, esc)}</section>
</body></html>
`;
}
