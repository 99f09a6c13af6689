/**
 * The job's settings: a JSON file validated by a schema (every key documented in docs/settings.md). In org mode
 * the org's MQL_Calibration_Setting__mdt.Default record gives the base, and --config overrides it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
    defaultSettings,
    type CalibrationSettings,
    type OverrideRule,
    type SegmentPolicy,
    type SegmentRule
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { SettingsError } from '../errors';
import {
    parsePilotConfig,
    PILOT_METRICS,
    type PilotConfig
} from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';

const RULE = /^\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\s*(>=|<=|!=|=|>|<| in | notblank)\s*(.*)$/;

/**
 * Parses a rule written as `Field op value` (`NumberOfEmployees >= 1000`, `Existing_Customer__c = true`,
 * `LeadSource in Web;Partner`, `Demo_Requested__c notblank`) or `*` for the catch-all. Numbers and booleans are
 * typed; anything else stays text. Throws an Error naming what is wrong.
 */
export function parseRule(text: string): Pick<SegmentRule, 'field' | 'op' | 'value'> {
    const t = text.trim();
    if (t === '*') return { field: null, op: '*', value: null };
    const m = RULE.exec(t);
    if (!m)
        throw new Error(
            `expected "Field op value" (op one of = != >= > <= < in notblank) or "*", got "${text}"`
        );
    const op = m[2].trim() as SegmentRule['op'];
    const raw = m[3].trim();
    if (op !== 'notblank' && raw === '') throw new Error(`rule "${text}" has no value`);
    let value: string | number | boolean | null = raw;
    if (/^(true|false)$/i.test(raw)) value = raw.toLowerCase() === 'true';
    else if (raw !== '' && Number.isFinite(Number(raw))) value = Number(raw);
    else if (op === 'notblank') value = null;
    return { field: m[1], op, value };
}

/** Parses an override written `Name: Field op value` (e.g. `Demo request: Demo_Requested__c = true`). */
export function parseOverride(text: string): OverrideRule {
    const i = text.indexOf(':');
    if (i <= 0) throw new Error(`expected "Name: Field op value", got "${text}"`);
    const rule = parseRule(text.slice(i + 1));
    if (rule.field === null) throw new Error(`an override needs a field, got "${text}"`);
    return { name: text.slice(0, i).trim(), field: rule.field, op: rule.op, value: rule.value };
}

/** Writes a rule back as text, the inverse of parseRule (what MQL_Threshold__mdt.Segment_Rule__c holds). */
export function formatRule(rule: Pick<SegmentRule, 'field' | 'op' | 'value'>): string {
    if (rule.op === '*' || rule.field === null) return '*';
    if (rule.op === 'notblank') return `${rule.field} notblank`;
    return `${rule.field} ${rule.op} ${String(rule.value)}`;
}

/** Writes an override back as text, the inverse of parseOverride (what Override_1__c / Override_2__c hold). */
export function formatOverride(o: OverrideRule): string {
    return `${o.name}: ${formatRule(o)}`;
}

const rate = z.number().min(0).max(1);
const range = z
    .object({ min: rate, max: rate })
    .strict()
    .refine((r) => r.min <= r.max, { message: 'expected min at or below max' });
const ruleText = z.string().superRefine((v, ctx) => {
    try {
        parseRule(v);
    } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
});
const overrideText = z.string().superRefine((v, ctx) => {
    try {
        parseOverride(v);
    } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
});
/** A real calendar date written YYYY-MM-DD: 2026-13-45 and 2026-02-31 are not (Date would roll them over). */
const calendarDate = z.string().superRefine((v, ctx) => {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
    if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v)
        ctx.addIssue({
            code: 'custom',
            message: `expected a calendar date YYYY-MM-DD, got ${JSON.stringify(v.slice(0, 40))}`
        });
});
/** Days the job adds to a date (a freeze, a decay window): ten years at most, so that every date stays a date. */
const days = z.number().int().max(3650);
const apiName = z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a Salesforce API name (letters, digits, underscores)');

