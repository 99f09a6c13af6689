// Handoffs rebuilt from Lead Status history: the rules on single leads, then the job on a new install's exports
// (no funnel field filled anywhere) against the stamped demo, and the refusal when nothing records a handoff.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
    HandoffScores,
    handoffSourceOf,
    needsStatusHistory,
    rowToLead,
    type MappingContext,
    type Row
} from '../../scripts/sources/salesforceRows';
import { defaultSettings } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { statusPathOf, SYNTHETIC_STATUSES } from '../../scripts/synthetic/generator';
import { demoOrg } from '../../scripts/sources/demo';
import { NO_ORG_ENV, runScript } from '../helpers/scripts';

const ctx: MappingContext = {
    scoreField: 'pi__score__c',
    gradeField: null,
    statuses: SYNTHETIC_STATUSES,
    segmentRules: defaultSettings().segmentRules,
    overridesBySegment: new Map()
};

function leadRow(over: Row = {}): Row {
    return {
        Id: 'L1',
        Status: 'Open',
        CreatedDate: '2026-05-01T09:00:00.000+0000',
        IsConverted: 'false',
        Handoff_Date__c: '',
        pi__score__c: '90',
        Score_At_Handoff__c: '',
        MQL_Segment__c: 'SMB_Inbound',
        ...over
    };
}
const status = (leadId: string, to: string, at: string, from = ''): Row => ({
    LeadId: leadId,
    Field: 'Status',
    OldValue: from,
    NewValue: to,
    CreatedDate: at
});
const score = (leadId: string, value: string, at: string): Row => ({
    LeadId: leadId,
    Field: 'pi__score__c',
    NewValue: value,
    CreatedDate: at
});

/** Runs rows through the rebuild as a source does: expect, status rows, score rows, resolve. */
function rebuild(row: Row, history: Row[]) {
    const scores = new HandoffScores('pi__score__c', SYNTHETIC_STATUSES);
    const lead = rowToLead(row, ctx);
    scores.expect(lead, handoffSourceOf(row, ctx));
    for (const h of history) scores.addStatusHistory(h);
    for (const h of history) scores.addHistory(h);
    return scores.resolveSourced(lead);
}

test('a recycled lead is handed off when Status first entered a handoff status, scored then, and stays rejected', () => {
    const { lead, handoff } = rebuild(leadRow({ Status: 'Nurture' }), [
        score('L1', '40', '2026-05-02T00:00:00.000+0000'),
        status('L1', 'Unqualified', '2026-05-12T00:00:00.000+0000'), // out of order: the earlier MQL wins
        status('L1', 'MQL', '2026-05-10T08:00:00.000+0000'),
        score('L1', '66', '2026-05-10T07:00:00.000+0000'),
        score('L1', '80', '2026-05-11T00:00:00.000+0000'), // after the handoff: not the score at handoff
        status('L1', 'Nurture', '2026-05-26T00:00:00.000+0000'),
        status('L2', 'MQL', '2026-05-01T00:00:00.000+0000') // another lead
    ]);
    assert.equal(handoff, 'StatusHistory');
    assert.equal(lead.handoffDate, '2026-05-10T08:00:00.000Z');
    assert.deepEqual([lead.scoreAtHandoff, lead.scoreSource], [66, 'History']);
    assert.deepEqual([lead.rejected, lead.accepted], [true, false]);
});

test('a lead that passed through an accepted status is accepted, though its row shows no handoff', () => {
    const { lead, handoff } = rebuild(leadRow({ Status: 'Open' }), [
        status('L1', 'MQL', '2026-05-10T08:00:00.000+0000'),
        status('L1', 'Working', '2026-05-11T08:00:00.000+0000'),
        status('L1', 'Open', '2026-06-11T08:00:00.000+0000')
    ]);
    assert.equal(handoff, 'StatusHistory');
    assert.deepEqual([lead.rejected, lead.accepted], [false, true]);
    assert.deepEqual(
        [lead.scoreAtHandoff, lead.scoreSource],
        [90, 'Current'],
        'no score history: the current score'
    );
});

test('Handoff_Date__c set by a person or the flow is never replaced by status history', () => {
    const { lead, handoff } = rebuild(
        leadRow({ Status: 'Working', Handoff_Date__c: '2026-05-20T00:00:00.000Z' }),
        [
            status('L1', 'MQL', '2026-05-10T08:00:00.000+0000'),
            score('L1', '70', '2026-05-15T00:00:00.000+0000')
        ]
    );
    assert.equal(handoff, 'Field');
    assert.equal(lead.handoffDate, '2026-05-20T00:00:00.000Z');
    assert.equal(lead.scoreAtHandoff, 70);
});

