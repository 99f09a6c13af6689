// Flat ESLint config: Salesforce's LWC rules (TypeScript flavour) for components, typescript-eslint for Node code.
const lwcConfig = require('@salesforce/eslint-config-lwc');
const tseslint = require('typescript-eslint');

module.exports = [
    { ignores: ['node_modules/**', 'coverage/**', 'calibration-out/**', 'bench-out/**', 'preview/dist/**', 'tmp/**', 'force-app/**/lwc/**/*.js'] },
    ...lwcConfig.configs.recommendedTs.map((c) => ({ ...c, files: ['force-app/**/lwc/**/*.ts'] })),
    ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'preview/**/*.ts'] })),
    {
        // TypeScript itself checks names and unused bindings in .ts files.
        files: ['**/*.ts'],
        rules: { 'no-undef': 'off', 'no-unused-vars': 'off' }
    },
    {
        files: ['scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'preview/**/*.ts'],
        rules: {
            '@typescript-eslint/no-explicit-any': 'off',
            '@typescript-eslint/no-require-imports': 'off',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }]
        }
    }
];
