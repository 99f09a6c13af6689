import { LightningElement, wire } from 'lwc';
import { graphql } from 'lightning/graphql';
import isAdmin from '@salesforce/customPermission/MQL_Calibration_Admin';
import {
    LATEST_RUNS_QUERY,
    LIVE_FIGURES_QUERY,
    PIPELINE_QUERY,
    RUN_HISTORY_QUERY,
    THRESHOLDS_QUERY,
    liveVariables,
    pipelineVariables,
    toHistory,
    toLiveFigures,
    toPipeline,
    toRuns,
    toThresholds
} from 'c/calibrationQueries';
import type { HistoryPoint, LiveFigures, LivePipeline, LiveThreshold, SegmentRun } from 'c/calibrationQueries';
import { governanceLines, pathsNote, pct, statusInWords } from 'c/calibrationFormat';
import { scenarioAt } from 'c/calibrationEngine';
import type { PilotReport } from 'c/calibrationGovernance';
import type { OverviewSegment } from 'c/segmentOverview';
import type { PipelineRow } from 'c/pipelineFigures';
import type { Change } from 'c/changeList';

/** The scenario window the job uses; the live pipeline reads the same 90 days. */
const WINDOW_DAYS = 90;

/** True when the segment has a pilot that has not concluded. */
function pilotRunning(run: SegmentRun): boolean {
    return run.pilots.some((p) => !p.comparison.conclusive);
}

/**
 * What changed since the last run, per segment, in one short list: what an admin did in Setup since the run (the
 * live custom metadata against what the run read), how the last two runs differ, and the triggers the last run fired.
 * `runs` are the run records as written (not overlaid with the live values); `history` is oldest first.
 */
export function changesSinceLastRun(runs: SegmentRun[], history: HistoryPoint[], thresholds: Map<string, LiveThreshold>): Change[] {
    const out: Change[] = [];
    for (const run of runs) {
        const seg = run.segment;
        const add = (kind: string, text: string) => out.push({ key: `${seg}-${out.length}`, segment: seg, kind, text });
        const live = thresholds.get(seg);
        if (live && live.activeThreshold !== run.activeThreshold) {
            const from = run.activeThreshold ?? 'none';
            if (live.status === 'Approved') add('approval', `approved ${live.activeThreshold ?? 'none'} in Setup since the run (was ${from})`);
            else add('threshold', `active threshold set to ${live.activeThreshold ?? 'none'} in Setup since the run (was ${from})`);
        }
        if (live && live.status === 'Rejected' && run.status !== 'Rejected')
            add('rejection', live.recommendedThreshold === null ? 'recommendation rejected in Setup since the run' : `recommendation ${live.recommendedThreshold} rejected in Setup since the run`);
        const mine = history.filter((h) => h.segment === seg);
        const [previous, latest] = mine.slice(-2);
        if (previous && latest) {
            if (latest.change) add('threshold', `threshold ${latest.change} between the last two runs`);
            if (previous.recommendedThreshold !== latest.recommendedThreshold)
                add('recommendation', `recommendation ${previous.recommendedThreshold ?? 'none'} → ${latest.recommendedThreshold ?? 'none'} (runs of ${previous.asOf ?? '–'} and ${latest.asOf ?? '–'})`);
        }
        for (const t of run.triggers) add('trigger', `${t.code}: ${t.message}`);
    }
    return out;
}

type GraphQLResult = { data?: unknown; errors?: unknown };

/** Turns GraphQL errors (an array of objects or strings) into one readable line. */
export function reduceErrors(errors: unknown): string {
    const list = Array.isArray(errors) ? errors : [errors];
    return list
        .map((e) => (typeof e === 'string' ? e : (e as { message?: string })?.message ?? JSON.stringify(e)))
        .filter(Boolean)
        .join('; ');
}

