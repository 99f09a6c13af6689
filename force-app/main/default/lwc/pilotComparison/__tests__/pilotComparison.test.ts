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

/** A pilot with hand-picked figures: 400 MQLs a side, 8 weeks, test converts 45% against 35%. */
function handPilot() {
    const m = (metric: string, method: string, test: number, control: number, ci: [number, number], p: number) => ({
        metric, method, test, control, testN: 400, controlN: 400, difference: test - control, ci, statistic: 2.9, pValue: p, significant: p < 0.05
    });
    return {
        config: { segment: 'SMB_Inbound', field: 'Region__c', testValues: ['EMEA'], testThreshold: 60, start: '2026-08-01', minWeeks: 6 },
        test: { mqls: 400 }, control: { mqls: 400 },
        comparison: {
            weeksRun: 8, minWeeks: 6, requiredPerGroup: 360, sizedForEffect: 0.1, conclusive: true,
            verdict: 'MQL→SQL differs significantly (p = 0.004): the test threshold converts better (45.0% against 35.0%).',
            metrics: [
                m('MQL→SQL', 'two-proportion z', 0.45, 0.35, [0.033, 0.167], 0.0037),
                m('Hours to first contact', 'Welch t', 10.25, 12.5, [-4.1, -0.4], 0.0172),
                m('Revenue at 90 days per MQL', 'Welch t', 2500, 1800, [-150, 1550], 0.1)
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

    it('shows each metric in its unit, the difference with its interval, and p', async () => {
        const el = mount([handPilot()]);
        await Promise.resolve();
        expect($(el, '.heading').textContent).toBe('SMB_Inbound: Region__c in EMEA at 60, since 2026-08-01');
        expect($(el, '.verdict').textContent).toMatch(/^MQL→SQL differs significantly/);
        const rows = $$(el, 'tbody tr').map((r: any) => [...r.children].map((c: any) => c.textContent));
        expect(rows).toEqual([
            ['MQL→SQL', '45% (n 400)', '35% (n 400)', '+10.0 pts (+3.3 pts to +16.7 pts)', '0.004', 'two-proportion z'],
            ['Hours to first contact', '10.3 h (n 400)', '12.5 h (n 400)', '−2.3 h (−4.1 h to −0.4 h)', '0.017', 'Welch t'],
            ['Revenue at 90 days per MQL', '$2,500 (n 400)', '$1,800 (n 400)', '+$700 (−$150 to +$1,550)', '0.100', 'Welch t']
        ]);
        await expect(el).toBeAccessible();
    });

    it("shows the demo's five-week pilot as not yet conclusive, with every metric", async () => {
        const el = mount([demoPilot]);
        await Promise.resolve();
        expect($(el, '.verdict').textContent).toMatch(/^Not yet conclusive: 5 of 6 weeks run/);
        expect($(el, '.progress').textContent).toMatch(/^5 of at least 6 weeks run; \d+ test and \d+ control MQLs/);
        expect($$(el, 'tbody tr').map((r: any) => r.querySelector('th').textContent)).toEqual([
            'MQL→SQL',
            'Acceptance',
            'Opportunity rate at 30 days',
            'Opportunity rate at 60 days',
            'Hours to first contact',
            'Revenue at 90 days per MQL'
        ]);
    });
});
