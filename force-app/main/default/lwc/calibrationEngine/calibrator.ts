/**
 * The streaming calibrator: folds leads and opportunities into compact per-segment counts as they arrive (one
 * point of score resolution, typed arrays), then runs the method on the counts. It never keeps a lead, so a
 * million leads cost no more memory than a thousand, beyond the id set used to catch duplicates.
 */
import type {
    Band,
    CalibrationResult,
    CalibrationSettings,
    Exclusion,
    FineBand,
    LeadRecord,
    OpportunityRecord,
    PathSummary,
    Recommendation,
    Scenario,
    ScoreSource,
    SegmentPolicy,
    SegmentResult,
    Trigger
} from './types';
import {
    wilson,
    mulberry32,
    poisson,
    quantile,
    histogramMedian,
    DAY_MS,
    toMs,
    addDays,
    IdHashSet,
    IdHashMap,
    IdList,
    detachString,
    SEEN_BEFORE,
    SEEN_LINKED,
    monthOfDay,
    grown
} from './stats';
import {
    STARTING_POINTS,
    assignSegment,
    bandsFromFine,
    capacityThreshold,
    findInflection,
    findKnee,
    rejectionTargetThreshold,
    scenarioAt,
    sqlTargetThresholdFine,
    validateOverrides
} from './method';

// Hot-path imports bound once at load. Loaders that compile modules to CommonJS (tsx, which runs the nightly job)
// turn every use of an imported binding into a property getter; at a million leads those getters were the
// engine's largest single cost.
const parseMs = toMs;
const DAY = DAY_MS;
const segmentOf = assignSegment;
const detach = detachString;
const DAYS_30 = 30 * DAY_MS;
const DAYS_60 = 60 * DAY_MS;
const DAYS_90 = 90 * DAY_MS;
const DAYS_180 = 180 * DAY_MS;
const DUPLICATE = SEEN_BEFORE;
const LINKED = SEEN_LINKED;
const draw = poisson;

/** Receives opportunities, then leads, and returns the method's result for every segment. */
export interface Calibrator {
    /** Opportunities must be added before the leads that point at them (lead.opportunityId or opp.leadId). */
    addOpportunity(o: OpportunityRecord): void;
    /** Each lead is folded into counts at once and not retained. */
    addLead(l: LeadRecord): void;
    /**
     * The opportunity linked to the lead last added (by its opportunityId, or the opportunity's leadId), as the
     * figures the engine keeps; null when it has none, or when the lead was excluded before its link was looked up
     * (no id, a duplicate id).
     */
    lastOpportunity(): OpportunityFigures | null;
    /**
     * The segment the lead last added belongs to (its own MQL_Segment__c, else the segment rules' first match);
     * null when it has none, or when it was excluded before its segment was resolved (no id, a duplicate id).
     */
    lastSegment(): string | null;
    finish(): CalibrationResult;
}

/** What the engine keeps of an opportunity: its amount, whether it was won, and when it was created and closed. */
export interface OpportunityFigures {
    amount: number;
    isWon: boolean;
    /** Epoch ms; NaN when the date is missing or not a date. */
    createdMs: number;
    closeMs: number;
}

const MAX_LISTED_EXCLUSIONS = 1000;
/** The method's review triggers (item 10): only these lift a freeze; diagnostics do not. */
export const REVIEW_TRIGGERS: ReadonlySet<Trigger['code']> = new Set<Trigger['code']>(['REJECTION_RATE_SPIKE', 'SQL_RATE_SHIFT', 'NO_ACTIVE_THRESHOLD', 'THRESHOLD_COMPRESSION', 'SCORE_BUNCHING', 'CALIBRATION_STALE']);
const CLASSES = 16; // rejected | accepted<<1 | qualified<<2 | won<<3
const MAX_DAYS = 3650;
const MAX_HOURS = 24 * 90;

/** Counts of one MQL path or lead source. */
interface Tally {
    handedOff: number;
    qualified: number;
    won: number;
}

