// Any score scale: the same planted knee, scored 0-1, -50..50, 0-1,000, 0-100,000 or in odd fractions, must be
// found within 3% of the score range, and reported at the score's own precision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateOrg } from '../../scripts/synthetic/generator';
import { calibrate, defaultSettings } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const settings = { ...defaultSettings(), bootstrapSamples: 30 };

const SCALES = [
    { name: '0-1', factor: 0.01, offset: 0, decimals: 4 },
    { name: '-50..50', factor: 1, offset: -50, decimals: 1 },
    { name: '0-1,000', factor: 10, offset: 0, decimals: 0 },
    { name: '0-100,000', factor: 1000, offset: 0, decimals: 0 },
    { name: 'fractional', factor: 0.37, offset: 2.5, decimals: 3 }
];

for (const scale of SCALES) {
    test(`on a ${scale.name} score the recommendation lands within 3% of the range from the planted knee`, (t) => {
        const errors: number[] = [];
        t.after(() => t.diagnostic(`${scale.name}: knee error ${errors.map((e) => `${(e * 100).toFixed(1)}%`).join(', ')} of the range`));
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 45, max: 55 }), (seed, knee) => {
                const org = generateOrg({
                    seed,
                    asOf: '2026-10-31',
                    months: 18,
                    snapshotShare: 1,
                    segments: [{ name: 'S', leads: 3600, knee, activeThreshold: null, scoreRange: [0, 100], scale }]
                });
                const s = calibrate({ ...org, settings, asOf: org.asOf }).segments[0];
                // Every handed-off lead on the fit (grade A or B: the gate's) counted: none dropped for being negative,
                // fractional or large.
                const fitHanded = org.leads.filter((l) => l.handoffDate && (l.grade === 'A' || l.grade === 'B')).length;
                assert.ok(fitHanded >= 1600, `handed off on the fit ${fitHanded}`);
                assert.equal(s.sample.handedOff, fitHanded);
                const range = 100 * scale.factor;
                const truth = org.truth.S.knee;
                const got = s.recommendation.threshold;
                assert.equal(s.recommendation.reason, 'recommended');
                if (got !== null) errors.push(Math.abs(got - truth) / range);
                assert.ok(got !== null && Math.abs(got - truth) <= 0.03 * range, `${scale.name}: knee ${truth}, got ${got}`);
                // Reported at the score's precision: no binary-fraction tails like 0.30000000000000004.
                for (const v of [got!, ...s.recommendation.range!, ...s.bands.map((b) => b.from)]) {
                    assert.equal(v, Number(v.toFixed(6)), `${v} is not at the score's precision`);
                }
                const res = s.recommendation.evidence!.resolution;
                assert.ok(res <= 0.025 * range && res >= 0.0025 * range, `resolution ${res}`);
            }),
            { numRuns: 3, seed: 17 }
        );
    });
}

test('without a band width setting the bands are about a tenth of the observed range, on every scale', () => {
    for (const scale of SCALES) {
        const org = generateOrg({ seed: 3, asOf: '2026-10-31', months: 18, snapshotShare: 1, segments: [{ name: 'S', leads: 1500, knee: 50, activeThreshold: null, scoreRange: [0, 100], scale }] });
        const s = calibrate({ ...org, settings, asOf: org.asOf }).segments[0];
        const width = s.bands[0].to - s.bands[0].from;
        assert.equal(s.recommendation.evidence!.bandWidth, Number(width.toFixed(9)));
        assert.ok(s.bands.length >= 8 && s.bands.length <= 21, `${scale.name}: ${s.bands.length} bands of ${width}`);
    }
    // A setting still wins.
    const org = generateOrg({ seed: 3, asOf: '2026-10-31', months: 18, segments: [{ name: 'S', leads: 800, knee: 50, activeThreshold: null }] });
    const s = calibrate({ ...org, settings: { ...settings, bandWidth: 25 }, asOf: org.asOf }).segments[0];
    assert.ok(s.bands.every((b) => b.to - b.from === 25));
});

test('on a 0-1 score the minimum step is not the whole scale: a move from 0.3 to the knee at 0.5 is proposed', () => {
    const org = generateOrg({
        seed: 4,
        asOf: '2026-10-31',
        months: 18,
        snapshotShare: 1,
        segments: [{ name: 'S', leads: 3600, knee: 50, activeThreshold: 0.3, scoreRange: [0, 100], scale: { factor: 0.01, decimals: 2 } }]
    });
    const s = calibrate({ ...org, settings, asOf: org.asOf }).segments[0];
    assert.equal(s.recommendation.reason, 'recommended');
    assert.ok(Math.abs(s.recommendation.threshold! - 0.5) <= 0.03, String(s.recommendation.threshold));
});
