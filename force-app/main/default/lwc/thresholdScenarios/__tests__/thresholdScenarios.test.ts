import { createElement } from 'lwc';
import ThresholdScenarios from 'c/thresholdScenarios';
import { scenarioAt } from 'c/calibrationEngine';

const runs = require('../../calibrationDashboard/__tests__/data/latestRuns.json');
const smb = runs.uiapi.query.MQL_Calibration_Run__c.edges.find((e: any) => e.node.Segment__c.value === 'SMB_Inbound').node;
const fineBands = JSON.parse(smb.Fine_Bands_JSON__c.value);
const scenarios = JSON.parse(smb.Scenarios_JSON__c.value);
const flush = () => Promise.resolve();

describe('c-threshold-scenarios', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    function mount() {
        const el: any = createElement('c-threshold-scenarios', { is: ThresholdScenarios });
        el.fineBands = fineBands;
        el.scenarios = scenarios;
        el.activeThreshold = 50;
        document.body.appendChild(el);
        return el;
    }

    it('lists the job scenarios and starts the what-if at the active threshold', () => {
        const el = mount();
        const rows = [...el.shadowRoot.querySelectorAll('tbody tr')].map((r: any) => r.querySelector('th').textContent);
        expect(rows).toEqual(['Active − 15', 'Active', 'Active + 15', 'Recommended']);
        expect(el.shadowRoot.querySelector('.what-if-mqls').textContent).toBe(`${scenarioAt(fineBands, 50, 90).mqls} (${scenarioAt(fineBands, 50, 90).mqlsPerMonth} a month)`);
    });

    it('recomputes MQLs, rejection, SQLs, pipeline and revenue with the engine when the slider moves, and says so', async () => {
        const el = mount();
        const handler = jest.fn();
        el.addEventListener('thresholdchange', handler);
        const before = el.shadowRoot.querySelector('.what-if-mqls').textContent;
        el.shadowRoot.querySelector('lightning-slider').dispatchEvent(new CustomEvent('change', { detail: { value: 70 } }));
        await flush();
        const s = scenarioAt(fineBands, 70, 90);
        expect(el.shadowRoot.querySelector('.what-if-threshold').textContent).toBe('70');
        expect(el.shadowRoot.querySelector('.what-if-mqls').textContent).toBe(`${s.mqls} (${s.mqlsPerMonth} a month)`);
        expect(el.shadowRoot.querySelector('.what-if-mqls').textContent).not.toBe(before);
        expect(el.shadowRoot.querySelector('.what-if-sqls').textContent).toBe(String(s.sqls));
        expect(el.shadowRoot.querySelector('.what-if-revenue').textContent).toBe(`$${Math.round(s.wonAmount).toLocaleString('en-US')}`);
        expect(handler).toHaveBeenCalledTimes(1);
        expect(handler.mock.calls[0][0].detail).toEqual({ threshold: 70 });
    });

    it('is accessible', async () => {
        await expect(mount()).toBeAccessible();
    });
});
