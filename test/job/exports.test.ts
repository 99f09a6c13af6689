// Exports that used to give a wrong answer with exit 0: each is now refused with one line, or its bad records are
// excluded and counted. The job runs as RevOps run it: a child process on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NO_ORG_ENV, runScript } from '../helpers/scripts';

/** The job with no org route in the environment, plus `env`. */
const calibrate = (args: string[], env: Record<string, string> = {}) =>
    runScript('calibrate.ts', args, { ...NO_ORG_ENV, ...env });

const HEAD =
    'Id,Status,CreatedDate,IsConverted,Handoff_Date__c,pi__score__c,Score_At_Handoff__c,ConvertedOpportunityId,NumberOfEmployees,Existing_Customer__c,Outbound_Assisted__c\n';
const row = (
    id: string,
    score: string,
    employees = '50',
    handoff = '2026-08-02T00:00:00.000+0000',
    current = score
) =>
    `${id},Working,2026-08-01T00:00:00.000+0000,false,${handoff},${current},${score},,${employees},false,false\n`;
const OPP = 'Id,Amount,IsWon,IsClosed,CloseDate\n006A,100,true,true,2026-09-01\n';

/** Writes the exports (and settings) into a new folder; returns it and the job's arguments. */
function exportsOf(lead: string, extra: { opp?: string; history?: string; settings?: object } = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lsc-exports-'));
    writeFileSync(path.join(dir, 'Lead.csv'), lead);
    writeFileSync(path.join(dir, 'Opportunity.csv'), extra.opp ?? OPP);
    const args = [
        '--leads',
        path.join(dir, 'Lead.csv'),
        '--opportunities',
        path.join(dir, 'Opportunity.csv')
    ];
    if (extra.history !== undefined) {
        writeFileSync(path.join(dir, 'LeadHistory.csv'), extra.history);
        args.push('--lead-history', path.join(dir, 'LeadHistory.csv'));
    }
    if (extra.settings) {
        writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(extra.settings));
        args.push('--config', path.join(dir, 'settings.json'));
    }
    args.push('--as-of', '2026-10-31', '--out', path.join(dir, 'out'));
    return { dir, args };
}