/** Container: the dashboard tab. The only component that wires data; owns loading, empty, partial and error states. */
export default class CalibrationDashboard extends LightningElement {
    runs: SegmentRun[] | null = null;
    runsError: string | null = null;
    live: LiveFigures | null = null;
    liveError: string | null = null;
    selected: string | null = null;
    history: HistoryPoint[] = [];
    /** The segments' custom metadata records, read live; empty until read (or when the user cannot read them). */
    thresholds = new Map<string, LiveThreshold>();
    thresholdsError: string | null = null;
    /** Live pipeline per segment (null until read); the variables wait for the segments, so no request goes out before. */
    pipeline: LivePipeline[] | null = null;
    pipelineError: string | null = null;
    pipelineVars: Record<string, string> | undefined = undefined;
    private pipelineSegments: string[] = [];
    /** Rolling windows for the live aggregates, fixed when the page opens. */
    liveVars = liveVariables(new Date());
    readonly isAdmin = !!isAdmin;

    @wire(graphql, { query: LATEST_RUNS_QUERY })
    wiredRuns({ data, errors }: GraphQLResult): void {
        if (errors) {
            this.runsError = reduceErrors(errors);
            this.runs = null;
        } else if (data) {
            this.runs = toRuns(data);
            this.runsError = null;
            if (!this.selected || !this.runs.some((r) => r.segment === this.selected)) this.selected = this.runs[0]?.segment ?? null;
            const segments = this.runs.map((r) => r.segment);
            if (segments.join() !== this.pipelineSegments.join()) {
                this.pipelineSegments = segments;
                this.pipelineVars = pipelineVariables(segments, this.liveVars.since);
            }
        }
    }

    @wire(graphql, { query: LIVE_FIGURES_QUERY, variables: '$liveVars' })
    wiredLive({ data, errors }: GraphQLResult): void {
        if (errors) {
            this.liveError = reduceErrors(errors);
            this.live = null;
        } else if (data) {
            this.live = toLiveFigures(data);
            this.liveError = null;
        }
    }

    @wire(graphql, { query: PIPELINE_QUERY, variables: '$pipelineVars' })
    wiredPipeline({ data, errors }: GraphQLResult): void {
        if (errors) {
            this.pipelineError = reduceErrors(errors);
            this.pipeline = null;
        } else if (data) {
            this.pipeline = toPipeline(data, this.pipelineSegments);
            this.pipelineError = null;
        }
    }

    @wire(graphql, { query: RUN_HISTORY_QUERY })
    wiredHistory({ data }: GraphQLResult): void {
        if (data) this.history = toHistory(data);
    }

    @wire(graphql, { query: THRESHOLDS_QUERY })
    wiredThresholds({ data, errors }: GraphQLResult): void {
        if (errors) {
            // The run records still carry the threshold read at run time: show those, and say they may be stale.
            this.thresholdsError = reduceErrors(errors);
            this.thresholds = new Map();
        } else if (data) {
            this.thresholds = toThresholds(data);
            this.thresholdsError = null;
        }
    }

    /**
     * The runs with the governed fields replaced by the live custom metadata where a record was read: the active
     * threshold, review status and freeze are what the admin last saved, not what the job saw at night.
     */
    get governedRuns(): SegmentRun[] {
        return (this.runs ?? []).map((r) => {
            const live = this.thresholds.get(r.segment);
            if (!live) return r;
            return { ...r, activeThreshold: live.activeThreshold, status: live.status, frozenUntil: live.frozenUntil };
        });
    }

    /** The selected segment's threshold over time, with the acceptance and rejection rates beside it. */
    get historyRows(): Record<string, string | number>[] {
        return this.history
            .filter((h) => h.segment === this.selected)
            .map((h) => ({
                key: h.id,
                asOf: h.asOf ?? '–',
                active: h.activeThreshold ?? '–',
                recommended: h.recommendedThreshold ?? '–',
                rejection: pct(h.rejectionRate),
                acceptance: h.rejectionRate === null ? '–' : pct(1 - h.rejectionRate),
                sql: pct(h.sqlRate),
                change: h.change ?? ''
            }));
    }

