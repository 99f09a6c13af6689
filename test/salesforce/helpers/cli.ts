// The calibration job against an emulated org, as a scheduler runs it (the org's token and URL in `env`).
import { runScript } from '../../helpers/scripts';

/** Runs `npm run calibrate` with `args` and `env`; never rejects. */
export function cli(
    args: string[],
    env: Record<string, string>
): Promise<{ code: number; stdout: string; stderr: string }> {
    return runScript('calibrate.ts', args, env);
}
