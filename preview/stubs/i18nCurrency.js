// Preview stand-in for @salesforce/i18n/currency (see i18n.js).
import { currency } from './i18n.js';
export default currency;
