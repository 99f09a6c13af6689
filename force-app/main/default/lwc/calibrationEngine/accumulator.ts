/**
 * What the streaming calibrator keeps of one segment: counts by integer score, outcome class, path, source,
 * rejection reason and cohort, in typed arrays grown on demand. The fold fills it (calibrator.ts); the analysis
 * reads it (analysis.ts, recommendation.ts, triggers.ts, diagnostics.ts).
 */
import type { FineBand, ScoreSource } from './types';
import { grown, detachString } from './idTables';

/** Outcome classes of a lead: rejected | accepted<<1 | qualified<<2 | won<<3. */
export const CLASSES = 16;
/** Days to SQL and hours to first touch are histogrammed up to these; longer ones count in the last slot. */
export const MAX_DAYS = 3650;
export const MAX_HOURS = 24 * 90;
const detach = detachString;

/** Counts of one MQL path or lead source. */
export interface Tally {
    handedOff: number;
    qualified: number;
    won: number;
}

/** Counts one handed-off lead into the row at `at` (made on first use). */
export function tally(rows: Tally[], at: number, q: boolean, w: boolean): void {
    const e = rows[at] ?? (rows[at] = { handedOff: 0, qualified: 0, won: 0 });
    e.handedOff++;
    if (q) e.qualified++;
    if (w) e.won++;
}

/**
 * The distinct names a segment counts by (paths, lead sources, rejection reasons), each at the position it was first
 * seen. A handful is usual, and comparing a name with a handful costs less than hashing it (a name read from CSV is
 * a new string every lead, whose hash a map would compute each time); past sixteen a map takes over.
 */
export class Keys {
    readonly names: string[] = [];
    private readonly byName = new Map<string, number>();

    /** The position of `name`, which is added (copied, so that it keeps no chunk of CSV alive) when new. */
    at(name: string): number {
        const names = this.names;
        if (names.length <= 16) {
            for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
        } else {
            const i = this.byName.get(name);
            if (i !== undefined) return i;
        }
        const kept = detach(name);
        this.byName.set(kept, names.length);
        names.push(kept);
        return names.length - 1;
    }
}

/** Per-segment accumulator: arrays indexed by integer score, grown on demand. */
export class SegmentAccumulator {
    cap = 128;
    handedOff: Int32Array = new Int32Array(this.cap);
    accepted: Int32Array = new Int32Array(this.cap);
    rejected: Int32Array = new Int32Array(this.cap);
    neverWorked: Int32Array = new Int32Array(this.cap);
    qualified: Int32Array = new Int32Array(this.cap);
    opportunities: Int32Array = new Int32Array(this.cap);
    won: Int32Array = new Int32Array(this.cap);
    pipeline: Float64Array = new Float64Array(this.cap);
    wonAmount: Float64Array = new Float64Array(this.cap);
    rHandedOff: Int32Array = new Int32Array(this.cap);
    rAccepted: Int32Array = new Int32Array(this.cap);
    rRejected: Int32Array = new Int32Array(this.cap);
    rQualified: Int32Array = new Int32Array(this.cap);
    rPipeline: Float64Array = new Float64Array(this.cap);
    rWonAmount: Float64Array = new Float64Array(this.cap);
    classes: Int32Array = new Int32Array(this.cap * CLASSES);
    leads = 0;
    total = { handedOff: 0, won: 0, rejected: 0, accepted: 0, qualified: 0 };
    scoreSources: Record<ScoreSource, number> = { Snapshot: 0, History: 0, Current: 0 };
    /** MQL paths and lead sources, each row at its name's position in the Keys. */
    paths = new Keys();
    pathRows: Tally[] = [];
    sources = new Keys();
    sourceRows: Tally[] = [];
    /** Rejection reasons in the order first seen, with their counts at the same positions. */
    reasons = new Keys();
    reasonCounts: number[] = [];
    /** Rejections by band number (score ÷ band width, floored) and reason position. */
    reasonsByBand: number[][] = [];
    daysToSql: Int32Array = new Int32Array(MAX_DAYS + 1);
    hoursToTouch: Int32Array = new Int32Array(MAX_HOURS + 1);
    touched = 0;
    overSla = 0;
    /**
     * Handoff cohorts by month, at month index (year × 12 + month − 1) − `cohortBase`: the lookback window's months
     * are known before the first lead, so a lead's cohort is an array slot rather than a map lookup.
     */
    cohortHandedOff: Int32Array;
    cohortWon90: Int32Array;
    cohortWon180: Int32Array;
    /** Decided and rejected in the last 90 days and the 90 before; qualified/handed off in the last 30 and the 30 before. */
    win = { rej90: 0, dec90: 0, rejPrev: 0, decPrev: 0, q30: 0, h30: 0, qPrev: 0, hPrev: 0 };
    reviewFlagged = 0;
    nurture = 0;
    decayDrops = 0;

    constructor(readonly cohortBase: number, cohortMonths: number) {
        this.cohortHandedOff = new Int32Array(cohortMonths);
        this.cohortWon90 = new Int32Array(cohortMonths);
        this.cohortWon180 = new Int32Array(cohortMonths);
    }

    grow(score: number): void {
        if (score < this.cap) return;
        let cap = this.cap;
        while (cap <= score) cap *= 2;
        this.handedOff = grown(this.handedOff, cap);
        this.accepted = grown(this.accepted, cap);
        this.rejected = grown(this.rejected, cap);
        this.neverWorked = grown(this.neverWorked, cap);
        this.qualified = grown(this.qualified, cap);
        this.opportunities = grown(this.opportunities, cap);
        this.won = grown(this.won, cap);
        this.pipeline = grown(this.pipeline, cap);
        this.wonAmount = grown(this.wonAmount, cap);
        this.rHandedOff = grown(this.rHandedOff, cap);
        this.rAccepted = grown(this.rAccepted, cap);
        this.rRejected = grown(this.rRejected, cap);
        this.rQualified = grown(this.rQualified, cap);
        this.rPipeline = grown(this.rPipeline, cap);
        this.rWonAmount = grown(this.rWonAmount, cap);
        this.classes = grown(this.classes, cap * CLASSES);
        this.cap = cap;
    }

    fine(): FineBand[] {
        const out: FineBand[] = [];
        for (let s = 0; s < this.cap; s++) {
            if (this.handedOff[s] === 0) continue;
            out.push({
                score: s,
                handedOff: this.handedOff[s],
                accepted: this.accepted[s],
                rejected: this.rejected[s],
                neverWorked: this.neverWorked[s],
                qualified: this.qualified[s],
                opportunities: this.opportunities[s],
                won: this.won[s],
                pipelineAmount: this.pipeline[s],
                wonAmount: this.wonAmount[s],
                recent: {
                    handedOff: this.rHandedOff[s],
                    accepted: this.rAccepted[s],
                    rejected: this.rRejected[s],
                    qualified: this.rQualified[s],
                    pipelineAmount: this.rPipeline[s],
                    wonAmount: this.rWonAmount[s]
                }
            });
        }
        return out;
    }
}
