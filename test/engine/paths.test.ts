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
    const s = calibrate({ ...org, settings: { ...settings, gradeGate: false }, asOf: org.asOf }).segments[0];
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

test('the grade gate is on by default: with no gradeGate setting, leads graded C-F are their own paths', () => {
    const { gradeGate: _unset, ...noGateKey } = settings;
    const s = calibrate({ ...org, settings: noGateKey, asOf: org.asOf }).segments[0];
    const letter = (g: string | null | undefined) => (g ?? '').charAt(0).toUpperCase();
    const offFit = handed.filter((l) => ['C', 'D', 'E', 'F'].includes(letter(l.grade)));
    assert.ok(offFit.length > 500, String(offFit.length));
    const pathTotal = (name: string) => s.paths.find((p) => p.path === name)?.handedOff ?? 0;
    assert.equal(pathTotal('Grade C (manual review)') + pathTotal('Below fit grade (D-F)'), offFit.length);
});

test('gradeGate false keeps every graded lead in the bands, for orgs whose routing does not apply the gate', () => {
    const s = calibrate({ ...org, settings: { ...settings, gradeGate: false }, asOf: org.asOf }).segments[0];
    assert.equal(s.paths.find((p) => p.path === 'Grade C (manual review)'), undefined);
    assert.equal(s.bands.reduce((t, b) => t + b.handedOff, 0), handed.length - raised.length);
});

test('with the gate on, leads never handed off and graded C-F add nothing to the estimated scenarios below the active threshold', () => {
    // The same org twice, its never-handed-off leads graded A in one and D in the other: lowering the threshold
    // would make the A leads MQLs, but not the D leads, which the gate stops whatever their score.
    const regraded = (grade: string) => ({ ...org, leads: org.leads.map((l) => (l.handoffDate ? l : { ...l, grade })) });
    const scenarioBelow = (grade: string) => {
        const s = calibrate({ ...regraded(grade), settings: { ...settings, gradeGate: true }, asOf: org.asOf }).segments[0];
        return s.scenarios.find((x) => x.threshold < 50)!;
    };
    const a = scenarioBelow('A');
    const d = scenarioBelow('D');
    assert.ok((a.estimatedMqls ?? 0) > 20, JSON.stringify(a));
    assert.equal(d.estimatedMqls ?? 0, 0, JSON.stringify(d));
    assert.equal(d.observedMqls, a.observedMqls);
});

test('the generator grades fit independently of the score, and leads off the fit convert like those below the knee', () => {
    const g = generateOrg({ seed: 5, asOf: '2026-10-31', months: 18, snapshotShare: 1, segments: [{ name: 'S', leads: 20000, knee: 50, activeThreshold: 0 }] });
    const won = new Set(g.opportunities.filter((o) => o.isWon).map((o) => o.id));
    const fitShare = (ls: typeof g.leads) => ls.filter((l) => l.grade === 'A' || l.grade === 'B').length / ls.length;
    const winRate = (ls: typeof g.leads) => ls.filter((l) => l.opportunityId && won.has(l.opportunityId)).length / ls.length;
    const h = g.leads.filter((l) => l.handoffDate && !(l.overridePaths ?? []).length);
    const above = h.filter((l) => l.scoreAtHandoff! >= 50);
    const below = h.filter((l) => l.scoreAtHandoff! < 50);
    assert.ok(Math.abs(fitShare(above) - 0.7) < 0.02 && Math.abs(fitShare(below) - 0.7) < 0.02, `${fitShare(above)} ${fitShare(below)}`);
    const offFitAbove = above.filter((l) => l.grade === 'C' || l.grade === 'D');
    const fitAbove = above.filter((l) => l.grade === 'A' || l.grade === 'B');
    assert.ok(winRate(fitAbove) > 3 * winRate(offFitAbove), `${winRate(fitAbove)} ${winRate(offFitAbove)}`);
    assert.ok(Math.abs(winRate(offFitAbove) - winRate(below)) < 0.015, `${winRate(offFitAbove)} ${winRate(below)}`);
});

test('on orgs where off-fit leads convert poorly at every score, the gate finds the planted knee on every seed and narrows the range', () => {
    const gated: number[] = [];
    const ungated: number[] = [];
    const misses: string[] = [];
    for (let seed = 1; seed <= 6; seed++) {
        const g = generateOrg({ seed, asOf: '2026-10-31', months: 18, snapshotShare: 1, segments: [{ name: 'S', leads: 4000, knee: 48, activeThreshold: 60 }] });
        for (const gate of [true, false]) {
            const r = calibrate({ ...g, settings: { ...settings, bootstrapSamples: 60, gradeGate: gate }, asOf: g.asOf }).segments[0].recommendation;
            const width = r.range ? r.range[1] - r.range[0] : 85;
            (gate ? gated : ungated).push(width);
            if (gate && (r.computed === null || Math.abs(r.computed - 48) > 3)) misses.push(`seed ${seed}: ${r.computed ?? r.reason}`);
        }
    }
    const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
    console.log(`grade gate, knee 48, 6 seeds: 90% range width on ${mean(gated).toFixed(1)} points, off ${mean(ungated).toFixed(1)}`);
    assert.deepEqual(misses, []);
    assert.ok(mean(gated) * 2 < mean(ungated), `${mean(gated)} vs ${mean(ungated)}`);
});
