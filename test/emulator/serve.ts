/**
 * Serves an emulated org from its own process (for trying the job by hand and for the benchmark):
 * `npx tsx test/emulator/serve.ts [--page-size N]` prints the environment to point the job at it.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator';
import { emulatedOrgFrom } from './fixtures';

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { 'page-size': { type: 'string', default: '1000' } } });
    const emu = await startEmulator(emulatedOrgFrom(), { bulkPageSize: Number(values['page-size']) });
    process.stdout.write(`SF_INSTANCE_URL=${emu.url} SF_ACCESS_TOKEN=${emu.token} SF_BULK_POLL_MS=10\n`);
}

main();
