// Pilot statistics against cases worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePilot, twoProportionTest, welchTest, normalCdf, type GroupStats } from 'c/calibrationGovernance';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('the two-proportion z-test matches the hand computation for 30/100 against 20/100', () => {
    // pooled p = 50/200 = 0.25; SE = sqrt(0.25 × 0.75 × (1/100 + 1/100)) = sqrt(0.00375) = 0.0612372;
    // z = (0.30 - 0.20) / 0.0612372 = 1.63299; two-sided p = 2 × (1 - Φ(1.63299)) = 2 × 0.051235 = 0.10247.
    const r = twoProportionTest(30, 100, 20, 100)!;
    close(r.z, 1.63299, 1e-4);
    close(r.p, 0.10247, 2e-4);
    assert.equal(twoProportionTest(0, 100, 0, 100), null);
    assert.equal(twoProportionTest(5, 0, 3, 10), null);
});

test('the normal CDF gives the table values', () => {
    close(normalCdf(0), 0.5, 1e-7);
    close(normalCdf(1.96), 0.975, 1e-4);
    close(normalCdf(-1.6449), 0.05, 1e-4);
});

test("Welch's t from sums matches the hand computation", () => {
    // a = {2, 4, 6}: mean 4, variance 4; b = {1, 2, 3}: mean 2, variance 1.
    // SE = sqrt(4/3 + 1/3) = 1.290994; t = 2 / 1.290994 = 1.549193.
    const r = welchTest({ n: 3, sum: 12, sumSq: 56 }, { n: 3, sum: 6, sumSq: 14 })!;
    close(r.t, 1.549193, 1e-5);
});

function group(mqls: number, sqls: number): GroupStats {
    return { mqls, sqls, decided: mqls, accepted: Math.round(mqls * 0.85), opportunities30: Math.round(sqls / 2), opportunities60: Math.round(sqls * 0.7), touch: { n: mqls, sum: mqls * 10, sumSq: mqls * 130 }, revenue90: { sum: sqls * 1000, sumSq: sqls * 2_000_000 } };
}

test('a pilot says "not yet conclusive" until it is six weeks old and large enough, then reports significance', () => {
    const early = comparePilot({ test: group(400, 200), control: group(400, 140), start: '2026-10-01', asOf: '2026-10-29' });
    assert.equal(early.weeksRun, 4);
    assert.equal(early.conclusive, false);
    assert.equal(early.verdict, 'Not yet conclusive: 4 of 6 weeks run.');
    const small = comparePilot({ test: group(100, 30), control: group(100, 20), start: '2026-08-01', asOf: '2026-10-31' });
    assert.equal(small.verdict, 'Not yet conclusive: 100 of 388 MQLs in the smaller group.');
    const done = comparePilot({ test: group(400, 200), control: group(400, 140), start: '2026-08-01', asOf: '2026-10-31' });
    assert.equal(done.conclusive, true);
    // 0.50 vs 0.35 at n = 400 each: pooled 0.425, SE = 0.034955, z = 4.2912, p ≈ 0.0000178.
    assert.equal(done.metrics[0].metric, 'MQL→SQL');
    close(done.metrics[0].pValue!, 0.0000178, 2e-6);
    assert.match(done.verdict, /^MQL→SQL differs significantly \(p = 0\.000\): the test threshold converts better\.$/);
    assert.deepEqual(done.metrics.map((m) => m.metric), ['MQL→SQL', 'Acceptance', 'Opportunity rate at 30 days', 'Opportunity rate at 60 days', 'Hours to first contact', 'Revenue at 90 days per MQL']);
});
