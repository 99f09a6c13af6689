import { LightningElement, api } from 'lwc';
import { formatCount, formatMoney } from 'c/calibrationFormat';
import LOCALE from '@salesforce/i18n/locale';
import CURRENCY from '@salesforce/i18n/currency';

/** One segment's live pipeline beside what the last run predicted at the active threshold. */
export interface PipelineRow {
    segment: string;
    /** Live, from Opportunity and Lead aggregates; null when the segment was not read (past the request's slots). */
    live: {
        mqls: number;
        opportunities: number;
        pipelineAmount: number;
        won: number;
        wonAmount: number;
    } | null;
    /** The run's scenario at the active threshold over the same 90 days; null without an active threshold. */
    predicted: {
        threshold: number;
        mqls: number;
        pipelineAmount: number;
        wonAmount: number;
        extrapolated: boolean;
    } | null;
}

/**
 * Presentational: pipeline for the MQLs of the last 90 days, per segment, live from Opportunity, beside what the
 * last run predicted at the active threshold. Amounts in the org's currency, formatted for the user's locale.
 */
export default class PipelineFigures extends LightningElement {
    /** Rows per segment; null while loading. */
    @api rows: PipelineRow[] | null = null;
    /** Why the live aggregates could not be read. */
    @api error: string | null = null;
    /** ISO code of the org's currency (aggregates are in it); the user's currency stands in when not given. */
    @api currency: string | null = null;

    get code(): string {
        return this.currency || CURRENCY;
    }

    get isLoading(): boolean {
        return !this.error && this.rows === null;
    }

    get isEmpty(): boolean {
        return !this.error && this.rows !== null && this.rows.length === 0;
    }

    get hasRows(): boolean {
        return !this.error && (this.rows ?? []).length > 0;
    }

    get caption(): string {
        return `Pipeline from MQLs of the last 90 days, live, beside the last run's prediction at the active threshold (${this.code})`;
    }

    get lines(): Record<string, string>[] {
        const n = (v: number | undefined) => formatCount(v, LOCALE);
        const m = (v: number | undefined) => formatMoney(v, LOCALE, this.code);
        return (this.rows ?? []).map((r) => {
            const p = r.predicted;
            const mark = p?.extrapolated ? ' *' : '';
            return {
                key: r.segment,
                segment: r.segment.replace(/_/g, ' '),
                mqls: r.live ? n(r.live.mqls) : 'not read',
                predictedMqls: p ? `${n(p.mqls)}${mark}` : '–',
                opportunities: r.live ? n(r.live.opportunities) : 'not read',
                pipeline: r.live ? m(r.live.pipelineAmount) : 'not read',
                predictedPipeline: p ? `${m(p.pipelineAmount)}${mark}` : '–',
                won: r.live ? `${m(r.live.wonAmount)} (${n(r.live.won)} won)` : 'not read',
                predictedWon: p ? `${m(p.wonAmount)}${mark}` : '–',
                threshold: p ? String(p.threshold) : 'none'
            };
        });
    }

    get hasExtrapolated(): boolean {
        return (this.rows ?? []).some((r) => r.predicted?.extrapolated);
    }

    get hasUnread(): boolean {
        return (this.rows ?? []).some((r) => r.live === null);
    }
}
