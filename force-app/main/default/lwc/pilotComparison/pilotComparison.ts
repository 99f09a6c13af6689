import { LightningElement, api } from 'lwc';
import type { PilotReport } from 'c/calibrationGovernance';
import { pilotCaveat, pilotHeading, pilotProgress, pilotRows, PILOT_COLUMNS } from 'c/calibrationFormat';

/**
 * Presentational: each threshold pilot of the segment, test against control on every metric (the primary one
 * marked) with the difference, its interval valid at every nightly look and the sequential p-value against its
 * boundary, under the verdict ("Not yet conclusive: …" until long and large enough) and the observational caveat.
 * Figures are the job's (Details_JSON__c.pilots); words come from c/calibrationFormat, as in the report.
 */
export default class PilotComparison extends LightningElement {
    /** The segment's pilots from its latest run. */
    @api pilots: PilotReport[] = [];

    get hasPilots(): boolean {
        return (this.pilots ?? []).length > 0;
    }

    get columns(): { key: string; label: string }[] {
        return PILOT_COLUMNS.map((label) => ({ key: label, label }));
    }

    get items(): {
        key: string;
        heading: string;
        verdict: string;
        verdictClass: string;
        progress: string;
        caveat: string;
        rows: { key: string; metric: string; cells: { key: string; text: string }[] }[];
    }[] {
        return (this.pilots ?? []).map((p, i) => ({
            key: `${p.config.segment}-${i}`,
            heading: pilotHeading(p),
            verdict: p.comparison.verdict,
            verdictClass: p.comparison.conclusive ? 'verdict slds-text-color_success' : 'verdict slds-text-color_weak',
            progress: pilotProgress(p),
            caveat: pilotCaveat(p),
            rows: pilotRows(p).map(([metric, ...rest]) => ({
                key: metric,
                metric,
                cells: rest.map((text, j) => ({ key: `${metric}-${j}`, text }))
            }))
        }));
    }
}
