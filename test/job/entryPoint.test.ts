// Scripts are ES modules: each decides by isEntryPoint whether it was started as a command or imported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isEntryPoint } from '../../scripts/entryPoint';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'lsc-entry-'));
// The loader and the project's tsconfig (its c/ paths) named here, so a child can run from a folder outside it.
const TSX = import.meta.resolve('tsx');
const ENV = { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') };

function node(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(process.execPath, ['--import', TSX, ...args], { cwd, env: ENV }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
        )
    );
}

test('a script started through a symbolic link to the project still runs its command line', async () => {
    const dir = tmp();
    const link = path.join(dir, 'project');
    symlinkSync(ROOT, link, 'dir');
    const out = path.join(dir, 'export');
    const r = await node([path.join(link, 'scripts', 'demo-export.ts'), '--out', out], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Wrote \d+ leads/);
    assert.ok(existsSync(path.join(out, 'Lead.csv')));
});

test("importing a script's module runs none of its command line", async () => {
    const dir = tmp();
    const url = pathToFileURL(path.join(ROOT, 'scripts', 'demo-export.ts')).href;
    const r = await node(
        [
            '--input-type=module',
            '-e',
            `import { exportOrg } from ${JSON.stringify(url)}; console.log(typeof exportOrg);`
        ],
        dir
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'function\n');
    assert.deepEqual(readdirSync(dir), [], 'no default demo-export folder was written');
});

test('a module is not the entry point of a process started with another script', () => {
    assert.equal(isEntryPoint(pathToFileURL(path.join(ROOT, 'scripts', 'demo-export.ts')).href), false);
    assert.equal(isEntryPoint(pathToFileURL(path.join(ROOT, 'no', 'such', 'script.ts')).href), false);
});
