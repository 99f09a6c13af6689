// Preview stand-in for @salesforce/i18n/locale and /currency (test code, not shipped): the browser's own locale
// stands for the user's, and the preview server may set the currency on window.__FIXTURES__ (default USD).
export const locale = (typeof navigator !== 'undefined' && navigator.language) || 'en-US';
export const currency =
    (typeof window !== 'undefined' && window.__FIXTURES__ && window.__FIXTURES__.currency) || 'USD';
