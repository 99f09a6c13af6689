import { LightningElement, api } from 'lwc';
import type { LiveFigures as Figures } from 'c/calibrationQueries';
import { ci, formatCount, pct } from 'c/calibrationFormat';
import { wilson } from 'c/calibrationEngine';
import LOCALE from '@salesforce/i18n/locale';

/** Presentational: live figures since the run — handoffs this month, 90-day rejection, lead sources, reasons. */
export default class LiveFigures extends LightningElement {
    /** Aggregates from the live-figures query. */
    @api figures: Figures | null = null;

    get hasFigures(): boolean {
        return !!this.figures;
    }

    get handoffsThisMonth(): string {
        return formatCount(this.figures?.handoffsThisMonth, LOCALE);
    }

    get rejectionRate(): string {
        return pct(this.figures?.rejectionRate90 ?? null);
    }

    /** The 90-day rejection share with its 95% Wilson interval and counts, for the hover and screen readers. */
    get rejectionDetail(): string {
        const f = this.figures;
        if (!f) return '';
        return `${ci(wilson(f.rejected90, f.handoffs90))}: ${formatCount(f.rejected90, LOCALE)} of ${formatCount(f.handoffs90, LOCALE)} handed off (95% interval)`;
    }

    get sources(): Record<string, string | number>[] {
        return (this.figures?.sources ?? []).map((s) => ({
            key: s.source,
            source: s.source,
            handedOff: formatCount(s.handedOff, LOCALE),
            sqls: formatCount(s.sqls, LOCALE),
            sqlRate: ci(wilson(s.sqls, s.handedOff))
        }));
    }

    get reasons(): Record<string, string | number>[] {
        return (this.figures?.reasons ?? []).map((r) => ({ key: r.reason, reason: r.reason, count: formatCount(r.count, LOCALE), share: pct(r.share) }));
    }
}
