import { createElement } from 'lwc';
import RecommendationPanel from 'c/recommendationPanel';

const rec = {
    threshold: 65,
    reason: 'recommended',
    range: [64, 66],
    rationale: 'Leads at 65+ were rejected 9% of the time against a 15% target.',
    candidates: {},
    computed: 65,
    startingPoint: null,
    expectedMqlsPerMonth: 120.5,
    expectedRejectionRate: 0.09
};

describe('c-recommendation-panel', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    function mount(props: Record<string, unknown>) {
        const el: any = createElement('c-recommendation-panel', { is: RecommendationPanel });
        Object.assign(el, { segment: 'SMB_Inbound', activeThreshold: 50, ...props });
        document.body.appendChild(el);
        return el;
    }

    it('shows value, range, expected volume, rationale and status', () => {
        const el = mount({ recommendation: rec, status: 'Pending review' });
        expect(el.shadowRoot.querySelector('.headline').textContent).toBe('Recommend 65');
        expect(el.shadowRoot.querySelector('.range').textContent).toBe('Range 64–66 (bootstrap, 90%)');
        expect(el.shadowRoot.querySelector('.expected').textContent).toBe('At 65: 120.5 MQLs a month, 9% rejected');
        expect(el.shadowRoot.querySelector('lightning-badge').label).toBe('Pending review');
        expect(el.shadowRoot.querySelector('.setup-link')).toBeNull();
    });

    it('gives admins the link to the segment record in Setup, and shows a freeze', () => {
        const el = mount({ recommendation: rec, isAdmin: true, frozenUntil: '2027-01-30' });
        expect(el.shadowRoot.querySelector('.setup-link').textContent).toBe('Review in Setup: MQL Threshold SMB_Inbound');
        expect(el.shadowRoot.querySelector('lightning-badge').label).toBe('Frozen until 2027-01-30');
    });

    it("opens that segment's own custom metadata record in Setup, not the type's list", () => {
        const el = mount({ recommendation: rec, isAdmin: true, recordId: 'm0A000000000004AAA' });
        expect(el.shadowRoot.querySelector('.setup-link').getAttribute('href')).toBe('/lightning/setup/CustomMetadata/page?address=%2Fm0A000000000004AAA');
    });

    it('sends admins to the type when the live record could not be read', () => {
        const el = mount({ recommendation: rec, isAdmin: true });
        expect(el.shadowRoot.querySelector('.setup-link').getAttribute('href')).toBe('/lightning/setup/CustomMetadata/home');
    });

    it('shows the starting point, not a recommendation, when data is short; and is accessible', async () => {
        const el = mount({ recommendation: { ...rec, threshold: null, reason: 'insufficient-sample', range: null, startingPoint: [25, 40], expectedMqlsPerMonth: null } });
        expect(el.shadowRoot.querySelector('.headline').textContent).toBe('Not enough data to recommend');
        expect(el.shadowRoot.querySelector('.range').textContent).toBe('Starting point 25–40 (from the method, not from data)');
        await expect(el).toBeAccessible();
    });

    it('explains an abstention with its figure and shows the seeds\' starting range beside it; and is accessible', async () => {
        const evidence = {
            level: 0.01,
            winRate: { up: { pValue: 0.62 }, down: { pValue: 0.3 } },
            sqlRate: { up: { pValue: 0.41 }, down: { pValue: 0.8 } }
        };
        const el = mount({ recommendation: { ...rec, threshold: null, reason: 'no-signal', range: null, computed: null, startingPoint: [60, 70], expectedMqlsPerMonth: null, evidence } });
        expect(el.shadowRoot.querySelector('.headline').textContent).toBe('No recommendation: the score shows no signal');
        expect(el.shadowRoot.querySelector('.abstention').textContent).toBe('Why: no significant change in win or SQL rate across the score (p = 0.41, level 0.01).');
        expect(el.shadowRoot.querySelector('.range').textContent).toBe('Starting point 60–70 (from the method, not from data)');
        await expect(el).toBeAccessible();
    });

    it('shows a too-wide range as the reason, beside the starting point', () => {
        const evidence = { rangeShare: 0.42, maxRangeShare: 0.25 };
        const el = mount({ recommendation: { ...rec, threshold: null, reason: 'range-too-wide', range: [50, 92], computed: null, startingPoint: [60, 70], expectedMqlsPerMonth: null, evidence } });
        expect(el.shadowRoot.querySelector('.abstention').textContent).toBe('Why: 90% bootstrap range 50–92 spans 42% of the scores (at most 25%).');
        expect(el.shadowRoot.querySelector('.range').textContent).toBe('Range 50–92 (bootstrap, 90%) · Starting point 60–70 (from the method, not from data)');
        expect(el.shadowRoot.querySelector('.expected').textContent).toBe('');
    });
});