/** The settings file's schema. Unknown keys are errors, so a typo never passes silently. */
export const SettingsSchema = z
    .object({
        $schema: z.string().optional(),
        scoreField: apiName.optional(),
        gradeField: apiName.nullable().optional(),
        statuses: z
            .object({
                open: z.array(z.string()).optional(),
                handoff: z.array(z.string()).optional(),
                accepted: z.array(z.string()).optional(),
                rejected: z.array(z.string()).optional(),
                qualified: z.array(z.string()).optional()
            })
            .strict()
            .optional(),
        // Score units, on the score's own scale (0.05 on a 0-1 score, 100 on a 0-10,000 one); absent: derived.
        bandWidth: z.number().positive().optional(),
        lookbackMonths: z.number().int().min(1).max(60).optional(),
        targetRejectionRate: rate.optional(),
        healthySqlRate: range.optional(),
        healthyRejectionRate: range.optional(),
        minWonDeals: z.number().int().min(1).optional(),
        minHandedOff: z.number().int().min(1).optional(),
        minStep: z.number().min(0).optional(),
        scenarioDelta: z.number().positive().optional(),
        scenarioWindowDays: z.number().int().min(7).max(730).optional(),
        slaHours: z.number().min(1).max(8760).optional(),
        freezeDays: days.min(0).optional(),
        bootstrapSamples: z.number().int().min(0).max(5000).optional(),
        seed: z.number().int().optional(),
        decay: z
            .object({ points: z.number().min(0), days: days.min(1) })
            .strict()
            .nullable()
            .optional(),
        maxScore: z.number().positive().optional(),
        significanceLevel: z.number().gt(0).max(0.2).optional(),
        maxRangeShare: z.number().gt(0).max(1).optional(),
        minDistinctScores: z.number().int().min(2).optional(),
        maxExcludedShare: z.number().min(0).max(1).optional(),
        gradeGate: z.boolean().optional(),
        segments: z
            .array(
                z
                    .object({
                        name: apiName,
                        rule: ruleText.optional(),
                        order: z.number().int().optional(),
                        activeThreshold: z.number().nullable().optional(),
                        overrides: z
                            .array(overrideText)
                            .max(2, 'at most 2 high-intent overrides per segment')
                            .optional(),
                        capacityPerMonth: z.number().positive().nullable().optional(),
                        frozenUntil: calendarDate.nullable().optional()
                    })
                    .strict()
            )
            .optional(),
        pilots: z
            .array(
                z
                    .object({
                        segment: apiName,
                        field: apiName,
                        testValues: z.array(z.string().min(1)).min(1, 'name at least one test value'),
                        testThreshold: z.number().min(0),
                        start: calendarDate,
                        minWeeks: z.number().int().min(6, 'a pilot runs at least 6 weeks').optional(),
                        primaryMetric: z.enum(PILOT_METRICS).optional()
                    })
                    .strict()
            )
            .optional()
    })
    .strict()
    .superRefine((file, ctx) => {
        // Names are keys: a second SMB_Inbound would silently replace the first's threshold and rule.
        const segments = new Map<string, number>();
        file.segments?.forEach((s, i) => {
            const first = segments.get(s.name);
            if (first !== undefined)
                ctx.addIssue({
                    code: 'custom',
                    path: ['segments', i, 'name'],
                    message: `duplicate segment "${s.name}" (also segments[${first}])`
                });
            else segments.set(s.name, i);
        });
        const pilots = new Map<string, number>();
        file.pilots?.forEach((p, i) => {
            // Without segments in the file (org mode reads them from the org) any segment may be named.
            if (segments.size > 0 && !segments.has(p.segment))
                ctx.addIssue({
                    code: 'custom',
                    path: ['pilots', i, 'segment'],
                    message: `no segment "${p.segment}" in segments (${[...segments.keys()].join(', ')})`
                });
            const first = pilots.get(p.segment);
            if (first !== undefined)
                ctx.addIssue({
                    code: 'custom',
                    path: ['pilots', i, 'segment'],
                    message: `a second pilot for "${p.segment}" (also pilots[${first}])`
                });
            else pilots.set(p.segment, i);
        });
    });

