import { createElement } from 'lwc';
import ScoreDistributionChart from 'c/scoreDistributionChart';

const bands = [
    { from: 40, to: 50, won: 2, rejected: 30 },
    { from: 50, to: 60, won: 5, rejected: 20 },
    { from: 60, to: 70, won: 25, rejected: 4 },
    { from: 70, to: 80, won: 20, rejected: 2 }
];

describe('c-score-distribution-chart', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    function mount(props: Record<string, unknown>) {
        const el: any = createElement('c-score-distribution-chart', { is: ScoreDistributionChart });
        Object.assign(el, { segment: 'SMB_Inbound', ...props });
        document.body.appendChild(el);
        return el;
    }

    it('draws a won and a rejected bar per band, taller where there are more', () => {
        const el = mount({ bands, activeThreshold: 50, recommendedThreshold: 60 });
        const won = [...el.shadowRoot.querySelectorAll('rect.bar_won')];
        const rejected = [...el.shadowRoot.querySelectorAll('rect.bar_rejected')];
        expect(won).toHaveLength(4);
        expect(rejected).toHaveLength(4);
        const h = (r: any) => Number(r.getAttribute('height'));
        expect(h(won[2])).toBeGreaterThan(h(won[0]));
        expect(h(rejected[0])).toBeGreaterThan(h(rejected[3]));
    });

    it('marks the active and recommended thresholds at their scores', () => {
        const el = mount({ bands, activeThreshold: 50, recommendedThreshold: 60 });
        const lines = [...el.shadowRoot.querySelectorAll('g.marker line')].map((l: any) => Number(l.getAttribute('x1')));
        const axisStart = Number(el.shadowRoot.querySelector('line.axis').getAttribute('x1'));
        const axisEnd = Number(el.shadowRoot.querySelector('line.axis').getAttribute('x2'));
        // Scores 40..80 span the axis: 50 sits a quarter of the way, 60 half-way.
        expect(lines[0]).toBeCloseTo(axisStart + (axisEnd - axisStart) * 0.25, 5);
        expect(lines[1]).toBeCloseTo(axisStart + (axisEnd - axisStart) * 0.5, 5);
        expect(el.shadowRoot.querySelector('g.marker_recommended text').textContent).toBe('recommended 60');
    });

    it('has a table alternative with the same figures, and is accessible', async () => {
        const el = mount({ bands, activeThreshold: null, recommendedThreshold: null });
        const cells = [...el.shadowRoot.querySelectorAll('table tbody tr')].map((r: any) => r.textContent);
        expect(cells).toEqual(['40–49230', '50–59520', '60–69254', '70–79202']);
        expect(el.shadowRoot.querySelectorAll('g.marker')).toHaveLength(0);
        await expect(el).toBeAccessible();
    });

    it('says so when there are no bands', () => {
        const el = mount({ bands: [] });
        expect(el.shadowRoot.querySelector('svg')).toBeNull();
        expect(el.shadowRoot.querySelector('p').textContent).toBe('No handed-off leads in this run.');
    });
});
