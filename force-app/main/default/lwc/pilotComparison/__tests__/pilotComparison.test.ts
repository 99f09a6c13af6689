import { createElement } from 'lwc';
import PilotComparison from 'c/pilotComparison';

// The demo's pilot as the job wrote it into the SMB_Inbound run record (npm run fixtures).
const latestRuns = require('../../calibrationDashboard/__tests__/data/latestRuns.json');
const smb = latestRuns.uiapi.query.MQL_Calibration_Run__c.edges.find((e: any) => e.node.Segment__c.value === 'SMB_Inbound');
const demoPilot = JSON.parse(smb.node.Details_JSON__c.value).pilots[0];

function mount(pilots: unknown[]) {
    const el: any = createElement('c-pilot-comparison', { is: PilotComparison });
    el.pilots = pilots;
    document.body.appendChild(el);
    return el;
}
const $ = (el: any, sel: string) => el.shadowRoot.querySelector(sel);
const $$ = (el: any, sel: string) => [...el.shadowRoot.querySelectorAll(sel)];

/**
 * A pilot with hand-picked figures: 400 MQLs a side, 8 weeks, test converts 45% against 35%; MQL→SQL primary, its
 * |z| 3.60 past a sequential boundary of 3.25.
 */
function handPilot() {
    const m = (metric: string, method: string, role: string, test: number, control: number, ci: [number, number], statistic: number, p: number, seq: number, boundary: number) => ({
        metric, method, role, test, control, testN: 400, controlN: 400, difference: test - control, ci, statistic, pValue: p, sequentialP: seq, boundary, significant: seq <= 0.05
    });
    return {
        config: { segment: 'SMB_Inbound', field: 'Region__c', testValues: ['EMEA'], testThreshold: 60, start: '2026-08-01', minWeeks: 6, primaryMetric: 'MQL→SQL' },
        test: { mqls: 400 }, control: { mqls: 400 },
        comparison: {
            weeksRun: 8, minWeeks: 6, primaryMetric: 'MQL→SQL', alpha: 0.05, design: 'observational',
            caveat: 'Observational comparison: test and control were split by Region__c (EMEA against the rest), not at random, so a difference may come from which leads each group holds rather than from the threshold.',
            requiredPerGroup: 360, sizedForEffect: 0.1, conclusive: true,
            verdict: 'MQL→SQL (primary) differs: the test group is higher (45.0% against 35.0%; sequential p = 0.012, |z| 3.60 against a boundary of 3.25 at this look, α 0.05 over every look).',
            metrics: [
                m('MQL→SQL', 'two-proportion z', 'primary', 0.45, 0.35, [0.033, 0.167], 3.6, 0.0003, 0.012, 3.25),
                m('Hours to first contact', 'Welch t', 'secondary', 10.25, 12.5, [-4.1, -0.4], -2.9, 0.0037, 0.21, 3.3),
                m('Revenue at 90 days per MQL', 'Welch t', 'secondary', 2500, 1800, [-150, 1550], 1.6, 0.1, 1, 3.4)
            ]
        }
    };
}

describe('c-pilot-comparison', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it('says so when the segment runs no pilot', async () => {
        const el = mount([]);
        await Promise.resolve();
        expect($(el, '.none').textContent).toBe('No pilot running in this segment.');
        expect($(el, 'table')).toBeNull();
    });

    it('shows each metric in its unit and role, the difference with its interval, and the sequential p against its boundary', async () => {
        const el = mount([handPilot()]);
        await Promise.resolve();
        expect($(el, '.heading').textContent).toBe('SMB_Inbound: Region__c in EMEA at 60, since 2026-08-01');
        expect($(el, '.verdict').textContent).toMatch(/^MQL→SQL \(primary\) differs: .*boundary of 3\.25 at this look/);
        expect($(el, '.progress').textContent).toMatch(/360 per group needed for 80% power \(sequential test, α 0\.05 over every nightly look\)\. Primary metric: MQL→SQL; the others are secondary/);
        expect($(el, '.caveat').textContent).toMatch(/^Observational comparison: .*split by Region__c .*not at random/);
        const rows = $$(el, 'tbody tr').map((r: any) => [...r.children].map((c: any) => c.textContent));
        expect(rows).toEqual([
            ['MQL→SQL (primary)', '45% (n 400)', '35% (n 400)', '+10.0 pts (+3.3 pts to +16.7 pts)', '0.012 (|z| 3.60, boundary 3.25)', 'two-proportion z'],
            ['Hours to first contact (secondary)', '10.3 h (n 400)', '12.5 h (n 400)', '−2.3 h (−4.1 h to −0.4 h)', '0.210 (|z| 2.90, boundary 3.30)', 'Welch t'],
            ['Revenue at 90 days per MQL (secondary)', '$2,500 (n 400)', '$1,800 (n 400)', '+$700 (−$150 to +$1,550)', '1.000 (|z| 1.60, boundary 3.40)', 'Welch t']
        ]);
        await expect(el).toBeAccessible();
    });

    it('shows a pilot from a run record written before the sequential design with its one-look p, marked as such', async () => {
        const old = handPilot();
        const comparison: any = { ...old.comparison, caveat: undefined, primaryMetric: undefined };
        comparison.metrics = old.comparison.metrics.map(({ role: _r, sequentialP: _s, boundary: _b, ...m }) => m);
        const el = mount([{ ...old, comparison }]);
        await Promise.resolve();
        const first = [...$$(el, 'tbody tr')[0].children].map((c: any) => c.textContent);
        expect(first[0]).toBe('MQL→SQL');
        expect(first[4]).toBe('< 0.001 (one look)');
        expect($(el, '.caveat').textContent).toMatch(/split by Region__c, not at random/);
    });

    it("shows the demo's five-week pilot as not yet conclusive, with every metric", async () => {
        const el = mount([demoPilot]);
        await Promise.resolve();
        expect($(el, '.verdict').textContent).toMatch(/^Not yet conclusive: 5 of 6 weeks run/);
        expect($(el, '.progress').textContent).toMatch(/^5 of at least 6 weeks run; \d+ test and \d+ control MQLs/);
        expect($$(el, 'tbody tr').map((r: any) => r.querySelector('th').textContent)).toEqual([
            'MQL→SQL (primary)',
            'Acceptance (secondary)',
            'Opportunity rate at 30 days (secondary)',
            'Opportunity rate at 60 days (secondary)',
            'Hours to first contact (secondary)',
            'Revenue at 90 days per MQL (secondary)'
        ]);
        expect($(el, '.caveat').textContent).toMatch(/^Observational comparison: test and control were split by LeadSource/);
    });
});
