// Flat ESLint config: Salesforce's LWC rules (TypeScript flavour) for components, typescript-eslint for Node code.
import lwcConfig from '@salesforce/eslint-config-lwc';
import tseslint from 'typescript-eslint';

export default [
    { ignores: ['node_modules/**', 'coverage/**', 'calibration-out/**', 'bench-out/**', 'preview/dist/**', 'tmp/**', 'force-app/**/lwc/**/*.js'] },
    ...lwcConfig.configs.recommendedTs.map((c) => ({ ...c, files: ['force-app/**/lwc/**/*.ts'] })),
    {
        // Babel's parser (the LWC config's) takes the names in type annotations for variables, so core rules such as
        // no-restricted-globals fired on an interface's `name` or `status`; typescript-eslint's parser knows types.
        files: ['force-app/**/lwc/**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } }
    },
    ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'preview/**/*.ts', 'types/**/*.ts'] })),
    {
        // TypeScript itself checks names, unused bindings, what a function returns and what a module exports in .ts
        // files (eslint-plugin-import cannot see type-only exports behind `export *`).
        files: ['**/*.ts'],
        rules: { 'no-undef': 'off', 'no-unused-vars': 'off', 'consistent-return': 'off', 'import/export': 'off' }
    },
    {
        // Jest tests wait for the component's promises with a timer; the rule is about component code.
        files: ['force-app/**/lwc/**/__tests__/**/*.ts'],
        rules: { '@lwc/lwc/no-async-operation': 'off' }
    },
    {
        // Ambient module declarations for the platform: \`any\` is what those modules give.
        files: ['types/**/*.d.ts'],
        rules: { '@typescript-eslint/no-explicit-any': 'off' }
    },
    {
        files: ['scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'preview/**/*.ts'],
        rules: {
            '@typescript-eslint/no-explicit-any': 'off',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }]
        }
    },
    {
        // The package is ES modules ("type": "module"): CommonJS's names are undefined at run time, yet TypeScript
        // accepts them because @types/node declares them globally.
        files: ['scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'preview/**/*.ts'],
        rules: {
            'no-restricted-globals': [
                'error',
                ...['__dirname', '__filename', 'require', 'module', 'exports'].map((name) => ({
                    name,
                    message: 'an ES module has no CommonJS globals: use import, import.meta.url or isEntryPoint'
                }))
            ]
        }
    }
];
