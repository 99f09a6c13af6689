/** Shared helpers of the offline metadata checks: each check takes a project root and returns its problems. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** One problem, printed as one line: `file[:line]: message`. */
export interface Problem {
    file: string;
    line?: number;
    message: string;
}

export function formatProblem(p: Problem, root: string): string {
    return `${path.relative(root, p.file)}${p.line ? `:${p.line}` : ''}: ${p.message}`;
}

/** Every file under `dir` (recursively) whose name passes `keep`; node_modules and dot-folders are skipped. */
export function walk(dir: string, keep: (name: string) => boolean): string[] {
    const out: string[] = [];
    let entries: string[];
    try {
        entries = readdirSync(dir);
    } catch {
        return out;
    }
    for (const e of entries) {
        if (e === 'node_modules' || e.startsWith('.')) continue;
        const full = path.join(dir, e);
        if (statSync(full).isDirectory()) out.push(...walk(full, keep));
        else if (keep(e)) out.push(full);
    }
    return out;
}

/** The deployable source folders of the project (sfdx-project.json's package directories). */
export const SOURCE_DIRS = ['force-app', 'routing', 'scratch'];
