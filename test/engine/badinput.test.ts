import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate, defaultSettings, type LeadRecord } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const base = (id: string, score: unknown): LeadRecord => ({
    id,
    segment: 'SMB_Inbound',
    scoreAtHandoff: score as number,
    scoreSource: 'Snapshot',
    handoffDate: '2026-10-01T10:00:00.000+0000',
    accepted: true,
    rejected: false,
    qualified: false
});

test('bad records are counted and reported as excluded with a reason, never dropped silently, never a crash; a negative score is a score', () => {
    const leads: LeadRecord[] = [
        base('ok-1', 55),
        base('ok-2', 61.5),
        base('nan', NaN),
        base('text', 'abc'),
        base('neg', -4),
        base('absurd', 1e9),
        { ...base('no-outcome', 50), accepted: undefined as unknown as boolean },
        { ...base('both', 50), rejected: true },
        base('ok-1', 70), // duplicate id
        { ...base('unknown', 50), segment: 'Martians' },
        { ...base('no-score', null), scoreSource: null }
    ];
    const r = calibrate({
        leads,
        opportunities: [{ id: 'orphan', leadId: null, amount: 100, isWon: true, isClosed: true }],
        policies: [{ name: 'SMB_Inbound', activeThreshold: 50 }],
        // No default bound on scores (any scale is valid); an org that knows its scale may set one.
        settings: { ...defaultSettings(), maxScore: 10000 },
        asOf: '2026-10-31'
    });
    const reasons = Object.fromEntries(r.exclusions.map((e) => [e.id, e.reason]));
    assert.deepEqual(reasons, {
        nan: 'score at handoff is not a number',
        text: 'score at handoff is not a number',
        absurd: 'score at handoff above 10000',
        'no-outcome': 'missing outcome (accepted, rejected or qualified)',
        both: 'both accepted and rejected',
        'ok-1': 'duplicate lead id',
        unknown: 'unknown segment Martians',
        'no-score': 'no score at handoff',
        orphan: 'opportunity with no lead'
    });
    assert.equal(r.exclusionCounts['score at handoff is not a number'], 2);
    assert.equal(r.segments[0].sample.handedOff, 3);
    // The three good leads are in their bands (a 0-100 score is kept to whole points); nothing else is.
    assert.deepEqual(r.segments[0].fineBands.map((f) => f.score), [-4, 55, 61]);
});

test('a segment with no won deals and no leads still reports, abstaining', () => {
    const r = calibrate({ leads: [], opportunities: [], policies: [{ name: 'Expansion', activeThreshold: null }], settings: defaultSettings(), asOf: '2026-10-31' });
    const s = r.segments[0];
    assert.equal(s.recommendation.reason, 'insufficient-sample');
    assert.deepEqual(s.bands, []);
    assert.equal(s.inflection, null);
    assert.deepEqual(s.scenarios, []);
});
