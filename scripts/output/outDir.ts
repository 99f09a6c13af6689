/**
 * Writes the job's output folder all at once: everything goes to a sibling temp folder first and is renamed into
 * place at the end, so a failure leaves no partial --out and a rerun replaces the previous output whole.
 *
 * Replacing a folder whole is only safe when that folder is the job's own: the marker file lists every file the run
 * wrote, and --out is refused when it holds anything else, so `--out .` or `--out ~` can never swap a user's folder
 * for a report, and a file a user added to an output folder is never deleted.
 *
 * One run at a time writes a folder: a lock file beside it (`.<name>.lock`, holding the run's process id) is taken
 * when --out is checked and given up when the output is in place or the process exits. A run killed between the two
 * renames (kill -9) leaves the previous output as `.<name>.old-<pid>`, and one stopped while writing leaves
 * `.<name>.tmp-<pid>`: the next run, holding the lock, puts the previous output back or removes the leftover.
 */
import {
    existsSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    realpathSync,
    renameSync,
    rmSync,
    statSync,
    writeFileSync
} from 'node:fs';
import path from 'node:path';
import { CalibrationJobError, UsageError } from '../errors';

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

const MARKER_HEADING =
    'Written by the lead score calibration job; the next run replaces this folder whole. Files:';

/** What runs whose marker had no file list wrote at the top of --out. */
const EARLIER_OUTPUT = new Set(['result.json', 'report.md', 'report.html', 'charts', 'metadata']);

/** Another run of the job holds the lock on the output folder. */
export class OutDirBusyError extends CalibrationJobError {
    override readonly name = 'OutDirBusyError';
}

