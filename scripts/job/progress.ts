/** Progress on long steps, on stderr, only when stderr is a terminal (never with --json). */
import cliProgress from 'cli-progress';

/** A bar that counts records per step; totals are shown when the source knows them. */
export function createProgress(): { update: (step: string, done: number, total?: number) => void; stop: () => void } {
    const bar = new cliProgress.SingleBar(
        { format: '{step} {bar} {value} records', stream: process.stderr, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic
    );
    let started = false;
    return {
        update(step, done, total) {
            if (!started) {
                bar.start(total ?? Math.max(done * 2, 1), done, { step });
                started = true;
            }
            if (total === undefined && done >= bar.getTotal()) bar.setTotal(done * 2);
            bar.update(done, { step });
        },
        stop() {
            if (started) bar.stop();
        }
    };
}
