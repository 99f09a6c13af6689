// LWC unit tests run through sfdx-lwc-jest (its pinned Jest 29). The .ts sources are stripped by Babel there;
// type checking is `npm run typecheck`. Node-side tests (engine, job, emulator) run under node:test instead.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    moduleFileExtensions: ['ts', 'js', 'html', 'json'],
    testMatch: ['**/force-app/**/lwc/**/__tests__/**/*.test.ts'],
    setupFilesAfterEnv: ['<rootDir>/jest-sa11y-setup.js'],
    modulePathIgnorePatterns: ['<rootDir>/.localdevserver', '<rootDir>/node_modules/lightning-base-components'],
    testPathIgnorePatterns: ['/node_modules/', '/preview/']
};
