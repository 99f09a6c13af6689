/**
 * What the streaming calibrator keeps of one segment: counts by score cell, outcome class, path, source,
 * rejection reason and cohort, in typed arrays grown on demand. The fold fills it (calibrator.ts); the analysis
 * reads it (analysis.ts, recommendation.ts, triggers.ts, diagnostics.ts).
 */
import type { FineBand, ScoreSource } from './types';
import { detachString } from './idTables';
import { bandStart as bandStartOf } from './method';

/** Outcome classes of a lead: rejected | accepted<<1 | qualified<<2 | won<<3. */
export const CLASSES = 16;
/** Days to SQL and hours to first touch are histogrammed up to these; longer ones count in the last slot. */
export const MAX_DAYS = 3650;
export const MAX_HOURS = 24 * 90;

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
        const kept = detachString(name);
        this.byName.set(kept, names.length);
        names.push(kept);
        return names.length - 1;
    }
}

/**
 * The most score cells a segment keeps: past this many between its lowest and highest score, cells get ten times
 * coarser. With powers of ten that leaves 40-400 cells over the observed range, a resolution of 0.25-2.5% of it:
 * finer than the method's 3% accuracy bar, and coarse enough that each cell holds leads to count (a 0-100 score is
 * kept to whole points, as it is read).
 */
export const MAX_CELLS = 400;
/** The finest resolution a score is kept at: 10^MIN_EXP score units. */
const MIN_EXP = -6;
/** Guards a score on a cell's edge (0.3 × 1000 = 300.00000000000006, 1.005 × 1000 = 1004.9999999999999). */
export const CELL_EPS = 1e-6;

/**
 * Per-segment accumulator: arrays indexed by score cell. A cell is 10^exp score units wide; the cell of a score is
 * floor(score × inv) − base. The resolution is chosen from the data as it streams: the finest power of ten at which
 * the segment's lowest to highest score fits in MAX_CELLS cells (so 0-100 scores are kept to whole points, 0-1
 * scores to 0.01, 0-100,000 scores to 1,000, 0-5 scores to 0.1, and negative scores like any others). Cells only ever merge ten into one, which is
 * exact, so the result does not depend on the order the leads arrive in.
 */
export class SegmentAccumulator {
    cap = 128;
    exp = MIN_EXP;
    /** 10^-exp: multiplying by it is cheaper than dividing by the cell width, once a lead. */
    inv = 10 ** -MIN_EXP;
    /** The absolute cell number of array index 0; until the first lead, far from any score, so that it calls place(). */
    base = 2 ** 52;
    /** No lead placed yet: the first one sets `base`. */
    private empty = true;
    /** Handed-off leads left out of the analysis after their segment was known (no usable score or outcome). */
    excluded = 0;
    /** Handed-off leads on a path out of the fit (hand-raisers, fit grade C-F): counted in their path only. */
    outOfFit = 0;
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
    /** Leads not handed off, created within the scenario window, by their current score's cell (estimated scenarios). */
    unhanded: Int32Array = new Int32Array(this.cap);
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
    /** Rejections by score cell and reason position (bands are made of cells once the band width is known). */
    reasonsByCell: number[][] = [];
    /** Rejections by band number (band's lower edge ÷ band width) and reason position, filled by the analysis. */
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

    /** Score units per cell. */
    resolution(): number {
        return this.exp <= 0 ? 1 / this.inv : 10 ** this.exp;
    }

    /** The score at the lower edge of array index `i`, at the score's own precision. */
    scoreAt(i: number): number {
        const cell = this.base + i;
        // Division by an exact power of ten rounds to the nearest double of the decimal (625 / 10 is 62.5, 3 / 10 is 0.3).
        return this.exp <= 0 ? cell / this.inv : cell * 10 ** this.exp;
    }

    /**
     * The array index of `score`, making room first when it lies outside the arrays: the arrays grow (doubling, with
     * the room on the side the score fell), and when the scores seen would span more than MAX_CELLS cells, ten cells
     * merge into one until they fit. Called only when the fold's own index falls outside [0, cap).
     */
    place(score: number): number {
        for (;;) {
            const k = Math.floor(score * this.inv + CELL_EPS);
            if (this.empty) {
                this.empty = false;
                this.base = k - (this.cap >> 1);
                return k - this.base;
            }
            if (k >= this.base && k < this.base + this.cap) return k - this.base;
            let lo = k;
            let hi = k;
            const used = this.usedExtent();
            if (used) {
                lo = Math.min(lo, this.base + used[0]);
                hi = Math.max(hi, this.base + used[1]);
            }
            if (hi - lo + 1 > MAX_CELLS) {
                this.coarsen();
                continue;
            }
            let cap = this.cap;
            while (cap < hi - lo + 1) cap *= 2;
            // Room on the side the new score came from, so that a run of ever-higher (or lower) scores moves rarely.
            const base = k > this.base ? lo : hi - cap + 1;
            this.remap(cap, (i) => this.base + i - base);
            this.base = base;
            return k - base;
        }
    }

