// The job's command line as RevOps run it: a child process, real files, real exit codes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { OUT_MARKER } from '../../scripts/output/outDir';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_ORG_ENV, runScript } from '../helpers/scripts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const run = (script: string, args: string[]) => runScript(script, args, NO_ORG_ENV);
const calibrate = (args: string[]) => run('calibrate.ts', args);
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'lsc-job-'));

let exportDir: string;
let demoJson: any;

before(async () => {
    exportDir = tmp();
    const e = await run('demo-export.ts', ['--out', exportDir, '--crlf']);
    assert.equal(e.code, 0, e.stderr);
    const d = await calibrate(['--demo', '--json', '--out', path.join(tmp(), 'out')]);
    assert.equal(d.stderr, '', 'with --json nothing but the JSON is printed');
    demoJson = JSON.parse(d.stdout);
});

test('with no source the job runs the demo org, says so, and leaves a report', async () => {
    const out = path.join(tmp(), 'out');
    const r = await calibrate(['--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^No source given: using the embedded demo org/);
    assert.match(r.stdout, /SMB_Inbound\s+50\s+[\d,]+\s+\d+\s+\d+%\s+recommend 65/);
    for (const f of [
        'report.html',
        'report.md',
        'result.json',
        'charts/SMB_Inbound.svg',
        'metadata/package.xml',
        'metadata/DEPLOY.md',
        'metadata/customMetadata/MQL_Threshold.SMB_Inbound.md'
    ])
        assert.ok(existsSync(path.join(out, f)), f);
    const md = readFileSync(path.join(out, 'metadata/customMetadata/MQL_Threshold.SMB_Inbound.md'), 'utf8');
    assert.match(md, /<field>Active_Threshold__c<\/field>\s*<value xsi:type="xsd:double">50<\/value>/);
    assert.match(md, /<field>Recommended_Threshold__c<\/field>\s*<value xsi:type="xsd:double">65<\/value>/);
});

test('--json prints the sf-style envelope with the contract fields', () => {
    assert.equal(demoJson.status, 0);
    const r = demoJson.result;
    assert.equal(r.asOf, '2026-10-31');
    assert.equal(r.source.kind, 'demo');
    const s = r.segments.find((x: any) => x.name === 'SMB_Inbound');
    for (const k of ['name', 'activeThreshold', 'recommendation', 'bands', 'scenarios', 'triggers'])
        assert.ok(k in s, k);
    for (const k of ['threshold', 'reason', 'range']) assert.ok(k in s.recommendation, k);
    for (const k of [
        'from',
        'to',
        'handedOff',
        'accepted',
        'rejected',
        'qualified',
        'opportunities',
        'won',
        'pipelineAmount',
        'wonAmount',
        'wonShare'
    ])
        assert.ok(k in s.bands[0], k);
    for (const k of ['threshold', 'mqls', 'rejectionRate', 'pipelineAmount', 'wonAmount', 'extrapolated'])
        assert.ok(k in s.scenarios[0], k);
    for (const k of ['code', 'message']) assert.ok(k in s.triggers[0], k);
    // Traceable: the band counts add up to the segment's sample.
    assert.equal(
        s.bands.reduce((t: number, b: any) => t + b.handedOff, 0),
        s.sample.handedOff
    );
});

test('the CSV exports of the demo (CRLF, quoted) give the same recommendations as --demo', async () => {
    const r = await calibrate([
        '--leads',
        path.join(exportDir, 'Lead.csv'),
        '--opportunities',
        path.join(exportDir, 'Opportunity.csv'),
        '--lead-history',
        path.join(exportDir, 'LeadHistory.csv'),
        '--config',
        path.join(exportDir, 'settings.json'),
        '--as-of',
        '2026-10-31',
        '--json',
        '--out',
        path.join(tmp(), 'out')
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const csv = JSON.parse(r.stdout).result;
    assert.equal(csv.source.kind, 'csv');
    const pick = (res: any) =>
        res.segments.map((s: any) => [
            s.name,
            s.recommendation.threshold,
            s.recommendation.reason,
            s.recommendation.range,
            s.sample.handedOff
        ]);
    assert.deepEqual(pick(csv), pick(demoJson.result));
    assert.deepEqual(csv.read.scoreSources, demoJson.result.read.scoreSources);
    // The pilot travels in settings.json and its LeadSource column: the same groups and comparison as --demo.
    assert.equal(csv.pilots.length, 1);
    assert.deepEqual(csv.pilots, demoJson.result.pilots);
});

/** Writes small CSV files for the bad-input cases. */
function files(
    lead: string,
    opp = '"Id","Amount","IsWon","IsClosed","CloseDate"\n"006A",100,true,true,2026-09-01\n'
) {
    const dir = tmp();
    writeFileSync(path.join(dir, 'Lead.csv'), lead);
    writeFileSync(path.join(dir, 'Opportunity.csv'), opp);
    return {
        dir,
        args: [
            '--leads',
            path.join(dir, 'Lead.csv'),
            '--opportunities',
            path.join(dir, 'Opportunity.csv'),
            '--out',
            path.join(dir, 'out')
        ]
    };
}
const HEAD =
    'Id,Status,CreatedDate,IsConverted,Handoff_Date__c,pi__score__c,Score_At_Handoff__c,ConvertedOpportunityId,NumberOfEmployees,Existing_Customer__c,Outbound_Assisted__c\n';
const GOOD =
    '00Q1,Working,2026-08-01T00:00:00.000+0000,true,2026-08-02T00:00:00.000+0000,55,55,006A,10,false,false\n';

async function expectError(args: string[], dir: string, pattern: RegExp) {
    const r = await calibrate(args);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    assert.equal(existsSync(path.join(dir, 'out')), false, 'no partial --out');
}

test('a CSV with a BOM and a quoted multi-line field reads fine', async () => {
    const { args } = files(
        `\ufeff${HEAD.replace('\n', '\r\n')}"00Q1","Working","2026-08-01T00:00:00.000+0000","true","2026-08-02T00:00:00.000+0000","55","55","006A","10","false","false"\r\n"00Q2","Open, ""new""\nline two","2026-08-01T00:00:00.000+0000","false","","10","","","10","false","false"\r\n`
    );
    const r = await calibrate([...args, '--json']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(JSON.parse(r.stdout).result.read.leads, 2);
});

test('a missing required column names the file and the column', async () => {
    const { dir, args } = files(
        HEAD.replace(',Handoff_Date__c', '') + GOOD.replace(',2026-08-02T00:00:00.000+0000', '')
    );
    await expectError(args, dir, /^Error: .*Lead\.csv:1: Handoff_Date__c: required column missing/);
});

test('a ragged row names the file and the line', async () => {
    const { dir, args } = files(HEAD + GOOD + '00Q2,Working,2026-08-01\n');
    await expectError(args, dir, /^Error: .*Lead\.csv:3: ragged row/);
});

test('a non-numeric score is excluded and counted, and the run goes on', async () => {
    const { args } = files(
        HEAD +
            GOOD +
            '00Q2,Working,2026-08-01T00:00:00.000+0000,false,2026-08-02T00:00:00.000+0000,55,high,,10,false,false\n'
    );
    const r = await calibrate([...args, '--json']);
    assert.equal(r.code, 0, r.stdout);
    const res = JSON.parse(r.stdout).result;
    assert.equal(res.read.leads, 2);
    assert.equal(res.exclusionCounts['score at handoff is not a number'], 1);
});

test('a status listed as open and as handed off is a one-line settings error naming it', async () => {
    const { dir, args } = files(
        HEAD + GOOD + '00Q2,Banana,2026-08-01T00:00:00.000+0000,false,,10,,,10,false,false\n'
    );
    const cfg = path.join(dir, 'settings.json');
    writeFileSync(
        cfg,
        JSON.stringify({
            statuses: { open: ['Open', 'Working'], handoff: ['Working'], qualified: ['Qualified'] }
        })
    );
    await expectError(
        [...args, '--config', cfg],
        dir,
        /^Error: statuses: "Working" is listed as open and as handed off/
    );
});

test('an empty file is an error naming it', async () => {
    const { dir, args } = files('');
    await expectError(args, dir, /^Error: .*Lead\.csv: the file is empty/);
});

test('settings with a third override or an unknown key name the key', async () => {
    const { dir, args } = files(HEAD + GOOD);
    const cfg = path.join(dir, 'settings.json');
    writeFileSync(
        cfg,
        JSON.stringify({
            segments: [
                { name: 'SMB_Inbound', overrides: ['A: X__c = true', 'B: Y__c = true', 'C: Z__c = true'] }
            ]
        })
    );
    await expectError(
        [...args, '--config', cfg],
        dir,
        /^Error: .*settings\.json: segments\[0\]\.overrides: at most 2 high-intent overrides per segment/
    );
    writeFileSync(cfg, JSON.stringify({ bandWidht: 5 }));
    await expectError(
        [...args, '--config', cfg],
        dir,
        /^Error: .*settings\.json: \(top level\): unknown key "bandWidht"/
    );
    writeFileSync(cfg, JSON.stringify({ targetRejectionRate: 15 }));
    await expectError([...args, '--config', cfg], dir, /^Error: .*settings\.json: targetRejectionRate: /);
});

test('--out inside force-app/ is refused before anything runs', async () => {
    const r = await calibrate(['--out', 'force-app/main/default/out']);
    assert.equal(r.code, 2);
    assert.match(
        r.stderr,
        /^Error: --out force-app\/main\/default\/out: refusing to write inside force-app\//
    );
    assert.equal(existsSync(path.join(ROOT, 'force-app/main/default/out')), false);
});

test('errors come as sf-style JSON with --json', async () => {
    const { args } = files('');
    const r = await calibrate([...args, '--json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.status, 1);
    assert.equal(j.name, 'InputFileError');
    assert.match(j.message, /the file is empty/);
});

test('flag mistakes are usage errors: one line, exit 2, nothing written', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out');
    for (const [args, pattern] of [
        [['--bogus'], /^Error: Unknown option '--bogus' \(see --help\)$/],
        [['--target-org'], /^Error: Option '-o, --target-org <value>' argument missing \(see --help\)$/],
        [['--config', '--demo'], /^Error: --config needs a value \(see --help\)$/],
        [['demo'], /^Error: Unexpected argument 'demo'/],
        [
            ['--demo', '--as-of', '2026-02-31'],
            /^Error: --as-of 2026-02-31: expected a calendar date YYYY-MM-DD$/
        ],
        [['--demo', '--leads', 'Lead.csv'], /^Error: choose one source/],
        [['--leads', 'Lead.csv'], /^Error: CSV exports need both --leads and --opportunities/],
        [['--demo', '--dry-run'], /^Error: --dry-run goes with --target-org/]
    ] as [string[], RegExp][]) {
        const r = await calibrate(['--out', out, ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr.trim(), pattern);
        assert.equal(existsSync(out), false);
    }
});

test('an --out folder the job did not write is refused and left as it was', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    const r = await calibrate(['--demo', '--out', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Error: --out .*: the folder holds notes\.txt, which this job did not write/);
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
    const again = await calibrate(['--demo', '--out', '.']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^Error: --out \.: refusing to replace a folder that holds the project/);
});

test('a missing input file names it', async () => {
    const { dir, args } = files(HEAD + GOOD);
    await expectError(
        [...args.slice(0, 4), '--lead-history', path.join(dir, 'LeadHistory.csv'), ...args.slice(4)].map(
            (a) => a.replace('Lead.csv', 'Leads-typo.csv')
        ),
        dir,
        /^Error: .*Leads-typo\.csv: cannot read the file \(ENOENT\)$/
    );
});

test('a ragged row in the opportunities file names that file and line', async () => {
    const { dir, args } = files(
        HEAD + GOOD,
        '"Id","Amount","IsWon","IsClosed","CloseDate"\n"006A",100,true,true,2026-09-01\n"006B",100,true\n'
    );
    await expectError(args, dir, /^Error: .*Opportunity\.csv:3: ragged row/);
});

test('CSV exports with no segments in the settings: the report runs, and the metadata note says not to deploy it', async () => {
    const { dir, args } = files(HEAD + GOOD);
    const r = await calibrate(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the active thresholds are unknown: do not deploy it as it is/);
    assert.match(
        readFileSync(path.join(dir, 'out', 'metadata', 'DEPLOY.md'), 'utf8'),
        /\*\*Do not deploy this folder as it is\.\*\*/
    );
    assert.ok(existsSync(path.join(dir, 'out', OUT_MARKER)));
});

test('a rerun into the same --out replaces the report', async () => {
    const out = path.join(tmp(), 'out');
    assert.equal((await calibrate(['--demo', '--out', out])).code, 0);
    const first = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')).result.generatedAt;
    assert.equal((await calibrate(['--demo', '--out', out])).code, 0);
    const second = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')).result.generatedAt;
    assert.notEqual(second, first);
    assert.deepEqual(readdirSync(path.dirname(out)), ['out']);
});

test('Data Loader upper-case headers read like API names, and a quote left open names the line it starts on', async () => {
    const upper = HEAD.toUpperCase().replace('PI__SCORE__C', 'pi__Score__c');
    const ok = files(upper + GOOD);
    const r = await calibrate([...ok.args, '--json']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(JSON.parse(r.stdout).result.read.leads, 1);
    const { dir, args } = files(
        HEAD +
            GOOD +
            '00Q2,Working,"2026-08-01T00:00:00.000+0000,false,,10,,,10,false,false\n00Q3,Working,2026-08-01,false,,10,,,10,false,false\n'
    );
    await expectError(
        args,
        dir,
        /^Error: .*Lead\.csv:3: not a readable CSV \(a quoted field is not closed before the end of the file\)$/
    );
});

test('a column missing from the history file is reported before the other files are read', async () => {
    const { dir, args } = files(HEAD + GOOD + '00Q2,Working,2026-08-01,"not a bool",,10,,,10,false,false\n');
    writeFileSync(
        path.join(dir, 'LeadHistory.csv'),
        'LeadId,Field,CreatedDate\n00Q1,pi__score__c,2026-08-01\n'
    );
    // The bad value on Lead.csv line 3 would stop a file-by-file read first; the header check comes before it.
    await expectError(
        [...args, '--lead-history', path.join(dir, 'LeadHistory.csv')],
        dir,
        /^Error: .*LeadHistory\.csv:1: NewValue: required column missing/
    );
});
