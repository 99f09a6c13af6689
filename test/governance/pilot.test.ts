// Pilot statistics against cases worked out by hand, and the streaming accumulator against leads counted by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeadRecord, OpportunityRecord } from 'c/calibrationEngine';
import {
    accumulatePilot,
    comparePilot,
    emptyGroup,
    normalCdf,
    normalQuantile,
    parsePilotConfig,
    pilotGroupOf,
    PilotConfigError,
    sampleSizePerGroup,
    studentTwoSidedP,
    twoProportionTest,
    welchTest,
    type GroupStats
} from 'c/calibrationGovernance';

const close = (a: number, b: number, tol: number, what = '') =>
    assert.ok(Math.abs(a - b) < tol, `${what} ${a} vs ${b}`);

test('the two-proportion z-test matches the hand computation for 30/100 against 20/100', () => {
    // pooled p = 50/200 = 0.25; SE = √(0.25 × 0.75 × (1/100 + 1/100)) = √0.00375 = 0.0612372;
    // z = (0.30 − 0.20) / 0.0612372 = 1.63299; two-sided p = 2 × (1 − Φ(1.63299)) = 2 × 0.051235 = 0.10247.
    // CI: unpooled SE = √(0.3·0.7/100 + 0.2·0.8/100) = √0.0037 = 0.0608276; 1.959964 × 0.0608276 = 0.119220.
    const r = twoProportionTest(30, 100, 20, 100)!;
    close(r.statistic, 1.63299, 1e-4);
    close(r.pValue, 0.10247, 2e-4);
    close(r.difference, 0.1, 1e-12);
    close(r.ci[0], -0.01922, 1e-4);
    close(r.ci[1], 0.21922, 1e-4);
    assert.equal(twoProportionTest(0, 100, 0, 100), null);
    assert.equal(twoProportionTest(5, 0, 3, 10), null);
});

test('the normal CDF and its inverse give the table values', () => {
    close(normalCdf(0), 0.5, 1e-7);
    close(normalCdf(1.96), 0.975002, 1e-5);
    close(normalCdf(-1.6449), 0.05, 1e-4);
    close(normalQuantile(0.975), 1.959964, 1e-5);
    close(normalQuantile(0.8), 0.841621, 1e-5);
});

test("Student's t p-values match the closed forms for one and two degrees of freedom", () => {
    // df = 1 (Cauchy): F(t) = 1/2 + atan(t)/π, so t = 1 gives p = 2 × (1 − 3/4) = 0.5.
    close(studentTwoSidedP(1, 1), 0.5, 1e-9);
    // df = 2: F(t) = 1/2 + t / (2√(2 + t²)); t = 2 gives F = 0.5 + 2/(2√6) = 0.908248, p = 0.183503.
    close(studentTwoSidedP(2, 2), 0.183503, 1e-6);
});

test("Welch's test from sums matches the hand computation", () => {
    // a = {1, 3}: mean 2, variance 2; b = {0, 2}: mean 1, variance 2. SE = √(2/2 + 2/2) = √2 = 1.414214;
    // t = 1/1.414214 = 0.707107; df = (1 + 1)² / (1²/1 + 1²/1) = 2; F(t) = 0.5 + 0.707107/(2√2.5) = 0.723607;
    // p = 2 × (1 − 0.723607) = 0.552786. CI: t(0.975, 2) = 4.302653; 1 ± 4.302653 × 1.414214 = 1 ± 6.084870 = [−5.084870, 7.084870].
    const r = welchTest({ n: 2, sum: 4, sumSq: 10 }, { n: 2, sum: 2, sumSq: 4 })!;
    close(r.statistic, 0.707107, 1e-6);
    close(r.df, 2, 1e-9);
    close(r.pValue, 0.552786, 1e-6);
    close(r.ci[0], -5.08487, 1e-5);
    close(r.ci[1], 7.08487, 1e-5);
    // a = {2, 4, 6}: mean 4, var 4; b = {1, 2, 3}: mean 2, var 1. SE = √(4/3 + 1/3) = 1.290994; t = 1.549193;
    // df = (5/3)² / ((4/3)²/2 + (1/3)²/2) = 2.777778 / 0.944444 = 2.941176.
    const s = welchTest({ n: 3, sum: 12, sumSq: 56 }, { n: 3, sum: 6, sumSq: 14 })!;
    close(s.statistic, 1.549193, 1e-5);
    close(s.df, 2.941176, 1e-5);
    // a = {1, 5}: mean 3, var 8; b = {1, 1}: var 0. SE = √(8/2) = 2, t = 1, df = 16/(16/1) = 1, p = 0.5 (Cauchy).
    close(welchTest({ n: 2, sum: 6, sumSq: 26 }, { n: 2, sum: 2, sumSq: 2 })!.pValue, 0.5, 1e-9);
    assert.equal(welchTest({ n: 1, sum: 1, sumSq: 1 }, { n: 3, sum: 6, sumSq: 14 }), null);
});

