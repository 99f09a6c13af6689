/**
 * Pilots survive repeated looks (issue 14, item 6): the job compares test with control every night, so a verdict
 * must hold its error rate over all the nights, not at one. Seeded simulation: pilots with no true difference,
 * leads arriving daily in both groups, a look every night for 90 days; a pilot counts as a false positive if on any
 * night it is reported significant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, mulberry32 } from 'c/calibrationEngine';
import { resolveSettings, validateSettings } from '../../scripts/config/settings';
import { SettingsError } from '../../scripts/errors';
import { comparePilot, emptyGroup, parsePilotConfig, PilotConfigError, type GroupStats, type MetricComparison } from 'c/calibrationGovernance';

/** One day's MQLs of one group, as counts and sums (what GroupStats keeps), drawn from the same rates for both. */
interface Day {
    mqls: number;
    sqls: number;
    decided: number;
    accepted: number;
    opp30: number;
    opp60: number;
    touch: { n: number; sum: number; sumSq: number };
    revenue: { n: number; sum: number; sumSq: number };
}

function day(n: number, rand: () => number): Day {
    const d: Day = { mqls: n, sqls: 0, decided: 0, accepted: 0, opp30: 0, opp60: 0, touch: { n: 0, sum: 0, sumSq: 0 }, revenue: { n: n, sum: 0, sumSq: 0 } };
    for (let i = 0; i < n; i++) {
        if (rand() < 0.3) d.sqls++;
        if (rand() < 0.9) {
            d.decided++;
            if (rand() < 0.8) d.accepted++;
        }
        const opp = rand();
        if (opp < 0.12) d.opp30++;
        if (opp < 0.18) d.opp60++;
        const hours = -Math.log(1 - rand()) * 10;
        d.touch.n++;
        d.touch.sum += hours;
        d.touch.sumSq += hours * hours;
        if (rand() < 0.05) {
            const amount = 5000 + rand() * 30000;
            d.revenue.sum += amount;
            d.revenue.sumSq += amount * amount;
        }
    }
    return d;
}

/** A group's stats on night `t` from its days: windows count a day's leads only once the window has elapsed. */
function groupOn(days: Day[], t: number): GroupStats {
    const g = emptyGroup();
    for (let i = 0; i < t; i++) {
        const d = days[i];
        const age = t - i;
        g.mqls += d.mqls;
        g.sqls += d.sqls;
        g.acceptance.n += d.decided;
        g.acceptance.k += d.accepted;
        if (age >= 30) {
            g.opp30.n += d.mqls;
            g.opp30.k += d.opp30;
        }
        if (age >= 60) {
            g.opp60.n += d.mqls;
            g.opp60.k += d.opp60;
        }
        g.touchHours.n += d.touch.n;
        g.touchHours.sum += d.touch.sum;
        g.touchHours.sumSq += d.touch.sumSq;
        if (age >= 90) {
            g.revenue90.n += d.revenue.n;
            g.revenue90.sum += d.revenue.sum;
            g.revenue90.sumSq += d.revenue.sumSq;
        }
    }
    return g;
}

const METRICS: MetricComparison['metric'][] = ['MQL→SQL', 'Acceptance', 'Opportunity rate at 30 days', 'Opportunity rate at 60 days', 'Hours to first contact', 'Revenue at 90 days per MQL'];

test('a pilot with no true difference, looked at every night for 90 days, is reported significant on some night at most 5% of the time', (t) => {
    const pilots = 300;
    const start = '2026-06-01';
    let verdicts = 0;
    const flagged: Record<string, number> = {};
    for (let p = 0; p < pilots; p++) {
        const rand = mulberry32(7000 + p);
        // 10-40 MQLs a day a group: a small pilot and a busy one.
        const perDay = 10 + (p % 4) * 10;
        const test = Array.from({ length: 90 }, () => day(perDay, rand));
        const control = Array.from({ length: 90 }, () => day(perDay, rand));
        let reported = false;
        const ever = new Set<string>();
        for (let night = 1; night <= 90; night++) {
            const c = comparePilot({ test: groupOn(test, night), control: groupOn(control, night), start, asOf: addDays(start, night) });
            const primary = c.metrics.find((m) => m.metric === 'MQL→SQL')!;
            if (c.conclusive && primary.significant) reported = true;
            for (const m of c.metrics) if (m.significant) ever.add(m.metric);
        }
        if (reported) verdicts++;
        for (const m of ever) flagged[m] = (flagged[m] ?? 0) + 1;
    }
    const share = (n: number): string => `${((n / pilots) * 100).toFixed(1)}%`;
    t.diagnostic(`verdict significant on some night: ${share(verdicts)} of ${pilots} pilots with no difference`);
    for (const m of METRICS) t.diagnostic(`${m} flagged significant on some night: ${share(flagged[m] ?? 0)}`);
    assert.ok(verdicts / pilots <= 0.05, `verdict false-positive rate ${share(verdicts)}`);
    for (const m of METRICS) assert.ok((flagged[m] ?? 0) / pilots <= 0.05, `${m} flagged on ${share(flagged[m] ?? 0)}`);
});

