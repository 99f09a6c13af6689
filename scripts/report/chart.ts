/**
 * The per-segment chart of the report: won deals and rejected leads by band of score at handoff, as inline SVG,
 * with the active and recommended thresholds marked. SVG needs no script and no network, prints, and reads in a
 * mail client; the same figures are always in the band table beside it.
 */
import type { Band } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

export interface ChartInput {
    segment: string;
    bands: Band[];
    activeThreshold: number | null;
    recommendedThreshold: number | null;
}

const W = 720;
const H = 260;
const PAD = { left: 48, right: 16, top: 28, bottom: 40 };

function esc(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** X position of a score on the chart's axis, for bands [first.from, last.to). Exported for tests. */
export function scoreToX(score: number, bands: Band[]): number {
    const lo = bands[0].from;
    const hi = bands[bands.length - 1].to;
    const plot = W - PAD.left - PAD.right;
    return PAD.left + ((Math.min(Math.max(score, lo), hi) - lo) / (hi - lo)) * plot;
}

/** Renders the chart; a segment with no bands gets a short text instead of an empty frame. */
export function renderBandChart(c: ChartInput): string {
    const title = `${c.segment}: won deals and rejected leads by score at handoff`;
    if (c.bands.length === 0) {
        return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40" role="img" aria-label="${esc(title)}: no handed-off leads"><text x="8" y="24" font-family="sans-serif" font-size="13">No handed-off leads in the lookback window.</text></svg>`;
    }
    const max = Math.max(1, ...c.bands.map((b) => Math.max(b.won, b.rejected)));
    const plotH = H - PAD.top - PAD.bottom;
    const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
    const parts: string[] = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="t-${esc(c.segment)} d-${esc(c.segment)}" font-family="sans-serif" font-size="11">`);
    parts.push(`<title id="t-${esc(c.segment)}">${esc(title)}</title>`);
    parts.push(
        `<desc id="d-${esc(c.segment)}">${esc(
            c.bands.map((b) => `${b.from}-${b.to - 1}: ${b.won} won, ${b.rejected} rejected`).join('; ')
        )}. Active threshold ${c.activeThreshold ?? 'none'}, recommended ${c.recommendedThreshold ?? 'none'}.</desc>`
    );
    parts.push(`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#747474"/>`);
    for (const t of [0, 0.5, 1]) {
        const v = Math.round(max * t);
        parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#444">${v}</text>`);
        parts.push(`<line x1="${PAD.left}" y1="${y(v)}" x2="${W - PAD.right}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    }
    for (const b of c.bands) {
        const x0 = scoreToX(b.from, c.bands);
        const x1 = scoreToX(b.to, c.bands);
        const bw = Math.max(1, (x1 - x0) / 2 - 2);
        parts.push(`<rect class="won" x="${(x0 + 1).toFixed(1)}" y="${y(b.won).toFixed(1)}" width="${bw.toFixed(1)}" height="${(PAD.top + plotH - y(b.won)).toFixed(1)}" fill="#2e844a"><title>${b.from}-${b.to - 1}: ${b.won} won</title></rect>`);
        parts.push(`<rect class="rejected" x="${(x0 + 1 + bw + 1).toFixed(1)}" y="${y(b.rejected).toFixed(1)}" width="${bw.toFixed(1)}" height="${(PAD.top + plotH - y(b.rejected)).toFixed(1)}" fill="#ba0517"><title>${b.from}-${b.to - 1}: ${b.rejected} rejected</title></rect>`);
        parts.push(`<text x="${x0.toFixed(1)}" y="${H - PAD.bottom + 14}" fill="#444">${b.from}</text>`);
    }
    const marker = (score: number, label: string, colour: string, dash: string, dy: number) => {
        const x = scoreToX(score, c.bands).toFixed(1);
        parts.push(`<line class="threshold" data-score="${score}" x1="${x}" y1="${PAD.top - 4}" x2="${x}" y2="${PAD.top + plotH}" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash}"/>`);
        parts.push(`<text x="${x}" y="${PAD.top - 8 + dy}" text-anchor="middle" fill="${colour}">${esc(label)} ${score}</text>`);
    };
    if (c.activeThreshold !== null) marker(c.activeThreshold, 'active', '#444444', '5 3', 0);
    if (c.recommendedThreshold !== null) marker(c.recommendedThreshold, 'recommended', '#0b5cab', '', c.activeThreshold !== null && Math.abs(c.recommendedThreshold - c.activeThreshold) < 8 ? 12 : 0);
    parts.push(`<rect x="${W - 190}" y="6" width="10" height="10" fill="#2e844a"/><text x="${W - 176}" y="15">won deals</text>`);
    parts.push(`<rect x="${W - 110}" y="6" width="10" height="10" fill="#ba0517"/><text x="${W - 96}" y="15">rejected leads</text>`);
    parts.push(`<text x="${(W / 2).toFixed(0)}" y="${H - 6}" text-anchor="middle" fill="#444">score at handoff</text>`);
    parts.push('</svg>');
    return parts.join('');
}
