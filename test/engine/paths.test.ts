// Paths out of the fit: leads that do not become MQLs by their score are no evidence for the score's threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateOrg } from '../../scripts/synthetic/generator';
import { calibrate, defaultSettings } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const settings = { ...defaultSettings(), bootstrapSamples: 20 };
const demo = { name: 'Demo request', field: 'Demo_Requested__c', op: '=' as const, value: true };
const org = generateOrg({
    seed: 21,
    asOf: '2026-10-31',
    months: 18,
    snapshotShare: 1,
    segments: [{ name: 'SMB_Inbound', leads: 3000, knee: 60, activeThreshold: 50, overrides: [demo], handRaiserShare: 0.25 }]
});
const handed = org.leads.filter((l) => l.handoffDate);
const raised = handed.filter((l) => (l.overridePaths ?? []).length > 0);
const wonIds = new Set(org.opportunities.filter((o) => o.isWon).map((o) => o.id));

test('hand-raisers are reported as their own path and kept out of the bands the threshold is read from', () => {
    const s = calibrate({ ...org, settings, asOf: org.asOf }).segments[0];
    assert.ok(raised.length > 300, String(raised.length));
    const path = s.paths.find((p) => p.path === 'Demo request')!;
    assert.equal(path.handedOff, raised.length);
    assert.equal(path.qualified, raised.filter((l) => l.qualified).length);
    assert.equal(path.won, raised.filter((l) => l.opportunityId && wonIds.has(l.opportunityId)).length);
    const scored = s.paths.find((p) => p.path === 'Scored')!;
    assert.equal(scored.handedOff, handed.length - raised.length);
    assert.equal(s.bands.reduce((t, b) => t + b.handedOff, 0), handed.length - raised.length);
    assert.equal(s.sample.handedOff, handed.length - raised.length);
    assert.equal(s.sample.won, handed.filter((l) => !(l.overridePaths ?? []).length && l.opportunityId && wonIds.has(l.opportunityId)).length);
});

test('with the grade gate on, leads graded C-F are their own paths and the bands hold only A, B and ungraded leads', () => {
    const s = calibrate({ ...org, settings: { ...settings, gradeGate: true }, asOf: org.asOf }).segments[0];
    const letter = (g: string | null | undefined) => (g ?? '').charAt(0).toUpperCase();
    const c = handed.filter((l) => letter(l.grade) === 'C');
    const df = handed.filter((l) => ['D', 'E', 'F'].includes(letter(l.grade)));
    assert.equal(s.paths.find((p) => p.path === 'Grade C (manual review)')!.handedOff, c.length);
    assert.equal(s.paths.find((p) => p.path === 'Below fit grade (D-F)')!.handedOff, df.length);
    const fitScored = handed.filter((l) => ['A', 'B'].includes(letter(l.grade)) && !(l.overridePaths ?? []).length);
    assert.equal(s.bands.reduce((t, b) => t + b.handedOff, 0), fitScored.length);
    // A grade-C hand-raiser is a grade-C lead (seed 002: a competitor asking for a demo is not an MQL).
    assert.equal(s.paths.find((p) => p.path === 'Demo request')!.handedOff, raised.filter((l) => ['A', 'B'].includes(letter(l.grade))).length);
    assert.equal(s.diagnostics.reviewFlaggedGradeC, c.filter((l) => l.scoreAtHandoff! >= 50).length);
});