test('one primary metric decides the verdict; the others are reported as secondary', () => {
    // 3,000 MQLs a group: more than the 2,670 the sequential test needs to see 5 points at 30% with 80% power.
    const g = (sqls: number, accepted: number): GroupStats => ({ ...emptyGroup(), mqls: 3000, sqls, acceptance: { k: accepted, n: 3000 } });
    // Acceptance differs strongly (90% against 70%), MQL→SQL not at all.
    const args = { test: g(900, 2700), control: g(900, 2100), start: '2026-06-01', asOf: '2026-09-01' };
    const byDefault = comparePilot(args);
    assert.deepEqual(byDefault.metrics.map((m) => m.role), ['primary', 'secondary', 'secondary', 'secondary', 'secondary', 'secondary']);
    assert.equal(byDefault.primaryMetric, 'MQL→SQL');
    assert.match(byDefault.verdict, /^Conclusive: no significant difference in MQL→SQL \(primary\)/);
    const byAcceptance = comparePilot({ ...args, primaryMetric: 'Acceptance' });
    assert.equal(byAcceptance.metrics.find((m) => m.metric === 'Acceptance')!.role, 'primary');
    assert.match(byAcceptance.verdict, /^Acceptance \(primary\) differs: the test group is higher \(90\.0% against 70\.0%; sequential p < 0\.001, \|z\| \d+\.\d\d against a boundary of \d+\.\d\d at this look/);
});

test('the boundary a metric must cross is wider than the one-look 1.96 and matches the mixture test worked by hand', () => {
    const g = (n: number): GroupStats => ({ ...emptyGroup(), mqls: n, sqls: Math.round(n * 0.3) });
    const b = (n: number): number => comparePilot({ test: g(n), control: g(n), start: '2026-06-01', asOf: '2026-09-01' }).metrics[0].boundary!;
    // 30% on both sides, τ = 0.05: v = 0.21 × 2/n. n = 2,000: v = 0.00021, (v + τ²)/τ² = 1.084,
    // 2 ln 20 + ln(0.00271/0.00021) = 5.99146 + 2.55760 = 8.54906, × 1.084 = 9.26718, √ = 3.0442.
    // n = 200: v = 0.0021, 1.84 × (5.99146 + ln(0.0046/0.0021) = 0.78412) = 12.46678, √ = 3.5309.
    assert.ok(Math.abs(b(2000) - 3.0442) < 1e-3, `${b(2000)}`);
    assert.ok(Math.abs(b(200) - 3.5309) < 1e-3, `${b(200)}`);
});

test('a split by a Lead field is labelled an observational comparison with its caveat', () => {
    const config = parsePilotConfig({ segment: 'SMB_Inbound', field: 'LeadSource', testValues: ['Webinar'], testThreshold: 60, start: '2026-06-01' });
    const c = comparePilot({ test: emptyGroup(), control: emptyGroup(), start: config.start, asOf: '2026-09-01', config });
    assert.equal(c.design, 'observational');
    assert.match(c.caveat, /LeadSource.*not at random/);
    assert.equal(config.primaryMetric, 'MQL→SQL');
    assert.equal(parsePilotConfig({ ...config, primaryMetric: 'Acceptance' }).primaryMetric, 'Acceptance');
    assert.throws(() => parsePilotConfig({ ...config, primaryMetric: 'Win rate' }), (e: unknown) => e instanceof PilotConfigError && /primaryMetric/.test(e.message));
});

test('the settings file names a pilot\'s primary metric, and refuses one the pilot does not measure with the key at fault', () => {
    const pilot = { segment: 'SMB_Inbound', field: 'LeadSource', testValues: ['Webinar'], testThreshold: 60, start: '2026-06-01' };
    const ok = resolveSettings(validateSettings({ pilots: [{ ...pilot, primaryMetric: 'Opportunity rate at 30 days' }] }, 'calibration.json'));
    assert.equal(ok.pilots[0].primaryMetric, 'Opportunity rate at 30 days');
    assert.equal(resolveSettings(validateSettings({ pilots: [pilot] }, 'calibration.json')).pilots[0].primaryMetric, 'MQL→SQL');
    assert.throws(
        () => validateSettings({ pilots: [{ ...pilot, primaryMetric: 'Win rate' }] }, 'calibration.json'),
        (e: unknown) => e instanceof SettingsError && /^calibration\.json: pilots\[0\]\.primaryMetric: /.test(e.message) && !e.message.includes('\n')
    );
});
