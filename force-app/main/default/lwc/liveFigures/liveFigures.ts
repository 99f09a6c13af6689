import { LightningElement, api } from 'lwc';
import type { LiveFigures as Figures } from 'c/calibrationQueries';
import { pct } from 'c/calibrationFormat';

/** Presentational: live figures since the run — handoffs this month, 90-day rejection, lead sources, reasons. */
export default class LiveFigures extends LightningElement {
    /** Aggregates from the live-figures query. */
    @api figures: Figures | null = null;

    get hasFigures(): boolean {
        return !!this.figures;
    }

    get rejectionRate(): string {
        return pct(this.figures?.rejectionRate90 ?? null);
    }

    get sources(): Record<string, string | number>[] {
        return (this.figures?.sources ?? []).map((s) => ({ key: s.source, source: s.source, handedOff: s.handedOff, sqls: s.sqls, sqlRate: pct(s.sqlRate) }));
    }

    get reasons(): Record<string, string | number>[] {
        return (this.figures?.reasons ?? []).map((r) => ({ key: r.reason, reason: r.reason, count: r.count, share: pct(r.share) }));
    }
}
