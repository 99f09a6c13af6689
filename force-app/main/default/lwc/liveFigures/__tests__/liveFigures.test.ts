import { createElement } from 'lwc';
import LiveFigures from 'c/liveFigures';

// The mapped shape of the liveFigures aggregates (calibrationQueries.toLiveFigures); Jest's locale is en-US.
const figures = {
    handoffsThisMonth: 1234,
    handoffs90: 2000,
    rejected90: 400,
    rejectionRate90: 0.2,
    sources: [
        { source: 'Webinar', handedOff: 1500, sqls: 600, sqlRate: 0.4 },
        { source: 'Web', handedOff: 500, sqls: 100, sqlRate: 0.2 }
    ],
    reasons: [{ reason: 'Just researching', count: 300, share: 0.75 }]
};

function mount(props: Record<string, unknown>) {
    const el: any = createElement('c-live-figures', { is: LiveFigures });
    Object.assign(el, props);
    document.body.appendChild(el);
    return el;
}

describe('c-live-figures', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it('shows counts with separators and every rate with its 95% interval', () => {
        const el = mount({ figures });
        expect(el.shadowRoot.querySelector('.kpi-month').textContent).toBe('1,234');
        expect(el.shadowRoot.querySelector('.kpi-rejection').textContent).toBe('20%');
        // Wilson 95% for 400 of 2,000: 18.3%–21.8%; for 600 of 1,500: 37.5%–42.5%.
        expect(el.shadowRoot.querySelector('.rejection-detail').textContent).toBe('20% (18%–22%): 400 of 2,000 handed off (95% interval)');
        const rows = [...el.shadowRoot.querySelectorAll('table.sources tbody tr')].map((r: any) => [...r.children].map((c: any) => c.textContent));
        expect(rows).toEqual([
            ['Webinar', '1,500', '600', '40% (38%–43%)'],
            ['Web', '500', '100', '20% (17%–24%)']
        ]);
    });

    it('says the figures are loading or unavailable before they arrive, and is accessible', async () => {
        const el = mount({ figures: null });
        expect(el.shadowRoot.querySelector('p').textContent).toBe('Live figures are loading or unavailable.');
        await expect(el).toBeAccessible();
    });

    it('is accessible with data', async () => {
        await expect(mount({ figures })).toBeAccessible();
    });
});
