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
});
