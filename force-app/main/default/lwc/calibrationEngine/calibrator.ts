/**
 * The streaming calibrator: folds leads and opportunities into compact per-segment counts as they arrive (one
 * point of score resolution, typed arrays), then runs the method on the counts. It never keeps a lead, so a
 * million leads cost no more memory than a thousand, beyond the id set used to catch duplicates.
 */
import type {
    CalibrationResult,
    CalibrationSettings,
    Exclusion,
    LeadRecord,
    OpportunityRecord,
    SegmentPolicy,
    SegmentResult
} from './types';
import { DAY_MS, toMs, monthOf, monthLabel } from './dates';
import { IdHashSet, IdHashMap, IdList, detachString, SEEN_BEFORE, SEEN_LINKED, grown } from './idTables';
import { assignSegment, decayedScore, validateOverrides } from './method';
import {
    CELL_EPS,
    CLASSES,
    MAX_DAYS,
    MAX_HOURS,
    SegmentAccumulator,
    tally
} from './accumulator';
import { analyseSegment } from './analysis';

// Durations the fold compares a lead's age with.
const DAYS_30 = 30 * DAY_MS;
const DAYS_60 = 60 * DAY_MS;
const DAYS_90 = 90 * DAY_MS;
const DAYS_180 = 180 * DAY_MS;

/** A grade's first letter as an upper-case char code (0 for no grade): this runs a million times, so no strings. */
function gradeCodeOf(grade: string | null | undefined): number {
    return grade ? grade.charCodeAt(0) & ~32 : 0;
}

