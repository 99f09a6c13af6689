import { createElement } from 'lwc';
import SegmentOverview from 'c/segmentOverview';

// Bands in the engine's shape (calibrationEngine/types.ts Band), trimmed to what the overview reads.
const rate = (value: number | null, low: number | null, high: number | null) => ({
    rate: value,
    low,
    high,
    n: 0
});
const band = (from: number, won: number, rejected: number) => ({
    from,
    to: from + 20,
    handedOff: won + rejected,
    accepted: 0,
    rejected,
    neverWorked: 0,
    qualified: 0,
    opportunities: 0,
    won,
    pipelineAmount: 0,
    wonAmount: 0,
    wonShare: 0,
    acceptanceRate: rate(null, null, null),
    rejectionRate: rate(0.25, 0.2, 0.31),
    sqlRate: rate(null, null, null),
    opportunityRate: rate(null, null, null),
    winRate: rate(0.1, 0.07, 0.14),
    verdict: 'good'
});
const segments = [
    {
        segment: 'SMB_Inbound',
        bands: [band(0, 2, 40), band(20, 10, 30), band(40, 40, 10), band(60, 1200, 5)],
        activeThreshold: 50,
        recommendedThreshold: 65,
        status: 'Recommend 65 (active 50), pending review'
    },
    {
        segment: 'Expansion',
        bands: [band(20, 3, 1), band(40, 5, 2)],
        activeThreshold: 30,
        recommendedThreshold: null,
        status: 'Frozen until 2027-01-15 at 30'
    }
];

function mount(props: Record<string, unknown>) {
    const el: any = createElement('c-segment-overview', { is: SegmentOverview });
    Object.assign(el, props);
    document.body.appendChild(el);
    return el;
}
const $$ = (el: any, sel: string) => [...el.shadowRoot.querySelectorAll(sel)];

describe('c-segment-overview', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it('draws every segment on one shared score axis with its thresholds and status in words', () => {
        const el = mount({ segments, selected: 'Expansion' });
        const cards = $$(el, 'li');
        expect(cards.map((c: any) => c.querySelector('.name').textContent)).toEqual([
            'SMB Inbound',
            'Expansion'
        ]);
        expect(cards.map((c: any) => c.querySelector('.status').textContent)).toEqual([
            'Recommend 65 (active 50), pending review',
            'Frozen until 2027-01-15 at 30'
        ]);
        // Shared axis 0-80: Expansion's band from 20 starts a quarter of the way across, as SMB's band from 20 does.
        const x = (card: any, i: number) =>
            Number(card.querySelectorAll('rect.bar_won')[i].getAttribute('x'));
        expect(x(cards[1], 0)).toBeCloseTo(x(cards[0], 1), 6);
        expect(cards[0].querySelectorAll('g.marker')).toHaveLength(2);
        expect(cards[1].querySelectorAll('g.marker')).toHaveLength(1);
        expect(cards[0].querySelector('g.marker_recommended text').textContent).toBe('recommended 65');
        // Counts carry thousands separators; every rate carries its interval, in the hover title and the assistive table.
        expect(cards[0].querySelectorAll('rect.bar_won')[3].querySelector('title').textContent).toBe(
            '60–79: 1,200 won, win rate 10% (7%–14%)'
        );
        expect([...cards[0].querySelectorAll('tbody tr')[3].children].map((c: any) => c.textContent)).toEqual(
            ['60–79', '1,200', '10% (7%–14%)', '5', '25% (20%–31%)']
        );
        expect(cards[1].className).toContain('card_selected');
        expect(cards[1].querySelector('button').getAttribute('aria-pressed')).toBe('true');
    });

    it('tells the container which segment was chosen', () => {
        const el = mount({ segments });
        const handler = jest.fn();
        el.addEventListener('select', handler);
        $$(el, 'button.open')[0].click();
        expect(handler).toHaveBeenCalledTimes(1);
        expect(handler.mock.calls[0][0].detail).toEqual({ segment: 'SMB_Inbound' });
    });

    it('says so when there is no segment, and is accessible', async () => {
        const el = mount({ segments: [] });
        expect(el.shadowRoot.querySelector('.overview-empty').textContent).toBe(
            'No segment has a calibration run yet.'
        );
        await expect(el).toBeAccessible();
    });

    it('shows the error instead of the charts, and is accessible', async () => {
        const el = mount({ segments, error: 'Insufficient access rights on object MQL_Calibration_Run__c' });
        expect(el.shadowRoot.querySelector('.overview-error').textContent).toContain(
            'Insufficient access rights'
        );
        expect($$(el, 'li')).toHaveLength(0);
        await expect(el).toBeAccessible();
    });

    it('is accessible with data', async () => {
        await expect(mount({ segments, selected: 'SMB_Inbound' })).toBeAccessible();
    });
});