function tally(rows: Tally[], at: number, q: boolean, w: boolean): void {
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
class Keys {
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
class SegmentAccumulator {
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

/** Every opportunity by its position: ids (compactly) and the figures the engine reads, in typed arrays. */
interface OppStore {
    index: IdHashMap;
    amount: Float64Array;
    won: Uint8Array;
    closeMs: Float64Array;
    createdMs: Float64Array;
    used: Uint8Array;
    ids: IdList;
}

/**
 * Creates a streaming calibrator for the given policies (one per segment), settings and analysis date.
 * Throws ConfigurationError when a segment has more than two overrides.
 */
export function createCalibrator(input: {
    policies: SegmentPolicy[];
    settings: CalibrationSettings;
    asOf: string;
    /** How many leads and opportunities will come, when the caller knows (only sizes the id tables). */
    expected?: { leads?: number; opportunities?: number };
}): Calibrator {
    const { policies, settings, asOf } = input;
    const expectedLeads = input.expected?.leads ?? 0;
    const expectedOpps = input.expected?.opportunities ?? 0;
    for (const p of policies) validateOverrides(p.overrides, p.name);
    const asOfMs = parseMs(asOf.length === 10 ? `${asOf}T23:59:59Z` : asOf);
    const lookbackStart = asOfMs - settings.lookbackMonths * 30.4375 * DAY;
    const windowStart = asOfMs - settings.scenarioWindowDays * DAY;
    const maxScore = settings.maxScore ?? 10000;
    // Leads are counted only when handed off within the lookback window, so their cohort months are known now
    // (an analysis date that is not a date gives no months, and so no cohorts).
    const firstMonth = Number.isFinite(lookbackStart) ? monthOf(lookbackStart) : 0;
    const cohortMonths = Number.isFinite(asOfMs) ? Math.max(0, monthOf(asOfMs) - firstMonth + 1) : 0;
    // Where each of those months starts (and the one after them ends), so that a lead's cohort is a guess from the
    // mean month length corrected by a comparison or two, not two divisions and a table lookup by day.
    const monthStartMs = new Float64Array(cohortMonths + 1);
    for (let k = 0; k <= cohortMonths; k++) {
        const index = firstMonth + k;
        monthStartMs[k] = parseMs(`${monthLabel(index)}-01`);
    }
    const perMonth = 1 / (30.436875 * DAY);
    const cohortOf = (ms: number): number => {
        let k = ((ms - monthStartMs[0]) * perMonth) | 0;
        if (k >= cohortMonths) k = cohortMonths - 1;
        if (k < 0) k = 0;
        while (k + 1 < cohortMonths && ms >= monthStartMs[k + 1]) k++;
        while (k > 0 && ms < monthStartMs[k]) k--;
        return k;
    };
    // One lookup per lead gives both the segment's accumulator and its policy.
    const segments = new Map<string, { acc: SegmentAccumulator; policy: SegmentPolicy }>(
        policies.map((p) => [p.name, { acc: new SegmentAccumulator(firstMonth, cohortMonths), policy: p }])
    );
    const exclusions: Exclusion[] = [];
    const exclusionCounts: Record<string, number> = {};
    // Every lead id seen (the duplicate check), and the lead ids opportunities point at with the opportunity's
    // position, in one table: one probe a lead for both.
    const seenLeads = new IdHashSet(expectedLeads);
    let oppCap = Math.max(1024, expectedOpps);
    const opps: OppStore = {
        index: new IdHashMap(expectedOpps),
        amount: new Float64Array(oppCap),
        won: new Uint8Array(oppCap),
        closeMs: new Float64Array(oppCap),
        createdMs: new Float64Array(oppCap),
        used: new Uint8Array(oppCap),
        ids: new IdList()
    };
    /** The opportunity of the lead last added (-1: none), for lastOpportunity; its segment, for lastSegment. */
    let lastOpp = -1;
    let lastSeg: string | null = null;

    const exclude = (kind: 'lead' | 'opportunity', id: string | null, reason: string): void => {
        exclusionCounts[reason] = (exclusionCounts[reason] ?? 0) + 1;
        // A listed id is copied: cut from a chunk of CSV, it would keep the whole chunk.
        if (exclusions.length < MAX_LISTED_EXCLUSIONS) exclusions.push({ kind, id: id === null ? null : detach(id), reason });
    };

    function addOpportunity(o: OpportunityRecord): void {
        if (!o || !o.id) return exclude('opportunity', null, 'opportunity without an id');
        const amount = o.amount === null || o.amount === undefined ? 0 : Number(o.amount);
        if (!Number.isFinite(amount) || amount < 0) return exclude('opportunity', o.id, 'opportunity amount is not a non-negative number');
        const i = opps.ids.length;
        // One hash: the insert itself says whether the id was there (an excluded amount never entered the index).
        if (!opps.index.setIfAbsent(o.id, i)) return exclude('opportunity', o.id, 'duplicate opportunity id');
        if (i >= oppCap) {
            oppCap *= 2;
            opps.amount = grown(opps.amount, oppCap);
            opps.won = grown(opps.won, oppCap);
            opps.closeMs = grown(opps.closeMs, oppCap);
            opps.createdMs = grown(opps.createdMs, oppCap);
            opps.used = grown(opps.used, oppCap);
        }
        opps.ids.push(o.id);
        // The lead id's slot in the lead table keeps this opportunity's position (the first one's, if several).
        if (o.leadId) seenLeads.link(o.leadId, i);
        opps.amount[i] = amount;
        opps.won[i] = o.isWon ? 1 : 0;
        opps.closeMs[i] = parseMs(o.closeDate ?? null);
        opps.createdMs[i] = parseMs(o.createdDate ?? null);
    }

    function addLead(l: LeadRecord): void {
        lastOpp = -1;
        lastSeg = null;
        if (!l || !l.id) return exclude('lead', null, 'lead without an id');
        const seen = seenLeads.see(l.id);
        if (seen === DUPLICATE) return exclude('lead', l.id, 'duplicate lead id');
        // The opportunity that named this lead, if any, from the same probe as the duplicate check.
        const byLeadIdx = seen === LINKED ? seenLeads.linkedValue : -1;
        const segment = segmentOf(l, settings.segmentRules);
        if (!segment) return exclude('lead', l.id, 'no segment rule matches');
        lastSeg = segment;
        const seg = segments.get(segment);
        if (!seg) return exclude('lead', l.id, `unknown segment ${segment}`);
        const acc = seg.acc;
        // The opportunity link is resolved for every lead so that opportunities of unhanded leads are not orphans.
        let oppIdx = -1;
        const oppId = l.opportunityId;
        if (oppId) {
            // Mostly the opportunity that named this lead: comparing its id costs less than hashing oppId.
            oppIdx = byLeadIdx >= 0 && opps.ids.at(byLeadIdx) === oppId ? byLeadIdx : opps.index.get(oppId);
            if (oppIdx < 0) exclusionCounts['lead points at an unknown opportunity (kept, amount unknown)'] =
                (exclusionCounts['lead points at an unknown opportunity (kept, amount unknown)'] ?? 0) + 1;
        } else {
            oppIdx = byLeadIdx;
        }
        if (oppIdx >= 0) opps.used[oppIdx] = 1;
        lastOpp = oppIdx;
        acc.leads++;
        if (!l.handoffDate) return;
        const handoffMs = parseMs(l.handoffDate);
        if (!Number.isFinite(handoffMs)) return exclude('lead', l.id, 'handoff date is not a date');
        if (handoffMs > asOfMs) return exclude('lead', l.id, 'handed off after the analysis date');
        if (handoffMs < lookbackStart) {
            exclusionCounts['handed off before the lookback window'] = (exclusionCounts['handed off before the lookback window'] ?? 0) + 1;
            return;
        }
        const raw = l.scoreAtHandoff;
        if (raw === null || raw === undefined) return exclude('lead', l.id, 'no score at handoff');
        const score = Number(raw);
        if (!Number.isFinite(score)) return exclude('lead', l.id, 'score at handoff is not a number');
        if (score < 0) return exclude('lead', l.id, 'negative score at handoff');
        if (score > maxScore) return exclude('lead', l.id, `score at handoff above ${maxScore}`);
        if (typeof l.accepted !== 'boolean' || typeof l.rejected !== 'boolean' || typeof l.qualified !== 'boolean') {
            return exclude('lead', l.id, 'missing outcome (accepted, rejected or qualified)');
        }
        if (l.accepted && l.rejected) return exclude('lead', l.id, 'both accepted and rejected');

        const s = Math.floor(score);
        acc.grow(s);
        const hasOpp = oppIdx >= 0 || !!oppId;
        const won = oppIdx >= 0 && opps.won[oppIdx] === 1;
        const amount = oppIdx >= 0 ? opps.amount[oppIdx] : 0;
        const recent = handoffMs >= windowStart;
        const firstTouchMs = parseMs(l.firstTouchDate ?? null);
        const neverWorked = !Number.isFinite(firstTouchMs) && asOfMs - handoffMs > settings.slaHours * 3_600_000 && !l.rejected && !l.accepted;

        acc.handedOff[s]++;
        acc.total.handedOff++;
        if (l.accepted) {
            acc.accepted[s]++;
            acc.total.accepted++;
        }
        if (l.rejected) {
            acc.rejected[s]++;
            acc.total.rejected++;
        }
        if (neverWorked) acc.neverWorked[s]++;
        if (l.qualified) {
            acc.qualified[s]++;
            acc.total.qualified++;
        }
        if (hasOpp) {
            acc.opportunities[s]++;
            acc.pipeline[s] += amount;
        }
        if (won) {
            acc.won[s]++;
            acc.total.won++;
            acc.wonAmount[s] += amount;
        }
        const cls = (l.rejected ? 1 : 0) | (l.accepted ? 2 : 0) | (l.qualified ? 4 : 0) | (won ? 8 : 0);
        acc.classes[s * CLASSES + cls]++;
        if (recent) {
            acc.rHandedOff[s]++;
            if (l.accepted) acc.rAccepted[s]++;
            if (l.rejected) acc.rRejected[s]++;
            if (l.qualified) acc.rQualified[s]++;
            if (hasOpp) acc.rPipeline[s] += amount;
            if (won) acc.rWonAmount[s] += amount;
        }
        if (l.scoreSource) acc.scoreSources[l.scoreSource]++;

        const active = seg.policy.activeThreshold;
        const op = l.overridePaths;
        const pathName = op && op.length > 0 && (active === null || score < active) ? op[0] : 'Scored';
        tally(acc.pathRows, acc.paths.at(pathName), l.qualified, won);
        tally(acc.sourceRows, acc.sources.at(l.leadSource || '(none)'), l.qualified, won);

        if (l.rejected) {
            const reason = l.rejectionReason || '(no reason given)';
            const r = acc.reasons.at(reason);
            if (r === acc.reasonCounts.length) acc.reasonCounts.push(0);
            acc.reasonCounts[r]++;
            const band = Math.floor(s / settings.bandWidth);
            const row = acc.reasonsByBand[band] ?? (acc.reasonsByBand[band] = []);
            while (row.length <= r) row.push(0);
            row[r]++;
        }
        // The qualified date is parsed once: days to SQL here, the 30-day SQL window below.
        const qualifiedMs = l.qualified && l.qualifiedDate ? parseMs(l.qualifiedDate) : NaN;
        if (!Number.isNaN(qualifiedMs)) {
            const d = Math.round((qualifiedMs - handoffMs) / DAY);
            if (d >= 0) acc.daysToSql[Math.min(d, MAX_DAYS)]++;
        }
        if (Number.isFinite(firstTouchMs)) {
            const h = Math.max(0, Math.floor((firstTouchMs - handoffMs) / 3_600_000));
            acc.hoursToTouch[Math.min(h, MAX_HOURS)]++;
            acc.touched++;
            if (h > settings.slaHours) acc.overSla++;
        }
        // Within the window (checked above), so within the cohort arrays.
        const cohort = cohortOf(handoffMs);
        acc.cohortHandedOff[cohort]++;
        if (won && oppIdx >= 0) {
            const days = (opps.closeMs[oppIdx] - handoffMs) / DAY;
            if (days <= 90) acc.cohortWon90[cohort]++;
            if (days <= 180) acc.cohortWon180[cohort]++;
        }
        // Age in milliseconds against whole days in milliseconds: the same comparisons as in days (times are whole
        // milliseconds), without a division a lead.
        const age = asOfMs - handoffMs;
        if (!l.accepted && !l.rejected) {
            // undecided leads count in neither rejection window
        } else if (age <= DAYS_90) {
            acc.win.dec90++;
            if (l.rejected) acc.win.rej90++;
        } else if (age <= DAYS_180) {
            acc.win.decPrev++;
            if (l.rejected) acc.win.rejPrev++;
        }
        // MQL→SQL month over month, on cohorts old enough to have matured: SQL within 30 days of handoff, for
        // leads handed off 30-60 days ago against those handed off 60-90 days ago.
        if (age > DAYS_30 && age <= DAYS_90) {
            const sqlIn30 = qualifiedMs - handoffMs <= DAYS_30; // false when NaN (not qualified, or no date)
            if (age <= DAYS_60) {
                acc.win.h30++;
                if (sqlIn30) acc.win.q30++;
            } else {
                acc.win.hPrev++;
                if (sqlIn30) acc.win.qPrev++;
            }
        }
        // Grade letter by char code, and decay from one parsed date: this runs a million times, so no strings.
        const grade = l.grade ? l.grade.charCodeAt(0) & ~32 : 0;
        if (active !== null && grade === 67 /* C */ && score >= active) acc.reviewFlagged++;
        if (grade === 65 /* A */ && !l.lastActivityDate && (l.currentScore ?? 0) === 0) acc.nurture++;
        const decay = settings.decay;
        if (active !== null && decay && typeof l.currentScore === 'number' && l.currentScore >= active && l.lastActivityDate) {
            const idle = Math.floor((asOfMs - parseMs(l.lastActivityDate)) / DAY);
            if (idle >= decay.days && l.currentScore - decay.points * Math.floor(idle / decay.days) < active) acc.decayDrops++;
        }
    }

    function lastOpportunity(): OpportunityFigures | null {
        const i = lastOpp;
        if (i < 0) return null;
        return { amount: opps.amount[i], isWon: opps.won[i] === 1, createdMs: opps.createdMs[i], closeMs: opps.closeMs[i] };
    }

    function lastSegment(): string | null {
        return lastSeg;
    }

    function finish(): CalibrationResult {
        // Ids are cut out of the list only for the opportunities no lead took up.
        const n = opps.ids.length;
        for (let i = 0; i < n; i++) if (!opps.used[i]) exclude('opportunity', opps.ids.at(i), 'opportunity with no lead');
        const results: SegmentResult[] = policies.map((p) =>
            analyseSegment(p, segments.get(p.name)!.acc, settings, asOf)
        );
        return { asOf, segments: results, exclusions, exclusionCounts };
    }

    return { addOpportunity, addLead, lastOpportunity, lastSegment, finish };
}

/** Convenience over createCalibrator for records already in memory: opportunities first, then leads. */
export function calibrate(input: {
    leads: LeadRecord[];
    opportunities: OpportunityRecord[];
    policies: SegmentPolicy[];
    settings: CalibrationSettings;
    asOf: string;
}): CalibrationResult {
    const c = createCalibrator({ ...input, expected: { leads: input.leads.length, opportunities: input.opportunities.length } });
    // Indexed loops: for-of made an iterator result per record here (addLead is too large for it to be optimised away).
    const { opportunities, leads } = input;
    for (let i = 0; i < opportunities.length; i++) c.addOpportunity(opportunities[i]);
    for (let i = 0; i < leads.length; i++) c.addLead(leads[i]);
    return c.finish();
}

interface Candidates {
    inflection: number | null;
    rejectionTarget: number | null;
    sqlTarget: number | null;
    capacity: number | null;
    value: number | null;
}

/**
 * The recommendation rule (method item 6), on one-point counts:
 * 1. start from the knee — the change-point of the win rate (`findKnee`), falling back to the band-level
 *    won-deal inflection (`findInflection`) when the knee cannot be placed;
 * 2. raise it to the lowest threshold whose leads at or above are rejected at most the target rate;
 * 3. raise it to the lowest threshold whose leads at or above convert to SQL at the healthy floor;
 * 4. raise it until the recent MQL volume fits the sales capacity, when one is set;
 * 5. keep it within the observed scores.
 * Each raise only ever moves the threshold up: every candidate is a floor that sales or the data sets.
 */
function candidatesFor(
    fine: FineBand[],
    bandsOf: () => Band[],
    settings: CalibrationSettings,
    capacityPerMonth: number | null | undefined
): Candidates {
    // Bands are only read when the knee cannot be placed: the bootstrap builds them only then.
    const inflection = findKnee(fine) ?? findInflection(bandsOf());
    const rejectionTarget = rejectionTargetThreshold(fine, settings.targetRejectionRate);
    const sqlTarget = sqlTargetThresholdFine(fine, settings.healthySqlRate.min);
    const capacity = capacityThreshold(fine, capacityPerMonth, settings.scenarioWindowDays);
    const floors = [inflection, rejectionTarget, sqlTarget, capacity].filter((v): v is number => v !== null);
    let value = floors.length > 0 ? Math.max(...floors) : null;
    if (value !== null && fine.length > 0) {
        const lo = fine[0].score;
        const hi = fine[fine.length - 1].score;
        value = Math.min(Math.max(value, lo), hi);
    }
    return { inflection, rejectionTarget, sqlTarget, capacity, value };
}

/** Poisson bootstrap of the recommendation: resample each (score, outcome) cell, rerun the rule, 5th-95th pct. */
function bootstrapRange(acc: SegmentAccumulator, settings: CalibrationSettings, capacity: number | null, seedOffset: number): [number, number] | null {
    const rand = mulberry32(settings.seed + seedOffset);
    const values: number[] = [];
    // The non-empty (score, outcome class) cells, listed once: each sample draws only these, in the same order.
    const scores: number[] = [];
    const cellEnd: number[] = [];
    const cellClass: number[] = [];
    const cellCount: number[] = [];
    for (let s = 0; s < acc.cap; s++) {
        if (acc.handedOff[s] === 0) continue;
        for (let c = 0; c < CLASSES; c++) {
            const n = acc.classes[s * CLASSES + c];
            if (n === 0) continue;
            cellClass.push(c);
            cellCount.push(n);
        }
        scores.push(s);
        cellEnd.push(cellClass.length);
    }
    for (let b = 0; b < settings.bootstrapSamples; b++) {
        const fine: FineBand[] = [];
        let cell = 0;
        for (let j = 0; j < scores.length; j++) {
            let h = 0;
            let a = 0;
            let r = 0;
            let q = 0;
            let w = 0;
            for (const end = cellEnd[j]; cell < end; cell++) {
                const c = cellClass[cell];
                const k = draw(cellCount[cell], rand);
                h += k;
                if (c & 1) r += k;
                if (c & 2) a += k;
                if (c & 4) q += k;
                if (c & 8) w += k;
            }
            if (h === 0) continue;
            fine.push({
                score: scores[j], handedOff: h, accepted: a, rejected: r, neverWorked: 0, qualified: q, opportunities: 0, won: w,
                pipelineAmount: 0, wonAmount: 0,
                recent: { handedOff: 0, accepted: 0, rejected: 0, qualified: 0, pipelineAmount: 0, wonAmount: 0 }
            });
        }
        const c = candidatesFor(fine, () => bandsFromFine(fine, settings.bandWidth, settings.healthySqlRate), settings, null);
        if (c.value !== null) values.push(capacity !== null ? Math.max(c.value, capacity) : c.value);
    }
    const lo = quantile(values, 0.05);
    const hi = quantile(values, 0.95);
    return lo === null || hi === null ? null : [lo, hi];
}

function pct(x: number | null): string {
    return x === null ? 'n/a' : `${Math.round(x * 100)}%`;
}

function analyseSegment(policy: SegmentPolicy, acc: SegmentAccumulator, settings: CalibrationSettings, asOf: string): SegmentResult {
    const fine = acc.fine();
    const bands = bandsFromFine(fine, settings.bandWidth, settings.healthySqlRate);
    const active = policy.activeThreshold;
    const window = settings.scenarioWindowDays;
    const cands = candidatesFor(fine, () => bands, settings, policy.capacityPerMonth);

    const triggers = detectTriggers({ policy, acc, fine, settings, asOf });
    // Only the method's review triggers (item 10) lift a freeze; diagnostics such as a dominant rejection reason do not.
    const blocking = triggers.filter((t) => REVIEW_TRIGGERS.has(t.code));
    const sampleOk = acc.total.won >= settings.minWonDeals && acc.total.handedOff >= settings.minHandedOff;
    const frozen = !!policy.frozenUntil && policy.frozenUntil > asOf && blocking.length === 0;

    let threshold: number | null = null;
    let reason: string;
    let range: [number, number] | null = null;
    if (!sampleOk) {
        reason = 'insufficient-sample';
    } else if (cands.value === null) {
        reason = 'no-evidence';
    } else {
        range = bootstrapRange(acc, settings, cands.capacity, hashName(policy.name));
        if (frozen) reason = 'frozen';
        else if (active !== null && Math.abs(cands.value - active) < settings.minStep) reason = 'no-change';
        else {
            threshold = cands.value;
            reason = 'recommended';
        }
    }
    const at = cands.value !== null ? scenarioAt(fine, cands.value, window) : null;
    const recommendation: Recommendation = {
        threshold,
        reason,
        range,
        rationale: rationaleFor({ policy, acc, bands, fine, cands, reason, settings, at }),
        candidates: { inflection: cands.inflection, rejectionTarget: cands.rejectionTarget, sqlTarget: cands.sqlTarget, capacity: cands.capacity },
        computed: cands.value,
        startingPoint: sampleOk ? null : STARTING_POINTS[policy.name] ?? null,
        expectedMqlsPerMonth: at ? at.mqlsPerMonth : null,
        expectedRejectionRate: at ? at.rejectionRate : null
    };

    const scenarios: Scenario[] = [];
    if (active !== null) {
        scenarios.push(scenarioAt(fine, active - settings.scenarioDelta, window, `Active − ${settings.scenarioDelta}`));
        scenarios.push(scenarioAt(fine, active, window, 'Active'));
        scenarios.push(scenarioAt(fine, active + settings.scenarioDelta, window, `Active + ${settings.scenarioDelta}`));
    }
    if (cands.value !== null && cands.value !== active) scenarios.push(scenarioAt(fine, cands.value, window, 'Recommended'));

    const paths: PathSummary[] = acc.paths.names.map((path, i) => {
        const v = acc.pathRows[i];
        return { path, handedOff: v.handedOff, qualified: v.qualified, won: v.won, sqlRate: wilson(v.qualified, v.handedOff) };
    }).sort(byCountThenName((p) => p.handedOff, (p) => p.path));

    return {
        name: policy.name,
        activeThreshold: active,
        sample: {
            leads: acc.leads,
            handedOff: acc.total.handedOff,
            won: acc.total.won,
            rejected: acc.total.rejected,
            scoreSources: { ...acc.scoreSources }
        },
        bands,
        fineBands: fine,
        inflection: cands.inflection,
        recommendation,
        scenarios,
        triggers,
        paths,
        diagnostics: diagnosticsFor(acc, bands, settings, asOf, fine, active)
    };
}

/** Month index (year × 12 + month − 1) of an epoch time in UTC, from its day number (`monthOfDay`). */
function monthOf(ms: number): number {
    return monthOfDay(Math.floor(ms / DAY));
}

/** 'YYYY-MM' of a month index from `monthOf`. */
function monthLabel(index: number): string {
    const m = (index % 12) + 1;
    return `${Math.floor(index / 12)}-${m < 10 ? '0' : ''}${m}`;
}

/** Orders by a count, largest first, then by name, so that results never depend on the order of the input. */
function byCountThenName<T>(count: (x: T) => number, name: (x: T) => string): (a: T, b: T) => number {
    return (a, b) => count(b) - count(a) || name(a).localeCompare(name(b));
}

function hashName(name: string): number {
    let h = 2166136261;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    return h >>> 0;
}

function rationaleFor(x: {
    policy: SegmentPolicy;
    acc: SegmentAccumulator;
    bands: Band[];
    fine: FineBand[];
    cands: Candidates;
    reason: string;
    settings: CalibrationSettings;
    at: Scenario | null;
}): string {
    const { acc, bands, cands, settings, policy } = x;
    const parts: string[] = [];
    if (x.reason === 'insufficient-sample') {
        const sp = STARTING_POINTS[policy.name];
        parts.push(
            `Too little evidence: ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals, against a minimum of ${settings.minHandedOff} and ${settings.minWonDeals}.`
        );
        if (sp) parts.push(`The seeds' starting range for this kind of segment is ${sp[0]}-${sp[1]}; it is a starting point, not evidence.`);
        return parts.join(' ');
    }
    if (cands.inflection !== null) {
        const i = bands.findIndex((b) => b.from <= cands.inflection! && cands.inflection! < b.to);
        if (i > 0) {
            parts.push(
                `Won deals climb from ${pct(bands[i - 1].wonShare)} to ${pct(bands[i].wonShare)} of the total at ${bands[i].from}; the win rate changes most sharply at ${cands.inflection}.`
            );
        } else parts.push(`The win rate changes most sharply at ${cands.inflection}.`);
    }
    if (cands.value !== null) {
        let acc2 = 0;
        let rej = 0;
        let q = 0;
        let h = 0;
        let rejBelow = 0;
        let rejTotal = 0;
        for (const f of x.fine) {
            rejTotal += f.rejected;
            if (f.score >= cands.value) {
                acc2 += f.accepted;
                rej += f.rejected;
                q += f.qualified;
                h += f.handedOff;
            } else rejBelow += f.rejected;
        }
        const rate = acc2 + rej > 0 ? rej / (acc2 + rej) : null;
        parts.push(
            `Leads at ${cands.value}+ were rejected ${pct(rate)} of the time against a ${pct(settings.targetRejectionRate)} target, and ${pct(h > 0 ? q / h : null)} became SQLs (healthy ${pct(settings.healthySqlRate.min)}-${pct(settings.healthySqlRate.max)}).`
        );
        if (rejTotal > 0) parts.push(`${pct(rejBelow / rejTotal)} of rejected leads scored below ${cands.value}.`);
        if (cands.rejectionTarget !== null && cands.rejectionTarget === cands.value && cands.rejectionTarget !== cands.inflection)
            parts.push(`The rejection target, not the inflection, sets the floor.`);
        if (cands.capacity !== null && cands.capacity === cands.value) parts.push(`Sales capacity (${policy.capacityPerMonth} MQLs a month) sets the floor.`);
    }
    parts.push(`Based on ${acc.total.handedOff} handed-off leads and ${acc.total.won} won deals over ${settings.lookbackMonths} months.`);
    if (x.reason === 'no-change') parts.push(`That is within ${settings.minStep} points of the active ${policy.activeThreshold}: no change proposed.`);
    if (x.reason === 'frozen') parts.push(`The segment is frozen until ${policy.frozenUntil} and no review trigger fired: no proposal.`);
    return parts.join(' ');
}

/** Review triggers (method item 10) and the diagnostics thresholds of item 9 that call for a review. */
function detectTriggers(x: { policy: SegmentPolicy; acc: SegmentAccumulator; fine: FineBand[]; settings: CalibrationSettings; asOf: string }): Trigger[] {
    const { policy, acc, fine, settings, asOf } = x;
    const out: Trigger[] = [];
    const active = policy.activeThreshold;
    const w = acc.win;
    if (w.dec90 >= 30 && w.decPrev >= 30) {
        const now = w.rej90 / w.dec90;
        const before = w.rejPrev / w.decPrev;
        if (now - before >= 0.1)
            out.push({ code: 'REJECTION_RATE_SPIKE', severity: 'critical', message: `Rejection rate rose from ${pct(before)} to ${pct(now)} over the last 90 days (+${Math.round((now - before) * 100)} points).` });
    }
    if (w.h30 >= 30 && w.hPrev >= 30) {
        const now = w.q30 / w.h30;
        const before = w.qPrev / w.hPrev;
        if (Math.abs(now - before) > 0.05)
            out.push({ code: 'SQL_RATE_SHIFT', severity: 'warning', message: `MQL→SQL (within 30 days of handoff) moved from ${pct(before)} to ${pct(now)} between the last two monthly cohorts.` });
    }
    if (active === null && acc.total.handedOff > 0)
        out.push({ code: 'NO_ACTIVE_THRESHOLD', severity: 'warning', message: `${acc.total.handedOff} leads were handed off but the segment has no active threshold.` });
    const hist = policy.thresholdHistory ?? [];
    if (hist.length >= 2) {
        const last = hist[hist.length - 1];
        const prev = hist[hist.length - 2];
        const quarterAgo = addDays(asOf, -91);
        if (last.threshold < prev.threshold && last.changedOn.slice(0, 10) >= quarterAgo)
            out.push({ code: 'THRESHOLD_COMPRESSION', severity: 'critical', message: `The active threshold was lowered from ${prev.threshold} to ${last.threshold} on ${last.changedOn.slice(0, 10)}, within a quarter.` });
    }
    if (active !== null) {
        let justAbove = 0;
        let nextAbove = 0;
        for (const f of fine) {
            if (f.score >= active && f.score < active + 3) justAbove += f.recent.handedOff;
            else if (f.score >= active + 3 && f.score < active + 6) nextAbove += f.recent.handedOff;
        }
        if (justAbove >= 20 && justAbove >= 2 * Math.max(nextAbove, 1))
            out.push({ code: 'SCORE_BUNCHING', severity: 'warning', message: `${justAbove} recent handoffs scored just above the threshold (${active}-${active + 2}) against ${nextAbove} in the next three points: scores may be nudged over the line.` });
        const s = scenarioAt(fine, active, settings.scenarioWindowDays);
        if (s.rejectionRate !== null && s.accepted + Math.round(s.rejectionRate * s.mqls) >= 30 && s.rejectionRate > 0.35)
            out.push({ code: 'REJECTION_RATE_HIGH', severity: 'critical', message: `Sales rejected ${pct(s.rejectionRate)} of the last 90 days' MQLs at ${active} (above 35% is a strong signal).` });
        if (s.mqls >= 30) {
            const sql = s.sqls / s.mqls;
            if (sql < settings.healthySqlRate.min || sql > settings.healthySqlRate.max)
                out.push({ code: 'SQL_RATE_OUT_OF_RANGE', severity: 'info', message: `MQL→SQL at ${active} is ${pct(sql)}, outside the healthy ${pct(settings.healthySqlRate.min)}-${pct(settings.healthySqlRate.max)}.` });
        }
    }
    if (policy.lastCalibratedOn && policy.lastCalibratedOn.slice(0, 10) < addDays(asOf, -91))
        out.push({ code: 'CALIBRATION_STALE', severity: 'warning', message: `Last calibrated on ${policy.lastCalibratedOn.slice(0, 10)}, more than a quarter ago.` });
    const rejections = acc.total.rejected;
    if (rejections >= 20) {
        for (let r = 0; r < acc.reasons.names.length; r++) {
            const reason = acc.reasons.names[r];
            const n = acc.reasonCounts[r];
            if (n / rejections > 0.4)
                out.push({ code: 'REJECTION_REASON_DOMINANT', severity: 'warning', message: `"${reason}" accounts for ${pct(n / rejections)} of rejections: the likely miscalibration.` });
        }
    }
    return out;
}

function diagnosticsFor(acc: SegmentAccumulator, bands: Band[], settings: CalibrationSettings, asOf: string, fine: FineBand[], active: number | null): Record<string, unknown> {
    const sqlRate = acc.total.handedOff > 0 ? acc.total.qualified / acc.total.handedOff : null;
    const decided = acc.total.accepted + acc.total.rejected;
    const asOfMs = parseMs(asOf);
    const cohorts = [];
    for (let k = 0; k < acc.cohortHandedOff.length; k++) {
        const handedOff = acc.cohortHandedOff[k];
        if (handedOff === 0) continue;
        const month = monthLabel(acc.cohortBase + k);
        const start = parseMs(`${month}-01`);
        const age = (asOfMs - start) / DAY;
        cohorts.push({
            month,
            handedOff,
            wonRate90: age >= 120 ? wilson(acc.cohortWon90[k], handedOff) : null,
            wonRate180: age >= 210 ? wilson(acc.cohortWon180[k], handedOff) : null
        });
    }
    const reasonRows: { from: number; to: number; reasons: Record<string, number> }[] = [];
    acc.reasonsByBand.forEach((row, band) => {
        const inBand: [string, number][] = [];
        row.forEach((count, r) => {
            if (count > 0) inBand.push([acc.reasons.names[r], count]);
        });
        const from = band * settings.bandWidth;
        reasonRows.push({ from, to: from + settings.bandWidth, reasons: Object.fromEntries(inBand.sort((a, b) => a[0].localeCompare(b[0]))) });
    });
    return {
        sqlRate: wilson(acc.total.qualified, acc.total.handedOff),
        sqlRateHealthy: sqlRate === null ? null : sqlRate >= settings.healthySqlRate.min && sqlRate <= settings.healthySqlRate.max,
        rejectionRate: wilson(acc.total.rejected, decided),
        leadSources: acc.sources.names
            .map((source, i) => {
                const v = acc.sourceRows[i];
                return { source, handedOff: v.handedOff, qualified: v.qualified, won: v.won, sqlRate: wilson(v.qualified, v.handedOff) };
            })
            .sort(byCountThenName((x) => x.handedOff, (x) => x.source)),
        rejectionReasons: acc.reasons.names
            .map((reason, r) => ({ reason, count: acc.reasonCounts[r], share: acc.reasonCounts[r] / Math.max(1, acc.total.rejected) }))
            .sort(byCountThenName((x) => x.count, (x) => x.reason)),
        rejectionReasonsByBand: reasonRows,
        medianDaysToSql: histogramMedian(acc.daysToSql),
        medianHoursToFirstTouch: histogramMedian(acc.hoursToTouch),
        shareOverSla: acc.touched > 0 ? acc.overSla / acc.touched : null,
        neverWorked: bands.reduce((s, b) => s + b.neverWorked, 0),
        cohorts,
        reviewFlaggedGradeC: acc.reviewFlagged,
        nurtureGradeANoActivity: acc.nurture,
        decayDropsBelowThreshold: active === null ? null : acc.decayDrops,
        observedScoreRange: fine.length > 0 ? [fine[0].score, fine[fine.length - 1].score] : null
    };
}
