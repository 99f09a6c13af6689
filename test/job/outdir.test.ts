// The output folder: where --out may point, and that it is written whole or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    renameSync,
    symlinkSync,
    writeFileSync
} from 'node:fs';
import { execFile, execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkOutDir, OutDirBusyError, OutputFolder, OUT_MARKER } from '../../scripts/output/outDir';
import { UsageError } from '../../scripts/errors';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'lsc-outdir-'));

function refused(out: string, pattern: RegExp): void {
    assert.throws(
        () => checkOutDir(out, ROOT),
        (e: Error) => e instanceof UsageError && e.exitCode === 2 && pattern.test(e.message)
    );
}

test('--out inside force-app/ or routing/ is refused, however it is spelled', () => {
    refused(path.join(ROOT, 'force-app'), /refusing to write inside force-app\//);
    refused(path.join(ROOT, 'force-app', 'main', 'default', 'reports'), /inside force-app\//);
    refused(path.join(ROOT, 'routing', 'x'), /inside routing\//);
    refused(path.join(ROOT, 'scripts', '..', 'force-app', 'x'), /inside force-app\//);
    const link = path.join(tmp(), 'app');
    symlinkSync(path.join(ROOT, 'force-app'), link);
    refused(path.join(link, 'out'), /inside force-app\//);
});

test('--out may not be the project or a folder above it', () => {
    refused(ROOT, /refusing to replace a folder that holds the project/);
    refused(path.dirname(ROOT), /refusing to replace a folder that holds the project/);
});

test('an existing folder the job did not write is refused; a new, empty or earlier output folder is fine', () => {
    const dir = tmp();
    const mine = path.join(dir, 'precious');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
    refused(mine, /the folder holds notes\.txt, which this job did not write/);
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    refused(file, /a file, not a folder/);
    assert.equal(checkOutDir(path.join(dir, 'new', 'deeper'), ROOT), path.join(dir, 'new', 'deeper'));
    mkdirSync(path.join(dir, 'empty'));
    assert.equal(checkOutDir(path.join(dir, 'empty'), ROOT), path.join(dir, 'empty'));
    const earlier = new OutputFolder(path.join(dir, 'earlier'));
    earlier.add('report.md', '# old');
    earlier.commit();
    assert.equal(checkOutDir(path.join(dir, 'earlier'), ROOT), path.join(dir, 'earlier'));
    // A folder named like the job's output but with no marker is not the job's: a user's result.json, say.
    const lookalike = path.join(dir, 'lookalike');
    mkdirSync(path.join(lookalike, 'charts'), { recursive: true });
    writeFileSync(path.join(lookalike, 'result.json'), '{}');
    refused(lookalike, /the folder holds result\.json, which this job did not write/);
    const onlyMetadata = path.join(dir, 'only-metadata');
    mkdirSync(path.join(onlyMetadata, 'metadata'), { recursive: true });
    writeFileSync(path.join(onlyMetadata, 'metadata', 'package.xml'), '<Package/>');
    refused(onlyMetadata, /the folder holds metadata\/package\.xml, which this job did not write/);
});

test("an output folder whose marker predates the file list is still replaced when it holds only the job's files", () => {
    const dir = tmp();
    const earlier = path.join(dir, 'earlier');
    mkdirSync(path.join(earlier, 'charts'), { recursive: true });
    writeFileSync(
        path.join(earlier, OUT_MARKER),
        'Written by the lead score calibration job; the next run replaces this folder whole.\n'
    );
    writeFileSync(path.join(earlier, 'report.md'), '#');
    writeFileSync(path.join(earlier, 'charts', 'SMB_Inbound.svg'), '<svg/>');
    assert.equal(checkOutDir(earlier, ROOT), earlier);
    writeFileSync(path.join(earlier, 'mine.xlsx'), '');
    refused(earlier, /the folder holds mine\.xlsx/);
});

test('a rerun replaces the previous output whole, marker included', () => {
    const out = path.join(tmp(), 'out');
    const first = new OutputFolder(out);
    first.add('report.md', 'first');
    first.add('charts/Old_Segment.svg', '<svg/>');
    first.commit();
    const second = new OutputFolder(out);
    second.add('report.md', 'second');
    second.commit();
    assert.deepEqual(readdirSync(out).sort(), [OUT_MARKER, 'report.md']);
    assert.equal(readFileSync(path.join(out, 'report.md'), 'utf8'), 'second');
    assert.deepEqual(readdirSync(path.dirname(out)), ['out'], 'no temp or old folders left behind');
});

test('a failure while writing leaves the previous output as it was and no temp folder', () => {
    const out = path.join(tmp(), 'out');
    const first = new OutputFolder(out);
    first.add('report.md', 'good');
    first.commit();
    const broken = new OutputFolder(out);
    broken.add('charts', 'a file where a folder must go');
    broken.add('charts/SMB.svg', '<svg/>');
    assert.throws(() => broken.commit(), /ENOTDIR|EEXIST/);
    assert.equal(readFileSync(path.join(out, 'report.md'), 'utf8'), 'good');
    assert.deepEqual(readdirSync(path.dirname(out)), ['out']);
});

test('a failed first run leaves no --out at all', () => {
    const out = path.join(tmp(), 'out');
    const broken = new OutputFolder(out);
    broken.add('x', '1');
    broken.add('x/y', '2');
    assert.throws(() => broken.commit());
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(path.dirname(out)), []);
});

test('a file a user added to an output folder, at its top or inside it, is never deleted: the folder is refused', () => {
    const out = path.join(tmp(), 'out');
    const first = new OutputFolder(out);
    first.add('report.md', 'first');
    first.add('charts/SMB.svg', '<svg/>');
    first.commit();
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    refused(out, /the folder holds notes\.txt, which this job did not write/);
    const second = new OutputFolder(out);
    second.add('report.md', 'second');
    assert.throws(() => second.commit(), /notes\.txt, which this job did not write/);
    assert.equal(readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'mine');
    assert.equal(readFileSync(path.join(out, 'report.md'), 'utf8'), 'first');
    renameSync(path.join(out, 'notes.txt'), path.join(out, 'charts', 'Mine.svg'));
    refused(out, /the folder holds charts\/Mine\.svg/);
});

/** The process id of a process that has ended. */
function deadPid(): number {
    return Number(
        execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
            encoding: 'utf8'
        })
    );
}

/** An output folder as a run would leave it, written at `at` (a leftover's name, say). */
function outputAt(at: string, report: string): void {
    const f = new OutputFolder(path.join(path.dirname(at), 'staging'));
    f.add('report.md', report);
    f.commit();
    renameSync(path.join(path.dirname(at), 'staging'), at);
}

test('a run killed between the two renames leaves its previous output, which the next run puts back', () => {
    const dir = tmp();
    const out = path.join(dir, 'out');
    const pid = deadPid();
    outputAt(path.join(dir, `.out.old-${pid}`), 'the last good report');
    outputAt(path.join(dir, `.out.tmp-${pid + 1}`), 'half written');
    mkdirSync(path.join(dir, `.out.tmp-${pid + 2}`)); // no marker: not the job's, left alone
    checkOutDir(out, ROOT);
    assert.equal(readFileSync(path.join(out, 'report.md'), 'utf8'), 'the last good report');
    assert.deepEqual(readdirSync(dir).sort(), [`.out.lock`, `.out.tmp-${pid + 2}`, 'out']);
    // With an output in place, a leftover old copy is removed instead.
    outputAt(path.join(dir, `.out.old-${pid}`), 'older');
    const next = new OutputFolder(out);
    next.add('report.md', 'new');
    next.commit();
    checkOutDir(out, ROOT);
    assert.equal(readFileSync(path.join(out, 'report.md'), 'utf8'), 'new');
    assert.equal(existsSync(path.join(dir, `.out.old-${pid}`)), false);
});

test("a folder another live run is writing is refused with a clear message; a dead run's lock is taken over", () => {
    const dir = tmp();
    const out = path.join(dir, 'out');
    writeFileSync(path.join(dir, '.out.lock'), `${process.ppid}\n`);
    assert.throws(
        () => checkOutDir(out, ROOT),
        (e: Error) =>
            e instanceof OutDirBusyError &&
            e.exitCode === 1 &&
            e.message ===
                `--out ${out}: another run of the job (process ${process.ppid}) is writing this folder; wait for it to finish, or choose another --out`
    );
    assert.throws(() => new OutputFolder(out).commit(), OutDirBusyError);
    assert.equal(existsSync(out), false);
    writeFileSync(path.join(dir, '.out.lock'), `${deadPid()}\n`);
    const f = new OutputFolder(out);
    f.add('report.md', 'mine');
    f.commit();
    assert.deepEqual(readdirSync(dir), ['out'], 'the lock is given up once the output is in place');
});

test('two jobs started on one --out: one writes it, the other stops with the lock message, no temp folder is left', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out');
    const job = () =>
        new Promise<{ code: number; stderr: string }>((resolve) =>
            execFile(
                process.execPath,
                ['--import', 'tsx', path.join(ROOT, 'scripts', 'calibrate.ts'), '--demo', '--out', out],
                { cwd: ROOT, env: { ...process.env, SF_ACCESS_TOKEN: '', SF_INSTANCE_URL: '' } },
                (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr })
            )
        );
    const runs = await Promise.all([job(), job()]);
    // Started together, the two runs overlap (each takes seconds): exactly one holds the folder.
    assert.deepEqual(runs.map((r) => r.code).sort(), [0, 1], runs.map((r) => r.stderr).join('\n'));
    for (const r of runs.filter((x) => x.code !== 0))
        assert.match(
            r.stderr,
            /^Error: --out .*: another run of the job \(process \d+\) is writing this folder/
        );
    assert.deepEqual(readdirSync(dir), ['out']);
    assert.ok(existsSync(path.join(out, 'report.html')));
});

test('SIGTERM or SIGINT while the output is being written leaves the previous output or the new one, and no temp folder', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const dir = tmp();
        const out = path.join(dir, 'out');
        const first = new OutputFolder(out);
        first.add('report.md', 'previous');
        first.commit();
        // Thousands of files make the commit take long enough to be stopped in the middle of it.
        const script = `
            import { OutputFolder } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'scripts', 'output', 'outDir.ts')).href)};
            const f = new OutputFolder(${JSON.stringify(out)});
            for (let i = 0; i < 8000; i++) f.add('charts/c' + i + '.svg', '<svg/>');
            f.add('report.md', 'next');
            process.stdout.write('committing\\n');
            f.commit();
        `;
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        await new Promise((r) => setTimeout(r, 150));
        child.kill(signal);
        await new Promise((resolve) => child.once('exit', resolve));
        assert.deepEqual(readdirSync(dir), ['out'], `${signal}: nothing left beside --out`);
        assert.match(readFileSync(path.join(out, 'report.md'), 'utf8'), /^(previous|next)$/);
    }
});
