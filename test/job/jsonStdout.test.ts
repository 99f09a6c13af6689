// `--json` is read by schedulers and scripts: stdout must hold the JSON envelope and nothing else, whatever the
// log settings. @salesforce/core, with DEBUG set, sends its logs to stdout unless told otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom } from '../emulator/fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = mkdtempSync(path.join(os.tmpdir(), 'lsc-jsonhome-'));
const env: Record<string, string> = {
    HOME: home,
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_TELEMETRY: 'true',
    SF_BULK_POLL_MS: '10',
    SF_ACCESS_TOKEN: '',
    SF_INSTANCE_URL: '',
    http_proxy: '',
    https_proxy: '',
    HTTP_PROXY: '',
    HTTPS_PROXY: ''
};

function run(script: string, args: string[], extra: Record<string, string> = {}) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
            process.execPath,
            ['--import', 'tsx', path.join(ROOT, script), ...args],
            { cwd: ROOT, env: { ...process.env, ...env, ...extra }, maxBuffer: 64 << 20 },
            (err, stdout, stderr) =>
                resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
        );
    });
}

let org: Emulator;

before(async () => {
    org = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 2000 });
    const r = await run('test/salesforce/helpers/authorise.ts', [org.url, org.token, 'json-org']);
    assert.equal(r.code, 0, r.stderr);
});

after(async () => {
    await org.close();
    rmSync(home, { recursive: true, force: true });
});

test('with DEBUG=sf:* the --json output on stdout is still exactly one JSON document', async () => {
    const r = await run(
        'scripts/calibrate.ts',
        ['--target-org', 'json-org', '--dry-run', '--json', '--out', path.join(home, 'out')],
        { DEBUG: 'sf:*' }
    );
    assert.equal(r.code, 0, r.stdout.slice(0, 2000) + r.stderr.slice(0, 2000));
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `stdout had ${lines.length} lines: ${r.stdout.slice(0, 300)}`);
    const json = JSON.parse(lines[0]);
    assert.equal(json.status, 0);
    assert.equal(json.result.source.kind, 'org');
});
