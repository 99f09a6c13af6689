// Preview stand-in for @salesforce/i18n/locale (see i18n.js).
import { locale } from './i18n.js';
export default locale;
