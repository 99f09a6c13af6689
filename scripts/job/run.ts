/**
 * One run of the calibration job: settings → source → engine → reports and writes. Data flows one way; nothing
 * here computes a rate. Org reads and writes live in scripts/salesforce/, offline outputs in scripts/output/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SegmentPolicy } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import type { PilotConfig, RunSnapshot } from 'c/calibrationGovernance';
import { startAnalysis } from './analysis';
import type { PilotStamp } from './pilots';
import {
    formatOverride,
    formatRule,
    readSettingsFile,
    resolveSettings,
    DEFAULT_SEGMENTS,
    type JobSettings,
    type SettingsFile
} from '../config/settings';
import type { CalibrationSource } from '../sources/types';
import { CsvSource } from '../sources/csv';
import { DemoSource, DEMO_SCORE_FIELD } from '../sources/demo';
import { checkOutDir, OutputFolder } from '../output/outDir';
import { metadataFolder, type AdminValues } from '../output/metadataFolder';
import { renderBandChart } from '../report/chart';
import { renderHtml, renderMarkdown, type JobResult } from '../report/report';
import { OrgWriteError, UsageError } from '../errors';

export interface RunOptions {
    source: 'demo' | 'csv' | 'org';
    leads?: string;
    opportunities?: string;
    leadHistory?: string;
    targetOrg?: string;
    config?: string;
    asOf?: string;
    out: string;
    dryRun: boolean;
    stamp: boolean;
    repoRoot: string;
    onProgress?: (step: string, done: number, total?: number) => void;
    /** The org side (scripts/salesforce), injected so that offline runs never load jsforce. */
    org?: OrgSide;
}

/** What the org side provides: a source bound to a connection, and the writes. */
export interface OrgSide {
    open(
        targetOrg: string | undefined,
        base: JobSettings,
        override: SettingsFile | undefined,
        asOf: string,
        /** What this run will write: the fields it needs are checked before anything is read. */
        mode: { dryRun: boolean; stamp: boolean }
    ): Promise<{
        source: CalibrationSource;
        settings: JobSettings;
        /** The policies as read (before governance prepared them) and each segment's runs, oldest first. */
        governance?: { policies: SegmentPolicy[]; history: Map<string, RunSnapshot[]> };
        write(
            result: JobResult,
            policies: SegmentPolicy[],
            opts: { dryRun: boolean; stamp: boolean; pilotStamps?: PilotStamp[] }
        ): Promise<JobResult['writes']>;
        close(): Promise<void>;
    }>;
}

/**
 * What an offline source says about each segment's admin-owned fields, for the metadata folder: the demo knows its
 * own policies and rules; CSV exports know only what the settings file's `segments` name.
 */
export function offlineAdminValues(
    kind: RunOptions['source'],
    policies: SegmentPolicy[],
    settings: JobSettings,
    file: SettingsFile | undefined,
    pilots: PilotConfig[] = []
): AdminValues[] {
    return policies.map((p) => {
        const named = file?.segments?.find((s) => s.name === p.name);
        const rule = settings.engine.segmentRules.find((r) => r.segment === p.name);
        const ruleKnown = kind === 'demo' || named?.rule !== undefined;
        return {
            name: p.name,
            known: kind === 'demo' || named !== undefined,
            activeThreshold: p.activeThreshold,
            rule: ruleKnown && rule ? { text: formatRule(rule), order: rule.order } : null,
            overrides: (p.overrides ?? []).map(formatOverride),
            capacityPerMonth: p.capacityPerMonth ?? null,
            frozenUntil: p.frozenUntil ?? null,
            pilot: pilots.find((x) => x.segment === p.name) ?? null
        };
    });
}