test('the first change away from the handoff status after the handoff is the first touch', () => {
    const { lead } = rebuild(leadRow({ Status: 'Working' }), [
        status('L1', 'Working', '2026-05-11T10:30:00.000+0000', 'MQL'),
        status('L1', 'MQL', '2026-05-10T08:00:00.000+0000', 'Open'),
        status('L1', 'Nurture', '2026-05-09T08:00:00.000+0000', 'Open') // not away from a handoff status
    ]);
    assert.equal(lead.handoffDate, '2026-05-10T08:00:00.000Z');
    assert.equal(lead.firstTouchDate, '2026-05-11T10:30:00.000Z');
    assert.deepEqual([lead.accepted, lead.rejected], [true, false]);
    const stamped = rebuild(leadRow({ Status: 'Working', First_Touch_Date__c: '2026-05-12T00:00:00.000Z' }), [
        status('L1', 'MQL', '2026-05-10T08:00:00.000+0000', 'Open'),
        status('L1', 'Working', '2026-05-11T10:30:00.000+0000', 'MQL')
    ]);
    assert.equal(stamped.lead.firstTouchDate, '2026-05-12T00:00:00.000Z', 'a stamped first touch is kept');
});

test('a lead the job stamped keeps the rejection only its history shows, on every later run', () => {
    // The job stamped Handoff_Date__c and the score from history last night; the lead was recycled to Nurture.
    const row = leadRow({
        Status: 'Nurture',
        Handoff_Date__c: '2026-05-10T08:00:00.000Z',
        Score_At_Handoff__c: '66',
        Handoff_Score_Source__c: 'History'
    });
    const { lead, handoff } = rebuild(row, [
        status('L1', 'MQL', '2026-05-10T08:00:00.000+0000', 'Open'),
        status('L1', 'Unqualified', '2026-05-12T00:00:00.000+0000', 'MQL'),
        status('L1', 'Nurture', '2026-05-26T00:00:00.000+0000', 'Unqualified')
    ]);
    assert.equal(handoff, 'Field');
    assert.deepEqual([lead.rejected, lead.accepted, lead.scoreAtHandoff], [true, false, 66]);
    assert.equal(needsStatusHistory(row, ctx), true, 'the job reads its history again');
    assert.equal(
        needsStatusHistory({ ...row, Handoff_Score_Source__c: 'Snapshot' }, ctx),
        false,
        'a lead the flow stamped is complete as it is'
    );
});

test('without status history a converted lead is handed off at its conversion, and a lead in a handoff status at its creation', () => {
    const converted = rebuild(
        leadRow({ Status: 'Qualified', IsConverted: 'true', ConvertedDate: '2026-06-01' }),
        []
    );
    assert.deepEqual([converted.handoff, converted.lead.handoffDate], ['Conversion', '2026-06-01']);
    const current = rebuild(leadRow({ Status: 'MQL' }), []);
    assert.deepEqual(
        [current.handoff, current.lead.handoffDate],
        ['CurrentStatus', '2026-05-01T09:00:00.000+0000']
    );
    const never = rebuild(leadRow({ Status: 'Open' }), [
        status('L1', 'Nurture', '2026-05-10T08:00:00.000+0000')
    ]);
    assert.deepEqual(
        [never.handoff, never.lead.handoffDate],
        [null, null],
        'open statuses are not a handoff'
    );
});

test("the synthetic status path starts at the lead's handoff and ends in its status; recycled leads only in history", () => {
    const org = demoOrg();
    let recycled = 0;
    for (const l of org.leads) {
        const { status: now, history } = statusPathOf(l, org.asOf);
        if (!l.handoffDate) {
            assert.deepEqual([now, history.length], ['Open', 0]);
            continue;
        }
        assert.deepEqual([history[0].newValue, history[0].createdDate], ['MQL', l.handoffDate]);
        assert.equal(history[history.length - 1].newValue, now);
        if (now === 'Nurture') {
            recycled++;
            assert.ok(l.rejected && history.some((h) => h.newValue === 'Unqualified'));
        }
    }
    assert.ok(recycled > 200, `recycled leads: ${recycled}`);
});

const run = (script: string, args: string[]) => runScript(script, args, NO_ORG_ENV);
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'lsc-status-'));
let fresh: string;
let demoResult: any;

before(async () => {
    fresh = tmp();
    const e = await run('demo-export.ts', ['--out', fresh, '--new-install']);
    assert.equal(e.code, 0, e.stderr);
    const d = await run('calibrate.ts', ['--demo', '--json', '--out', path.join(tmp(), 'out')]);
    demoResult = JSON.parse(d.stdout).result;
});

/** The demo org's handed-off leads (hand-raisers and leads off the fit included: they are read, then kept apart). */
const handedOffInDemo = (): number => demoOrg().leads.filter((l) => l.handoffDate).length;

const csvArgs = (dir: string, history: string | null, out: string) => [
    '--leads',
    path.join(dir, 'Lead.csv'),
    '--opportunities',
    path.join(dir, 'Opportunity.csv'),
    ...(history ? ['--lead-history', history] : []),
    '--config',
    path.join(dir, 'settings.json'),
    '--as-of',
    '2026-10-31',
    '--json',
    '--out',
    out
];