export type SettingsFile = z.infer<typeof SettingsSchema>;

/** Everything the job needs from settings, resolved: engine settings, field mapping, statuses and policies. */
export interface JobSettings {
    engine: CalibrationSettings;
    scoreField: string;
    gradeField: string | null;
    statuses: {
        open: string[];
        handoff: string[];
        accepted: string[];
        rejected: string[];
        qualified: string[];
    };
    /** Policies from the file's `segments` (offline sources); empty when the file names none. */
    policies: SegmentPolicy[];
    /** Threshold pilots from the file's `pilots` (the org adds those in MQL_Threshold__mdt's Pilot_* fields). */
    pilots: PilotConfig[];
}

/** The four default segments with no active threshold, for offline sources whose settings name none. */
export const DEFAULT_SEGMENTS = ['Expansion', 'Outbound_Assisted', 'Enterprise_Inbound', 'SMB_Inbound'];

/**
 * Validates a parsed settings object. `source` names where it came from (a file path, or "the org's
 * MQL_Calibration_Setting__mdt.Default") in the one-line error: `<source>: <key path>: <what was expected>`.
 */
export function validateSettings(input: unknown, source: string): SettingsFile {
    const parsed = SettingsSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const key =
        issue.path.length > 0
            ? issue.path
                  .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
                  .join('')
                  .replace(/^\./, '')
            : '(top level)';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys')
        message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    throw new SettingsError(`${source}: ${key}: ${message}`);
}

/** Reads and validates a settings JSON file. */
export function readSettingsFile(file: string): SettingsFile {
    let text: string;
    try {
        text = readFileSync(file, 'utf8');
    } catch (e) {
        throw new SettingsError(
            `${file}: cannot read the settings file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
        );
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new SettingsError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    return validateSettings(json, file);
}

/** Layers settings files over the defaults (later layers win) and resolves them for the job. */
export function resolveSettings(...layers: (SettingsFile | undefined)[]): JobSettings {
    const base = defaultSettings();
    const merged: SettingsFile = {};
    for (const layer of layers) if (layer) Object.assign(merged, layer);
    const { scoreField, gradeField, statuses, segments, pilots, $schema: _schema, ...engineKeys } = merged;
    const engine: CalibrationSettings = { ...base, ...(engineKeys as Partial<CalibrationSettings>) };
    const policies: SegmentPolicy[] = [];
    if (segments && segments.length > 0) {
        const rules: SegmentRule[] = [];
        segments.forEach((s, i) => {
            if (s.rule) rules.push({ segment: s.name, order: s.order ?? i + 1, ...parseRule(s.rule) });
            policies.push({
                name: s.name,
                activeThreshold: s.activeThreshold ?? null,
                overrides: (s.overrides ?? []).map(parseOverride),
                capacityPerMonth: s.capacityPerMonth ?? null,
                frozenUntil: s.frozenUntil ?? null
            });
        });
        if (rules.length > 0) engine.segmentRules = rules;
    }
    return {
        engine,
        scoreField: scoreField ?? 'pi__score__c',
        gradeField: gradeField === undefined ? null : gradeField,
        statuses: {
            open: statuses?.open ?? [],
            handoff: statuses?.handoff ?? [],
            accepted: statuses?.accepted ?? [],
            rejected: statuses?.rejected ?? [],
            qualified: statuses?.qualified ?? []
        },
        pilots: (pilots ?? []).map((p) => parsePilotConfig(p)),
        policies
    };
}