async function refused(args: string[], dir: string, pattern: RegExp, env: Record<string, string> = {}) {
    const r = await calibrate(args, env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    assert.equal(existsSync(path.join(dir, 'out')), false, 'nothing written');
    return lines[0];
}

async function result(args: string[], env: Record<string, string> = {}) {
    const r = await calibrate([...args, '--json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout).result;
}

const handedOff = (res: any, segment: string) =>
    res.segments.find((s: any) => s.name === segment).sample.handedOff as number;

test('a duplicate column, also one differing only in case, is refused naming both copies', async () => {
    const { dir, args } = exportsOf(
        HEAD.replace('\n', ',HANDOFF_DATE__C\n') + row('00Q1', '55').replace('\n', ',\n')
    );
    await refused(
        args,
        dir,
        /Lead\.csv:1: HANDOFF_DATE__C: duplicate column \(column 5 is Handoff_Date__c\)/
    );
    const exact = exportsOf(HEAD.replace('\n', ',Status\n') + row('00Q1', '55').replace('\n', ',Open\n'));
    await refused(exact.args, exact.dir, /Lead\.csv:1: Status: duplicate column \(column 2 is Status\)/);
    const opp = exportsOf(HEAD + row('00Q1', '55'), { opp: 'Id,Amount,IsWon,IsClosed,CloseDate,amount\n' });
    await refused(opp.args, opp.dir, /Opportunity\.csv:1: amount: duplicate column \(column 2 is Amount\)/);
});

test('a segment rule naming a column the export lacks is refused, not folded into the catch-all', async () => {
    const settings = {
        segments: [
            { name: 'Enterprise_Inbound', rule: 'Region__c = EMEA' },
            { name: 'SMB_Inbound', rule: '*' }
        ]
    };
    const { dir, args } = exportsOf(HEAD + row('00Q1', '55'), { settings });
    await refused(args, dir, /Lead\.csv:1: Region__c: required column missing \(a segment rule reads it/);
    // With MQL_Segment__c in the export the rules are needed only where it is blank: that row is named.
    const withSegment = exportsOf(
        HEAD.replace('\n', ',MQL_Segment__c\n') +
            row('00Q1', '55').replace('\n', ',SMB_Inbound\n') +
            row('00Q2', '55').replace('\n', ',\n'),
        { settings }
    );
    await refused(
        withSegment.args,
        withSegment.dir,
        /Lead\.csv:3: Region__c: MQL_Segment__c is blank and the segment rules read Region__c, which the export lacks/
    );
    // An override's column is read for every lead: missing, it is refused at the header.
    const override = exportsOf(HEAD + row('00Q1', '55'), {
        settings: {
            segments: [{ name: 'SMB_Inbound', rule: '*', overrides: ['Demo: Demo_Requested__c = true'] }]
        }
    });
    await refused(override.args, override.dir, /Lead\.csv:1: Demo_Requested__c: required column missing/);
});

test('the default rules need their columns too: an export without NumberOfEmployees is refused', async () => {
    const { dir, args } = exportsOf(
        'Id,Status,CreatedDate,IsConverted,Handoff_Date__c,pi__score__c\n00Q1,Working,2026-08-01,false,2026-08-02,55\n'
    );
    await refused(
        args,
        dir,
        /Lead\.csv:1: (NumberOfEmployees|Existing_Customer__c|Outbound_Assisted__c): required column missing/
    );
});

test('a header-only Lead, Opportunity or LeadHistory file is refused as an empty export', async () => {
    const lead = exportsOf(HEAD);
    await refused(lead.args, lead.dir, /Lead\.csv: no rows after the header/);
    const opp = exportsOf(HEAD + row('00Q1', '55'), { opp: 'Id,Amount,IsWon,IsClosed,CloseDate\r\n' });
    await refused(opp.args, opp.dir, /Opportunity\.csv: no rows after the header/);
    const hist = exportsOf(HEAD + row('00Q1', ''), { history: 'LeadId,Field,NewValue,CreatedDate\n' });
    await refused(hist.args, hist.dir, /LeadHistory\.csv: no rows after the header/);
});

test('NaN, Infinity, 12,5 and 0x41 scores are excluded and counted, and the run goes on', async () => {
    const { args } = exportsOf(
        HEAD +
            row('00Q1', '55') +
            row('00Q2', 'NaN') +
            row('00Q3', 'Infinity') +
            row('00Q4', '"12,5"') +
            row('00Q5', '0x41') +
            row('00Q6', '0b1000001') +
            row('00Q7', '6.5e1'),
        // Bands of ten points as named (with two scores only, a derived width would be finer).
        { settings: { bandWidth: 10 } }
    );
    const res = await result(args);
    assert.equal(res.exclusionCounts['score at handoff is not a number'], 5);
    assert.equal(handedOff(res, 'SMB_Inbound'), 2, 'only 55 and 6.5e1 are scores');
    const band60 = res.segments
        .find((s: any) => s.name === 'SMB_Inbound')
        .bands.find((b: any) => b.from === 60);
    assert.equal(band60.handedOff, 1, '6.5e1 is 65; 0x41 is not read as 65');
});

test('an impossible calendar date or an unreadable date is refused naming the row and the field', async () => {
    const feb31 = exportsOf(HEAD + row('00Q1', '55') + row('00Q2', '55', '50', '2026-02-31'));
    await refused(feb31.args, feb31.dir, /Lead\.csv:3: Handoff_Date__c: expected a date .*got "2026-02-31"/);
    const hour = exportsOf(HEAD + row('00Q1', '55', '50', '2026-08-02T24:30:00Z'));
    await refused(hour.args, hour.dir, /Lead\.csv:2: Handoff_Date__c: expected a date/);
    const opp = exportsOf(HEAD + row('00Q1', '55'), {
        opp: 'Id,Amount,IsWon,IsClosed,CloseDate\n006A,100,true,true,01/09/2026\n'
    });
    await refused(opp.args, opp.dir, /Opportunity\.csv:2: CloseDate: expected a date .*got "01\/09\/2026"/);
});

test('timestamps without a zone are read as UTC whatever the host time zone', async () => {
    // Handed off at 10:00 UTC with no snapshot: the history's 09:00 UTC value (40) is the score at handoff, not
    // the 12:00 one (70), which a reading in UTC-7 (17:00 UTC) would pick.
    const lead = HEAD + row('00Q1', '', '50', '2026-08-02T10:00:00', '80');
    const history =
        'LeadId,Field,NewValue,CreatedDate\n' +
        '00Q1,pi__score__c,40,2026-08-02T09:00:00.000+0000\n' +
        '00Q1,pi__score__c,70,2026-08-02 12:00:00\n';
    const { args } = exportsOf(lead, { history });
    for (const TZ of ['UTC', 'America/Los_Angeles', 'Asia/Kolkata']) {
        const res = await result(args, { TZ });
        const bands = res.segments.find((s: any) => s.name === 'SMB_Inbound').bands;
        assert.deepEqual(
            bands.filter((b: any) => b.handedOff > 0).map((b: any) => b.from),
            [40],
            `TZ=${TZ}`
        );
        assert.equal(res.read.scoreSources.History, 1);
    }
});

test('unreadable LeadHistory rows are counted, and a history file with nothing readable is refused', async () => {
    const noSnapshot = (id: string) => row(id, '', '50', '2026-08-02T00:00:00Z', '80');
    const lead = HEAD + noSnapshot('00Q1') + noSnapshot('00Q2');
    const some = exportsOf(lead, {
        history:
            'LeadId,Field,NewValue,CreatedDate\n' +
            '00Q1,pi__score__c,40,2026-08-01T09:00:00Z\n' +
            '00Q2,pi__score__c,abc,2026-08-01T09:00:00Z\n' +
            '00Q2,pi__score__c,45,2026-13-01T09:00:00Z\n'
    });
    const res = await result(some.args);
    assert.equal(
        res.exclusionCounts['score-history row unreadable (value not a number or date not a date)'],
        2
    );
    assert.deepEqual(res.read.scoreSources, { Snapshot: 0, History: 1, Current: 1 });
    const none = exportsOf(lead, {
        history:
            'LeadId,Field,NewValue,CreatedDate\n' +
            '00Q1,pi__score__c,forty,2026-08-01T09:00:00Z\n' +
            '00Q2,pi__score__c,45,yesterday\n'
    });
    await refused(none.args, none.dir, /LeadHistory\.csv: none of the 2 score-history rows read is usable/);
});

test('--leads naming a directory or a FIFO says what is wrong instead of "empty"', async () => {
    const { dir, args } = exportsOf(HEAD + row('00Q1', '55'));
    const folder = path.join(dir, 'exports');
    mkdirSync(folder);
    const withFolder = args.map((a) => (a.endsWith('Lead.csv') ? folder : a));
    await refused(withFolder, dir, /exports: a directory, not a file: name the CSV export itself/);
    const fifo = path.join(dir, 'lead.fifo');
    execFileSync('mkfifo', [fifo]);
    const withFifo = args.map((a) => (a.endsWith('Lead.csv') ? fifo : a));
    await refused(withFifo, dir, /lead\.fifo: not a regular file \(a pipe or a device\)/);
    assert.ok(readFileSync(path.join(dir, 'Lead.csv'), 'utf8').startsWith('Id,'));
});

test('the offline metadata folder carries the freeze and the pilot the settings give, and DEPLOY.md names what a deploy clears', async () => {
    const settings = {
        segments: [
            {
                name: 'Expansion',
                rule: 'Existing_Customer__c = true',
                activeThreshold: 30,
                frozenUntil: '2027-01-15'
            },
            { name: 'SMB_Inbound', rule: '*', activeThreshold: 50 }
        ],
        pilots: [
            {
                segment: 'SMB_Inbound',
                field: 'LeadSource',
                testValues: ['Webinar', 'Paid Search'],
                testThreshold: 60,
                start: '2026-09-26',
                minWeeks: 8
            }
        ]
    };
    const { dir, args } = exportsOf(
        HEAD.replace('\n', ',LeadSource\n') + row('00Q1', '55').replace('\n', ',Webinar\n'),
        {
            settings
        }
    );
    const r = await calibrate(args);
    assert.equal(r.code, 0, r.stderr);
    const record = (segment: string) =>
        readFileSync(
            path.join(dir, 'out', 'metadata', 'customMetadata', `MQL_Threshold.${segment}.md`),
            'utf8'
        );
    const value = (xml: string, field: string) =>
        new RegExp(
            `<field>${field}</field>\\s*<value( xsi:type="([^"]+)">([^<]*)</value>| xsi:nil="true"/>)`
        ).exec(xml);
    const expansion = record('Expansion');
    assert.deepEqual(value(expansion, 'Frozen_Until__c')?.slice(2), ['xsd:date', '2027-01-15']);
    const smb = record('SMB_Inbound');
    assert.deepEqual(value(smb, 'Pilot_Field__c')?.slice(2), ['xsd:string', 'LeadSource']);
    assert.deepEqual(value(smb, 'Pilot_Test_Values__c')?.slice(2), ['xsd:string', 'Webinar,Paid Search']);
    assert.deepEqual(value(smb, 'Pilot_Threshold__c')?.slice(2), ['xsd:double', '60']);
    assert.deepEqual(value(smb, 'Pilot_Start__c')?.slice(2), ['xsd:date', '2026-09-26']);
    assert.deepEqual(value(smb, 'Pilot_Min_Weeks__c')?.slice(2), ['xsd:double', '8']);
    // A segment with no pilot and no freeze carries them empty, as the source says: not left out.
    assert.match(value(expansion, 'Pilot_Field__c')![0], /xsi:nil="true"/);
    assert.match(value(smb, 'Frozen_Until__c')![0], /xsi:nil="true"/);
    const deploy = readFileSync(path.join(dir, 'out', 'metadata', 'DEPLOY.md'), 'utf8');
    assert.match(deploy, /A deploy clears `Review_Conditions__c` on every record/);
    assert.doesNotMatch(deploy, /and `Frozen_Until__c`/);
});

test('an error quoting a value or a header cuts it short and shows control characters escaped, never raw NUL bytes', async () => {
    // A handoff date that is not a date is refused with the value quoted.
    const date = `2026-08\u0000-02${'x'.repeat(100_000)}`;
    const { dir, args } = exportsOf(HEAD + row('00Q1', '55', '50', date));
    const line = await refused(
        args,
        dir,
        /Lead\.csv:2: Handoff_Date__c: .*got "2026-08\\x00-02xxx.*\(100,\d{3} characters\)/
    );
    assert.ok(line.length < 400, `${line.length} characters`);
    assert.ok(!line.includes('\u0000'));
    // A missing column's error lists the header: a 200,000-character column name is cut.
    const wide = exportsOf(`${'H'.repeat(200_000)},Id,Status\nx,00Q1,Working\n`);
    const header = await refused(
        wide.args,
        wide.dir,
        /Lead\.csv:1: .*: required column missing \(the header has HHH/
    );
    assert.ok(header.length < 400, `${header.length} characters`);
});
