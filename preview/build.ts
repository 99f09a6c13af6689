/**
 * Builds the preview bundle: the real dashboard components (compiled .js from force-app, `npm run build` first),
 * lightning-base-components and LWC from npm, with lightning/graphql answered from fixtures. Cached in
 * preview/dist/ and rebuilt only when a source file is newer than the bundle.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import lwc from '@lwc/rollup-plugin';
import replace from '@rollup/plugin-replace';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { walk } from '../scripts/tools/checks/common';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LWC_DIR = path.resolve(ROOT, 'force-app', 'main', 'default', 'lwc');
export const BUNDLE = path.join(ROOT, 'preview', 'dist', 'app.js');

function newestSource(): number {
    const files = [...walk(path.join(ROOT, 'force-app', 'main', 'default', 'lwc'), (n) => /\.(js|html|css)$/.test(n)), ...walk(path.join(ROOT, 'preview'), (n) => /^(main|graphql|customPermission|i18n\w*)\.js$/.test(n))];
    return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/** Builds the bundle unless it is up to date; returns seconds spent (0 when cached). */
export async function buildPreview(force = false): Promise<number> {
    if (!force && existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs > newestSource()) return 0;
    const t = performance.now();
    const bundle = await rollup({
        input: path.join(ROOT, 'preview', 'src', 'main.js'),
        onwarn: () => undefined,
        plugins: [
            replace({ preventAssignment: true, values: { 'process.env.NODE_ENV': JSON.stringify('production'), 'import.meta.env.SSR': 'false' } }),
            lwc({
                rootDir: ROOT,
                enableDynamicComponents: true,
                modules: [
                    // force-app keeps bundles as lwc/<name>/ (no namespace folder), so each is mapped to c/<name>.
                    ...readdirSync(LWC_DIR)
                        .filter((n) => existsSync(path.join(LWC_DIR, n, `${n}.js`)))
                        .map((n) => ({ name: `c/${n}`, path: path.join(LWC_DIR, n, `${n}.js`) })),
                    { name: 'lightning/graphql', path: path.join(ROOT, 'preview', 'stubs', 'graphql.js') },
                    { name: '@salesforce/customPermission/MQL_Calibration_Admin', path: path.join(ROOT, 'preview', 'stubs', 'customPermission.js') },
                    { name: '@salesforce/i18n/locale', path: path.join(ROOT, 'preview', 'stubs', 'i18nLocale.js') },
                    { name: '@salesforce/i18n/currency', path: path.join(ROOT, 'preview', 'stubs', 'i18nCurrency.js') },
                    { npm: 'lightning-base-components' }
                ]
            } as never),
            nodeResolve()
        ]
    });
    await bundle.write({ file: BUNDLE, format: 'iife', inlineDynamicImports: true });
    await bundle.close();
    return (performance.now() - t) / 1000;
}
