/**
 * Salesforce-shaped rows (API field names as keys, every value a string, as Bulk API 2.0 CSV and Data Loader give
 * them; empty = null) to the engine's records, and back. The CSV source, the org source and the demo all map
 * through here, so the demo exercises exactly the mapping real data does.
 */
import {
    IdHashMap,
    grown,
    assignSegment,
    matchesRule,
    type LeadRecord,
    type OpportunityRecord,
    type OverrideRule,
    type SegmentRule
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { statusPathOf, type ScoreHistoryRow, type StatusHistoryRow } from '../synthetic/generator';
import { RowError, SettingsError } from '../errors';

export type Row = Record<string, string | undefined>;

/** What the mapping needs to know about the org: field names, statuses, segment and override rules. */
export interface MappingContext {
    scoreField: string;
    gradeField: string | null;
    statuses: {
        open: string[];
        handoff: string[];
        accepted: string[];
        rejected: string[];
        qualified: string[];
    };
    segmentRules: SegmentRule[];
    overridesBySegment: Map<string, OverrideRule[]>;
    /** Lead fields that partition a pilot (MQL_Threshold__mdt.Pilot_Field__c): kept in the lead's attributes. */
    pilotFields?: string[];
}

/** Lead columns the job reads, the required ones first. */
export function LEAD_FIELDS(ctx: Pick<MappingContext, 'scoreField' | 'gradeField'> & { extra?: string[] }): {
    required: string[];
    optional: string[];
} {
    const optional = [
        'ConvertedDate',
        'ConvertedOpportunityId',
        'LeadSource',
        'NumberOfEmployees',
        'Score_At_Handoff__c',
        'Handoff_Score_Source__c',
        'Rejection_Reason__c',
        'First_Touch_Date__c',
        'MQL_Pilot_Group__c',
        'MQL_Segment__c',
        'Existing_Customer__c',
        'Outbound_Assisted__c',
        'LastActivityDate'
    ];
    if (ctx.gradeField) optional.push(ctx.gradeField);
    for (const f of ctx.extra ?? []) if (!optional.includes(f)) optional.push(f);
    return {
        required: ['Id', 'Status', 'CreatedDate', 'IsConverted', 'Handoff_Date__c', ctx.scoreField],
        optional
    };
}

/** Opportunity columns the job reads. */
export const OPPORTUNITY_FIELDS = {
    required: ['Id', 'Amount', 'IsWon', 'IsClosed', 'CloseDate'],
    optional: ['CreatedDate']
};

/** LeadHistory columns the job reads. */
export const HISTORY_FIELDS = {
    required: ['LeadId', 'Field', 'NewValue', 'CreatedDate'],
    optional: ['OldValue']
};

/**
 * Where a lead's handoff time came from, best first: the package's Handoff_Date__c (a person, the handoff flow or an
 * earlier run set it), the first time LeadHistory shows Status entering a handoff status, the conversion date, or
 * only the lead's current status (then its creation date stands in for a time nobody recorded).
 */
export type HandoffSource = 'Field' | 'StatusHistory' | 'Conversion' | 'CurrentStatus';

/** A zero count per handoff source, in the order of preference. */
export function noHandoffSources(): Record<HandoffSource, number> {
    return { Field: 0, StatusHistory: 0, Conversion: 0, CurrentStatus: 0 };
}

/**
 * Where a handed-off lead's rejection came from: Rejection_Reason__c, its current status being a rejected one, or
 * only its Status history (it entered a rejected status and has been recycled since).
 */
export type RejectionSource = 'Reason' | 'Status' | 'StatusHistory';

/** A zero count per rejection source. */
export function noRejectionSources(): Record<RejectionSource, number> {
    return { Reason: 0, Status: 0, StatusHistory: 0 };
}

/** Where the row said the lead's rejection came from (null: not rejected by its row). */
export function rejectionSourceOf(
    lead: Pick<LeadRecord, 'rejected' | 'rejectionReason'>
): RejectionSource | null {
    return !lead.rejected ? null : lead.rejectionReason ? 'Reason' : 'Status';
}

/** The standard LeadHistory field name of the lead's status. */
export const STATUS_HISTORY_FIELD = 'Status';

function text(row: Row, field: string): string | null {
    const v = row[field];
    return v === undefined || v === '' ? null : v;
}

function bool(row: Row, field: string): boolean {
    const v = text(row, field);
    if (v === null) return false;
    const l = v.toLowerCase();
    if (l === 'true' || l === '1') return true;
    if (l === 'false' || l === '0') return false;
    throw new RowError(field, `expected true or false, got "${v}"`);
}

/** A decimal number as Salesforce writes one (`65`, `-1.5`, `6.5e1`): not `0x41`, `Infinity`, `NaN` or `12,5`. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True when `v` is a decimal number as Salesforce writes one (Number() also reads hex, binary and Infinity). */
export function isDecimal(v: string): boolean {
    return DECIMAL.test(v);
}

/** A number, null when blank, NaN when not a decimal number: the engine excludes and counts such a record. */
function num(row: Row, field: string): number | null {
    const v = text(row, field);
    if (v === null) return null;
    return DECIMAL.test(v) ? Number(v) : NaN;
}

function typed(v: string | null): string | number | boolean | null {
    if (v === null) return null;
    if (v === 'true' || v === 'false') return v === 'true';
    return DECIMAL.test(v) ? Number(v) : v;
}

/** The fields segment and override rules read, which must be kept as lead attributes. */
export function ruleFields(
    ctx: Pick<MappingContext, 'segmentRules' | 'overridesBySegment' | 'pilotFields'>
): string[] {
    const fields = new Set<string>(['NumberOfEmployees', 'Existing_Customer__c', 'Outbound_Assisted__c']);
    for (const r of ctx.segmentRules) if (r.field) fields.add(r.field);
    for (const list of ctx.overridesBySegment.values()) for (const o of list) fields.add(o.field);
    for (const f of ctx.pilotFields ?? []) if (f !== 'LeadSource') fields.add(f);
    return [...fields];
}

/**
 * Maps one Lead row. Handed off: Handoff_Date__c set, or converted, or in a handoff status. Rejected:
 * Rejection_Reason__c set or a rejected status. Qualified: IsConverted or a qualified status. Accepted: handed
 * off, not rejected, and worked (First_Touch_Date__c) or converted, or in an accepted status. The score at
 * handoff is the snapshot when present; otherwise it is left null for the ScoreResolver. Throws RowError naming
 * the field for a value it cannot read. A Status no configured list names is an open lead (an org adds statuses
 * the settings never heard of; that must not stop the run); a Status listed both as open and as handed off, or
 * both as accepted and as rejected, is a SettingsError, since no reading of it is right.
 */
/** What rowToLead derives from a context once, not per row (a source maps millions of rows with one context). */
interface Derived {
    /** Some handoff status is configured: without one, no status says a lead was handed off. */
    configured: boolean;
    handedOff: Set<string>;
    rejected: Set<string>;
    qualified: Set<string>;
    accepted: Set<string>;
    ruleFields: string[];
}

const derivedOf = new WeakMap<MappingContext, Derived>();

function derive(ctx: MappingContext): Derived {
    let d = derivedOf.get(ctx);
    if (!d) {
        const st = ctx.statuses;
        const handedOff = [...st.handoff, ...st.accepted, ...st.rejected, ...st.qualified];
        const both = (a: string[], b: string[], what: string) => {
            const clash = a.find((x) => b.includes(x));
            if (clash !== undefined)
                throw new SettingsError(
                    `statuses: "${clash}" is listed as ${what}; a lead status can be only one`
                );
        };
        both(st.open, handedOff, 'open and as handed off (handoff, accepted, rejected or qualified)');
        both(st.accepted, st.rejected, 'accepted and as rejected');
        d = {
            configured: handedOff.length > 0,
            handedOff: new Set(handedOff),
            rejected: new Set(st.rejected),
            qualified: new Set(st.qualified),
            accepted: new Set(st.accepted),
            ruleFields: ruleFields(ctx)
        };
        derivedOf.set(ctx, d);
    }
    return d;
}

export function rowToLead(row: Row, ctx: MappingContext): LeadRecord {
    const id = text(row, 'Id');
    if (!id) throw new RowError('Id', 'missing');
    const status = text(row, 'Status');
    const d = derive(ctx);
    const converted = bool(row, 'IsConverted');
    const reason = text(row, 'Rejection_Reason__c');
    const rejected = reason !== null || (status !== null && d.rejected.has(status));
    const qualified = converted || (status !== null && d.qualified.has(status));
    let handoffDate = text(row, 'Handoff_Date__c');
    if (!handoffDate && (converted || (status !== null && d.handedOff.has(status)))) {
        handoffDate = text(row, 'ConvertedDate') ?? text(row, 'CreatedDate');
    }
    const firstTouch = text(row, 'First_Touch_Date__c');
    const accepted =
        !!handoffDate &&
        !rejected &&
        (firstTouch !== null || converted || (status !== null && d.accepted.has(status)));
    const snapshot = num(row, 'Score_At_Handoff__c');
    // A score the job stamped says where it came from: read back as History or Current, not as a snapshot.
    const stampedFrom = text(row, 'Handoff_Score_Source__c');
    const current = num(row, ctx.scoreField);
    const attributes: Record<string, string | number | boolean | null> = {};
    for (const f of d.ruleFields) attributes[f] = typed(text(row, f));
    attributes.LeadSource = text(row, 'LeadSource');
    const segment =
        text(row, 'MQL_Segment__c') ?? assignSegment({ segment: null, attributes }, ctx.segmentRules);
    const overrides = segment ? (ctx.overridesBySegment.get(segment) ?? []) : [];
    const pilot = text(row, 'MQL_Pilot_Group__c');
    return {
        id,
        segment,
        scoreAtHandoff: snapshot,
        scoreSource:
            snapshot === null
                ? null
                : stampedFrom === 'History' || stampedFrom === 'Current'
                  ? stampedFrom
                  : 'Snapshot',
        currentScore: current,
        handoffDate,
        createdDate: text(row, 'CreatedDate'),
        accepted,
        rejected,
        rejectionReason: reason,
        qualified,
        qualifiedDate: converted ? text(row, 'ConvertedDate') : null,
        opportunityId: text(row, 'ConvertedOpportunityId'),
        firstTouchDate: firstTouch,
        lastActivityDate: text(row, 'LastActivityDate'),
        leadSource: text(row, 'LeadSource'),
        grade: ctx.gradeField ? text(row, ctx.gradeField) : null,
        overridePaths: overrides.filter((o) => matchesRule(attributes, o)).map((o) => o.name),
        pilotGroup: pilot === 'Test' || pilot === 'Control' ? pilot : null,
        attributes
    };
}

/**
 * Where rowToLead took the lead's handoff time from, or null when the row alone shows no handoff. Status history
 * is not in the row: a source that reads it asks HandoffScores, which can only improve on this.
 */
export function handoffSourceOf(row: Row, ctx: MappingContext): HandoffSource | null {
    if (text(row, 'Handoff_Date__c')) return 'Field';
    if (bool(row, 'IsConverted')) return 'Conversion';
    const status = text(row, 'Status');
    return status !== null && derive(ctx).handedOff.has(status) ? 'CurrentStatus' : null;
}

/**
 * True when Status history can say more about this lead than its row: statuses are configured (without them no
 * status counts as a handoff) and either nobody stamped Handoff_Date__c (the lead may have been handed off,
 * rejected and recycled since, whatever its status now) or the job stamped it from history (Handoff_Score_Source__c
 * History or Current): such a lead's rejection and first touch may live only in its Status history, which must be
 * read again every night, or the stamp would change what the next run finds.
 */
export function needsStatusHistory(row: Row, ctx: MappingContext): boolean {
    if (!derive(ctx).configured) return false;
    if (!text(row, 'Handoff_Date__c')) return true;
    const source = text(row, 'Handoff_Score_Source__c');
    return source === 'History' || source === 'Current';
}

/** Maps one Opportunity row. */
export function rowToOpportunity(row: Row): OpportunityRecord {
    const id = text(row, 'Id');
    if (!id) throw new RowError('Id', 'missing');
    return {
        id,
        leadId: null,
        amount: num(row, 'Amount'),
        isWon: bool(row, 'IsWon'),
        isClosed: bool(row, 'IsClosed'),
        createdDate: text(row, 'CreatedDate'),
        closeDate: text(row, 'CloseDate')
    };
}

/** A generated lead as the Lead row an org export would hold (the demo and the demo's CSV export use it). */
export function leadToRow(l: LeadRecord, scoreField: string, overrideFields: string[] = []): Row {
    const row: Row = {
        Id: l.id,
        Status: l.rejected ? 'Unqualified' : l.qualified ? 'Qualified' : l.handoffDate ? 'Working' : 'Open',
        CreatedDate: l.createdDate ?? '',
        IsConverted: l.qualified ? 'true' : 'false',
        ConvertedDate: l.qualified ? (l.qualifiedDate ?? '') : '',
        ConvertedOpportunityId: l.opportunityId ?? '',
        LeadSource: l.leadSource ?? '',
        NumberOfEmployees: String(l.attributes?.NumberOfEmployees ?? ''),
        Score_At_Handoff__c: l.scoreAtHandoff === null ? '' : String(l.scoreAtHandoff),
        Handoff_Date__c: l.handoffDate ?? '',
        Handoff_Score_Source__c: l.scoreSource ?? '',
        Rejection_Reason__c: l.rejectionReason ?? '',
        First_Touch_Date__c: l.firstTouchDate ?? '',
        MQL_Pilot_Group__c: l.pilotGroup ?? '',
        MQL_Segment__c: l.segment ?? '',
        Existing_Customer__c: String(l.attributes?.Existing_Customer__c ?? false),
        Outbound_Assisted__c: String(l.attributes?.Outbound_Assisted__c ?? false),
        LastActivityDate: l.lastActivityDate ? l.lastActivityDate.slice(0, 10) : '',
        pi__grade__c: l.grade ?? '',
        [scoreField]: l.currentScore === null || l.currentScore === undefined ? '' : String(l.currentScore)
    };
    for (const f of overrideFields) row[f] = String(l.attributes?.[f] ?? '');
    return row;
}

/**
 * A generated lead as the Lead row of an org that has just installed the package: none of the package's funnel
 * fields is filled (no handoff date, snapshot, rejection reason or first touch), and the funnel shows only in the
 * lead's Status (SYNTHETIC_STATUSES) and its Status history (statusPathOf).
 */
export function newInstallLeadRow(
    l: LeadRecord,
    scoreField: string,
    asOf: string,
    overrideFields: string[] = []
): Row {
    return {
        ...leadToRow(l, scoreField, overrideFields),
        Status: statusPathOf(l, asOf).status,
        Score_At_Handoff__c: '',
        Handoff_Date__c: '',
        Handoff_Score_Source__c: '',
        Rejection_Reason__c: '',
        First_Touch_Date__c: '',
        MQL_Pilot_Group__c: ''
    };
}

/** A generated status change as a LeadHistory row on Status. */
export function statusHistoryToRow(h: StatusHistoryRow): Row {
    return {
        LeadId: h.leadId,
        Field: STATUS_HISTORY_FIELD,
        OldValue: h.oldValue,
        NewValue: h.newValue,
        CreatedDate: h.createdDate
    };
}

/** A generated opportunity as an Opportunity row. */
export function opportunityToRow(o: OpportunityRecord): Row {
    return {
        Id: o.id,
        Amount: o.amount === null ? '' : String(o.amount),
        IsWon: String(o.isWon),
        IsClosed: String(o.isClosed),
        CreatedDate: o.createdDate ?? '',
        CloseDate: o.closeDate ?? ''
    };
}

/** A generated score change as a LeadHistory row on the score field. */
export function historyToRow(h: ScoreHistoryRow, scoreField: string): Row {
    return {
        LeadId: h.leadId,
        Field: scoreField,
        OldValue: h.oldValue === null ? '' : String(h.oldValue),
        NewValue: String(h.newValue),
        CreatedDate: h.createdDate
    };
}

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a slice's whole parent string alive,
 * so an id kept from a 1 MB chunk of CSV would keep the chunk; the fast CSV reader's fields are such slices.
 */
export function ownString(s: string): string {
    return Buffer.from(s, 'utf16le').toString('utf16le');
}

/** Bits of HandoffScores' per-lead flags. */
const FROM_FIELD = 1;
const PASSED_REJECTED = 2;
const PASSED_ACCEPTED = 4;
const DEFAULT_SOURCE_SHIFT = 4;
const SOURCE_CODES: (HandoffSource | null)[] = [
    null,
    'Field',
    'StatusHistory',
    'Conversion',
    'CurrentStatus'
];

/**
 * The rules that rebuild what a lead's row does not say, kept compactly per waiting lead (an id, a few times and
 * flags; no lead is held), for a source that reads LeadHistory after the leads:
 * - handoff time: Handoff_Date__c when set (never replaced); else the first time Status entered a handoff,
 *   accepted, rejected or qualified status; else the conversion; else the current status (creation date);
 * - rejected: the row says so, or Status ever entered a rejected status (a recycled lead keeps its rejection);
 *   accepted likewise from an accepted status, or from a first touch;
 * - first touch: First_Touch_Date__c, else the first Status change away from a handoff status after the handoff
 *   (a row whose OldValue is a handoff status), the rule of the first-touch flow;
 * - score at handoff: the last LeadHistory NewValue on the score field at or before that handoff; else the current
 *   score.
 * Status rows must all be in (addStatusHistory) before the first score row (addHistory): the handoff time decides
 * which score rows count.
 */
export class HandoffScores {
    /** Lead id → slot, as two 32-bit hashes in a typed array (12 bytes a slot, no id string kept). */
    private index = new IdHashMap();
    /** Per slot: handoff time from the row, first handoff status time, best history value so far and its time. */
    private handoffMs = new Float64Array(1024);
    private statusMs = new Float64Array(1024);
    private best = new Float64Array(1024);
    private bestMs = new Float64Array(1024);
    /** Per slot: FROM_FIELD / PASSED_* bits, and the row's handoff source code above DEFAULT_SOURCE_SHIFT. */
    private flags = new Uint8Array(1024);
    /** Per slot: the first Status change away from a handoff status (Infinity = none). */
    private touchMs = new Float64Array(1024);
    private count = 0;
    private readonly handoff: Set<string>;
    private readonly handoffOnly: Set<string>;
    private readonly rejected: Set<string>;
    private readonly accepted: Set<string>;

    constructor(
        private readonly scoreField: string,
        statuses?: MappingContext['statuses']
    ) {
        this.handoff = new Set(
            statuses
                ? [...statuses.handoff, ...statuses.accepted, ...statuses.rejected, ...statuses.qualified]
                : []
        );
        this.handoffOnly = new Set(statuses?.handoff ?? []);
        this.rejected = new Set(statuses?.rejected ?? []);
        this.accepted = new Set(statuses?.accepted ?? []);
    }

    /**
     * Starts collecting history for a lead (the first row of a duplicated id wins): a handed-off lead with no
     * snapshot, or, with statuses configured, a lead without Handoff_Date__c. `source` is where the row's own
     * handoff time came from (handoffSourceOf); without it the lead's handoff date is taken as final.
     */
    expect(lead: Pick<LeadRecord, 'id' | 'handoffDate'>, source: HandoffSource | null = 'Field'): void {
        const i = this.count;
        if (!this.index.setIfAbsent(lead.id, i)) return;
        if (i >= this.handoffMs.length) {
            this.handoffMs = grown(this.handoffMs, i * 2);
            this.statusMs = grown(this.statusMs, i * 2);
            this.best = grown(this.best, i * 2);
            this.bestMs = grown(this.bestMs, i * 2);
            this.flags = grown(this.flags, i * 2);
            this.touchMs = grown(this.touchMs, i * 2);
        }
        this.handoffMs[i] = lead.handoffDate ? Date.parse(normaliseDate(lead.handoffDate)) : NaN;
        this.statusMs[i] = Infinity;
        this.touchMs[i] = Infinity;
        this.best[i] = NaN;
        this.bestMs[i] = -Infinity;
        this.flags[i] =
            (source === 'Field' ? FROM_FIELD : 0) | (SOURCE_CODES.indexOf(source) << DEFAULT_SOURCE_SHIFT);
        this.count++;
    }

    /** True when history is being collected for this lead id. */
    has(id: string): boolean {
        return this.index.get(id) >= 0;
    }

    get size(): number {
        return this.count;
    }

    /** True when a status row can change anything: statuses are configured. */
    get readsStatus(): boolean {
        return this.handoff.size > 0;
    }

    /**
     * Folds one LeadHistory row on Status in (in any order); rows for other fields or other leads are ignored. A
     * handoff time from Handoff_Date__c stays, but the rejection and first touch the history shows still count.
     */
    addStatusHistory(row: Row): void {
        if (row.Field !== STATUS_HISTORY_FIELD) return;
        const i = this.index.get(row.LeadId ?? '');
        if (i < 0) return;
        const value = row.NewValue ?? '';
        const old = row.OldValue ?? '';
        const entered = this.handoff.has(value);
        const left = old !== value && this.handoffOnly.has(old);
        if (!entered && !left) return;
        const at = Date.parse(normaliseDate(row.CreatedDate ?? ''));
        if (!Number.isFinite(at)) return;
        if (left && at < this.touchMs[i]) this.touchMs[i] = at;
        if (!entered) return;
        if (at < this.statusMs[i]) this.statusMs[i] = at;
        if (this.rejected.has(value)) this.flags[i] |= PASSED_REJECTED;
        if (this.accepted.has(value)) this.flags[i] |= PASSED_ACCEPTED;
    }

    /** The handoff time of slot i: the row's when it came from the field, else status history's, else the row's. */
    private handoffAt(i: number): number {
        return (this.flags[i] & FROM_FIELD) === 0 && this.statusMs[i] !== Infinity
            ? this.statusMs[i]
            : this.handoffMs[i];
    }

    /** Folds one LeadHistory row on the score field in; rows for other fields or other leads are ignored. */
    addHistory(row: Row): void {
        if (row.Field !== this.scoreField) return;
        const i = this.index.get(row.LeadId ?? '');
        if (i < 0) return;
        const at = Date.parse(normaliseDate(row.CreatedDate ?? ''));
        const value = row.NewValue === undefined || row.NewValue === '' ? NaN : Number(row.NewValue);
        if (!Number.isFinite(at) || !Number.isFinite(value)) return;
        if (at <= this.handoffAt(i) && at >= this.bestMs[i]) {
            this.best[i] = value;
            this.bestMs[i] = at;
        }
    }

    /** The lead with its score at handoff and the score's source (null when there is no score at all). */
    resolve(lead: LeadRecord): LeadRecord {
        return this.resolveSourced(lead).lead;
    }

    /**
     * The lead with its handoff, rejection, first touch and score at handoff rebuilt, and where its handoff and its
     * rejection came from (null: not handed off, not rejected). A lead nobody waited for keeps its row's values and
     * gets only the current-score fallback.
     */
    resolveSourced(lead: LeadRecord): {
        lead: LeadRecord;
        handoff: HandoffSource | null;
        rejection: RejectionSource | null;
    } {
        const { lead: out, handoff } = this.rebuilt(lead);
        return {
            lead: out,
            handoff,
            rejection: out.rejected && !lead.rejected ? 'StatusHistory' : rejectionSourceOf(out)
        };
    }

    /** resolveSourced without the rejection's source. */
    private rebuilt(lead: LeadRecord): { lead: LeadRecord; handoff: HandoffSource | null } {
        const i = this.index.get(lead.id);
        let out = lead;
        // A lead nobody waited for (a source with no history file) keeps its row's handoff; its source is the row's.
        let handoff = i >= 0 ? (SOURCE_CODES[this.flags[i] >> DEFAULT_SOURCE_SHIFT] ?? null) : null;
        if (i >= 0) {
            const flags = this.flags[i];
            let handoffDate = lead.handoffDate;
            if ((flags & FROM_FIELD) === 0 && this.statusMs[i] !== Infinity) {
                handoffDate = new Date(this.statusMs[i]).toISOString();
                handoff = 'StatusHistory';
            }
            if (handoffDate) {
                const at = this.handoffAt(i);
                const touched = this.touchMs[i] !== Infinity && this.touchMs[i] > at;
                const firstTouchDate =
                    lead.firstTouchDate ?? (touched ? new Date(this.touchMs[i]).toISOString() : null);
                const rejected = lead.rejected || (flags & PASSED_REJECTED) !== 0;
                // A lead whose row showed no handoff was not marked accepted however far it went: decide it again.
                const worked = firstTouchDate !== null || lead.qualified || (flags & PASSED_ACCEPTED) !== 0;
                out = {
                    ...lead,
                    handoffDate,
                    firstTouchDate,
                    rejected,
                    accepted: !rejected && (lead.accepted || worked)
                };
            }
        }
        if (!out.handoffDate || out.scoreAtHandoff !== null)
            return { lead: out, handoff: out.handoffDate ? handoff : null };
        const best = i >= 0 && !Number.isNaN(this.best[i]) ? this.best[i] : null;
        const current = out.currentScore ?? null;
        return {
            lead: {
                ...out,
                scoreAtHandoff: best ?? current,
                scoreSource: best !== null ? 'History' : current !== null ? 'Current' : null
            },
            handoff
        };
    }

    /** Forgets every lead. */
    clear(): void {
        this.index = new IdHashMap();
        this.count = 0;
    }
}

/**
 * Reconstructs the score at handoff for leads with no snapshot (the HandoffScores rule) for a source that reads
 * its leads once: the leads it is told to wait for are held, slimmed, until the history has been read.
 */
export class ScoreResolver {
    private readonly scores: HandoffScores;
    private readonly held = new Map<string, LeadRecord>();

    constructor(scoreField: string, statuses?: MappingContext['statuses']) {
        this.scores = new HandoffScores(scoreField, statuses);
    }

    /** True when the lead is complete as it is (not handed off, or a snapshot exists). */
    static isResolved(lead: LeadRecord): boolean {
        return !lead.handoffDate || lead.scoreAtHandoff !== null;
    }

    /** Keeps a lead until the history has been read; `source` as HandoffScores.expect takes it. */
    wait(lead: LeadRecord, source: HandoffSource | null = 'Field'): void {
        // Held until the history is read, in strings of their own (attributes stay: the pilots read their field there):
        // a field cut from a results page would keep the whole page's text alive for as long as the lead waits.
        const own = (v: string | null | undefined) => (v ? ownString(v) : (v ?? null));
        const attributes = lead.attributes
            ? Object.fromEntries(
                  Object.entries(lead.attributes).map(([k, v]) => [
                      k,
                      typeof v === 'string' ? ownString(v) : v
                  ])
              )
            : undefined;
        this.held.set(ownString(lead.id), {
            ...lead,
            id: ownString(lead.id),
            segment: own(lead.segment),
            handoffDate: own(lead.handoffDate),
            createdDate: null, // never read once the lead is handed off
            rejectionReason: own(lead.rejectionReason),
            qualifiedDate: own(lead.qualifiedDate),
            opportunityId: own(lead.opportunityId),
            firstTouchDate: own(lead.firstTouchDate),
            lastActivityDate: own(lead.lastActivityDate),
            leadSource: own(lead.leadSource),
            grade: own(lead.grade),
            attributes
        });
        this.scores.expect(lead, source);
    }

    get pending(): number {
        return this.held.size;
    }

    /** Folds one LeadHistory row on the score field in; rows for other fields or other leads are ignored. */
    addHistory(row: Row): void {
        this.scores.addHistory(row);
    }

    /** Folds one LeadHistory row on Status in (all of them before the first score row). */
    addStatusHistory(row: Row): void {
        this.scores.addStatusHistory(row);
    }

    /** Emits every waiting lead with its score at handoff and its source, then forgets them. */
    *drain(): Generator<LeadRecord> {
        for (const { lead } of this.drainSourced()) yield lead;
    }

    /** As drain, with where each lead's handoff and rejection came from (null: not handed off, not rejected). */
    *drainSourced(): Generator<{
        lead: LeadRecord;
        handoff: HandoffSource | null;
        rejection: RejectionSource | null;
    }> {
        for (const lead of this.held.values()) yield this.scores.resolveSourced(lead);
        this.held.clear();
        this.scores.clear();
    }
}

/** Salesforce writes +0000 offsets, which Date.parse does not read everywhere. */
export function normaliseDate(v: string): string {
    return /[+-]\d{4}$/.test(v) ? `${v.slice(0, -2)}:${v.slice(-2)}` : v;
}