test('the sample size for 80% power matches the hand computation', () => {
    // 40% against 50%: p̄ = 0.45; 1.959964 × √(2 × 0.45 × 0.55) = 1.378958; 0.841621 × √(0.24 + 0.25) = 0.589135;
    // (1.968093)² / 0.1² = 387.34 → 388 per group.
    assert.equal(sampleSizePerGroup(0.4, 0.5), 388);
    // 20% against 30%: 1.959964 × √(2 × 0.25 × 0.75) = 1.200227; 0.841621 × √(0.16 + 0.21) = 0.511938; 293.15 → 294.
    assert.equal(sampleSizePerGroup(0.2, 0.3), 294);
});

/** A group with `sqls` of `mqls` qualified and other metrics filled plausibly (not under test here). */
function group(mqls: number, sqls: number): GroupStats {
    const g = emptyGroup();
    g.mqls = mqls;
    g.sqls = sqls;
    g.acceptance = { k: Math.round(mqls * 0.85), n: mqls };
    g.opp30 = { k: Math.round(sqls / 2), n: mqls };
    g.opp60 = { k: Math.round(sqls * 0.7), n: mqls };
    g.touchHours = { n: mqls, sum: mqls * 10, sumSq: mqls * 130 };
    g.revenue90 = { n: mqls, sum: sqls * 1000, sumSq: sqls * 2_000_000 };
    return g;
}

test('a pilot says "not yet conclusive" until it is six weeks old and large enough, then reports significance', () => {
    const early = comparePilot({
        test: group(400, 200),
        control: group(400, 140),
        start: '2026-10-01',
        asOf: '2026-10-29'
    });
    assert.equal(early.weeksRun, 4);
    assert.equal(early.conclusive, false);
    assert.equal(early.verdict, 'Not yet conclusive: 4 of 6 weeks run.');

    // 30/100 against 20/100: observed 10 points, sized at control 20% against 30%: 294 per group for one look
    // (sampleSizePerGroup), 580 for the sequential test that holds over every nightly look.
    const small = comparePilot({
        test: group(100, 30),
        control: group(100, 20),
        start: '2026-08-01',
        asOf: '2026-10-31'
    });
    assert.equal(small.requiredPerGroup, 580);
    assert.equal(small.verdict, 'Not yet conclusive: 100 of 580 MQLs in the smaller group.');

    // No observed difference: sized for the 5-point minimum effect, 25% against 30%:
    // 1.959964 × √(2 × 0.275 × 0.725) = 1.237653; 0.841621 × √(0.1875 + 0.21) = 0.530622; 1.768275² / 0.0025 = 1250.7 → 1251
    // for one look; the sequential test needs 2,427.
    const flat = comparePilot({
        test: group(400, 100),
        control: group(400, 100),
        start: '2026-08-01',
        asOf: '2026-10-31'
    });
    assert.equal(flat.sizedForEffect, 0.05);
    assert.equal(sampleSizePerGroup(0.25, 0.3), 1251);
    assert.equal(flat.verdict, 'Not yet conclusive: 400 of 2427 MQLs in the smaller group.');

    // 200/400 against 140/400 at 13 weeks: pooled 0.425, SE = √(0.425 × 0.575 × 2/400) = 0.034955, z = 4.2912, p ≈ 0.0000178.
    const done = comparePilot({
        test: group(400, 200),
        control: group(400, 140),
        start: '2026-08-01',
        asOf: '2026-10-31'
    });
    assert.equal(done.weeksRun, 13);
    assert.equal(done.conclusive, true);
    assert.equal(done.requiredPerGroup, 370);
    close(done.metrics[0].pValue!, 0.0000178, 2e-6);
    close(done.metrics[0].statistic!, 4.2912, 1e-3);
    assert.equal(done.metrics[0].significant, true);
    assert.equal(
        done.verdict,
        'MQL→SQL (primary) differs: the test group is higher (50.0% against 35.0%; sequential p = 0.004, |z| 4.29 against a boundary of 3.25 at this look, α 0.05 over every look).'
    );
    assert.deepEqual(
        done.metrics.map((m) => [m.metric, m.method]),
        [
            ['MQL→SQL', 'two-proportion z'],
            ['Acceptance', 'two-proportion z'],
            ['Opportunity rate at 30 days', 'two-proportion z'],
            ['Opportunity rate at 60 days', 'two-proportion z'],
            ['Hours to first contact', 'Welch t'],
            ['Revenue at 90 days per MQL', 'Welch t']
        ]
    );
});

const config = parsePilotConfig({
    segment: 'SMB_Inbound',
    field: 'Region__c',
    testValues: 'West, North',
    testThreshold: 70,
    start: '2026-06-01'
});

function lead(id: string, p: Partial<LeadRecord>): LeadRecord {
    return {
        id,
        segment: 'SMB_Inbound',
        scoreAtHandoff: 70,
        scoreSource: 'Snapshot',
        handoffDate: null,
        accepted: false,
        rejected: false,
        qualified: false,
        attributes: { Region__c: 'East' },
        ...p
    };
}

