/**
 * Seedable synthetic orgs with a planted knee per segment: the ground truth the engine is tested against, the
 * job's embedded demo org and the benchmark's data all come from here. Pure: no I/O, no clock, no Math.random.
 */
import {
    mulberry32,
    type LeadRecord,
    type OpportunityRecord,
    type SegmentPolicy,
    type OverrideRule
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type { PilotConfig } from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';

/** One segment of a synthetic org. Outcome rates step at `knee`: that step is what the engine must find. */
export interface SegmentSpec {
    name: string;
    leads: number;
    knee: number;
    activeThreshold: number | null;
    /** Share of leads below the active threshold handed off anyway (reps pulling them, earlier thresholds). */
    handoffBelowShare?: number;
    /** Typical deal size. */
    amount?: number;
    /** Score range drawn uniformly (default knee-40 .. knee+45, floored at 0). */
    scoreRange?: [number, number];
    overrides?: OverrideRule[];
    /** Share of leads that raised their hand (matched the first override). */
    handRaiserShare?: number;
    thresholdHistory?: { threshold: number; changedOn: string }[];
    frozenUntil?: string | null;
    lastCalibratedOn?: string | null;
    capacityPerMonth?: number | null;
    /**
     * How outcomes depend on the score: 'step' at the knee (default); 'flat', not at all (each lead is drawn high or
     * low by a coin); 'inverted', the step reversed (leads below the knee convert like the good ones).
     */
    relation?: 'step' | 'flat' | 'inverted';
    /** Score scale: each generated score (and the knee) becomes offset + factor × score, kept to `decimals`. */
    scale?: { factor: number; offset?: number; decimals?: number };
}

export interface OrgSpec {
    seed: number;
    /** Analysis date (YYYY-MM-DD); leads are created over the `months` before it. */
    asOf: string;
    months: number;
    segments: SegmentSpec[];
    /** Share of handed-off leads whose score at handoff was snapshotted; the rest must be rebuilt from history. */
    snapshotShare?: number;
    /** Threshold pilots running in the org (configuration only: the generator does not route by them). */
    pilots?: PilotConfig[];
}

export interface ScoreHistoryRow {
    leadId: string;
    createdDate: string;
    oldValue: number | null;
    newValue: number;
}

export interface SyntheticOrg {
    asOf: string;
    leads: LeadRecord[];
    opportunities: OpportunityRecord[];
    scoreHistory: ScoreHistoryRow[];
    policies: SegmentPolicy[];
    pilots: PilotConfig[];
    truth: Record<string, { knee: number }>;
}

/** The restricted rejection reasons of Lead.Rejection_Reason__c. */
export const REJECTION_REASONS = [
    'Wrong title',
    'Wrong company size',
    'Already a customer',
    'No budget signal',
    'Just researching',
    'Competitor',
    'Not a buyer'
] as const;

/** Fit grades, drawn independently of the score: 30% A, 40% B, 15% C, 15% D (70% of leads pass the A/B gate). */
const GRADES: readonly string[] = [...'AAAAAABBBBBBBBCCCDDD'];
const LEAD_SOURCES = ['Web', 'Webinar', 'Content Download', 'Partner Referral', 'Paid Search', 'Trade Show'];
const DAY = 86_400_000;

/** A Salesforce-looking 18-character id: 3-character prefix, a zero-padded base-36 counter, a fixed suffix. */
export function sfId(prefix: string, n: number): string {
    return flat(`${prefix}${n.toString(36).toUpperCase().padStart(12, '0')}AAA`);
}

/**
 * The same text as one contiguous string. V8 keeps a concatenation as a rope (and replace/padStart results too),
 * and every later read of a rope goes through an extra pointer; records read from CSV or Bulk results are never
 * ropes, so a million generated ids and dates are copied flat once, here, not charged to whoever reads them.
 */
function flat(s: string): string {
    return Buffer.from(s, 'latin1').toString('latin1');
}

function pick<T>(items: readonly T[], r: number): T {
    return items[Math.min(items.length - 1, Math.floor(r * items.length))];
}

function iso(ms: number): string {
    return flat(`${new Date(ms).toISOString().slice(0, 19)}.000+0000`);
}

/**
 * Generates an org from a spec. Deterministic: the same spec gives the same records, id for id.
 * Outcomes step at each segment's knee for leads on the fit (grade A or B): below it sales reject ~42% and ~4% of
 * leads are won; at or above it they reject ~9% and ~20% are won, so the win-rate change-point, the rejection
 * target and the SQL floor all sit at the knee. Leads off the fit (C or D, 30%) convert like those below the knee at
 * every score. Leads scoring at or above the active threshold are handed off; below it only a share is.
 */
export function generateOrg(spec: OrgSpec): SyntheticOrg {
    const rand = mulberry32(spec.seed);
    const asOfMs = Date.parse(`${spec.asOf}T23:59:59Z`);
    const startMs = asOfMs - spec.months * 30.4375 * DAY;
    const snapshotShare = spec.snapshotShare ?? 0.75;
    const leads: LeadRecord[] = [];
    const opportunities: OpportunityRecord[] = [];
    const scoreHistory: ScoreHistoryRow[] = [];
    let leadN = 0;
    let oppN = 0;

    for (const seg of spec.segments) {
        const [lo, hi] = seg.scoreRange ?? [Math.max(0, seg.knee - 40), seg.knee + 45];
        const below = seg.handoffBelowShare ?? 0.4;
        const amount = seg.amount ?? 20000;
        const handRaiserShare = seg.handRaiserShare ?? 0.04;
        const override = seg.overrides?.[0];
        const relation = seg.relation ?? 'step';
        const factor = seg.scale?.factor ?? 1;
        const offset = seg.scale?.offset ?? 0;
        const decimals = seg.scale?.decimals ?? 6;
        const scaled = (x: number): number => Number((offset + factor * x).toFixed(decimals));
        for (let i = 0; i < seg.leads; i++) {
            const id = sfId('00Q', ++leadN);
            const createdMs = startMs + rand() * (asOfMs - startMs - DAY);
            // Whole points mostly, some half points: scores with decimals must work.
            const points = Math.round((lo + rand() * (hi - lo)) * 2) / 2;
            const score = scaled(points);
            const handRaiser = override !== undefined && rand() < handRaiserShare;
            const handedOff = handRaiser || (seg.activeThreshold === null ? rand() < 0.7 : score >= seg.activeThreshold || rand() < below);
            // The flat case's coin is drawn only there, so the default org's random sequence is the one it always was.
            const high = relation === 'flat' ? rand() < 0.5 : relation === 'inverted' ? points < seg.knee : points >= seg.knee;
            // Fit (the grade) and engagement (the score) are separate axes, as in seed 002's two-gate MQL: the grade is
            // drawn whatever the score, and a lead off the fit (C or D) converts like one below the knee at any score.
            // So the planted knee is the scored path's (A/B leads), and C/D leads only blur it unless the gate removes them.
            const grade = pick(GRADES, rand());
            const good = high && (grade === 'A' || grade === 'B');
            const leadSource = pick(LEAD_SOURCES, rand());
            const attributes: Record<string, string | number | boolean | null> = {
                Existing_Customer__c: seg.name === 'Expansion',
                Outbound_Assisted__c: seg.name === 'Outbound_Assisted',
                NumberOfEmployees: seg.name === 'Enterprise_Inbound' ? 1000 + Math.floor(rand() * 9000) : 10 + Math.floor(rand() * 900)
            };
            if (override) attributes[override.field] = handRaiser;
            const currentScore = scaled(Math.max(0, Math.round(points + (rand() * 30 - 5))));
            const lead: LeadRecord = {
                id,
                segment: seg.name,
                scoreAtHandoff: null,
                scoreSource: null,
                currentScore,
                handoffDate: null,
                createdDate: iso(createdMs),
                accepted: false,
                rejected: false,
                rejectionReason: null,
                qualified: false,
                qualifiedDate: null,
                opportunityId: null,
                firstTouchDate: null,
                lastActivityDate: iso(Math.min(asOfMs - DAY, createdMs + rand() * 60 * DAY)),
                leadSource,
                grade,
                overridePaths: handRaiser && override ? [override.name] : [],
                pilotGroup: null,
                attributes
            };
            if (handedOff) {
                const handoffMs = Math.min(asOfMs - DAY, createdMs + (1 + rand() * 20) * DAY);
                lead.handoffDate = iso(handoffMs);
                const boost = handRaiser ? 1.6 : 1;
                const pReject = handRaiser ? 0.08 : good ? 0.09 : 0.42;
                const r = rand();
                if (r < pReject) {
                    lead.rejected = true;
                    // Below the knee one reason dominates, as a miscalibrated threshold shows in the field; a lead off
                    // the fit above it is mostly sent back for its title.
                    lead.rejectionReason = !good && rand() < 0.5 ? (high ? 'Wrong title' : 'Just researching') : pick(REJECTION_REASONS, rand());
                } else if (r < 0.93) {
                    lead.accepted = true;
                }
                if (lead.rejected || lead.accepted) {
                    lead.firstTouchDate = iso(handoffMs + rand() * rand() * 72 * 3_600_000);
                }
                if (lead.accepted && rand() < Math.min(0.95, (good ? 0.55 : 0.22) * boost)) {
                    lead.qualified = true;
                    const qMs = Math.min(asOfMs - DAY / 2, handoffMs + (1 + rand() * 40) * DAY);
                    lead.qualifiedDate = iso(qMs).slice(0, 10);
                    if (rand() < 0.8) {
                        const oppId = sfId('006', ++oppN);
                        const closeMs = qMs + (20 + rand() * 150) * DAY;
                        const closed = closeMs <= asOfMs;
                        const won = closed && rand() < Math.min(0.95, (good ? 0.5 : 0.18) * boost);
                        opportunities.push({
                            id: oppId,
                            leadId: id,
                            amount: Math.round(amount * (0.4 + rand() * 1.2)),
                            isWon: won,
                            isClosed: closed,
                            createdDate: iso(qMs),
                            closeDate: new Date(closeMs).toISOString().slice(0, 10)
                        });
                        lead.opportunityId = oppId;
                    }
                }
                if (rand() < snapshotShare) {
                    lead.scoreAtHandoff = score;
                    lead.scoreSource = 'Snapshot';
                }
                // Score history: the climb to the handoff score, then drift afterwards.
                const before = scaled(Math.max(0, points - Math.round(5 + rand() * 20)));
                scoreHistory.push({ leadId: id, createdDate: iso(createdMs + (handoffMs - createdMs) * 0.3), oldValue: null, newValue: before });
                scoreHistory.push({ leadId: id, createdDate: iso(handoffMs - 3_600_000), oldValue: before, newValue: score });
                if (currentScore !== score) {
                    scoreHistory.push({ leadId: id, createdDate: iso(Math.min(asOfMs - 3_600_000, handoffMs + 5 * DAY)), oldValue: score, newValue: currentScore });
                }
            }
            leads.push(lead);
        }
    }
    const policies: SegmentPolicy[] = spec.segments.map((s) => ({
        name: s.name,
        activeThreshold: s.activeThreshold,
        overrides: s.overrides ?? [],
        thresholdHistory: s.thresholdHistory ?? [],
        frozenUntil: s.frozenUntil ?? null,
        lastCalibratedOn: s.lastCalibratedOn ?? null,
        capacityPerMonth: s.capacityPerMonth ?? null,
        status: null,
        recommendedThreshold: null
    }));
    const truth = Object.fromEntries(
        spec.segments.map((s) => [s.name, { knee: Number(((s.scale?.offset ?? 0) + (s.scale?.factor ?? 1) * s.knee).toFixed(s.scale?.decimals ?? 6)) }])
    );
    return { asOf: spec.asOf, leads, opportunities, scoreHistory, policies, pilots: spec.pilots ?? [], truth };
}

/**
 * The Lead statuses synthetic orgs move leads through, as settings name them: a lead enters MQL when handed off,
 * Working when sales accept it, Unqualified when they reject it, Qualified when it converts; Nurture is where some
 * rejected leads are recycled to.
 */
export const SYNTHETIC_STATUSES = {
    open: ['Open', 'Nurture'],
    handoff: ['MQL'],
    accepted: ['Working'],
    rejected: ['Unqualified'],
    qualified: ['Qualified']
};

/** One change of a lead's Status, as a LeadHistory row on Status records it. */
export interface StatusHistoryRow {
    leadId: string;
    createdDate: string;
    oldValue: string;
    newValue: string;
}

/**
 * A generated lead's path through SYNTHETIC_STATUSES: its status now and the Status history that led there. It is
 * derived from the lead's outcome fields alone (no random draws, so the generated org is the same with or without
 * it). One rejected lead in three is recycled to Nurture two weeks after its rejection (when that is before
 * `asOf`): its row no longer shows the rejection, only its history does.
 */
export function statusPathOf(lead: LeadRecord, asOf: string): { status: string; history: StatusHistoryRow[] } {
    const history: StatusHistoryRow[] = [];
    if (!lead.handoffDate) return { status: 'Open', history };
    let status = 'Open';
    const move = (to: string, at: string) => {
        history.push({ leadId: lead.id, createdDate: at, oldValue: status, newValue: to });
        status = to;
    };
    move('MQL', lead.handoffDate);
    if (lead.firstTouchDate && (lead.accepted || lead.rejected))
        move(lead.rejected ? 'Unqualified' : 'Working', lead.firstTouchDate);
    if (lead.qualified && lead.qualifiedDate) move('Qualified', `${lead.qualifiedDate.slice(0, 10)}T00:00:00.000+0000`);
    const recycledMs = Date.parse(lead.firstTouchDate?.replace(/\+0000$/, 'Z') ?? '') + 14 * DAY;
    if (
        lead.rejected &&
        parseInt(lead.id.slice(3, 15), 36) % 3 === 0 &&
        recycledMs < Date.parse(`${asOf}T00:00:00Z`)
    )
        move('Nurture', iso(recycledMs));
    return { status, history };
}

/**
 * The embedded demo org. Known answer (checked by test/engine/scenarios.test.ts and quoted in the README):
 * - SMB_Inbound (knee 65, active 50): recommends 65 (range about 63-66);
 * - Enterprise_Inbound (knee 48, active 60): recommends 48 (range about 46-50), a lower threshold;
 * - Outbound_Assisted (knee 42, active 40): within the 3-point minimum step: no change proposed;
 * - Expansion (150 leads): too few won deals: abstains and shows the seeds' starting range 25-40; it is also
 *   frozen until 2027-01-15 after an approved change (governance shows the freeze);
 * - a pilot in SMB_Inbound (LeadSource Webinar / Paid Search at 60) is five weeks old: "not yet conclusive".
 */
export function demoOrgSpec(): OrgSpec {
    const demo: OverrideRule = { name: 'Demo request', field: 'Demo_Requested__c', op: '=', value: true };
    return {
        seed: 20261031,
        asOf: '2026-10-31',
        months: 18,
        snapshotShare: 0.7,
        segments: [
            { name: 'SMB_Inbound', leads: 6000, knee: 65, activeThreshold: 50, amount: 18000, overrides: [demo] },
            { name: 'Enterprise_Inbound', leads: 4000, knee: 48, activeThreshold: 60, amount: 85000, overrides: [demo] },
            { name: 'Outbound_Assisted', leads: 3000, knee: 42, activeThreshold: 40, amount: 30000 },
            // Approved 25 → 30 two weeks before the demo's date: frozen for a quarter (it abstains either way).
            {
                name: 'Expansion', leads: 150, knee: 32, activeThreshold: 30, amount: 25000,
                thresholdHistory: [{ threshold: 25, changedOn: '2026-04-01' }, { threshold: 30, changedOn: '2026-10-16' }],
                lastCalibratedOn: '2026-10-16',
                frozenUntil: '2027-01-15'
            }
        ],
        // A pilot five weeks into its six: SMB leads from webinars and paid search, tested at 60.
        pilots: [{ segment: 'SMB_Inbound', field: 'LeadSource', testValues: ['Webinar', 'Paid Search'], testThreshold: 60, start: '2026-09-26', minWeeks: 6 }]
    };
}
