/**
 * Writes the job's output folder all at once: everything goes to a sibling temp folder first and is renamed into
 * place at the end, so a failure leaves no partial --out and a rerun replaces the previous output whole.
 *
 * Replacing a folder whole is only safe when that folder is the job's own: --out is refused when it exists with
 * anything in it that an earlier run did not write (a marker file says so), so `--out .` or `--out ~` can never
 * swap a user's folder for a report.
 */
import {
    existsSync,
    mkdirSync,
    readdirSync,
    realpathSync,
    renameSync,
    rmSync,
    statSync,
    writeFileSync
} from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors';

/** The file every output folder carries, so a rerun knows the folder it replaces is its own. */
export const OUT_MARKER = '.calibration-out';

function real(p: string): string {
    // Resolve symlinks of the longest existing prefix, so /tmp vs /private/tmp style links cannot dodge the checks.
    let head = path.resolve(p);
    const tail: string[] = [];
    while (!existsSync(head)) {
        const parent = path.dirname(head);
        if (parent === head) break;
        tail.unshift(path.basename(head));
        head = parent;
    }
    return path.join(realpathSync(head), ...tail);
}

function isInside(child: string, parent: string): boolean {
    const rel = path.relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** What a run writes at the top of --out (runs before the marker existed wrote exactly these). */
const OUTPUT_ENTRIES = new Set(['result.json', 'report.md', 'report.html', 'charts', 'metadata']);

/** True when `dir` is missing, empty, or was written by an earlier run of the job. */
export function isReplaceable(dir: string): boolean {
    if (!existsSync(dir)) return true;
    if (!statSync(dir).isDirectory()) return false;
    const entries = readdirSync(dir);
    return (
        entries.length === 0 ||
        entries.includes(OUT_MARKER) ||
        (entries.includes('result.json') && entries.every((e) => OUTPUT_ENTRIES.has(e)))
    );
}

/**
 * Checks --out before anything runs and returns its absolute path. Refused: a folder inside force-app/ or routing/
 * (deployable source must never receive generated files), the repository itself or any folder above it, and an
 * existing folder (or file) with content an earlier run did not write.
 */
export function checkOutDir(out: string, repoRoot: string): string {
    const abs = path.resolve(out);
    const target = real(abs);
    const root = real(repoRoot);
    for (const dir of ['force-app', 'routing']) {
        if (isInside(target, path.join(root, dir))) {
            throw new UsageError(
                `--out ${out}: refusing to write inside ${dir}/ (deployable source); choose another folder`
            );
        }
    }
    if (isInside(root, target))
        throw new UsageError(
            `--out ${out}: refusing to replace a folder that holds the project; choose a folder of its own`
        );
    if (!isReplaceable(target)) {
        throw new UsageError(
            `--out ${out}: the folder exists and was not written by this job (no ${OUT_MARKER} in it); choose a new or empty folder`
        );
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

    /**
     * Writes every file to a temp folder beside `out`, then swaps it in. Refuses (UsageError) when `out` stopped
     * being replaceable since the check. Returns the folder's path.
     */
    commit(): string {
        if (!isReplaceable(this.out))
            throw new UsageError(
                `--out ${this.out}: the folder exists and was not written by this job (no ${OUT_MARKER} in it); choose a new or empty folder`
            );
        const parent = path.dirname(this.out);
        mkdirSync(parent, { recursive: true });
        const tmp = path.join(parent, `.${path.basename(this.out)}.tmp-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        try {
            mkdirSync(tmp);
            writeFileSync(
                path.join(tmp, OUT_MARKER),
                'Written by the lead score calibration job; the next run replaces this folder whole.\n'
            );
            for (const [rel, content] of this.files) {
                const file = path.join(tmp, rel);
                mkdirSync(path.dirname(file), { recursive: true });
                writeFileSync(file, content);
            }
        } catch (e) {
            rmSync(tmp, { recursive: true, force: true });
            throw e;
        }
        const old = path.join(parent, `.${path.basename(this.out)}.old-${process.pid}`);
        const hadOld = existsSync(this.out);
        if (hadOld) renameSync(this.out, old);
        try {
            renameSync(tmp, this.out);
        } catch (e) {
            // Put the previous output back: a failed run must not cost the last good report.
            if (hadOld) renameSync(old, this.out);
            rmSync(tmp, { recursive: true, force: true });
            throw e;
        }
        if (hadOld) rmSync(old, { recursive: true, force: true });
        return this.out;
    }
}