/** A grade code (gradeCodeOf) of C to F: off the fit the scored path needs (seed 002: "Demographic Grade: A or B"). */
function isOffFitCode(code: number): boolean {
    return code >= 67 /* C */ && code <= 70 /* F */;
}

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
    const asOfMs = toMs(asOf.length === 10 ? `${asOf}T23:59:59Z` : asOf);
    const lookbackStart = asOfMs - settings.lookbackMonths * 30.4375 * DAY_MS;
    const windowStart = asOfMs - settings.scenarioWindowDays * DAY_MS;
    // Decay counts idle days from the analysis date as given, as applyDecay does (its start, for a date).
    const decayAsOfMs = toMs(asOf);
    const slaMs = settings.slaHours * 3_600_000;
    const maxScore = settings.maxScore ?? Infinity;
    // On unless turned off: leads without a grade pass it, so an org with no grade field is not gated at all.
    const gradeGate = settings.gradeGate !== false;
    // Leads are counted only when handed off within the lookback window, so their cohort months are known now
    // (an analysis date that is not a date gives no months, and so no cohorts).
    const firstMonth = Number.isFinite(lookbackStart) ? monthOf(lookbackStart) : 0;
    const cohortMonths = Number.isFinite(asOfMs) ? Math.max(0, monthOf(asOfMs) - firstMonth + 1) : 0;
    // Where each of those months starts (and the one after them ends), so that a lead's cohort is a guess from the
    // mean month length corrected by a comparison or two, not two divisions and a table lookup by day.
    const monthStartMs = new Float64Array(cohortMonths + 1);
    for (let k = 0; k <= cohortMonths; k++) {
        const index = firstMonth + k;
        monthStartMs[k] = toMs(`${monthLabel(index)}-01`);
    }
    const perMonth = 1 / (30.436875 * DAY_MS);
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
        if (exclusions.length < MAX_LISTED_EXCLUSIONS) exclusions.push({ kind, id: id === null ? null : detachString(id), reason });
    };

    const excludeHanded = (acc: SegmentAccumulator, id: string, reason: string): void => {
        acc.excluded++;
        exclude('lead', id, reason);
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
        opps.closeMs[i] = toMs(o.closeDate ?? null);
        opps.createdMs[i] = toMs(o.createdDate ?? null);
    }

    function addLead(l: LeadRecord): void {
        lastOpp = -1;
        lastSeg = null;
        if (!l || !l.id) return exclude('lead', null, 'lead without an id');
        const seen = seenLeads.see(l.id);
        if (seen === SEEN_BEFORE) return exclude('lead', l.id, 'duplicate lead id');
        // The opportunity that named this lead, if any, from the same probe as the duplicate check.
        const byLeadIdx = seen === SEEN_LINKED ? seenLeads.linkedValue : -1;
        const segment = assignSegment(l, settings.segmentRules);
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
        if (!l.handoffDate) {
            // A lead of the scenario window never handed off, by its current score: what a threshold below the active
            // one would add. Only below the active one (above it a lead not handed off is one still on its way), which
            // also keeps scores that drifted up after creation from setting the segment's resolution.
            const current = l.currentScore;
            const active = seg.policy.activeThreshold;
            // A lead the gate stops (graded C-F) would not become an MQL at a lower threshold either.
            const offFit = gradeGate && isOffFitCode(gradeCodeOf(l.grade));
            if (typeof current === 'number' && active !== null && current < active && l.createdDate && !offFit) {
                const createdMs = toMs(l.createdDate);
                if (createdMs >= windowStart && createdMs <= asOfMs) {
                    let c = Math.floor(current * acc.inv + CELL_EPS) - acc.base;
                    if (c < 0 || c >= acc.cap) c = acc.place(current);
                    acc.unhanded[c]++;
                }
            }
            return;
        }
        const handoffMs = toMs(l.handoffDate);
        if (!Number.isFinite(handoffMs)) return exclude('lead', l.id, 'handoff date is not a date');
        if (handoffMs > asOfMs) return exclude('lead', l.id, 'handed off after the analysis date');
        if (handoffMs < lookbackStart) {
            exclusionCounts['handed off before the lookback window'] = (exclusionCounts['handed off before the lookback window'] ?? 0) + 1;
            return;
        }
        const raw = l.scoreAtHandoff;
        // Each exclusion from here on is also counted against the segment: too many of them and it abstains.
        if (raw === null || raw === undefined) return excludeHanded(acc, l.id, 'no score at handoff');
        const score = Number(raw);
        if (!Number.isFinite(score)) return excludeHanded(acc, l.id, 'score at handoff is not a number');
        if (score > maxScore) return excludeHanded(acc, l.id, `score at handoff above ${maxScore}`);
        if (typeof l.accepted !== 'boolean' || typeof l.rejected !== 'boolean' || typeof l.qualified !== 'boolean') {
            return excludeHanded(acc, l.id, 'missing outcome (accepted, rejected or qualified)');
        }
        if (l.accepted && l.rejected) return excludeHanded(acc, l.id, 'both accepted and rejected');
        const active = seg.policy.activeThreshold;
        // Paths out of the fit: a hand-raiser (a high-intent override) or, with the grade gate on, a lead whose fit
        // grade fails it (C-F; leads without a grade pass) does not become an MQL by its score, so its outcomes are no
        // evidence for the score's threshold: it is counted as its own path and kept out of the bands and readings.
        const op = l.overridePaths;
        const handRaised = op !== undefined && op !== null && op.length > 0;
        const gradeCode = gradeCodeOf(l.grade);
        const fit = !gradeGate || !isOffFitCode(gradeCode); // A, B and no grade pass
        if (!fit || handRaised) {
            const wonOut = oppIdx >= 0 && opps.won[oppIdx] === 1;
            const path = !fit ? (gradeCode === 67 ? 'Grade C (manual review)' : 'Below fit grade (D-F)') : op![0];
            tally(acc.pathRows, acc.paths.at(path), l.qualified, wonOut);
            if (!fit && gradeCode === 67 && active !== null && score >= active) acc.reviewFlagged++;
            acc.outOfFit++;
            return;
        }

        // The score's cell at the segment's resolution; outside the arrays the accumulator makes room (rarely).
        let s = Math.floor(score * acc.inv + CELL_EPS) - acc.base;
        if (s < 0 || s >= acc.cap) s = acc.place(score);
        const hasOpp = oppIdx >= 0 || !!oppId;
        const won = oppIdx >= 0 && opps.won[oppIdx] === 1;
        const amount = oppIdx >= 0 ? opps.amount[oppIdx] : 0;
        const recent = handoffMs >= windowStart;
        const firstTouchMs = toMs(l.firstTouchDate ?? null);
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

        tally(acc.pathRows, acc.paths.at('Scored'), l.qualified, won);
        tally(acc.sourceRows, acc.sources.at(l.leadSource || '(none)'), l.qualified, won);

        if (l.rejected) {
            const reason = l.rejectionReason || '(no reason given)';
            const r = acc.reasons.at(reason);
            if (r === acc.reasonCounts.length) acc.reasonCounts.push(0);
            acc.reasonCounts[r]++;
            const row = acc.reasonsByCell[s] ?? (acc.reasonsByCell[s] = []);
            while (row.length <= r) row.push(0);
            row[r]++;
        }
        // The qualified date is parsed once: days to SQL here, the 30-day SQL window below.
        const qualifiedMs = l.qualified && l.qualifiedDate ? toMs(l.qualifiedDate) : NaN;
        if (!Number.isNaN(qualifiedMs)) {
            const d = Math.round((qualifiedMs - handoffMs) / DAY_MS);
            if (d >= 0) acc.daysToSql[Math.min(d, MAX_DAYS)]++;
        }
        if (Number.isFinite(firstTouchMs)) {
            const h = Math.max(0, Math.floor((firstTouchMs - handoffMs) / 3_600_000));
            acc.hoursToTouch[Math.min(h, MAX_HOURS)]++;
            acc.touched++;
            // Late from the first millisecond past the SLA: whole hours would let 24 h 59 min pass as 24.
            if (firstTouchMs - handoffMs > slaMs) acc.overSla++;
        }
        // Within the window (checked above), so within the cohort arrays.
        const cohort = cohortOf(handoffMs);
        acc.cohortHandedOff[cohort]++;
        if (won && oppIdx >= 0) {
            const days = (opps.closeMs[oppIdx] - handoffMs) / DAY_MS;
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
        const grade = gradeCode;
        if (grade === 65 /* A */ && !l.lastActivityDate && (l.currentScore ?? 0) === 0) acc.nurture++;
        const decay = settings.decay;
        if (active !== null && decay && typeof l.currentScore === 'number' && l.currentScore >= active && l.lastActivityDate) {
            if (decayedScore(l.currentScore, Math.floor((decayAsOfMs - toMs(l.lastActivityDate)) / DAY_MS), decay) < active) acc.decayDrops++;
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
