import { LightningElement, api } from 'lwc';
import type { Band } from 'c/calibrationEngine';
import { ci, money, pct } from 'c/calibrationFormat';

/** Presentational: one row per band — counts, rates with Wilson intervals, pipeline, revenue and verdict. */
export default class BandTable extends LightningElement {
    /** Bands of the segment's latest run. */
    @api bands: Band[] = [];

    get rows(): Record<string, string | number>[] {
        return (this.bands ?? []).map((b) => ({
            key: String(b.from),
            range: `${b.from}–${b.to - 1}`,
            handedOff: b.handedOff,
            rejection: ci(b.rejectionRate),
            sql: ci(b.sqlRate),
            won: b.won,
            wonShare: pct(b.wonShare),
            pipeline: money(b.pipelineAmount),
            revenue: money(b.wonAmount),
            verdict: b.verdict,
            verdictClass: `slds-badge verdict verdict_${b.verdict.replace(' ', '-').toLowerCase()}`
        }));
    }
}
