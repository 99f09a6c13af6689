// The approval lifecycle as pure functions: change detection, freeze, review triggers, the rejection margin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    calibrate,
    defaultSettings,
    type FineBand,
    type SegmentPolicy,
    type SegmentResult,
    type Trigger
} from 'c/calibrationEngine';
import {
    governSegment,
    preparePolicy,
    thresholdHistoryFrom,
    lastCalibratedFrom,
    detectChange,
    evidenceMoved,
    type RunSnapshot
} from 'c/calibrationGovernance';

const settings = defaultSettings(); // minStep 3, freezeDays 91, scenarioWindowDays 90

/** One-point counts: `recent` handed off at `score`, `rejected` of them rejected and the rest accepted. */
function fine(score: number, handedOff: number, rejected: number): FineBand {
    const accepted = handedOff - rejected;
    return {
        score,
        handedOff,
        accepted,
        rejected,
        neverWorked: 0,
        qualified: 0,
        opportunities: 0,
        won: 0,
        pipelineAmount: 0,
        wonAmount: 0,
        recent: { handedOff, accepted, rejected, qualified: 0, pipelineAmount: 0, wonAmount: 0 }
    };
}

function result(opts: {
    threshold: number | null;
    reason?: string;
    triggers?: Trigger['code'][];
    handedOff?: number;
    fine?: FineBand[];
}): SegmentResult {
    return {
        name: 'SMB_Inbound',
        activeThreshold: 50,
        sample: {
            leads: 1000,
            handedOff: opts.handedOff ?? 400,
            won: 60,
            rejected: 80,
            scoreSources: { Snapshot: 400, History: 0, Current: 0 }
        },
        bands: [],
        fineBands: opts.fine ?? [fine(50, 100, 40), fine(60, 100, 20), fine(70, 100, 10)],
        inflection: 60,
        recommendation: {
            threshold: opts.threshold,
            reason: opts.reason ?? (opts.threshold === null ? 'no-change' : 'recommended'),
            range: null,
            rationale: 'Evidence.',
            candidates: { inflection: 60, rejectionTarget: null, sqlTarget: null, capacity: null },
            computed: opts.threshold,
            startingPoint: null,
            expectedMqlsPerMonth: null,
            expectedRejectionRate: null
        },
        scenarios: [],
        // Each trigger as the engine makes it: with evidence that is significant (a fact, or a test at its level).
        triggers: (opts.triggers ?? []).map((code) => ({
            code,
            message: code,
            severity: 'warning' as const,
            evidence: { kind: 'test' as const, test: 'stated test', pValue: 0.001, level: 0.01, significant: true, counts: {} }
        })),
        paths: [],
        diagnostics: {}
    };
}

function run(p: Partial<RunSnapshot> & { runAt: string }): RunSnapshot {
    return {
        segment: 'SMB_Inbound',
        activeThreshold: 50,
        recommendedThreshold: null,
        status: null,
        frozenUntil: null,
        handedOff: 400,
        rejectionRate: null,
        ...p
    };
}

const policy = (p: Partial<SegmentPolicy> = {}): SegmentPolicy => ({
    name: 'SMB_Inbound',
    activeThreshold: 50,
    ...p
});

test('a first run proposes the engine recommendation as Pending review and records no change', () => {
    const d = governSegment({
        policy: policy(),
        previousRun: null,
        result: result({ threshold: 60 }),
        asOf: '2026-10-31',
        settings
    });
    assert.equal(d.change, null);
    assert.equal(d.propose, true);
    assert.equal(d.status, 'Pending review');
    assert.equal(d.recommendation.threshold, 60);
    assert.equal(d.frozenUntil, null);
});

test('an approved change is recorded with its rationale and freezes the segment for 91 days', () => {
    const previous = run({
        runAt: '2026-10-30T02:00:00Z',
        recommendedThreshold: 60,
        status: 'Pending review',
        rationale: 'Won deals climb at 60.'
    });
    const d = governSegment({
        policy: policy({ activeThreshold: 60, status: 'Approved' }),
        previousRun: previous,
        result: result({ threshold: 61 }),
        asOf: '2026-10-31',
        settings
    });
    assert.deepEqual(d.change, {
        from: 50,
        to: 60,
        detectedOn: '2026-10-31',
        text: '50 → 60',
        rationale: "Approved the job's proposal of 60: Won deals climb at 60."
    });
    // 2026-10-31 + 91 days = 2027-01-30 (Nov 30 + Dec 31 + Jan 30).
    assert.equal(d.frozenUntil, '2027-01-30');
    assert.equal(d.propose, false);
    assert.equal(d.reason, 'frozen');
    assert.equal(d.recommendation.threshold, null);
    assert.equal(d.status, 'Approved', 'the admin status is left as it is');
});

