// The calibration job as a scheduler runs it: `node --import tsx scripts/calibrate.ts …` in a child process, with
// the environment a test gives (an emulated org's token and URL), its exit code and both streams kept.
import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Runs the job with `args` and `env` added to this process's environment; never rejects. */
export function cli(
    args: string[],
    env: Record<string, string>
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ['--import', 'tsx', path.join(ROOT, 'scripts', 'calibrate.ts'), ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
            (err, stdout, stderr) =>
                resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
        );
    });
}
