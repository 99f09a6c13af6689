// The output folder: where --out may point, and that it is written whole or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    symlinkSync,
    writeFileSync
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkOutDir, OutputFolder, OUT_MARKER } from '../../scripts/output/outDir';
import { UsageError } from '../../scripts/errors';

const ROOT = path.resolve(__dirname, '..', '..');
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
    refused(mine, /the folder exists and was not written by this job/);
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    refused(file, /the folder exists and was not written by this job/);
    assert.equal(checkOutDir(path.join(dir, 'new', 'deeper'), ROOT), path.join(dir, 'new', 'deeper'));
    mkdirSync(path.join(dir, 'empty'));
    assert.equal(checkOutDir(path.join(dir, 'empty'), ROOT), path.join(dir, 'empty'));
    const earlier = new OutputFolder(path.join(dir, 'earlier'));
    earlier.add('report.md', '# old');
    earlier.commit();
    assert.equal(checkOutDir(path.join(dir, 'earlier'), ROOT), path.join(dir, 'earlier'));
    // Outputs of runs from before the marker: only the job's own files.
    const legacy = path.join(dir, 'legacy');
    mkdirSync(path.join(legacy, 'charts'), { recursive: true });
    writeFileSync(path.join(legacy, 'result.json'), '{}');
    writeFileSync(path.join(legacy, 'report.md'), '#');
    assert.equal(checkOutDir(legacy, ROOT), legacy);
    writeFileSync(path.join(legacy, 'mine.xlsx'), '');
    refused(legacy, /not written by this job/);
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