test('pilot configurations are checked and default to six weeks', () => {
    assert.deepEqual(config, {
        segment: 'SMB_Inbound',
        field: 'Region__c',
        testValues: ['West', 'North'],
        testThreshold: 70,
        start: '2026-06-01',
        minWeeks: 6,
        primaryMetric: 'MQL→SQL'
    });
    assert.throws(
        () => parsePilotConfig({ ...config, minWeeks: 4 }),
        (e: Error) =>
            e instanceof PilotConfigError &&
            /pilot for SMB_Inbound: "minWeeks" must be a whole number of at least 6/.test(e.message)
    );
    assert.throws(
        () => parsePilotConfig({ ...config, testValues: [] }),
        /"testValues" must list at least one value of Region__c/
    );
    assert.throws(() => parsePilotConfig({ ...config, start: '1 June' }), /"start" must be an ISO date/);
    assert.throws(
        () => parsePilotConfig({ ...config, testThreshold: 'high' }),
        /"testThreshold" must be a number/
    );
});

test('a lead is in the test group by its partition value, in control otherwise, and outside the pilot before the start', () => {
    assert.equal(
        pilotGroupOf(lead('a', { handoffDate: '2026-06-02', attributes: { Region__c: 'West' } }), config),
        'Test'
    );
    assert.equal(pilotGroupOf(lead('b', { handoffDate: '2026-06-02' }), config), 'Control');
    assert.equal(
        pilotGroupOf(lead('c', { createdDate: '2026-07-01' }), config),
        'Control',
        'a new lead not yet handed off is stamped too'
    );
    assert.equal(pilotGroupOf(lead('d', { handoffDate: '2026-05-31' }), config), null);
    assert.equal(pilotGroupOf(lead('e', { segment: 'Expansion', handoffDate: '2026-06-02' }), config), null);
    const bySource = parsePilotConfig({ ...config, field: 'LeadSource', testValues: ['Webinar'] });
    assert.equal(
        pilotGroupOf(lead('f', { handoffDate: '2026-06-02', leadSource: 'Webinar' }), bySource),
        'Test'
    );
});

test('the accumulator builds both groups from streamed leads as counted by hand', () => {
    const acc = accumulatePilot(config, '2026-10-31');
    const opp = (p: Partial<OpportunityRecord>): OpportunityRecord => ({
        id: 'o',
        leadId: null,
        amount: null,
        isWon: false,
        isClosed: false,
        ...p
    });
    const west = { Region__c: 'West' };
    // Test: handed off 06-10, SQL, opportunity after 20 days, won 10,000 after 71 days, contacted after 5 h.
    assert.equal(
        acc.add(
            lead('1', {
                handoffDate: '2026-06-10T00:00:00Z',
                accepted: true,
                qualified: true,
                firstTouchDate: '2026-06-10T05:00:00Z',
                attributes: west
            }),
            opp({
                createdDate: '2026-06-30',
                closeDate: '2026-08-20',
                isWon: true,
                isClosed: true,
                amount: 10000
            })
        ),
        'Test'
    );
    // Test: handed off 09-20 (41 days before as-of: counts for 30 days only), rejected, contacted after 3 h.
    acc.add(
        lead('2', {
            handoffDate: '2026-09-20T00:00:00Z',
            rejected: true,
            firstTouchDate: '2026-09-20T03:00:00Z',
            attributes: west
        })
    );
    // Control: handed off 07-01, SQL, opportunity after 45 days (not within 30), never won, never contacted.
    acc.add(
        lead('3', { handoffDate: '2026-07-01T00:00:00Z', accepted: true, qualified: true }),
        opp({ createdDate: '2026-08-15' })
    );
    // Control by its stamp although its region is a test value; undecided; contacted after 10 h.
    assert.equal(
        acc.add(
            lead('4', {
                handoffDate: '2026-07-15T00:00:00Z',
                pilotGroup: 'Control',
                firstTouchDate: '2026-07-15T10:00:00Z',
                attributes: west
            })
        ),
        'Control'
    );
    // Outside: before the start, another segment, never handed off.
    assert.equal(acc.add(lead('5', { handoffDate: '2026-05-30T00:00:00Z' })), null);
    assert.equal(acc.add(lead('6', { segment: 'Expansion', handoffDate: '2026-07-01T00:00:00Z' })), null);
    assert.equal(acc.add(lead('7', { createdDate: '2026-07-01' })), null);
    const { test: t, control: c } = acc.stats();
    assert.deepEqual(t, {
        mqls: 2,
        sqls: 1,
        acceptance: { k: 1, n: 2 },
        opp30: { k: 1, n: 2 },
        opp60: { k: 1, n: 1 },
        touchHours: { n: 2, sum: 8, sumSq: 34 },
        revenue90: { n: 1, sum: 10000, sumSq: 1e8 }
    });
    assert.deepEqual(c, {
        mqls: 2,
        sqls: 1,
        acceptance: { k: 1, n: 1 },
        opp30: { k: 0, n: 2 },
        opp60: { k: 1, n: 2 },
        touchHours: { n: 1, sum: 10, sumSq: 100 },
        revenue90: { n: 2, sum: 0, sumSq: 0 }
    });
});
