// Pilots through the job as RevOps run it: the demo's running pilot in the reports, and each way a pilot can be
// configured wrong ending in one line that names where, with nothing written.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvLine } from '../../scripts/tools/csvWrite';
import { startEmulator } from '../emulator/emulator';
import { emulatedOrgFrom, JOB_USER } from '../emulator/fixtures';
import { NO_ORG_ENV, runScript } from '../helpers/scripts';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

/** A project script with no org route in the environment, plus `env`. */
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
    runScript(script, args, { ...NO_ORG_ENV, ...env });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'lsc-pilot-'));

let exportDir: string;
before(async () => {
    exportDir = tmp();
    const e = await run('demo-export.ts', ['--out', exportDir]);
    assert.equal(e.code, 0, e.stderr);
});

test('the demo report shows a pending proposal, a frozen segment and the running pilot', async () => {
    const out = path.join(tmp(), 'out');
    const r = await run('calibrate.ts', ['--demo', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const section = (name: string) =>
        md.slice(md.indexOf(`## ${name}`), md.indexOf('\n## ', md.indexOf(`## ${name}`) + 3));
    assert.match(section('SMB_Inbound'), /Status: Pending review \(new proposal, waiting for an admin\)\./);
    assert.match(
        section('Expansion'),
        /Frozen until 2027-01-15: no new proposal unless a review trigger fires\./
    );
    const pilots = section('Pilots');
    assert.match(pilots, /### SMB_Inbound: LeadSource in Webinar, Paid Search at 60, since 2026-09-26/);
    assert.match(pilots, /\*\*Not yet conclusive: 5 of 6 weeks run/);
    for (const metric of [
        'MQL→SQL',
        'Acceptance',
        'Opportunity rate at 30 days',
        'Opportunity rate at 60 days',
        'Hours to first contact',
        'Revenue at 90 days per MQL'
    ])
        assert.match(
            pilots,
            new RegExp(`^\\| ${metric} \\(${metric === 'MQL→SQL' ? 'primary' : 'secondary'}\\) \\|`, 'm'),
            metric
        );
    assert.match(pilots, /Primary metric: MQL→SQL; the others are secondary/);
    assert.match(
        pilots,
        /_Observational comparison: test and control were split by LeadSource \(Webinar, Paid Search against the rest\), not at random/
    );
    assert.match(pilots, /\| Sequential p \(\|z\|, boundary\) \|/);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(
        html,
        /<h2>Pilots<\/h2><h3>SMB_Inbound: LeadSource in Webinar, Paid Search at 60, since 2026-09-26<\/h3>/
    );
    // The figures are the job's: the counts in the report are those of result.json.
    const res = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')).result;
    const p = res.pilots[0];
    assert.match(pilots, new RegExp(`${p.test.mqls} test and ${p.control.mqls} control MQLs`));
});

test("a pilot counts the leads the calibration counts: by the rules' segment when MQL_Segment__c is blank, a duplicate id once", async () => {
    // The demo's segment rules give every lead the segment it was exported with, so with the column blanked, and
    // every lead listed twice (the calibration sets the second aside as a duplicate), a pilot's counts must be the
    // counts of the export as it is.
    const dir = tmp();
    const rows = parse(readFileSync(path.join(exportDir, 'Lead.csv'), 'utf8')) as string[][];
    const col = rows[0].indexOf('MQL_Segment__c');
    assert.ok(col >= 0);
    const blanked = rows.map((r, i) => (i === 0 ? r : r.map((v, j) => (j === col ? '' : v))));
    const twice = [...blanked, ...blanked.slice(1)];
    writeFileSync(path.join(dir, 'Lead.csv'), twice.map((r) => csvLine(r, '\n')).join(''));
    const results = [];
    for (const leads of [path.join(exportDir, 'Lead.csv'), path.join(dir, 'Lead.csv')]) {
        const out = path.join(tmp(), 'out');
        const r = await run('calibrate.ts', [
            '--leads',
            leads,
            '--opportunities',
            path.join(exportDir, 'Opportunity.csv'),
            '--lead-history',
            path.join(exportDir, 'LeadHistory.csv'),
            '--config',
            path.join(exportDir, 'settings.json'),
            '--out',
            out
        ]);
        assert.equal(r.code, 0, r.stderr);
        results.push(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')).result);
    }
    const [filled, blank] = results;
    assert.equal(blank.exclusionCounts['duplicate lead id'], rows.length - 1);
    assert.ok(filled.pilots[0].test.mqls > 0 && filled.pilots[0].control.mqls > 0);
    assert.deepEqual(blank.pilots[0].test, filled.pilots[0].test);
    assert.deepEqual(blank.pilots[0].control, filled.pilots[0].control);
});

test('a CSV export without the pilot field ends in one line naming the file and the column', async () => {
    const cfg = JSON.parse(readFileSync(path.join(exportDir, 'settings.json'), 'utf8'));
    cfg.pilots = [{ ...cfg.pilots[0], field: 'Region__c', testValues: ['EMEA'] }];
    const file = path.join(tmp(), 'settings.json');
    writeFileSync(file, JSON.stringify(cfg));
    const out = path.join(tmp(), 'out');
    const r = await run('calibrate.ts', [
        '--leads',
        path.join(exportDir, 'Lead.csv'),
        '--opportunities',
        path.join(exportDir, 'Opportunity.csv'),
        '--config',
        file,
        '--out',
        out
    ]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /Lead\.csv/);
    assert.match(lines[0], /Region__c/);
    assert.equal(existsSync(out), false, 'nothing written');
});

test('a pilot shorter than six weeks in the settings file is refused, naming the key', async () => {
    const cfg = JSON.parse(readFileSync(path.join(exportDir, 'settings.json'), 'utf8'));
    cfg.pilots[0].minWeeks = 4;
    const file = path.join(tmp(), 'settings.json');
    writeFileSync(file, JSON.stringify(cfg));
    const r = await run('calibrate.ts', ['--demo', '--config', file, '--out', path.join(tmp(), 'out')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /settings\.json: pilots\[0\]\.minWeeks: /);
    assert.match(r.stderr, /at least 6 weeks/);
});

test('an org pilot configured wrong in MQL_Threshold__mdt is named in one line, and nothing is written', async () => {
    const org = emulatedOrgFrom();
    org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Pilot_Min_Weeks__c = '4';
    const e = await startEmulator(org, { bulkPageSize: 5000, user: JOB_USER });
    try {
        const out = path.join(tmp(), 'out');
        const r = await run('calibrate.ts', ['--out', out], {
            SF_ACCESS_TOKEN: e.token,
            SF_INSTANCE_URL: e.url,
            SF_BULK_POLL_MS: '10'
        });
        assert.equal(r.code, 1, r.stdout);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(
            lines[0],
            /MQL_Threshold__mdt\.SMB_Inbound: pilot for SMB_Inbound: "minWeeks" must be a whole number of at least 6/
        );
        assert.deepEqual(e.writes, []);
        assert.equal(existsSync(out), false);
    } finally {
        await e.close();
    }
});