test("a new install's exports (no funnel field filled) rebuild every handoff from Status history and recommend what the stamped demo does", async () => {
    const lead = readFileSync(path.join(fresh, 'Lead.csv'), 'utf8').split('\n')[1];
    assert.match(lead, /^"00Q\w+","\w+","[^"]+","(true|false)",""/, 'Handoff_Date__c is empty');
    const out = path.join(tmp(), 'out');
    const r = await run('calibrate.ts', csvArgs(fresh, path.join(fresh, 'LeadHistory.csv'), out));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = JSON.parse(r.stdout).result;
    // Every handoff the demo stamped is found in Status history, none from conversion or the current status.
    assert.deepEqual(res.read.handoffSources, {
        Field: 0,
        StatusHistory: handedOffInDemo(),
        Conversion: 0,
        CurrentStatus: 0
    });
    assert.deepEqual(res.read.scoreSources, { Snapshot: 0, History: handedOffInDemo(), Current: 0 });
    const now = demoOrg().leads.map((l) => statusPathOf(l, '2026-10-31').status);
    const count = (st: string) => now.filter((x) => x === st).length;
    assert.deepEqual(res.read.rejectionSources, {
        Reason: 0,
        Status: count('Unqualified'),
        StatusHistory: count('Nurture')
    });
    assert.deepEqual(demoResult.read.rejectionSources, {
        Reason: count('Unqualified') + count('Nurture'),
        Status: 0,
        StatusHistory: 0
    });
    // Every lead read as handed off, hand-raisers too (the engine keeps those out of the threshold's sample).
    assert.deepEqual(demoResult.read.handoffSources, {
        Field: handedOffInDemo(),
        StatusHistory: 0,
        Conversion: 0,
        CurrentStatus: 0
    });
    // Within the method's tolerance: the same threshold (the minimum step is 3 points), reason and sample sizes.
    for (const [i, s] of res.segments.entries()) {
        const d = demoResult.segments[i];
        assert.equal(s.name, d.name);
        assert.equal(s.recommendation.reason, d.recommendation.reason, s.name);
        if (d.recommendation.threshold === null) assert.equal(s.recommendation.threshold, null, s.name);
        else assert.ok(Math.abs(s.recommendation.threshold - d.recommendation.threshold) < 3, s.name);
        assert.equal(s.sample.handedOff, d.sample.handedOff, s.name);
        assert.equal(s.sample.rejected, d.sample.rejected, `${s.name}: recycled leads stay rejected`);
        assert.equal(s.sample.won, d.sample.won, s.name);
        // First touches come back from the first change away from MQL, so the SLA diagnostics are the demo's.
        for (const k of ['medianHoursToFirstTouch', 'shareOverSla', 'neverWorked'])
            assert.equal(s.diagnostics[k], d.diagnostics[k], `${s.name} ${k}`);
    }
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const n = (x: number) => x.toLocaleString('en-US');
    assert.ok(
        md.includes(
            `Handoff time from Handoff_Date__c 0, Status history ${n(handedOffInDemo())}, conversion 0, current status only 0. ` +
                `Rejections from Rejection_Reason__c 0, current status ${n(count('Unqualified'))}, Status history only ${n(count('Nurture'))}.`
        ),
        md.slice(0, 600)
    );
});

test('exports with neither Status history nor stamped fields are refused with the reason, exit 1 and nothing written', async () => {
    const out = path.join(tmp(), 'out');
    const r = await run('calibrate.ts', csvArgs(fresh, null, out));
    assert.equal(r.code, 1);
    const err = JSON.parse(r.stdout);
    assert.equal(err.status, 1);
    assert.equal(err.name, 'NoHandoffError');
    assert.match(
        err.message,
        /^no lead has a handoff: enable Lead field history on Status and the score field, or the handoff flow/
    );
    // Converted leads are the qualified ones; the rest whose status now is a funnel status past Open say "handed off
    // at some time" but not when.
    const leads = demoOrg().leads;
    const converted = leads.filter((l) => l.qualified).length;
    const funnel = new Set([...SYNTHETIC_STATUSES.handoff, ...SYNTHETIC_STATUSES.accepted, ...SYNTHETIC_STATUSES.rejected, ...SYNTHETIC_STATUSES.qualified]);
    const inStatus = leads.filter((l) => !l.qualified && funnel.has(statusPathOf(l, '2026-10-31').status)).length;
    assert.ok(converted > 1000 && inStatus > 1000, `${converted} ${inStatus}`);
    assert.ok(err.message.includes(`of 13150 leads ${converted} are converted and ${inStatus} more are in a handoff status now`), err.message);
    assert.equal(existsSync(out), false);
});

test('score history without Status history is refused too: conversions alone are not handoffs', async () => {
    const dir = tmp();
    const history = readFileSync(path.join(fresh, 'LeadHistory.csv'), 'utf8')
        .split('\n')
        .filter((line) => !line.includes('"Status"'))
        .join('\n');
    writeFileSync(path.join(dir, 'LeadHistory.csv'), history);
    const out = path.join(tmp(), 'out');
    const r = await run('calibrate.ts', csvArgs(fresh, path.join(dir, 'LeadHistory.csv'), out));
    assert.equal(r.code, 1, r.stdout);
    assert.equal(JSON.parse(r.stdout).name, 'NoHandoffError');
    assert.equal(existsSync(out), false);
});
