import { createElement } from 'lwc';
import CalibrationDashboard from 'c/calibrationDashboard';
import { graphql } from 'lightning/graphql';

// Mock data generated from the demo org by `npm run fixtures` (see each file's _source).
const latestRuns = require('./data/latestRuns.json');
const latestRunsEmpty = require('./data/latestRunsEmpty.json');
const liveFigures = require('./data/liveFigures.json');
const graphqlErrors = require('./data/graphqlErrors.json');

// The stub's gql is a no-op; keeping the document text lets each wire be told apart by its operation name.
jest.mock('lightning/graphql', () => ({ ...jest.requireActual('lightning/graphql'), gql: (s: TemplateStringsArray) => s.join('') }));

const adapter = graphql as any;
const named = (name: string) => (config: any) => typeof config.query === 'string' && config.query.includes(`query ${name}`);
const toRuns = named('latestRuns');
const toLive = named('liveFigures');
const toHistory = named('runHistory');
const toThresholds = named('liveThresholds');
const toPipeline = named('pipeline');
const liveThreshold = (segment: string, id: string, fields: Record<string, unknown>) => ({
    node: { Id: id, DeveloperName: { value: segment }, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { value: v }])) }
});
const runHistory = {
    uiapi: {
        query: {
            MQL_Calibration_Run__c: {
                edges: [
                    { node: { Id: 'a1', Segment__c: { value: 'SMB_Inbound' }, As_Of__c: { value: '2026-08-31' }, Active_Threshold__c: { value: 50 }, Recommended_Threshold__c: { value: 65 }, Rejection_Rate__c: { value: 21.5 }, SQL_Rate__c: { value: 30 }, Threshold_Change__c: { value: null } } },
                    { node: { Id: 'a2', Segment__c: { value: 'Expansion' }, As_Of__c: { value: '2026-08-31' }, Active_Threshold__c: { value: 30 }, Recommended_Threshold__c: { value: null }, Rejection_Rate__c: { value: 14 }, SQL_Rate__c: { value: 40 }, Threshold_Change__c: { value: null } } },
                    { node: { Id: 'a3', Segment__c: { value: 'SMB_Inbound' }, As_Of__c: { value: '2026-09-30' }, Active_Threshold__c: { value: 65 }, Recommended_Threshold__c: { value: null }, Rejection_Rate__c: { value: 9 }, SQL_Rate__c: { value: 47 }, Threshold_Change__c: { value: '50 → 65' } } }
                ]
            }
        }
    }
};
const flush = () => new Promise((r) => setTimeout(r, 0));
// The accessibility checks walk the whole page (four charts, the overview, every table): on a shared two-core
// machine that takes more than Jest's default 5 s.
jest.setTimeout(30000);

function mount() {
    const el = createElement('c-calibration-dashboard', { is: CalibrationDashboard });
    document.body.appendChild(el);
    return el;
}
const $ = (el: any, sel: string) => el.shadowRoot.querySelector(sel);
const $$ = (el: any, sel: string) => [...el.shadowRoot.querySelectorAll(sel)];

