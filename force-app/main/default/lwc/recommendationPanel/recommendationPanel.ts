import { LightningElement, api } from 'lwc';
import { abstentionSummary, type Recommendation } from 'c/calibrationEngine';

/** Presentational: the recommendation (value, range, rationale) and its review status; admins get the Setup link. */
export default class RecommendationPanel extends LightningElement {
    /** The engine's recommendation from the run record. */
    @api recommendation: Recommendation | null = null;
    /** The active threshold at run time. */
    @api activeThreshold: number | null = null;
    /** Review status (Pending review, Approved, Rejected, Held). */
    @api status: string | null = null;
    /** Frozen-until date, when the segment is frozen. */
    @api frozenUntil: string | null = null;
    /** Show the link to the segment's custom metadata record in Setup. */
    @api isAdmin = false;
    /** Segment DeveloperName, for the Setup link's text. */
    @api segment = '';
    /** Id of the segment's MQL_Threshold__mdt record (read live); the Setup link opens that record. */
    @api recordId: string | null = null;

    get headline(): string {
        const r = this.recommendation;
        if (!r) return 'No recommendation recorded';
        if (r.threshold !== null) return `Recommend ${r.threshold}`;
        if (r.reason === 'insufficient-sample') return 'Not enough data to recommend';
        if (r.reason === 'no-change') return `Keep ${this.activeThreshold ?? '–'}`;
        if (r.reason === 'frozen') return 'Frozen: no proposal';
        if (r.reason === 'no-signal') return 'No recommendation: the score shows no signal';
        if (r.reason === 'inverted') return 'No recommendation: the score may be inverted';
        return 'No recommendation';
    }

    /** Why the engine abstained, naming the figure that decided it (the engine's words); empty otherwise. */
    get abstention(): string {
        const r = this.recommendation;
        if (!r || r.reason === 'insufficient-sample') return '';
        const words = abstentionSummary(r);
        return words ? `Why: ${words}.` : '';
    }

    get range(): string {
        const r = this.recommendation;
        const starting = r?.startingPoint ? `Starting point ${r.startingPoint[0]}–${r.startingPoint[1]} (from the method, not from data)` : '';
        // A range beside an abstention is its evidence (too wide), so the starting point is shown with it.
        if (r?.range) return [`Range ${r.range[0]}–${r.range[1]} (bootstrap, 90%)`, starting].filter(Boolean).join(' · ');
        return starting;
    }

    get rationale(): string {
        return this.recommendation?.rationale ?? '';
    }

    get statusLabel(): string {
        if (this.frozenUntil) return `Frozen until ${this.frozenUntil}`;
        return this.status ?? (this.recommendation?.threshold !== null && this.recommendation ? 'Pending review' : 'No proposal');
    }

    get expected(): string {
        const r = this.recommendation;
        if (!r || r.expectedMqlsPerMonth === null) return '';
        const rate = r.expectedRejectionRate === null ? '–' : `${Math.round(r.expectedRejectionRate * 100)}%`;
        return `At ${r.computed}: ${r.expectedMqlsPerMonth} MQLs a month, ${rate} rejected`;
    }

    /** Setup's own address for one custom metadata record; without the id only the types' list can be opened. */
    get setupUrl(): string {
        return this.recordId ? `/lightning/setup/CustomMetadata/page?address=${encodeURIComponent(`/${this.recordId}`)}` : '/lightning/setup/CustomMetadata/home';
    }
}