    /**
     * The page-wide views (overview, pipeline, changes) depend on the data, not on the selected segment: each is
     * kept until one of its inputs is replaced, so switching segments re-renders only the detail.
     */
    private memo = new Map<string, { inputs: unknown[]; value: unknown }>();

    private kept<T>(name: string, inputs: unknown[], compute: () => T): T {
        const hit = this.memo.get(name);
        if (hit && hit.inputs.length === inputs.length && hit.inputs.every((x, i) => x === inputs[i])) return hit.value as T;
        const value = compute();
        this.memo.set(name, { inputs, value });
        return value;
    }

    /** Every segment for the small multiples: bands from the run, thresholds and status from the governed values. */
    get overviewSegments(): OverviewSegment[] {
        return this.kept('overview', [this.runs, this.thresholds], () => this.computeOverview());
    }

    private computeOverview(): OverviewSegment[] {
        return this.governedRuns.map((r) => {
            const live = this.thresholds.get(r.segment);
            const liveRecommended = live ? live.recommendedThreshold : null;
            return {
                segment: r.segment,
                bands: r.bands,
                activeThreshold: r.activeThreshold,
                recommendedThreshold: liveRecommended ?? r.recommendation?.threshold ?? null,
                status: statusInWords({ activeThreshold: r.activeThreshold, status: r.status, frozenUntil: r.frozenUntil, recommendation: r.recommendation, liveRecommended, pilotRunning: pilotRunning(r) })
            };
        });
    }

    /** Live pipeline beside the run's scenario at the (live) active threshold, computed by the shared engine. */
    get pipelineRows(): PipelineRow[] | null {
        return this.kept('pipeline', [this.runs, this.thresholds, this.pipeline], () => this.computePipelineRows());
    }

    private computePipelineRows(): PipelineRow[] | null {
        if (this.pipeline === null) return null;
        const live = new Map(this.pipeline.map((p) => [p.segment, p]));
        return this.governedRuns.map((r) => {
            const s = r.activeThreshold !== null && r.fineBands.length > 0 ? scenarioAt(r.fineBands, r.activeThreshold, WINDOW_DAYS) : null;
            return {
                segment: r.segment,
                live: live.get(r.segment) ?? null,
                predicted: s ? { threshold: s.threshold, mqls: s.mqls, pipelineAmount: s.pipelineAmount, wonAmount: s.wonAmount, extrapolated: s.extrapolated } : null
            };
        });
    }

    get changes(): Change[] | null {
        return this.kept('changes', [this.runs, this.history, this.thresholds], () => (this.runs === null ? null : changesSinceLastRun(this.runs, this.history, this.thresholds)));
    }

    handleOverviewSelect(event: CustomEvent<{ segment: string }>): void {
        this.selected = event.detail.segment;
        // The detail sits below the overview: bring it into view so the click visibly did something on a phone. After
        // the next frame, so the detail has re-rendered before the page scrolls to it.
        // eslint-disable-next-line @lwc/lwc/no-async-operation
        requestAnimationFrame(() => {
            const detail = this.template?.querySelector('.detail') as HTMLElement | null | undefined;
            if (detail && typeof detail.scrollIntoView === 'function') detail.scrollIntoView({ block: 'start' });
        });
    }

    get hasHistory(): boolean {
        return this.historyRows.length > 0;
    }

    get isLoading(): boolean {
        return this.runs === null && this.runsError === null;
    }

    get isEmpty(): boolean {
        return this.runs !== null && this.runs.length === 0;
    }

    get hasRuns(): boolean {
        return this.runs !== null && this.runs.length > 0;
    }

    get segmentOptions(): { label: string; value: string; selected: boolean }[] {
        return (this.runs ?? []).map((r) => ({ label: r.segment.replace(/_/g, ' '), value: r.segment, selected: r.segment === this.selected }));
    }

