// A project script as a user runs it: `node --import tsx scripts/<script> …` in a child process, its exit code and
// both streams kept. Tests of the job's command line (CSV, demo, emulated org) all go through here.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `scripts/<script>` with `args`, and `env` added to this process's environment; never rejects. */
export function runScript(
    script: string,
    args: string[],
    env: Record<string, string> = {}
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
            (err, stdout, stderr) =>
                resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
        );
    });
}

/** No org route in the environment: a CSV or demo run must not pick up a developer's SF_ACCESS_TOKEN. */
export const NO_ORG_ENV = { SF_ACCESS_TOKEN: '', SF_INSTANCE_URL: '' };
