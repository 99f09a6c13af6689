// Registers @sa11y/jest's toBeAccessible() matcher for every LWC test.
const { registerSa11yMatcher } = require('@sa11y/jest');

registerSa11yMatcher();
