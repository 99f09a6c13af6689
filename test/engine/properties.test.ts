// Ground truth: synthetic orgs with a planted knee per segment (scripts/synthetic/generator.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateOrg } from '../../scripts/synthetic/generator';
import { calibrate, defaultSettings, mulberry32 } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const settings = { ...defaultSettings(), bootstrapSamples: 40 };

function run(seed: number, knee: number, active: number | null, leads: number) {
    const org = generateOrg({ seed, asOf: '2026-10-31', months: 18, snapshotShare: 1, segments: [{ name: 'S', leads, knee, activeThreshold: active }] });
    return { org, result: calibrate({ ...org, settings, asOf: org.asOf }) };
}

test('the recommendation lands within ±3 points of the planted knee at 1,500+ handed-off leads on the fit', () => {
    fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 30, max: 80 }), fc.integer({ min: -20, max: 20 }), (seed, knee, offset) => {
            const { result } = run(seed, knee, knee + offset, 4200);
            const s = result.segments[0];
            assert.ok(s.sample.handedOff >= 1500, `handed off ${s.sample.handedOff}`);
            const got = s.recommendation.computed;
            assert.ok(got !== null && Math.abs(got - knee) <= 3, `knee ${knee}, active ${knee + offset}, got ${got}`);
            assert.ok(s.recommendation.range![0] <= got! + 3 && s.recommendation.range![1] >= got! - 3);
        }),
        { numRuns: 12, seed: 4242 }
    );
});

test('below the minimum sample it abstains and says why, showing only the starting point', () => {
    fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 10, max: 90 }), (seed, n) => {
            const org = generateOrg({ seed, asOf: '2026-10-31', months: 18, segments: [{ name: 'Expansion', leads: n, knee: 32, activeThreshold: 30 }] });
            const s = calibrate({ ...org, settings, asOf: org.asOf }).segments[0];
            assert.equal(s.recommendation.threshold, null);
            assert.equal(s.recommendation.reason, 'insufficient-sample');
            assert.deepEqual(s.recommendation.startingPoint, [25, 40]);
            assert.equal(s.recommendation.range, null);
            assert.match(s.recommendation.rationale, /^Too little evidence: \d+ handed-off leads and \d+ won deals, against a minimum of 100 and 30\./);
        }),
        { numRuns: 10, seed: 7 }
    );
});

test('the result does not depend on the order of the leads or of the opportunities', () => {
    fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => {
            const org = generateOrg({ seed, asOf: '2026-10-31', months: 18, segments: [{ name: 'S', leads: 1500, knee: 55, activeThreshold: 45 }, { name: 'T', leads: 800, knee: 40, activeThreshold: null }] });
            const a = calibrate({ ...org, settings, asOf: org.asOf });
            const rand = mulberry32(seed);
            const shuffle = <T>(xs: T[]) => xs.map((x) => [rand(), x] as const).sort((p, q) => p[0] - q[0]).map((p) => p[1]);
            const b = calibrate({ ...org, leads: shuffle(org.leads), opportunities: shuffle(org.opportunities), settings, asOf: org.asOf });
            assert.deepEqual(b.segments, a.segments);
        }),
        { numRuns: 5, seed: 11 }
    );
});

test('the recommendation never lies outside the observed score range', () => {
    fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 20, max: 90 }), fc.integer({ min: 0, max: 60 }), (seed, knee, width) => {
            const lo = Math.max(0, knee - 5 - width);
            const org = generateOrg({ seed, asOf: '2026-10-31', months: 18, segments: [{ name: 'S', leads: 1200, knee, activeThreshold: null, scoreRange: [lo, knee + 5 + width] }] });
            const s = calibrate({ ...org, settings, asOf: org.asOf }).segments[0];
            const [min, max] = s.diagnostics.observedScoreRange as [number, number];
            for (const v of [s.recommendation.computed, ...(s.recommendation.range ?? [])]) {
                if (v !== null) assert.ok(v >= min && v <= max, `${v} outside [${min}, ${max}]`);
            }
        }),
        { numRuns: 15, seed: 99 }
    );
});

test("every band count adds up to the segment's totals", () => {
    fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 25 }), (seed, bandWidth) => {
            const org = generateOrg({ seed, asOf: '2026-10-31', months: 18, snapshotShare: 1, segments: [{ name: 'S', leads: 900, knee: 50, activeThreshold: 40 }] });
            const s = calibrate({ ...org, settings: { ...settings, bandWidth }, asOf: org.asOf }).segments[0];
            const sum = (k: 'handedOff' | 'won' | 'rejected') => s.bands.reduce((t, b) => t + b[k], 0);
            // The bands hold the handed-off leads the grade gate lets through (A or B).
            const handed = org.leads.filter((l) => l.handoffDate !== null && (l.grade === 'A' || l.grade === 'B'));
            assert.equal(sum('handedOff'), handed.length);
            assert.equal(sum('handedOff'), s.sample.handedOff);
            assert.equal(sum('rejected'), handed.filter((l) => l.rejected).length);
            const wonIds = new Set(org.opportunities.filter((o) => o.isWon).map((o) => o.id));
            assert.equal(sum('won'), handed.filter((l) => l.opportunityId && wonIds.has(l.opportunityId)).length);
            assert.ok(Math.abs(s.bands.reduce((t, b) => t + b.wonShare, 0) - 1) < 1e-9);
            for (const b of s.bands) assert.equal(b.to - b.from, bandWidth);
        }),
        { numRuns: 10, seed: 5 }
    );
});
