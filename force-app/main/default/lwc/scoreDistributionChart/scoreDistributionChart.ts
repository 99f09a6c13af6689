import { LightningElement, api } from 'lwc';
import type { Band } from 'c/calibrationEngine';

const W = 640;
const H = 220;
const PAD = { left: 40, right: 12, top: 24, bottom: 30 };

interface Bar {
    key: string;
    x: number;
    y: number;
    width: number;
    height: number;
    label: string;
}

/** Presentational: won deals and rejected leads per band of score at handoff, active and recommended thresholds marked. */
export default class ScoreDistributionChart extends LightningElement {
    /** Bands of the segment's latest run. */
    @api bands: Band[] = [];
    /** The active threshold, or null. */
    @api activeThreshold: number | null = null;
    /** The recommended (or computed) threshold, or null. */
    @api recommendedThreshold: number | null = null;
    /** Segment name, for the chart's accessible title. */
    @api segment = '';

    readonly viewBox = `0 0 ${W} ${H}`;

    get hasBands(): boolean {
        return (this.bands ?? []).length > 0;
    }

    get chartTitle(): string {
        return `${this.segment}: won deals and rejected leads by score at handoff`;
    }

    private get max(): number {
        return Math.max(1, ...this.bands.map((b) => Math.max(b.won, b.rejected)));
    }

    private x(score: number): number {
        const lo = this.bands[0].from;
        const hi = this.bands[this.bands.length - 1].to;
        return PAD.left + ((Math.min(Math.max(score, lo), hi) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
    }

    private y(v: number): number {
        return PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / this.max);
    }

    get wonBars(): Bar[] {
        return this.bars('won');
    }

    get rejectedBars(): Bar[] {
        return this.bars('rejected');
    }

    private bars(kind: 'won' | 'rejected'): Bar[] {
        if (!this.hasBands) return [];
        return this.bands.map((b) => {
            const x0 = this.x(b.from);
            const w = Math.max(1, (this.x(b.to) - x0) / 2 - 2);
            const v = b[kind];
            return { key: `${kind}-${b.from}`, x: x0 + 1 + (kind === 'rejected' ? w + 1 : 0), y: this.y(v), width: w, height: this.y(0) - this.y(v), label: `${b.from}-${b.to - 1}: ${v} ${kind}` };
        });
    }

    get axisLabels(): { key: string; x: number; y: number; text: string }[] {
        if (!this.hasBands) return [];
        return this.bands.map((b) => ({ key: `l-${b.from}`, x: this.x(b.from), y: H - PAD.bottom + 14, text: String(b.from) }));
    }

    get baseline(): { x1: number; x2: number; y: number } {
        return { x1: PAD.left, x2: W - PAD.right, y: H - PAD.bottom };
    }

    get markers(): { key: string; x: number; y1: number; y2: number; labelY: number; text: string; cls: string }[] {
        if (!this.hasBands) return [];
        const out = [];
        if (this.activeThreshold !== null && this.activeThreshold !== undefined)
            out.push({ key: 'active', x: this.x(this.activeThreshold), y1: PAD.top - 6, y2: H - PAD.bottom, labelY: PAD.top - 10, text: `active ${this.activeThreshold}`, cls: 'marker marker_active' });
        if (this.recommendedThreshold !== null && this.recommendedThreshold !== undefined)
            out.push({ key: 'recommended', x: this.x(this.recommendedThreshold), y1: PAD.top - 6, y2: H - PAD.bottom, labelY: PAD.top + 4, text: `recommended ${this.recommendedThreshold}`, cls: 'marker marker_recommended' });
        return out;
    }

    get rows(): { key: string; range: string; won: number; rejected: number }[] {
        return (this.bands ?? []).map((b) => ({ key: `r-${b.from}`, range: `${b.from}–${b.to - 1}`, won: b.won, rejected: b.rejected }));
    }
}
