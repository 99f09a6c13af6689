import { createElement } from 'lwc';
import CalibrationDashboard from 'c/calibrationDashboard';

describe('c-calibration-dashboard', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it('titles the card with the engine default band width, imported from c/calibrationEngine', () => {
        const el = createElement('c-calibration-dashboard', { is: CalibrationDashboard });
        document.body.appendChild(el);
        const card = el.shadowRoot!.querySelector('lightning-card');
        expect(card!.title).toBe('Lead Score Calibration (bands of 10 points)');
    });
});
