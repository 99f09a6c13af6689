/**
 * Check (b): every LWC bundle compiles with @lwc/compiler — its compiled .js (run `npm run build` first), its
 * template and its CSS — as the platform would compile them. A bundle whose .ts has no .js beside it is not built.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from '@lwc/compiler';
import type { Problem } from './common';

export function checkLwc(root: string): Problem[] {
    const base = path.join(root, 'force-app', 'main', 'default', 'lwc');
    const problems: Problem[] = [];
    if (!existsSync(base)) return problems;
    for (const name of readdirSync(base)) {
        const dir = path.join(base, name);
        if (!existsSync(path.join(dir, `${name}.js-meta.xml`))) continue;
        const files = readdirSync(dir);
        for (const ts of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
            if (!files.includes(ts.replace(/\.ts$/, '.js'))) problems.push({ file: path.join(dir, ts), message: 'not compiled to .js (run npm run build)' });
        }
        for (const f of files.filter((x) => /\.(js|html|css)$/.test(x))) {
            const file = path.join(dir, f);
            try {
                const r = transformSync(readFileSync(file, 'utf8'), f, { namespace: 'c', name, experimentalDynamicComponent: { strictSpecifier: false } } as never);
                const errors = (r.warnings ?? []).filter((d: { level: number }) => d.level <= 1);
                for (const d of errors as { message: string; location?: { line: number } }[]) problems.push({ file, line: d.location?.line, message: d.message });
            } catch (e) {
                const err = e as Error & { location?: { line: number } };
                problems.push({ file, line: err.location?.line, message: err.message.split('\n')[0] });
            }
        }
    }
    return problems;
}
