/**
 * `npm run calibrate -- [source] [options]`: the nightly calibration job. Thin entry: parse flags, pick a
 * source, run, print. See docs/job.md (and `--help`).
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, type RunOptions } from './job/run';
import { terminalTable } from './report/report';
import { CalibrationJobError, OrgWriteError, UsageError } from './errors';
import { checkOutDir } from './output/outDir';

const HELP = `Usage: npm run calibrate -- [source] [options]

Source (one of; with none, the embedded demo org is used and the output says so)
  --target-org <alias|username>   an org the sf CLI has authorised (or SF_ACCESS_TOKEN + SF_INSTANCE_URL)
  --leads <csv> --opportunities <csv> [--lead-history <csv>]
                                  CSV exports with API field names as headers
  --demo                          the embedded demo org

Options
  --config <json>   settings file (docs/settings.md); in org mode it overrides the org's settings record
  --as-of <date>    analysis date, YYYY-MM-DD (default: today; demo: 2026-10-31)
  --out <dir>       report and metadata folder (default ./calibration-out), replaced whole by each run;
                    never inside force-app/, never a folder with files the job did not write
  --json            print {"status":0,"result":{...}} on stdout
  --dry-run         with --target-org: read and compute, write nothing to the org
  --no-stamp        with --target-org: do not stamp Score_At_Handoff__c on handed-off leads
  -h, --help        this text

Exit codes: 0 done; 1 bad input, settings, org or write failure (one line names the file and row, or the key);
2 wrong command-line use. See docs/job.md.
`;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseFlags(argv: string[]) {
    try {
        return parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                'target-org': { type: 'string', short: 'o' },
                leads: { type: 'string' },
                opportunities: { type: 'string' },
                'lead-history': { type: 'string' },
                demo: { type: 'boolean', default: false },
                config: { type: 'string' },
                'as-of': { type: 'string' },
                out: { type: 'string', default: 'calibration-out' },
                json: { type: 'boolean', default: false },
                'dry-run': { type: 'boolean', default: false },
                'no-stamp': { type: 'boolean', default: false },
                help: { type: 'boolean', short: 'h', default: false }
            }
        });
    } catch (e) {
        // parseArgs says what is wrong in its first line (unknown option, missing value, stray argument); a flag
        // followed by another flag instead of its value reads better said plainly.
        const message = (e as Error).message;
        const missing = /Did you forget to specify the option argument for '([^']+)'/.exec(message);
        throw new UsageError(
            `${missing ? `${missing[1]} needs a value` : message.split('\n')[0]} (see --help)`
        );
    }
}

function options(argv: string[]): RunOptions & { json: boolean; help: boolean; defaulted: boolean } {
    const { values } = parseFlags(argv);
    const csv =
        values.leads !== undefined ||
        values.opportunities !== undefined ||
        values['lead-history'] !== undefined;
    const org =
        values['target-org'] !== undefined ||
        (!!process.env.SF_ACCESS_TOKEN && !!process.env.SF_INSTANCE_URL && !csv && !values.demo);
    const chosen = [values.demo, csv, values['target-org'] !== undefined].filter(Boolean).length;
    // Half a token route is a mistake, not a request for the demo: a scheduler would report the demo's success.
    if (chosen === 0 && !!process.env.SF_ACCESS_TOKEN !== !!process.env.SF_INSTANCE_URL)
        throw new UsageError(
            `SF_ACCESS_TOKEN and SF_INSTANCE_URL must both be set to run against an org (${process.env.SF_ACCESS_TOKEN ? 'SF_INSTANCE_URL' : 'SF_ACCESS_TOKEN'} is missing); unset both to run the demo`
        );
    if (chosen > 1)
        throw new UsageError('choose one source: --target-org, --leads/--opportunities, or --demo');
    if (csv && (!values.leads || !values.opportunities))
        throw new UsageError(
            'CSV exports need both --leads and --opportunities (and optionally --lead-history)'
        );
    if (values['dry-run'] && !org)
        throw new UsageError('--dry-run goes with --target-org (offline sources never write to an org)');
    const source = csv ? 'csv' : org ? 'org' : 'demo';
    return {
        source,
        leads: values.leads,
        opportunities: values.opportunities,
        leadHistory: values['lead-history'],
        targetOrg: values['target-org'],
        config: values.config,
        asOf: values['as-of'],
        out: values.out!,
        dryRun: values['dry-run']!,
        stamp: !values['no-stamp'],
        repoRoot,
        json: values.json!,
        help: values.help!,
        defaulted: source === 'demo' && !values.demo
    };
}

async function main(): Promise<number> {
    const wantsJson = process.argv.includes('--json');
    if (wantsJson) {
        // stdout is the JSON envelope and nothing else: @salesforce/core sends its DEBUG logs to stdout unless told
        // otherwise (set before it loads), and a library's console.log goes to stderr with them.
        process.env.SF_LOG_STDERR = 'true';
        console.log = console.error;
    }
    try {
        const o = options(process.argv.slice(2));
        if (o.help) {
            process.stdout.write(HELP);
            return 0;
        }
        checkOutDir(o.out, repoRoot);
        if (o.defaulted && !o.json)
            process.stderr.write(
                'No source given: using the embedded demo org (--demo). See --help for --target-org and CSV exports.\n'
            );
        if (o.source === 'org') {
            const { orgSide } = await import('./salesforce/orgSide');
            o.org = orgSide;
        }
        const progress = !o.json && process.stderr.isTTY ? await import('./job/progress') : null;
        const bar = progress?.createProgress();
        o.onProgress = bar?.update;
        const result = await runJob(o).finally(() => bar?.stop());
        if (o.json) {
            process.stdout.write(
                `${JSON.stringify({ status: 0, result: { ...result, defaultedToDemo: o.defaulted } })}\n`
            );
        } else {
            process.stdout.write(
                `Lead score calibration as of ${result.asOf} — ${result.source.label}\n\n${terminalTable(result)}\n\n`
            );
            process.stdout.write(
                `${result.writes.summary}\nReport: ${path.join(path.relative(process.cwd(), path.resolve(o.out)) || '.', 'report.html')} (also report.md, result.json)\n`
            );
        }
        return 0;
    } catch (e) {
        const err = e as Error & { exitCode?: number };
        const known = e instanceof CalibrationJobError || err.name === 'ConfigurationError';
        const message = (err.message || String(e)).split('\n')[0];
        const exitCode = e instanceof CalibrationJobError ? e.exitCode : 1;
        // A run whose org writes stopped part-way still has a result: its write log says what landed.
        const result = e instanceof OrgWriteError ? e.result : undefined;
        if (wantsJson)
            process.stdout.write(
                `${JSON.stringify({ status: exitCode, name: known ? err.name : 'UnexpectedError', message, ...(result ? { result } : {}) })}\n`
            );
        else process.stderr.write(`Error: ${message}\n`);
        if (!known && process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
        return exitCode;
    }
}

main().then((code) => {
    process.exitCode = code;
});
