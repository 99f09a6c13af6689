/**
 * Serves an emulated org from its own process, for trying the job by hand and for the benchmark:
 *   npx tsx test/emulator/serve.ts [--demo] [--page-size N]   the demo org (the default)
 *   npx tsx test/emulator/serve.ts --from-csv <dir>           an org exported by demo:export / the benchmark
 * Prints one line with the environment that points the job at it and serves until interrupted; in another
 * terminal, `env <that line> npm run calibrate -- --dry-run` runs the job against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { startEmulator, type EmulatedOrg, type Row } from './emulator';
import { emulatedOrgFrom } from './fixtures';

function fromCsv(dir: string): EmulatedOrg {
    const read = (f: string) => parse(readFileSync(path.join(dir, f)), { columns: true, bom: true }) as Row[];
    const base = emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] });
    const settings = JSON.parse(readFileSync(path.join(dir, 'settings.json'), 'utf8')) as {
        segments: { name: string; activeThreshold: number | null; overrides?: string[] }[];
    };
    for (const s of settings.segments) {
        base.metadata.set(`MQL_Threshold.${s.name}`, {
            label: s.name,
            values: {
                Active_Threshold__c: s.activeThreshold === null ? null : String(s.activeThreshold),
                Override_1__c: s.overrides?.[0] ?? null
            }
        });
    }
    const leads = read('Lead.csv');
    base.schema.Lead = Object.keys(leads[0] ?? {});
    base.sobjects = {
        Lead: leads,
        Opportunity: read('Opportunity.csv'),
        LeadHistory: read('LeadHistory.csv'),
        MQL_Calibration_Run__c: []
    };
    return base;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            demo: { type: 'boolean', default: false },
            'page-size': { type: 'string', default: '50000' },
            'from-csv': { type: 'string' }
        }
    });
    if (values.demo && values['from-csv'])
        throw new Error('--demo and --from-csv are two different orgs: pick one');
    const org = values['from-csv'] ? fromCsv(values['from-csv']) : emulatedOrgFrom();
    const emu = await startEmulator(org, { bulkPageSize: Number(values['page-size']) });
    process.stdout.write(`SF_INSTANCE_URL=${emu.url} SF_ACCESS_TOKEN=${emu.token} SF_BULK_POLL_MS=50\n`);
}

main();
