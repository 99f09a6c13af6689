import { LightningElement } from 'lwc';
import { defaultSettings } from 'c/calibrationEngine';

/** Container: the dashboard tab. The only component that wires data; owns loading, empty and error states. */
export default class CalibrationDashboard extends LightningElement {
    /** Band width the engine uses by default, shown until a calibration run says otherwise. */
    bandWidth: number = defaultSettings().bandWidth;

    get heading(): string {
        return `Lead Score Calibration (bands of ${this.bandWidth} points)`;
    }
}
