import { LightningElement, api } from 'lwc';
import type { Band } from 'c/calibrationEngine';
import { ci, formatCount } from 'c/calibrationFormat';
import LOCALE from '@salesforce/i18n/locale';

/** One segment as the overview draws it. */
export interface OverviewSegment {
    segment: string;
    bands: Band[];
    activeThreshold: number | null;
    recommendedThreshold: number | null;
    /** Status in words (calibrationFormat.statusInWords). */
    status: string;
}

const W = 260;
const H = 120;
const PAD = { left: 6, right: 6, top: 16, bottom: 16 };
const MID = PAD.top + (H - PAD.top - PAD.bottom) / 2;

/**
 * Presentational: every segment's score distribution side by side on one shared score axis (won deals above the
 * line, rejected leads below, each segment scaled to its own largest band), the active and recommended thresholds
 * marked, the status in words; choosing a segment fires `select` with its DeveloperName.
 */
export default class SegmentOverview extends LightningElement {
    /** The segments, in display order. */
    @api segments: OverviewSegment[] = [];
    /** The segment whose detail is open. */
    @api selected: string | null = null;
    /** Set when the run records could not be read; shown instead of the charts. */
    @api error: string | null = null;

    readonly viewBox = `0 0 ${W} ${H}`;

    get hasSegments(): boolean {
        return !this.error && (this.segments ?? []).length > 0;
    }

    get isEmpty(): boolean {
        return !this.error && (this.segments ?? []).length === 0;
    }

    /** The shared score axis: from the lowest band start to the highest band end over all segments. */
    private get axis(): { lo: number; hi: number } {
        let lo = Infinity;
        let hi = -Infinity;
        for (const s of this.segments ?? []) {
            if (!s.bands?.length) continue;
            lo = Math.min(lo, s.bands[0].from);
            hi = Math.max(hi, s.bands[s.bands.length - 1].to);
        }
        return lo < hi ? { lo, hi } : { lo: 0, hi: 100 };
    }

    get axisLabels(): { lo: string; hi: string } {
        const { lo, hi } = this.axis;
        return { lo: String(lo), hi: String(hi) };
    }

    /** The drawn cards without the selection, kept while the same segments are shown (a click only moves the highlight). */
    private drawn: { from: OverviewSegment[]; cards: Record<string, unknown>[] } | null = null;

    get cards(): Record<string, unknown>[] {
        if (!this.drawn || this.drawn.from !== this.segments)
            this.drawn = { from: this.segments, cards: this.draw() };
        return this.drawn.cards.map((c) => ({
            ...c,
            cls: `card${c.segment === this.selected ? ' card_selected' : ''}`,
            pressed: c.segment === this.selected ? 'true' : 'false'
        }));
    }

    private draw(): Record<string, unknown>[] {
        const { lo, hi } = this.axis;
        const x = (score: number) =>
            PAD.left + ((Math.min(Math.max(score, lo), hi) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
        const half = MID - PAD.top;
        return (this.segments ?? []).map((s) => {
            const bands = s.bands ?? [];
            const max = Math.max(1, ...bands.map((b) => Math.max(b.won, b.rejected)));
            const bars = bands.flatMap((b) => {
                const x0 = x(b.from) + 0.5;
                const width = Math.max(1, x(b.to) - x(b.from) - 1);
                const wonH = (b.won / max) * half;
                const rejH = (b.rejected / max) * half;
                const range = `${b.from}–${b.to - 1}`;
                return [
                    {
                        key: `w${b.from}`,
                        cls: 'bar bar_won',
                        x: x0,
                        y: MID - wonH,
                        width,
                        height: wonH,
                        label: `${range}: ${formatCount(b.won, LOCALE)} won, win rate ${ci(b.winRate)}`
                    },
                    {
                        key: `r${b.from}`,
                        cls: 'bar bar_rejected',
                        x: x0,
                        y: MID,
                        width,
                        height: rejH,
                        label: `${range}: ${formatCount(b.rejected, LOCALE)} rejected, rejection rate ${ci(b.rejectionRate)}`
                    }
                ];
            });
            const markers = [];
            if (s.activeThreshold !== null && s.activeThreshold !== undefined)
                markers.push({
                    key: 'a',
                    cls: 'marker marker_active',
                    x: x(s.activeThreshold),
                    label: `active ${s.activeThreshold}`
                });
            if (
                s.recommendedThreshold !== null &&
                s.recommendedThreshold !== undefined &&
                s.recommendedThreshold !== s.activeThreshold
            )
                markers.push({
                    key: 'r',
                    cls: 'marker marker_recommended',
                    x: x(s.recommendedThreshold),
                    label: `recommended ${s.recommendedThreshold}`
                });
            const name = s.segment.replace(/_/g, ' ');
            const marks = markers.map((m) => m.label).join(', ');
            return {
                key: s.segment,
                segment: s.segment,
                name,
                status: s.status,
                bars,
                markers: markers.map((m) => ({
                    ...m,
                    y1: PAD.top - 4,
                    y2: H - PAD.bottom + 4,
                    labelY: m.key === 'a' ? H - 3 : 11
                })),
                hasBands: bands.length > 0,
                summary: `${name}: won deals above the line and rejected leads below, by score at handoff${marks ? `; ${marks}` : ''}. ${s.status}.`,
                rows: bands.map((b) => ({
                    key: b.from,
                    range: `${b.from}–${b.to - 1}`,
                    won: formatCount(b.won, LOCALE),
                    winRate: ci(b.winRate),
                    rejected: formatCount(b.rejected, LOCALE),
                    rejectionRate: ci(b.rejectionRate)
                }))
            };
        });
    }

    handleOpen(event: Event): void {
        const segment = (event.currentTarget as HTMLElement).dataset.segment;
        if (segment) this.dispatchEvent(new CustomEvent('select', { detail: { segment } }));
    }
}
