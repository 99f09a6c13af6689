import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    findInflection,
    sqlTargetThreshold,
    bandVerdict,
    classifyMqlPath,
    validateOverrides,
    createCalibrator,
    ConfigurationError,
    applyDecay,
    wilson,
    defaultSettings
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

// Seed 000, "Step 2: Plot the score distribution": share of closed-won deals by score at SQL conversion.
const SEED_000 = [
    { from: 0, to: 40, won: 8 },
    { from: 40, to: 60, won: 14 },
    { from: 60, to: 80, won: 31 },
    { from: 80, to: 100, won: 28 },
    { from: 100, to: 120, won: 19 }
];

// Seed 002, "Step 2: Compare by Score Range".
const SEED_002 = [
    { from: 0, handedOff: 45, qualified: Math.round(45 * 0.05) },
    { from: 31, handedOff: 30, qualified: Math.round(30 * 0.15) },
    { from: 51, handedOff: 18, qualified: Math.round(18 * 0.35) },
    { from: 71, handedOff: 7, qualified: Math.round(7 * 0.6) }
];

test("seed 000's won-deal distribution puts the inflection at 60, not at the mean", () => {
    assert.equal(findInflection(SEED_000), 60);
    // The mean of the same distribution (band midpoints) lands well above the inflection.
    const mean = SEED_000.reduce((s, b) => s + ((b.from + b.to) / 2) * b.won, 0) / 100;
    assert.ok(mean > 65, `mean ${mean}`);
    assert.notEqual(Math.round(mean), 60);
});

test('the inflection ignores band order in the input and gives null without won deals', () => {
    assert.equal(findInflection([...SEED_000].reverse()), 60);
    assert.equal(findInflection(SEED_000.map((b) => ({ ...b, won: 0 }))), null);
    assert.equal(findInflection([{ from: 0, won: 5 }]), null);
});

test("seed 002's table gives 51 by the SQL-rate rule, with verdicts Too early / Marginal / Good / Hot", () => {
    assert.equal(sqlTargetThreshold(SEED_002, 0.3), 51);
    const healthy = { min: 0.3, max: 0.5 };
    assert.deepEqual(
        [0.05, 0.15, 0.35, 0.6].map((r) => bandVerdict(r, healthy)),
        ['Too early', 'Marginal', 'Good', 'Hot']
    );
    assert.equal(bandVerdict(null, healthy), 'Too early');
});

test('a student with 80 points is not an MQL; an A/B-grade demo request is, whatever its score', () => {
    const policy = { threshold: 50, overrides: [{ name: 'Demo request', field: 'Demo_Requested__c', op: '=' as const, value: true }] };
    const student = classifyMqlPath({ scoreAtHandoff: 80, grade: 'F', overridePaths: [] }, policy);
    assert.equal(student.isMql, false);
    assert.equal(student.path, 'none');
    for (const grade of ['A', 'B']) {
        const demo = classifyMqlPath({ scoreAtHandoff: 12, grade, overridePaths: ['Demo request'] }, policy);
        assert.deepEqual([demo.isMql, demo.path], [true, 'hand-raiser']);
    }
    const competitor = classifyMqlPath({ scoreAtHandoff: 12, grade: 'D', overridePaths: ['Demo request'] }, policy);
    assert.equal(competitor.isMql, false);
});

test('a C-grade high scorer is flagged for review and an A-grade lead with no activity is nurture', () => {
    assert.equal(classifyMqlPath({ scoreAtHandoff: 90, grade: 'C' }, { threshold: 50 }).path, 'review');
    assert.equal(classifyMqlPath({ scoreAtHandoff: 0, grade: 'A', lastActivityDate: null }, { threshold: 50 }).path, 'nurture');
    assert.deepEqual(classifyMqlPath({ scoreAtHandoff: 55, grade: 'B' }, { threshold: 50 }).isMql, true);
});

test('a third override is a configuration error, in the policy check and in the calibrator', () => {
    const o = (name: string) => ({ name, field: 'X__c', op: '=' as const, value: true });
    assert.doesNotThrow(() => validateOverrides([o('Demo request'), o('Chat')], 'SMB_Inbound'));
    assert.throws(() => validateOverrides([o('a'), o('b'), o('c')], 'SMB_Inbound'), (e: Error) => {
        assert.ok(e instanceof ConfigurationError);
        assert.match(e.message, /^SMB_Inbound: 3 high-intent overrides configured; at most 2/);
        return true;
    });
    assert.throws(
        () =>
            createCalibrator({
                policies: [{ name: 'SMB_Inbound', activeThreshold: 50, overrides: [o('a'), o('b'), o('c')] }],
                settings: defaultSettings(),
                asOf: '2026-10-31'
            }),
        ConfigurationError
    );
});

test('30 days without activity costs 5 points under decay; 29 days costs nothing; 65 days costs 10', () => {
    const decay = { points: 5, days: 30 };
    assert.equal(applyDecay(60, '2026-10-01', '2026-10-31', decay), 55);
    assert.equal(applyDecay(60, '2026-10-02', '2026-10-31', decay), 60);
    assert.equal(applyDecay(60, '2026-08-27', '2026-10-31', decay), 50);
    assert.equal(applyDecay(3, '2026-01-01', '2026-10-31', decay), 0);
    assert.equal(applyDecay(60, '2026-01-01', '2026-10-31', null), 60);
});

test('the Wilson interval matches the hand-computed 95% interval for 30 of 100', () => {
    // p = 0.3, n = 100, z = 1.96: centre = (0.3 + 0.019208) / 1.038416 = 0.307399;
    // half = 1.96 * sqrt(0.0021 + 0.00009604) / 1.038416 = 0.088468 → [0.2189, 0.3959].
    const r = wilson(30, 100);
    assert.equal(r.rate, 0.3);
    assert.ok(Math.abs(r.low! - 0.2189) < 5e-4, String(r.low));
    assert.ok(Math.abs(r.high! - 0.3959) < 5e-4, String(r.high));
    assert.deepEqual(wilson(0, 0), { count: 0, total: 0, rate: null, low: null, high: null });
    assert.equal(wilson(0, 10).low, 0);
    assert.equal(wilson(10, 10).high, 1);
});
