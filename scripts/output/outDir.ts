/**
 * Writes the job's output folder all at once: everything goes to a sibling temp folder first and is renamed into
 * place at the end, so a failure leaves no partial --out and a rerun replaces the previous output whole.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors';

/** Refuses an --out inside force-app/ or routing/ (deployable source must never receive generated files). */
export function checkOutDir(out: string, repoRoot: string): string {
    const abs = path.resolve(out);
    for (const dir of ['force-app', 'routing']) {
        const guarded = path.join(existsSync(repoRoot) ? realpathSync(repoRoot) : repoRoot, dir);
        const rel = path.relative(guarded, abs);
        if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
            throw new UsageError(`--out ${out}: refusing to write inside ${dir}/ (deployable source); choose another folder`);
        }
    }
    return abs;
}

/** Collects files in memory and commits them to `out` in one rename. */
export class OutputFolder {
    private readonly files = new Map<string, string>();

    constructor(private readonly out: string) {}

    /** Adds a file (path relative to the folder). */
    add(relative: string, content: string): void {
        this.files.set(relative, content);
    }

    /** Writes every file to a temp folder beside `out`, then swaps it in. Returns the folder's path. */
    commit(): string {
        const parent = path.dirname(this.out);
        mkdirSync(parent, { recursive: true });
        const tmp = path.join(parent, `.${path.basename(this.out)}.tmp-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        try {
            for (const [rel, content] of this.files) {
                const file = path.join(tmp, rel);
                mkdirSync(path.dirname(file), { recursive: true });
                writeFileSync(file, content);
            }
            const old = path.join(parent, `.${path.basename(this.out)}.old-${process.pid}`);
            if (existsSync(this.out)) renameSync(this.out, old);
            renameSync(tmp, this.out);
            rmSync(old, { recursive: true, force: true });
        } catch (e) {
            rmSync(tmp, { recursive: true, force: true });
            throw e;
        }
        return this.out;
    }
}
