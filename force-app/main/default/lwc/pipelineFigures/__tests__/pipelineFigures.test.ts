import { createElement } from 'lwc';
import PipelineFigures from 'c/pipelineFigures';

// Jest's @salesforce/i18n: locale en-US, currency USD (set by @lwc/jest-transformer).
const rows = [
    {
        segment: 'SMB_Inbound',
        live: { mqls: 1234, opportunities: 310, pipelineAmount: 4567890.4, won: 41, wonAmount: 987654 },
        predicted: {
            threshold: 50,
            mqls: 1180,
            pipelineAmount: 4400000,
            wonAmount: 950000,
            extrapolated: false
        }
    },
    {
        segment: 'Expansion',
        live: null,
        predicted: { threshold: 30, mqls: 12, pipelineAmount: 1000, wonAmount: 0, extrapolated: true }
    },
    {
        segment: 'Outbound_Assisted',
        live: { mqls: 0, opportunities: 0, pipelineAmount: 0, won: 0, wonAmount: 0 },
        predicted: null
    }
];

function mount(props: Record<string, unknown>) {
    const el: any = createElement('c-pipeline-figures', { is: PipelineFigures });
    Object.assign(el, props);
    document.body.appendChild(el);
    return el;
}
const cells = (el: any) =>
    [...el.shadowRoot.querySelectorAll('tbody tr')].map((r: any) =>
        [...r.children].map((c: any) => c.textContent)
    );

describe('c-pipeline-figures', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it("shows the live pipeline beside the run's prediction, in the org's currency with thousands separators", () => {
        const el = mount({ rows });
        expect(cells(el)).toEqual([
            [
                'SMB Inbound',
                '1,234',
                '1,180',
                '310',
                '$4,567,890',
                '$4,400,000',
                '$987,654 (41 won)',
                '$950,000',
                '50'
            ],
            ['Expansion', 'not read', '12 *', 'not read', 'not read', '$1,000 *', 'not read', '$0 *', '30'],
            ['Outbound Assisted', '0', '–', '0', '$0', '–', '$0 (0 won)', '–', 'none']
        ]);
        expect(el.shadowRoot.querySelector('caption').textContent).toContain('(USD)');
    });

    it('writes money in the currency it is given, in the user\u2019s locale format', () => {
        const el = mount({ rows: [rows[0]], currency: 'EUR' });
        expect(cells(el)[0][4]).toBe('€4,567,890');
    });

    it('says it is reading while the aggregates are on their way, and nothing to read for no segment', () => {
        expect(mount({ rows: null }).shadowRoot.querySelector('.pipeline-loading')).not.toBeNull();
        expect(mount({ rows: [] }).shadowRoot.querySelector('.pipeline-empty').textContent).toBe(
            'No segment to read the pipeline for.'
        );
    });

    it('shows the error, and is accessible', async () => {
        const el = mount({ rows: null, error: 'Insufficient access rights on object Opportunity' });
        expect(el.shadowRoot.querySelector('.pipeline-error').textContent).toBe(
            'Live pipeline unavailable: Insufficient access rights on object Opportunity'
        );
        expect(el.shadowRoot.querySelector('table')).toBeNull();
        await expect(el).toBeAccessible();
    });

    it('is accessible with data and when empty', async () => {
        await expect(mount({ rows })).toBeAccessible();
        await expect(mount({ rows: [] })).toBeAccessible();
    });
});