    get current(): SegmentRun | null {
        return this.governedRuns.find((r) => r.segment === this.selected) ?? null;
    }

    /** The selected segment's live custom metadata record, when read. */
    get currentLive(): LiveThreshold | null {
        return (this.selected && this.thresholds.get(this.selected)) || null;
    }

    /** Id of the selected segment's custom metadata record, for the Setup link. */
    get currentRecordId(): string | null {
        return this.currentLive?.id ?? null;
    }

    /** The recommendation the admin is looking at in Setup when it is set, else the run's. */
    get recommendedMarker(): number | null {
        const live = this.currentLive;
        if (live && live.recommendedThreshold !== null) return live.recommendedThreshold;
        const r = this.current?.recommendation;
        return r ? (r.threshold ?? r.computed) : null;
    }

    get overview(): Record<string, string | number>[] {
        return this.governedRuns.map((r) => {
            const rec = r.recommendation;
            const live = this.thresholds.get(r.segment);
            let recommendation = 'No recommendation';
            const range = live?.range ?? rec?.range ?? null;
            if (live && live.recommendedThreshold !== null) recommendation = `${live.recommendedThreshold} (${range ? `${range[0]}–${range[1]}` : 'n/a'})`;
            else if (rec?.threshold !== null && rec?.threshold !== undefined) recommendation = `${rec.threshold} (${range ? `${range[0]}–${range[1]}` : 'n/a'})`;
            else if (rec?.reason === 'no-change') recommendation = `Keep ${r.activeThreshold}`;
            else if (rec?.reason === 'insufficient-sample') recommendation = 'Too little data';
            else if (rec?.reason === 'frozen') recommendation = 'Frozen';
            return {
                key: r.segment,
                segment: r.segment.replace(/_/g, ' '),
                active: r.activeThreshold ?? '–',
                recommendation,
                handedOff: r.handedOff,
                won: r.won,
                triggers: r.triggers.length,
                status: r.frozenUntil ? `Frozen until ${r.frozenUntil}` : (r.status ?? ''),
                pilot: r.pilots.length === 0 ? '' : pilotRunning(r) ? 'Running' : 'Concluded'
            };
        });
    }

    /** What governance decided for the selected segment, in the report's words. */
    get governance(): { key: string; text: string }[] {
        const g = this.current?.governance;
        return g ? governanceLines(g).map((text, i) => ({ key: String(i), text })) : [];
    }

    get hasGovernance(): boolean {
        return this.governance.length > 0;
    }

    get pilots(): PilotReport[] {
        return this.current?.pilots ?? [];
    }

    get triggers(): { key: string; code: string; message: string; cls: string }[] {
        return (this.current?.triggers ?? []).map((t, i) => ({ key: `${t.code}-${i}`, code: t.code, message: t.message, cls: `slds-badge trigger trigger_${t.severity}` }));
    }

    get hasTriggers(): boolean {
        return this.triggers.length > 0;
    }

    get paths(): Record<string, string | number>[] {
        return (this.current?.paths ?? []).map((p) => ({ key: p.path, path: p.path, handedOff: p.handedOff, won: p.won, sqlRate: p.sqlRate.rate === null ? '–' : `${Math.round(p.sqlRate.rate * 100)}%` }));
    }

    /** Why the paths other than the score's are not the threshold's evidence; empty when every lead was scored. */
    get pathsNote(): string {
        return pathsNote(this.current?.paths ?? []) ?? '';
    }

    get asOfLine(): string {
        const c = this.current;
        return c ? `Calibrated as of ${c.asOf ?? '–'} from ${c.source ?? 'unknown source'}; ${c.handedOff} handed-off leads, ${c.won} won deals.` : '';
    }

    handleSegment(event: Event): void {
        this.selected = (event.target as HTMLSelectElement).value;
    }
}