    /** Array indexes of the lowest and highest cell holding any lead, or null. */
    private usedExtent(): [number, number] | null {
        let first = -1;
        let last = -1;
        for (let i = 0; i < this.cap; i++) {
            if (this.handedOff[i] !== 0 || this.unhanded[i] !== 0) {
                if (first < 0) first = i;
                last = i;
            }
        }
        return first < 0 ? null : [first, last];
    }

    /** Cells ten times wider: every count moves to the cell that holds its old cell. */
    private coarsen(): void {
        const oldBase = this.base;
        const base = Math.floor(oldBase / 10);
        this.remap(this.cap, (i) => Math.floor((oldBase + i) / 10) - base);
        this.base = base;
        this.exp++;
        this.inv = this.exp <= 0 ? 10 ** -this.exp : 1 / 10 ** this.exp;
    }

    /** New arrays of `cap` cells, each old cell's counts added into the new index `to(old index)`. */
    private remap(cap: number, to: (i: number) => number): void {
        const old = this.cap;
        const move = <T extends Int32Array | Float64Array>(a: T): T => {
            const out = new (a.constructor as new (n: number) => T)(cap);
            for (let i = 0; i < old; i++) if (a[i] !== 0) out[to(i)] += a[i];
            return out;
        };
        this.handedOff = move(this.handedOff);
        this.accepted = move(this.accepted);
        this.rejected = move(this.rejected);
        this.neverWorked = move(this.neverWorked);
        this.qualified = move(this.qualified);
        this.opportunities = move(this.opportunities);
        this.won = move(this.won);
        this.pipeline = move(this.pipeline);
        this.wonAmount = move(this.wonAmount);
        this.rHandedOff = move(this.rHandedOff);
        this.rAccepted = move(this.rAccepted);
        this.rRejected = move(this.rRejected);
        this.rQualified = move(this.rQualified);
        this.rPipeline = move(this.rPipeline);
        this.rWonAmount = move(this.rWonAmount);
        this.unhanded = move(this.unhanded);
        const classes = new Int32Array(cap * CLASSES);
        for (let i = 0; i < old; i++) {
            for (let c = 0; c < CLASSES; c++) classes[to(i) * CLASSES + c] += this.classes[i * CLASSES + c];
        }
        this.classes = classes;
        const reasons: number[][] = [];
        this.reasonsByCell.forEach((row, i) => {
            const j = to(i);
            const into = reasons[j] ?? (reasons[j] = []);
            row.forEach((n, r) => (into[r] = (into[r] ?? 0) + n));
        });
        this.reasonsByCell = reasons;
        this.cap = cap;
    }

    /**
     * Rejections by reason per band of `width`, keyed by band number (lower edge ÷ width), for the diagnostics.
     * Bands below zero have no array slot and are left out.
     */
    reasonsInBands(width: number): number[][] {
        const out: number[][] = [];
        this.reasonsByCell.forEach((row, i) => {
            const band = Math.round(bandStartOf(this.scoreAt(i), width) / width);
            if (band < 0) return;
            const into = out[band] ?? (out[band] = []);
            row.forEach((n, r) => (into[r] = (into[r] ?? 0) + n));
        });
        for (const row of out) if (row) for (let r = 0; r < row.length; r++) row[r] = row[r] ?? 0;
        return out;
    }

    /**
     * The counts of every cell holding handed-off leads, in ascending score order; with `withNotHandedOff`, also the
     * cells holding only leads never handed off (for the scenarios; the method's readings use handed-off leads only).
     */
    fine(withNotHandedOff = false): FineBand[] {
        const out: FineBand[] = [];
        for (let s = 0; s < this.cap; s++) {
            if (this.handedOff[s] === 0 && !(withNotHandedOff && this.unhanded[s] !== 0)) continue;
            out.push({
                score: this.scoreAt(s),
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
                    wonAmount: this.rWonAmount[s],
                    notHandedOff: this.unhanded[s]
                }
            });
        }
        return out;
    }
}