/** Every file under `dir`, as paths relative to it with `/` separators. */
function filesUnder(dir: string, prefix = ''): string[] {
    const out: string[] = [];
    for (const e of readdirSync(dir, { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) out.push(...filesUnder(path.join(dir, e.name), rel));
        else out.push(rel);
    }
    return out;
}

/**
 * What in `dir` the job did not write: the first such path, or null when `dir` is missing, empty, or holds only
 * what its marker lists. A folder with no marker holds nothing of the job's, whatever its files are called.
 */
export function foreignEntry(dir: string): string | null {
    if (!existsSync(dir)) return null;
    if (!statSync(dir).isDirectory()) return '.';
    const files = filesUnder(dir);
    if (files.length === 0) return null;
    if (!files.includes(OUT_MARKER)) return files[0];
    const marker = readFileSync(path.join(dir, OUT_MARKER), 'utf8').split('\n');
    if (marker[0] !== MARKER_HEADING) {
        // A marker from before the file list: its runs wrote only these at the top of the folder.
        return files.find((f) => f !== OUT_MARKER && !EARLIER_OUTPUT.has(f.split('/')[0])) ?? null;
    }
    const listed = new Set(marker.slice(1).filter((l) => l !== ''));
    return files.find((f) => f !== OUT_MARKER && !listed.has(f)) ?? null;
}

/** True when `dir` is missing, empty, or holds only what an earlier run of the job wrote. */
export function isReplaceable(dir: string): boolean {
    return foreignEntry(dir) === null;
}

function notOurs(out: string, entry: string): UsageError {
    return new UsageError(
        entry === '.'
            ? `--out ${out}: a file, not a folder; choose a new or empty folder`
            : `--out ${out}: the folder holds ${entry}, which this job did not write (no ${OUT_MARKER} lists it); move it or choose a new or empty folder`
    );
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/** Locks this process holds, released at exit so that a failed run does not block the next one. */
const held = new Set<string>();
/** Temp folders this process is writing, removed if it is stopped by a signal. */
const writing = new Set<string>();
let onSignal = false;

function releaseAll(): void {
    for (const dir of writing) rmSync(dir, { recursive: true, force: true });
    for (const lock of held) rmSync(lock, { force: true });
    writing.clear();
    held.clear();
}

/**
 * Cleans up before a SIGINT or SIGTERM ends the process. Node runs the handler between synchronous steps, so a
 * signal during the commit (all synchronous) waits until the output is in place or abandoned, and never leaves a
 * half-written temp folder; the signal is then raised again so the process ends as it would have.
 */
function cleanUpOnSignal(): void {
    if (onSignal) return;
    onSignal = true;
    process.once('exit', releaseAll);
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
        process.once(sig, () => {
            releaseAll();
            process.kill(process.pid, sig);
        });
}

/** Takes the lock on `out` for this process (again is fine); refuses while a live run holds it. */
function lock(out: string): void {
    const file = path.join(path.dirname(out), `.${path.basename(out)}.lock`);
    if (held.has(file)) return;
    for (let attempt = 0; ; attempt++) {
        try {
            writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
            cleanUpOnSignal();
            held.add(file);
            return;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
        if (attempt > 0 || (Number.isInteger(pid) && pid > 0 && alive(pid)))
            throw new OutDirBusyError(
                `--out ${out}: another run of the job (process ${pid}) is writing this folder; wait for it to finish, or choose another --out`
            );
        rmSync(file, { force: true }); // its run is gone (killed): the lock is stale
    }
}

/** Gives up this process's lock on `out`. */
function unlock(out: string): void {
    const file = path.join(path.dirname(out), `.${path.basename(out)}.lock`);
    if (held.delete(file)) rmSync(file, { force: true });
}

/**
 * Puts back or removes what a killed run left beside `out` (called with the lock held, so no live run owns them):
 * the previous output hidden as `.<name>.old-<pid>` goes back when `out` is missing; temp folders, and old ones
 * when `out` is there, are removed, but only when their marker shows the job wrote them.
 */
function recover(out: string): void {
    const parent = path.dirname(out);
    const base = path.basename(out);
    if (!existsSync(parent)) return;
    const own = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`);
    const left = readdirSync(parent)
        .map((name) => ({ name, m: own.exec(name) }))
        .filter((x) => x.m !== null && Number(x.m[2]) !== process.pid)
        .map((x) => ({ path: path.join(parent, x.name), kind: x.m![1] }))
        .filter((x) => existsSync(path.join(x.path, OUT_MARKER)) && isReplaceable(x.path));
    const old = left
        .filter((x) => x.kind === 'old')
        .sort((a, b) => statSync(b.path).mtimeMs - statSync(a.path).mtimeMs)[0];
    if (old && !existsSync(out)) renameSync(old.path, out);
    for (const x of left)
        if (x !== old || existsSync(old.path)) rmSync(x.path, { recursive: true, force: true });
}

/**
 * Checks --out before anything runs, takes its lock, recovers what a killed run left beside it, and returns its
 * absolute path. Refused: a folder inside force-app/ or routing/ (deployable source must never receive generated
 * files), the repository itself or any folder above it, an existing file, a folder holding anything an earlier run
 * did not write, and a folder another live run is writing.
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
    // A folder not there yet cannot be written by anyone: the lock is taken when the output is committed.
    // (A parent that is a file is left to the writability check, which names it.)
    if (existsSync(path.dirname(abs)) && statSync(path.dirname(abs)).isDirectory()) {
        lock(abs);
        recover(abs);
    }
    const foreign = foreignEntry(target);
    if (foreign !== null) throw notOurs(out, foreign);
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
     * Writes every file to a temp folder beside `out`, then swaps it in, and gives up the lock. Refuses
     * (UsageError) when `out` stopped being replaceable since the check. Returns the folder's path.
     */
    commit(): string {
        const parent = path.dirname(this.out);
        mkdirSync(parent, { recursive: true });
        lock(this.out);
        try {
            const foreign = foreignEntry(this.out);
            if (foreign !== null) throw notOurs(this.out, foreign);
            this.swapIn(parent);
        } finally {
            unlock(this.out);
        }
        return this.out;
    }

    private swapIn(parent: string): void {
        const tmp = path.join(parent, `.${path.basename(this.out)}.tmp-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        writing.add(tmp);
        try {
            mkdirSync(tmp);
            const names = [...this.files.keys()].map((rel) => rel.split(path.sep).join('/'));
            writeFileSync(path.join(tmp, OUT_MARKER), `${MARKER_HEADING}\n${names.join('\n')}\n`);
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
        writing.delete(tmp);
        if (hadOld) rmSync(old, { recursive: true, force: true });
    }
}
