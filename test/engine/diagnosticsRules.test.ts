/**
 * The diagnostics' rules at their edges (issue 14, item 7): the SLA counts a touch late from the first minute past
 * it, a monthly cohort's won rate appears only once every lead in it is old enough, decay is the tested applyDecay,
 * and the rejection rate is read against the healthy range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDecay, calibrate, defaultSettings, type LeadRecord } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const base = (id: string, over: Partial<LeadRecord>): LeadRecord => ({
    id,
    segment: 'S',
    scoreAtHandoff: 60,
    scoreSource: 'Snapshot',
    handoffDate: '2026-06-10T09:00:00.000Z',
    accepted: true,
    rejected: false,
    qualified: false,
    ...over
});

function diagnostics(leads: LeadRecord[], asOf = '2026-10-31', active: number | null = 50): Record<string, unknown> {
    const r = calibrate({ leads, opportunities: [], policies: [{ name: 'S', activeThreshold: active }], settings: { ...defaultSettings(), segmentRules: [] }, asOf });
    return r.segments[0].diagnostics;
}

test('a first touch 24 hours 59 minutes after handoff is over the 24-hour SLA; one at exactly 24 hours is within', () => {
    const d = diagnostics([
        base('a', { firstTouchDate: '2026-06-11T09:59:00.000Z' }),
        base('b', { firstTouchDate: '2026-06-11T09:00:00.000Z' }),
        base('c', { firstTouchDate: '2026-06-10T10:00:00.000Z' }),
        base('d', { firstTouchDate: '2026-06-11T09:00:01.000Z' })
    ]);
    assert.equal(d.shareOverSla, 0.5);
});

test("a month's 90-day won rate is shown only once its last day's leads are 90 days old", () => {
    const leads = [base('a', { handoffDate: '2026-07-01T00:00:00.000Z' }), base('b', { handoffDate: '2026-07-31T23:00:00.000Z' })];
    const cohort = (asOf: string) => (diagnostics(leads, asOf).cohorts as { month: string; wonRate90: unknown; wonRate180: unknown }[]).find((c) => c.month === '2026-07')!;
    // 2026-07-31 + 90 days = 2026-10-29: a day before, the lead of the 31st is 89 days old.
    assert.equal(cohort('2026-10-28').wonRate90, null);
    assert.notEqual(cohort('2026-10-29').wonRate90, null);
    assert.equal(cohort('2026-10-29').wonRate180, null);
});

test('leads whose decayed score falls below the threshold are counted by applyDecay itself', () => {
    const asOf = '2026-10-31';
    // Idle 29.5 days counted from the analysis date's start, 30 from its end: applyDecay says 29 whole days.
    const leads = [
        base('a', { currentScore: 52, lastActivityDate: '2026-10-01T12:00:00.000Z' }),
        base('b', { currentScore: 52, lastActivityDate: '2026-09-30T00:00:00.000Z' }),
        base('c', { currentScore: 60, lastActivityDate: '2026-08-01T00:00:00.000Z' }),
        base('d', { currentScore: 70, lastActivityDate: '2026-09-01T00:00:00.000Z' })
    ];
    const expected = leads.filter((l) => l.currentScore! >= 50 && applyDecay(l.currentScore!, l.lastActivityDate, asOf, defaultSettings().decay) < 50).length;
    assert.equal(expected, 2);
    assert.equal(diagnostics(leads, asOf).decayDropsBelowThreshold, expected);
});

test('the rejection rate is read against the healthy 15-25% range, above 35% as a strong signal', () => {
    const leads = (rejected: number, of: number) => Array.from({ length: of }, (_, i) => base(`l${i}`, { accepted: i >= rejected, rejected: i < rejected }));
    assert.equal(diagnostics(leads(1, 20)).rejectionRateHealthy, 'below');
    assert.equal(diagnostics(leads(4, 20)).rejectionRateHealthy, 'healthy');
    assert.equal(diagnostics(leads(6, 20)).rejectionRateHealthy, 'above');
    assert.equal(diagnostics(leads(8, 20)).rejectionRateHealthy, 'strong signal');
});

test('each band names its top reason with the test against 40%, never "(no reason given)"', () => {
    const leads = Array.from({ length: 60 }, (_, i) => base(`l${i}`, { accepted: false, rejected: true, rejectionReason: i < 30 ? null : i < 55 ? 'Wrong title' : 'Competitor' }));
    const rows = diagnostics(leads).rejectionReasonsByBand as { from: number; reasons: Record<string, number>; top: { reason: string; withReason: number; share: number; pValue: number; dominant: boolean } }[];
    assert.equal(rows[0].reasons['(no reason given)'], 30);
    assert.equal(rows[0].top.reason, 'Wrong title');
    assert.equal(rows[0].top.withReason, 30);
    assert.equal(rows[0].top.dominant, true);
    assert.ok(rows[0].top.pValue < 1e-5);
});
