import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import CalibrationDashboard from 'c/calibrationDashboard';

const el = createElement('c-calibration-dashboard', { is: CalibrationDashboard });
document.getElementById('root').appendChild(el);
window.__LWC_MOUNTED__ = performance.now();