test('a value set without a proposal is recorded as undocumented', () => {
    const c = detectChange(
        policy({ activeThreshold: 45 }),
        run({ runAt: '2026-10-30', activeThreshold: 60, recommendedThreshold: null }),
        '2026-10-31'
    );
    assert.equal(c?.text, '60 → 45');
    assert.match(c!.rationale, /without a matching proposal \(the job had proposed none\)/);
});

test('while frozen a review trigger lifts the freeze and a diagnostic does not', () => {
    const previous = run({ runAt: '2026-11-01', activeThreshold: 60, frozenUntil: '2027-01-30' });
    const base = {
        policy: policy({ activeThreshold: 60, status: 'Approved' as const, frozenUntil: '2027-01-30' }),
        previousRun: previous,
        asOf: '2026-11-02',
        settings
    };
    const diag = governSegment({
        ...base,
        result: result({ threshold: 66, triggers: ['REJECTION_REASON_DOMINANT'] })
    });
    assert.equal(diag.reason, 'frozen');
    assert.equal(diag.frozenUntil, '2027-01-30');
    const trig = governSegment({
        ...base,
        result: result({ threshold: 66, triggers: ['THRESHOLD_COMPRESSION'] })
    });
    assert.equal(trig.propose, true);
    assert.equal(trig.recommendation.threshold, 66);
    assert.equal(trig.status, 'Pending review');
    assert.deepEqual(
        trig.reviewTriggers.map((t) => t.code),
        ['THRESHOLD_COMPRESSION']
    );
});

test('a review trigger without significant evidence does not lift a freeze', () => {
    const base = {
        policy: policy({ activeThreshold: 60, status: 'Approved' as const, frozenUntil: '2027-01-30' }),
        previousRun: run({ runAt: '2026-11-01T03:00:00Z', activeThreshold: 60, frozenUntil: '2027-01-30' }),
        asOf: '2026-11-02',
        settings
    };
    const weak = result({ threshold: 66 });
    weak.triggers = [
        { code: 'SQL_RATE_SHIFT', message: 'moved 6 points', severity: 'warning', evidence: { kind: 'test', test: 'two-sided two-proportion z-test', pValue: 0.2, level: 0.01, significant: false, counts: {} } },
        { code: 'REJECTION_RATE_SPIKE', message: 'from an older run, no evidence kept', severity: 'critical' }
    ];
    const d = governSegment({ ...base, result: weak });
    assert.equal(d.reason, 'frozen');
    assert.equal(d.propose, false);
    assert.deepEqual(d.reviewTriggers, []);
});

test('a freeze that has ended no longer holds a proposal back', () => {
    const d = governSegment({
        policy: policy({ activeThreshold: 60, frozenUntil: '2027-01-30' }),
        previousRun: run({ runAt: '2027-01-29', activeThreshold: 60 }),
        result: result({ threshold: 66 }),
        asOf: '2027-01-30',
        settings
    });
    assert.equal(d.frozenUntil, null);
    assert.equal(d.propose, true);
});

test('a rejected value is not proposed again while its evidence has not moved by the margin', () => {
    // Fine bands: at 60 and above, 20 + 10 = 30 rejected of 200 decided: 15.0%.
    const rejected = policy({ status: 'Rejected', recommendedThreshold: 60 });
    const proposal = run({
        runAt: '2026-10-01',
        recommendedThreshold: 60,
        expectedRejectionRate: 0.16,
        handedOff: 400
    });
    const near = governSegment({
        policy: rejected,
        previousRun: proposal,
        result: result({ threshold: 62, handedOff: 420 }),
        asOf: '2026-10-31',
        settings
    });
    assert.equal(near.propose, false);
    assert.equal(near.reason, 'rejected-unchanged');
    assert.equal(near.status, 'Rejected');
    assert.match(
        near.recommendation.rationale,
        /rejection rate at 60 16\.0% → 15\.0%, under 5 points; sample 400 → 420, under \+50%/
    );

    // Three points away (minStep) is a different proposal, not the rejected one.
    const far = governSegment({
        policy: rejected,
        previousRun: proposal,
        result: result({ threshold: 63 }),
        asOf: '2026-10-31',
        settings
    });
    assert.equal(far.propose, true);
    assert.equal(far.status, 'Pending review');
});