describe('c-calibration-dashboard', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
    });

    it('shows a spinner until the runs arrive', () => {
        const el = mount();
        expect($(el, 'lightning-spinner')).not.toBeNull();
        expect($(el, 'table.overview')).toBeNull();
    });

    it('asks for live figures over a rolling 90-day window and the current month', async () => {
        mount();
        await flush();
        // The filter of emit sees every wire's config; it emits to none and keeps the live one.
        let live: any = null;
        adapter.emit(undefined, (config: any) => {
            if (toLive(config)) live = config;
            return false;
        });
        expect(Object.keys(live.variables).sort()).toEqual(['monthStart', 'since']);
        const days = (Date.now() - Date.parse(live.variables.since)) / 86_400_000;
        expect(Math.round(days)).toBe(90);
    });

    describe('graphql @wire data', () => {
        it('renders the overview, the selected segment and its sections from the run records', async () => {
            const el = mount();
            await flush(); // wire configs are set after connect
            adapter.emit(latestRuns, toRuns);
            adapter.emit(liveFigures, toLive);
            await flush();
            const rows = $$(el, 'table.overview tbody tr');
            expect(rows.map((r: any) => r.querySelector('th').textContent)).toEqual(['Enterprise Inbound', 'Expansion', 'Outbound Assisted', 'SMB Inbound']);
            expect(rows[3].textContent).toContain('65 (');
            expect(rows[2].textContent).toContain('Keep 40');
            expect(rows[1].textContent).toContain('Too little data');
            const chart = $(el, 'c-score-distribution-chart');
            expect(chart.segment).toBe('Enterprise_Inbound');
            expect(chart.activeThreshold).toBe(60);
            expect(chart.recommendedThreshold).toBe(49);
            expect($(el, 'c-threshold-scenarios').fineBands.length).toBeGreaterThan(50);
            expect($(el, 'c-live-figures').figures.handoffs90).toBeGreaterThan(0);
            // The demo names a grade field: the paths out of the fit are listed, and said to be no evidence.
            const paths = $$(el, 'table.paths tbody th').map((th: any) => th.textContent);
            expect(paths).toEqual(expect.arrayContaining(['Scored', 'Grade C (manual review)', 'Below fit grade (D-F)', 'Demo request']));
            expect($(el, '.paths-note').textContent).toMatch(/^Only the scored path is evidence for the threshold: hand-raisers and leads graded C-F \(the A\/B fit-grade gate\)/);
        });

        it('switches segment from the picker', async () => {
            const el = mount();
            await flush(); // wire configs are set after connect
            adapter.emit(latestRuns, toRuns);
            await flush();
            const picker = $(el, 'select.segment-picker');
            expect([...picker.options].map((o: any) => o.value)).toEqual(['Enterprise_Inbound', 'Expansion', 'Outbound_Assisted', 'SMB_Inbound']);
            picker.value = 'SMB_Inbound';
            picker.dispatchEvent(new CustomEvent('change'));
            await flush();
            expect($(el, 'c-score-distribution-chart').recommendedThreshold).toBe(65);
            expect($(el, 'c-recommendation-panel').activeThreshold).toBe(50);
            expect($(el, 'p.as-of').textContent).toMatch(/^Calibrated as of 2026-10-31 from demo; \d+ handed-off leads/);
        });

        it('keeps the runs when only the live figures fail (partial state)', async () => {
            const el = mount();
            await flush(); // wire configs are set after connect
            adapter.emit(latestRuns, toRuns);
            await flush();
            adapter.emitErrors(graphqlErrors, toLive);
            await flush();
            expect($(el, 'p.live-error').textContent).toContain('Insufficient access rights');
            expect($$(el, 'table.overview tbody tr')).toHaveLength(4);
            expect($(el, '.error')).toBeNull();
        });

        it('is accessible with data', async () => {
            const el = mount();
            await flush(); // wire configs are set after connect
            adapter.emit(latestRuns, toRuns);
            adapter.emit(liveFigures, toLive);
            await flush();
            await expect(el).toBeAccessible();
        });
    });

    it("shows the selected segment's threshold over time with acceptance and rejection beside it", async () => {
        const el = mount();
        await flush();
        adapter.emit(latestRuns, toRuns);
        adapter.emit(runHistory, toHistory);
        await flush();
        const picker = $(el, 'select.segment-picker');
        picker.value = 'SMB_Inbound';
        picker.dispatchEvent(new CustomEvent('change'));
        await flush();
        const rows = $$(el, 'table.history tbody tr').map((r: any) => [...r.children].map((c: any) => c.textContent));
        expect(rows).toEqual([
            ['2026-08-31', '50', '65', '79%', '22%', '30%', ''],
            ['2026-09-30', '65', '–', '91%', '9%', '47%', '50 → 65']
        ]);
    });

    it('shows the demo governance: pending proposals, a frozen segment and a running pilot', async () => {
        const el = mount();
        await flush();
        adapter.emit(latestRuns, toRuns);
        await flush();
        const cells = (seg: string) => {
            const row = $$(el, 'table.overview tbody tr').find((r: any) => r.querySelector('th').textContent === seg);
            return [...row.children].map((c: any) => c.textContent);
        };
        // Columns: segment, active, recommendation, status, handed off, won, triggers, pilot.
        expect(cells('SMB Inbound')[3]).toBe('Pending review');
        expect(cells('SMB Inbound')[7]).toBe('Running');
        expect(cells('Expansion')[3]).toBe('Frozen until 2027-01-15');
        expect(cells('Expansion')[7]).toBe('');
        const picker = $(el, 'select.segment-picker');
        picker.value = 'Expansion';
        picker.dispatchEvent(new CustomEvent('change'));
        await flush();
        expect($(el, 'ul.governance').textContent).toContain('Frozen until 2027-01-15: no new proposal unless a review trigger fires.');
        expect($(el, 'c-pilot-comparison').pilots).toEqual([]);
        picker.value = 'SMB_Inbound';
        picker.dispatchEvent(new CustomEvent('change'));
        await flush();
        expect($(el, 'ul.governance').textContent).toContain('Status: Pending review (new proposal, waiting for an admin).');
        const pilots = $(el, 'c-pilot-comparison').pilots;
        expect(pilots).toHaveLength(1);
        expect(pilots[0].config).toMatchObject({ segment: 'SMB_Inbound', field: 'LeadSource', testThreshold: 60 });
        expect(pilots[0].comparison.verdict).toMatch(/^Not yet conclusive: 5 of 6 weeks run/);
        await expect(el).toBeAccessible();
    });

    describe('the governed truth, read live from MQL_Threshold__mdt', () => {
        it('shows an approval at once: the live active threshold, status and freeze replace the run record\'s', async () => {
            const el = mount();
            await flush();
            adapter.emit(latestRuns, toRuns);
            // The admin approved 65 in Setup after the night's run, which still says 50 and Pending review.
            adapter.emit(
                { uiapi: { query: { MQL_Threshold__mdt: { edges: [liveThreshold('SMB_Inbound', 'm0A000000000004AAA', { Active_Threshold__c: 65, Recommended_Threshold__c: 65, Recommendation_Status__c: 'Approved', Frozen_Until__c: '2027-01-29' })] } } } },
                toThresholds
            );
            await flush();
            const picker = $(el, 'select.segment-picker');
            picker.value = 'SMB_Inbound';
            picker.dispatchEvent(new CustomEvent('change'));
            await flush();
            expect($(el, 'c-score-distribution-chart').activeThreshold).toBe(65);
            const panel = $(el, 'c-recommendation-panel');
            expect(panel.activeThreshold).toBe(65);
            expect(panel.status).toBe('Approved');
            expect(panel.frozenUntil).toBe('2027-01-29');
            expect(panel.recordId).toBe('m0A000000000004AAA');
            const row = $$(el, 'table.overview tbody tr').find((r: any) => r.querySelector('th').textContent === 'SMB Inbound');
            expect([...row.children].map((c: any) => c.textContent).slice(1, 4)).toEqual(['65', '65 (64–66)', 'Frozen until 2027-01-29']);
        });

        it('asks for the newest 2,000 runs, not the oldest', async () => {
            mount();
            await flush();
            let history: any = null;
            adapter.emit(undefined, (config: any) => {
                if (toHistory(config)) history = config;
                return false;
            });
            expect(history.query.replace(/\s+/g, ' ')).toContain('orderBy: { Run_At__c: { order: DESC } }, first: 2000');
        });
    });

    describe("leadership's view", () => {
        it('opens with every segment at a glance, and a click on one opens its detail', async () => {
            const el = mount();
            await flush();
            adapter.emit(latestRuns, toRuns);
            await flush();
            const overview = $(el, 'c-segment-overview');
            expect(overview.segments.map((s: any) => s.segment)).toEqual(['Enterprise_Inbound', 'Expansion', 'Outbound_Assisted', 'SMB_Inbound']);
            const smb = overview.segments[3];
            expect([smb.activeThreshold, smb.recommendedThreshold, smb.status]).toEqual([50, 65, 'Recommend 65 (active 50), pending review; pilot running']);
            expect(overview.segments[1].status).toBe('Frozen until 2027-01-15 at 30');
            expect(overview.segments[2].status).toBe('Keep 40: the evidence agrees');
            overview.dispatchEvent(new CustomEvent('select', { detail: { segment: 'SMB_Inbound' } }));
            await flush();
            expect($(el, 'c-score-distribution-chart').segment).toBe('SMB_Inbound');
            expect($(el, 'c-segment-overview').selected).toBe('SMB_Inbound');
        });

        it('reads the live pipeline per segment for the last 90 days and sets it beside the run\'s prediction at the active threshold', async () => {
            const el = mount();
            await flush();
            adapter.emit(latestRuns, toRuns);
            await flush();
            let pipeline: any = null;
            adapter.emit(undefined, (config: any) => {
                if (toPipeline(config)) pipeline = config;
                return false;
            });
            expect(pipeline.variables).toMatchObject({ s1: 'Enterprise_Inbound', s2: 'Expansion', s3: 'Outbound_Assisted', s4: 'SMB_Inbound', s5: '(none)' });
            expect(Math.round((Date.now() - Date.parse(pipeline.variables.since)) / 86_400_000)).toBe(90);
            const opps = (won: [number, number], lost: [number, number]) => ({
                edges: [
                    { node: { aggregate: { IsWon: { value: true }, Id: { count: { value: won[0] } }, Amount: { sum: { value: won[1] } } } } },
                    { node: { aggregate: { IsWon: { value: false }, Id: { count: { value: lost[0] } }, Amount: { sum: { value: lost[1] } } } } }
                ]
            });
            const mqls = (n: number) => ({ edges: [{ node: { aggregate: { Id: { count: { value: n } } } } }] });
            adapter.emit({ uiapi: { aggregate: { mqls1: mqls(900), opps1: opps([30, 600000], [200, 1400000]), mqls2: mqls(0), opps2: { edges: [] }, mqls3: mqls(10), opps3: opps([1, 5000], [2, 10000]), mqls4: mqls(2000), opps4: opps([50, 250000], [400, 2000000]) } } }, toPipeline);
            await flush();
            const rows = $(el, 'c-pipeline-figures').rows;
            expect(rows.map((r: any) => r.segment)).toEqual(['Enterprise_Inbound', 'Expansion', 'Outbound_Assisted', 'SMB_Inbound']);
            expect(rows[3].live).toEqual({ segment: 'SMB_Inbound', mqls: 2000, opportunities: 450, pipelineAmount: 2250000, won: 50, wonAmount: 250000 });
            // The prediction is the engine's scenario at the active threshold: the run's own "active" scenario.
            const run = JSON.parse(latestRuns.uiapi.query.MQL_Calibration_Run__c.edges[3].node.Scenarios_JSON__c.value).find((x: any) => x.threshold === 50);
            expect(rows[3].predicted).toEqual({ threshold: 50, mqls: run.mqls, pipelineAmount: run.pipelineAmount, wonAmount: run.wonAmount, extrapolated: run.extrapolated });
        });

        it('lists what changed since the last run: an approval in Setup, a new recommendation, the triggers fired', async () => {
            const el = mount();
            await flush();
            adapter.emit(latestRuns, toRuns);
            adapter.emit(runHistory, toHistory);
            adapter.emit(
                {
                    uiapi: {
                        query: {
                            MQL_Threshold__mdt: {
                                edges: [
                                    liveThreshold('Enterprise_Inbound', 'm0A1', { Active_Threshold__c: 48, Recommended_Threshold__c: 48, Recommendation_Status__c: 'Approved' }),
                                    liveThreshold('SMB_Inbound', 'm0A4', { Active_Threshold__c: 50, Recommended_Threshold__c: 65, Recommendation_Status__c: 'Rejected' })
                                ]
                            }
                        }
                    }
                },
                toThresholds
            );
            await flush();
            const changes = $(el, 'c-change-list').changes;
            const texts = changes.map((c: any) => `${c.kind} ${c.segment}: ${c.text}`);
            expect(texts).toContain('approval Enterprise_Inbound: approved 48 in Setup since the run (was 60)');
            expect(texts).toContain('rejection SMB_Inbound: recommendation 65 rejected in Setup since the run');
            expect(texts.filter((t: string) => t.startsWith('approval') || t.startsWith('rejection'))).toHaveLength(2);
            expect(texts).toContain('threshold SMB_Inbound: threshold 50 → 65 between the last two runs');
            expect(texts).toContain('recommendation SMB_Inbound: recommendation 65 → none (runs of 2026-08-31 and 2026-09-30)');
            const triggers = latestRuns.uiapi.query.MQL_Calibration_Run__c.edges.flatMap((e: any) => JSON.parse(e.node.Triggers_JSON__c.value ?? '[]'));
            expect(changes.filter((c: any) => c.kind === 'trigger')).toHaveLength(triggers.length);
            await expect(el).toBeAccessible();
        });
    });

    describe('partial failures of the live reads', () => {
        it('keeps the overview and the detail when the pipeline cannot be read, and says why', async () => {
            const el = mount();
            await flush();
            adapter.emit(latestRuns, toRuns);
            await flush();
            adapter.emitErrors([{ message: 'Insufficient access rights on object Opportunity' }], toPipeline);
            await flush();
            expect($(el, 'c-pipeline-figures').error).toBe('Insufficient access rights on object Opportunity');
            expect($(el, 'c-segment-overview').segments).toHaveLength(4);
            expect($(el, '.error')).toBeNull();
        });

        it('falls back to the values the run saw when the custom metadata cannot be read, and says so', async () => {
            const el = mount();
            await flush();
            adapter.emit(latestRuns, toRuns);
            adapter.emitErrors([{ message: 'No access to entity MQL_Threshold__mdt' }], toThresholds);
            await flush();
            expect($(el, '.thresholds-error').textContent).toBe('The live thresholds could not be read (No access to entity MQL_Threshold__mdt); showing the values the last run saw.');
            expect($(el, 'c-score-distribution-chart').activeThreshold).toBe(60);
        });
    });

    describe('empty and error states', () => {
        it('says there is no calibration yet and how to run one', async () => {
            const el = mount();
            await flush(); // wire configs are set after connect
            adapter.emit(latestRunsEmpty, toRuns);
            await flush();
            expect($(el, '.empty').textContent).toContain('npm run calibrate -- --target-org');
            await expect(el).toBeAccessible();
        });

        it('shows the error when the runs cannot be read', async () => {
            const el = mount();
            await flush(); // wire configs are set after connect
            adapter.emitErrors(graphqlErrors);
            await flush();
            expect($(el, '.error').textContent).toContain('Insufficient access rights on object MQL_Calibration_Run__c');
            await expect(el).toBeAccessible();
        });
    });
});
