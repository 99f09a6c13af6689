import { createElement } from 'lwc';
import ChangeList from 'c/changeList';

const changes = [
    {
        key: 'a',
        segment: 'SMB_Inbound',
        kind: 'approval',
        text: 'approved 65 in Setup since the run (was 50)'
    },
    {
        key: 'b',
        segment: 'Enterprise_Inbound',
        kind: 'trigger',
        text: 'REJECTION_RATE_SPIKE: rejection rate up 12 points over 90 days'
    }
];

function mount(props: Record<string, unknown>) {
    const el: any = createElement('c-change-list', { is: ChangeList });
    Object.assign(el, props);
    document.body.appendChild(el);
    return el;
}

describe('c-change-list', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it('lists each change with its kind and segment', () => {
        const el = mount({ changes });
        expect([...el.shadowRoot.querySelectorAll('li')].map((li: any) => li.textContent)).toEqual([
            'approval SMB Inbound: approved 65 in Setup since the run (was 50)',
            'trigger Enterprise Inbound: REJECTION_RATE_SPIKE: rejection rate up 12 points over 90 days'
        ]);
    });

    it('says nothing changed for an empty list, and shows nothing before the data', () => {
        expect(mount({ changes: [] }).shadowRoot.querySelector('.changes-empty').textContent).toContain(
            'Nothing changed since the last run'
        );
        const loading = mount({ changes: null });
        expect(loading.shadowRoot.querySelector('li')).toBeNull();
        expect(loading.shadowRoot.querySelector('.changes-empty')).toBeNull();
    });

    it('shows the error, and is accessible', async () => {
        const el = mount({ changes: null, error: 'Insufficient access rights' });
        expect(el.shadowRoot.querySelector('.changes-error').textContent).toBe(
            'Changes since the last run unavailable: Insufficient access rights'
        );
        await expect(el).toBeAccessible();
    });

    it('is accessible with data and when empty', async () => {
        await expect(mount({ changes })).toBeAccessible();
        await expect(mount({ changes: [] })).toBeAccessible();
    });
});