test('a rejected value comes back when the rejection rate at it moved five points or the sample grew by half', () => {
    const rejected = policy({ status: 'Rejected', recommendedThreshold: 60 });
    // Rejection rate then 20%, now 15%: moved exactly 5 points.
    const rate = governSegment({
        policy: rejected,
        previousRun: run({ runAt: '2026-10-01', expectedRejectionRate: 0.2, handedOff: 400 }),
        result: result({ threshold: 60 }),
        asOf: '2026-10-31',
        settings
    });
    assert.equal(rate.propose, true);
    // Rate within the margin (16% → 15%) but the sample 400 → 600 (+50%).
    const sample = governSegment({
        policy: rejected,
        previousRun: run({ runAt: '2026-10-01', expectedRejectionRate: 0.16, handedOff: 400 }),
        result: result({ threshold: 60, handedOff: 600 }),
        asOf: '2026-10-31',
        settings
    });
    assert.equal(sample.propose, true);
    const unmoved = evidenceMoved(
        result({ threshold: 60, handedOff: 599 }),
        60,
        run({ runAt: '2026-10-01', expectedRejectionRate: 0.16, handedOff: 400 }),
        settings
    );
    assert.equal(unmoved.moved, false);
    // With no earlier run to compare with, the evidence counts as unchanged.
    assert.equal(
        governSegment({
            policy: rejected,
            previousRun: null,
            result: result({ threshold: 61 }),
            asOf: '2026-10-31',
            settings
        }).reason,
        'rejected-unchanged'
    );
});

test('the proposal run, not the latest run, is the baseline of the rejection margin', () => {
    const rejected = policy({ status: 'Rejected', recommendedThreshold: 60 });
    const latest = run({ runAt: '2026-10-30', expectedRejectionRate: null, handedOff: 100 }); // a held-back night
    const proposal = run({
        runAt: '2026-10-01',
        recommendedThreshold: 60,
        expectedRejectionRate: 0.15,
        handedOff: 400
    });
    const d = governSegment({
        policy: rejected,
        previousRun: latest,
        proposalRun: proposal,
        result: result({ threshold: 60 }),
        asOf: '2026-10-31',
        settings
    });
    assert.equal(d.reason, 'rejected-unchanged');
});

test('the threshold history and last calibration come from the run history for the engine triggers', () => {
    const runs = [
        run({ runAt: '2026-05-01T02:00:00Z', activeThreshold: 50 }),
        run({ runAt: '2026-08-01T02:00:00Z', activeThreshold: 65 }),
        run({ runAt: '2026-08-02T02:00:00Z', activeThreshold: 65 })
    ];
    assert.deepEqual(thresholdHistoryFrom(runs, policy({ activeThreshold: 55 }), '2026-09-01'), [
        { threshold: 50, changedOn: '2026-05-01' },
        { threshold: 65, changedOn: '2026-08-01' },
        { threshold: 55, changedOn: '2026-09-01' }
    ]);
    assert.equal(lastCalibratedFrom(runs, null, '2026-09-01'), '2026-08-01');
    assert.equal(
        lastCalibratedFrom([runs[0]], null, '2026-09-01'),
        '2026-05-01',
        'no change on record: unreviewed since the first run'
    );
    const prepared = preparePolicy(policy({ activeThreshold: 55 }), runs, '2026-09-01', settings);
    assert.equal(prepared.change?.text, '65 → 55');
    assert.equal(prepared.policy.frozenUntil, '2026-12-01');
    assert.equal(prepared.policy.lastCalibratedOn, '2026-09-01');
    assert.equal(prepared.policy.thresholdHistory?.length, 3);
});

test('the engine raises compression and staleness from a prepared policy', () => {
    const runs = [
        run({ runAt: '2026-05-01T02:00:00Z', activeThreshold: 50 }),
        run({ runAt: '2026-08-01T02:00:00Z', activeThreshold: 65 })
    ];
    const codes = (active: number, asOf: string) => {
        const p = preparePolicy(policy({ activeThreshold: active }), runs, asOf, settings).policy;
        return calibrate({
            leads: [],
            opportunities: [],
            policies: [p],
            settings,
            asOf
        }).segments[0].triggers.map((t) => t.code);
    };
    assert.deepEqual(codes(55, '2026-09-01'), ['THRESHOLD_COMPRESSION']);
    assert.deepEqual(codes(70, '2026-09-01'), [], 'raising is not compression');
    // 65 was set on 2026-08-01: fresh on 2026-09-01, stale on 2026-11-15 (106 days later, over 91).
    assert.deepEqual(codes(65, '2026-09-01'), []);
    assert.deepEqual(codes(65, '2026-11-15'), ['CALIBRATION_STALE']);
});
