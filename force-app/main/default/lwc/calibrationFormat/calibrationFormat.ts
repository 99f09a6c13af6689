/** Service module: how the dashboard writes rates, intervals and money, in one place. No template. */
import type { Rate, Scenario } from 'c/calibrationEngine';

/** A 0-1 rate as a whole percentage, or an en dash when there is none. */
export function pct(r: number | null | undefined): string {
    return r === null || r === undefined ? '–' : `${Math.round(r * 100)}%`;
}

/** A rate with its Wilson interval: "35% (28%–42%)". */
export function ci(r: Rate): string {
    return r.rate === null ? '–' : `${pct(r.rate)} (${pct(r.low)}–${pct(r.high)})`;
}

/** Whole dollars with thousands separators. */
export function money(n: number): string {
    return `$${Math.round(n).toLocaleString('en-US')}`;
}

/** A scenario's figures as the scenario table and the what-if show them. */
export function formatScenario(s: Scenario): { threshold: number; mqls: number; mqlsPerMonth: number; rejectionRate: string; sqls: number; pipeline: string; revenue: string; extrapolated: boolean } {
    return {
        threshold: s.threshold,
        mqls: s.mqls,
        mqlsPerMonth: s.mqlsPerMonth,
        rejectionRate: pct(s.rejectionRate),
        sqls: s.sqls,
        pipeline: money(s.pipelineAmount),
        revenue: money(s.wonAmount),
        extrapolated: s.extrapolated
    };
}
