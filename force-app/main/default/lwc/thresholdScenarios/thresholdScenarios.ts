import { LightningElement, api } from 'lwc';
import { scenarioAt } from 'c/calibrationEngine';
import type { FineBand, Scenario } from 'c/calibrationEngine';
import { formatScenario } from 'c/calibrationFormat';

/** Presentational: the run's scenarios and a what-if slider recomputed by the shared engine at one-point resolution. */
export default class ThresholdScenarios extends LightningElement {
    /** One-point counts from the run record. */
    @api fineBands: FineBand[] = [];
    /** The scenarios the job computed (active and ±delta, recommendation). */
    @api scenarios: Scenario[] = [];
    /** Where the slider starts. */
    @api activeThreshold: number | null = null;
    /** Scenario window in days (the job's default is 90). */
    @api windowDays = 90;

    private picked: number | null = null;

    get value(): number {
        return this.picked ?? this.activeThreshold ?? this.min;
    }

    get min(): number {
        return this.fineBands?.length ? Math.max(0, this.fineBands[0].score - 10) : 0;
    }

    get max(): number {
        return this.fineBands?.length ? this.fineBands[this.fineBands.length - 1].score + 10 : 100;
    }

    get whatIf(): Record<string, string | number | boolean> {
        const s = formatScenario(scenarioAt(this.fineBands ?? [], this.value, this.windowDays));
        return { ...s, basis: s.extrapolated ? 'extrapolated: outside the scores observed' : 'observed' };
    }

    get rows(): Record<string, string | number | boolean>[] {
        return (this.scenarios ?? []).map((s) => ({ key: `${s.label}-${s.threshold}`, label: s.label, ...formatScenario(s), basis: s.extrapolated ? 'extrapolated' : 'observed' }));
    }

    handleSlide(event: CustomEvent<{ value: number }> & { target: { value: number } }): void {
        const value = Number(event.detail?.value ?? event.target.value);
        this.picked = value;
        this.dispatchEvent(new CustomEvent('thresholdchange', { detail: { threshold: value } }));
    }
}