/** True for a real calendar date written YYYY-MM-DD (2026-02-31 is not one). */
export function isCalendarDate(text: string): boolean {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
    const d = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/**
 * Fails now, before any source is read or org written, when the output folder could not be written at the end:
 * --out under a file, in a read-only folder, on a full disk. The probe is the very step the final write takes
 * (a folder created beside --out), and it leaves nothing behind, not even the parents it had to create.
 */
export function assertWritable(out: string, given: string): void {
    const parent = path.dirname(out);
    let created: string | null = null;
    for (let p = parent; !existsSync(p); p = path.dirname(p)) created = p;
    try {
        mkdirSync(parent, { recursive: true });
        rmSync(mkdtempSync(path.join(parent, `.${path.basename(out)}.probe-`)), { recursive: true });
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new UsageError(
            `--out ${given}: cannot write there (${err.code ?? 'error'}: ${err.message.split('\n')[0]}); choose a folder the job can create`
        );
    } finally {
        if (created) rmSync(created, { recursive: true, force: true });
    }
}

function today(): string {
    return new Date().toISOString().slice(0, 10);
}

/** Runs the job and returns its result; throws a CalibrationJobError subclass on bad input, before any write. */
export async function runJob(o: RunOptions): Promise<JobResult> {
    const out = checkOutDir(o.out, o.repoRoot);
    assertWritable(out, o.out);
    if (o.asOf !== undefined && !isCalendarDate(o.asOf))
        throw new UsageError(`--as-of ${o.asOf}: expected a calendar date YYYY-MM-DD`);
    const fileSettings = o.config ? readSettingsFile(o.config) : undefined;
    let settings = resolveSettings(fileSettings);
    let source: CalibrationSource;
    let org: Awaited<ReturnType<OrgSide['open']>> | null = null;
    if (o.source === 'demo') {
        settings = resolveSettings({ scoreField: DEMO_SCORE_FIELD }, fileSettings);
        source = new DemoSource();
    } else if (o.source === 'csv') {
        const policies =
            settings.policies.length > 0
                ? settings.policies
                : DEFAULT_SEGMENTS.map((name) => ({ name, activeThreshold: null }));
        source = new CsvSource(
            { leads: o.leads!, opportunities: o.opportunities!, leadHistory: o.leadHistory },
            settings,
            policies
        );
    } else {
        if (!o.org) throw new UsageError('--target-org: the org side is not available');
        org = await o.org.open(o.targetOrg, settings, fileSettings, o.asOf ?? today(), {
            dryRun: o.dryRun,
            stamp: o.stamp
        });
        settings = org.settings;
        source = org.source;
    }
    try {
        const loaded = await source.loadPolicies();
        // Offline sources take active thresholds from the settings file's segments when it names them.
        const readPolicies =
            o.source === 'demo' && settings.policies.length > 0 ? settings.policies : loaded.policies;
        const asOf = o.asOf ?? (o.source === 'demo' ? '2026-10-31' : today());
        // Governance before the engine: the run history (the org's, or the demo's own) gives each segment its
        // freeze, threshold history and last calibration. CSV runs have no history.
        const history =
            org?.governance?.history ??
            (readPolicies === loaded.policies ? loaded.history : undefined) ??
            null;
        // Pilots from the settings file win over the source's own (the org's metadata, the demo's spec).
        const fromFile = new Set(settings.pilots.map((p) => p.segment));
        const pilots = [...settings.pilots, ...(loaded.pilots ?? []).filter((p) => !fromFile.has(p.segment))];
        const analysis = startAnalysis({
            policies: readPolicies,
            pilots,
            settings: settings.engine,
            asOf,
            history
        });
        const t0 = performance.now();
        const streamed = await source.stream(analysis.sink, {
            asOf,
            settings: settings.engine,
            scoreField: settings.scoreField,
            pilotFields: analysis.pilotFields,
            onProgress: o.onProgress
        });
        const t1 = performance.now();
        const { calibration, governance, pilots: pilotReports, pilotStamps } = analysis.finish();
        const t2 = performance.now();
        const e = settings.engine;
        const result: JobResult = {
            asOf,
            source: { kind: source.kind, label: source.label },
            generatedAt: new Date().toISOString(),
            settings: {
                bandWidth: e.bandWidth,
                lookbackMonths: e.lookbackMonths,
                targetRejectionRate: e.targetRejectionRate,
                healthySqlRate: e.healthySqlRate,
                minWonDeals: e.minWonDeals,
                minHandedOff: e.minHandedOff,
                minStep: e.minStep,
                scenarioDelta: e.scenarioDelta,
                scenarioWindowDays: e.scenarioWindowDays
            },
            read: {
                leads: streamed.leads,
                opportunities: streamed.opportunities,
                historyRows: streamed.historyRows,
                scoreSources: streamed.scoreSources,
                handoffSources: streamed.handoffSources,
                rejectionSources: streamed.rejectionSources
            },
            segments: calibration.segments,
            governance,
            pilots: pilotReports,
            exclusions: calibration.exclusions,
            exclusionCounts: { ...calibration.exclusionCounts, ...streamed.excluded },
            writes: { mode: 'none', summary: 'Nothing written yet.' },
            timings: { ...streamed.timings, read: (t1 - t0) / 1000, engine: (t2 - t1) / 1000 }
        };
        const t3 = performance.now();
        let failure: OrgWriteError | null = null;
        if (org) {
            try {
                result.writes = await org.write(result, readPolicies, {
                    dryRun: o.dryRun,
                    stamp: o.stamp,
                    pilotStamps
                });
            } catch (e) {
                if (!(e instanceof OrgWriteError)) throw e;
                // The writes stopped part-way: the report still goes out, with the write log, and the run fails.
                failure = e;
                result.writes = {
                    mode: 'org',
                    summary: `Writes stopped part-way: ${e.message}.`,
                    log: e.log as NonNullable<JobResult['writes']['log']>,
                    failed: true
                };
            }
        } else {
            const unknown = o.source === 'csv' && !fileSettings?.segments?.length;
            result.writes = {
                mode: 'folder',
                summary: `Offline source: recommendations written as a deployable metadata folder (${path.join(path.basename(out), 'metadata')}); see metadata/DEPLOY.md${
                    unknown
                        ? ' (the settings name no segments, so the active thresholds are unknown: do not deploy it as it is)'
                        : ''
                }. Nothing was written to an org.`
            };
        }
        result.timings.writes = (performance.now() - t3) / 1000;
        const folder = new OutputFolder(out);
        folder.add('result.json', `${JSON.stringify({ status: failure ? 1 : 0, result }, null, 2)}\n`);
        folder.add('report.md', renderMarkdown(result));
        folder.add('report.html', renderHtml(result));
        for (const s of result.segments) {
            folder.add(
                `charts/${s.name}.svg`,
                renderBandChart({
                    segment: s.name,
                    bands: s.bands,
                    activeThreshold: s.activeThreshold,
                    recommendedThreshold: s.recommendation.threshold ?? s.recommendation.computed
                })
            );
        }
        if (!org)
            for (const [rel, content] of Object.entries(
                metadataFolder(
                    result.segments,
                    offlineAdminValues(o.source, readPolicies, settings, fileSettings, pilots),
                    result.generatedAt
                )
            ))
                folder.add(`metadata/${rel}`, content);
        folder.commit();
        if (failure) {
            failure.result = result;
            throw failure;
        }
        return result;
    } finally {
        await org?.close();
    }
}
