/**
 * Review triggers keep a false-alarm budget (issue 14, item 5). Each change trigger is a stated test at a stated
 * level with a minimum sample; on data where nothing changed, seeded simulations count how often each fires:
 * first on the trigger's own counts at its minimum sample (many repetitions, so the rate is measured tightly),
 * then end to end on generated orgs whose rates never change over 18 months (the engine's own fold and analysis).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateOrg, REJECTION_REASONS } from '../../scripts/synthetic/generator';
import { calibrate, defaultSettings, mulberry32, type FineBand, type LeadRecord, type SegmentPolicy, type Trigger } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import { SegmentAccumulator } from '../../force-app/main/default/lwc/calibrationEngine/accumulator';
import { detectTriggers } from '../../force-app/main/default/lwc/calibrationEngine/triggers';

/** A Binomial(n, p) draw by counting: n is small here. */
function binomial(n: number, p: number, rand: () => number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (rand() < p) k++;
    return k;
}

const policy: SegmentPolicy = { name: 'S', activeThreshold: 50, thresholdHistory: [], lastCalibratedOn: null };

/** The codes detectTriggers gives for an accumulator set up by `fill`. */
function codesFor(fill: (acc: SegmentAccumulator) => FineBand[]): Trigger['code'][] {
    const acc = new SegmentAccumulator(0, 0);
    const fine = fill(acc);
    return detectTriggers({ policy, acc, fine, settings: { ...defaultSettings(), bandWidth: 10 }, asOf: '2026-10-31' }).map((t) => t.code);
}

/** Share of `reps` seeded repetitions on which `code` fires. */
function rate(code: Trigger['code'], reps: number, seed: number, fill: (acc: SegmentAccumulator, rand: () => number) => FineBand[]): number {
    const rand = mulberry32(seed);
    let fired = 0;
    for (let i = 0; i < reps; i++) if (codesFor((acc) => fill(acc, rand)).includes(code)) fired++;
    return fired / reps;
}

test('the rejection spike trigger false-alarms on at most 1% of runs at its minimum sample when the rate never changed', (t) => {
    for (const [n, p] of [[30, 0.25], [30, 0.4], [60, 0.2], [200, 0.3]] as const) {
        const r = rate('REJECTION_RATE_SPIKE', 20000, 11, (acc, rand) => {
            acc.win.dec90 = n;
            acc.win.decPrev = n;
            acc.win.rej90 = binomial(n, p, rand);
            acc.win.rejPrev = binomial(n, p, rand);
            return [];
        });
        t.diagnostic(`n ${n} a window, rate ${p}: fired on ${(r * 100).toFixed(2)}% of 20,000 runs`);
        assert.ok(r <= 0.01, `n ${n}, rate ${p}: fired on ${(r * 100).toFixed(2)}% of runs`);
    }
});

test('the SQL shift trigger false-alarms on at most 1% of runs when MQL→SQL never changed', (t) => {
    for (const [n, p] of [[30, 0.3], [100, 0.3], [400, 0.45], [2000, 0.3]] as const) {
        // Fewer repetitions for the large windows, whose draws cost n each: the minimum sample gets the most.
        const reps = n >= 400 ? 4000 : 20000;
        const r = rate('SQL_RATE_SHIFT', reps, 12, (acc, rand) => {
            acc.win.h30 = n;
            acc.win.hPrev = n;
            acc.win.q30 = binomial(n, p, rand);
            acc.win.qPrev = binomial(n, p, rand);
            return [];
        });
        t.diagnostic(`n ${n} a window, rate ${p}: fired on ${(r * 100).toFixed(2)}% of ${reps.toLocaleString('en-US')} runs`);
        assert.ok(r <= 0.01, `n ${n}, rate ${p}: fired on ${(r * 100).toFixed(2)}% of runs`);
    }
});

/** Recent handoffs per point drawn around `perPoint`, flat over 40-70: no bunching at the threshold (50). */
function flatScores(perPoint: number, rand: () => number): FineBand[] {
    const fine: FineBand[] = [];
    for (let s = 40; s < 70; s++) {
        const h = binomial(perPoint * 4, 0.25, rand);
        fine.push({ score: s, handedOff: h, accepted: 0, rejected: 0, neverWorked: 0, qualified: 0, opportunities: 0, won: 0, pipelineAmount: 0, wonAmount: 0, recent: { handedOff: h, accepted: 0, rejected: 0, qualified: 0, pipelineAmount: 0, wonAmount: 0 } });
    }
    return fine;
}

test('the bunching trigger false-alarms on at most 1% of runs when scores are flat around the threshold', (t) => {
    for (const perPoint of [4, 7, 12, 40]) {
        const r = rate('SCORE_BUNCHING', 5000, 13, (_acc, rand) => flatScores(perPoint, rand));
        t.diagnostic(`${perPoint} recent handoffs a point: fired on ${(r * 100).toFixed(2)}% of 5,000 runs`);
        assert.ok(r <= 0.01, `${perPoint} per point: fired on ${(r * 100).toFixed(2)}% of runs`);
    }
});

test('the bunching trigger fires when the three points above the threshold hold three times the next three', () => {
    const fine = flatScores(10, mulberry32(3)).map((f) => (f.score >= 50 && f.score < 53 ? { ...f, recent: { ...f.recent, handedOff: 30 } } : f));
    assert.ok(codesFor(() => fine).includes('SCORE_BUNCHING'));
});

/** Rejections of one band (40-49) with one reason at `share`, the rest spread over the others. */
function reasonsAt(acc: SegmentAccumulator, n: number, share: number, rand: () => number, reason = 'Just researching'): FineBand[] {
    for (let i = 0; i < n; i++) {
        // The others are the six restricted reasons other than `reason` ('Not a buyer' stands in when it is one).
        const other = (): string => {
            const o = REJECTION_REASONS[Math.floor(rand() * 6)];
            return o === reason ? 'Not a buyer' : o;
        };
        const r = acc.reasons.at(rand() < share ? reason : other());
        while (acc.reasonCounts.length <= r) acc.reasonCounts.push(0);
        acc.reasonCounts[r]++;
        const row = acc.reasonsByBand[4] ?? (acc.reasonsByBand[4] = []);
        while (row.length <= r) row.push(0);
        row[r]++;
        acc.total.rejected++;
    }
    return [];
}

test('a reason at exactly 40% of rejections is named dominant on at most 1% of runs (the test is against 40%)', (t) => {
    for (const n of [20, 50, 200]) {
        const r = rate('REJECTION_REASON_DOMINANT', 5000, 14, (acc, rand) => reasonsAt(acc, n, 0.4, rand));
        t.diagnostic(`${n} rejections in the band: fired on ${(r * 100).toFixed(2)}% of 5,000 runs`);
        assert.ok(r <= 0.01, `${n} rejections: fired on ${(r * 100).toFixed(2)}% of runs`);
    }
});

test('"(no reason given)" is never named the likely miscalibration', () => {
    const codes = codesFor((acc) => reasonsAt(acc, 200, 0.9, mulberry32(5), '(no reason given)'));
    assert.deepEqual(codes.filter((c) => c === 'REJECTION_REASON_DOMINANT'), []);
});

test('a reason dominating one band is named with its band even when it is a minority of the segment', () => {
    const acc = new SegmentAccumulator(0, 0);
    const bump = (band: number, name: string, n: number): void => {
        const r = acc.reasons.at(name);
        while (acc.reasonCounts.length <= r) acc.reasonCounts.push(0);
        acc.reasonCounts[r] += n;
        const row = acc.reasonsByBand[band] ?? (acc.reasonsByBand[band] = []);
        while (row.length <= r) row.push(0);
        row[r] += n;
        acc.total.rejected += n;
    };
    // Band 30-39: 60 of 80 rejections "Wrong title"; the other bands spread evenly, so segment-wide it is 25%.
    bump(3, 'Wrong title', 60);
    bump(3, 'Competitor', 20);
    for (const band of [4, 5, 6, 7, 8])
        for (const name of REJECTION_REASONS) bump(band, name, 7);
    const triggers = detectTriggers({ policy, acc, fine: [], settings: { ...defaultSettings(), bandWidth: 10 }, asOf: '2026-10-31' });
    const dominant = triggers.filter((t) => t.code === 'REJECTION_REASON_DOMINANT');
    assert.equal(dominant.length, 1);
    assert.match(dominant[0].message, /"Wrong title".*75% of the 80 rejections.*30-39/);
    assert.match(dominant[0].message, /p [=<] /);
});

test('"rejection rate high" needs 30 decided leads at the active threshold, and says how many', () => {
    const fine: FineBand[] = [{ score: 60, handedOff: 40, accepted: 5, rejected: 10, neverWorked: 0, qualified: 3, opportunities: 0, won: 0, pipelineAmount: 0, wonAmount: 0, recent: { handedOff: 40, accepted: 5, rejected: 10, qualified: 3, pipelineAmount: 0, wonAmount: 0 } }];
    assert.ok(!codesFor(() => fine).includes('REJECTION_RATE_HIGH'), '15 decided leads are too few');
    const more: FineBand[] = [{ ...fine[0], recent: { ...fine[0].recent, handedOff: 80, accepted: 20, rejected: 40 } }];
    const t = detectTriggers({ policy, acc: new SegmentAccumulator(0, 0), fine: more, settings: { ...defaultSettings(), bandWidth: 10 }, asOf: '2026-10-31' }).find((x) => x.code === 'REJECTION_RATE_HIGH');
    assert.ok(t, '40 of 60 decided leads rejected fires');
    assert.match(t.message, /40 of 60/);
});

test('"rejection rate high" (above 35%, a strong signal) false-alarms on at most 1% of runs when the true rate is 35%', (t) => {
    for (const n of [30, 60, 200]) {
        const r = rate('REJECTION_RATE_HIGH', 5000, 15, (_acc, rand) => {
            const rejected = binomial(n, 0.35, rand);
            return [{ score: 60, handedOff: n, accepted: n - rejected, rejected, neverWorked: 0, qualified: 0, opportunities: 0, won: 0, pipelineAmount: 0, wonAmount: 0, recent: { handedOff: n, accepted: n - rejected, rejected, qualified: 0, pipelineAmount: 0, wonAmount: 0 } }];
        });
        t.diagnostic(`${n} decided leads at a true 35%: fired on ${(r * 100).toFixed(2)}% of 5,000 runs`);
        assert.ok(r <= 0.01, `${n} decided: fired on ${(r * 100).toFixed(2)}% of runs`);
    }
});

test('each statistical trigger carries its evidence: the test, the p-value and the level it was judged at', () => {
    const acc = new SegmentAccumulator(0, 0);
    Object.assign(acc.win, { dec90: 200, rej90: 80, decPrev: 200, rejPrev: 30, h30: 300, q30: 60, hPrev: 300, qPrev: 120 });
    const triggers = detectTriggers({ policy, acc, fine: [], settings: { ...defaultSettings(), bandWidth: 10 }, asOf: '2026-10-31' });
    const spike = triggers.find((t) => t.code === 'REJECTION_RATE_SPIKE')!;
    const shift = triggers.find((t) => t.code === 'SQL_RATE_SHIFT')!;
    assert.ok(spike.evidence && spike.evidence.significant && spike.evidence.pValue! < 0.001);
    assert.equal(spike.evidence.level, 0.01);
    assert.match(spike.message, /15% \(30 of 200\) to 40% \(80 of 200\).*p < 0\.001.*level 0\.01/);
    assert.ok(shift.evidence && shift.evidence.significant);
    assert.match(shift.message, /40% \(120 of 300\) to 20% \(60 of 300\)/);
});

/** Every rejection reason drawn uniformly: in such an org no reason dominates any band. */
function uniformReasons(leads: LeadRecord[], seed: number): LeadRecord[] {
    const rand = mulberry32(seed);
    return leads.map((l) => (l.rejected ? { ...l, rejectionReason: REJECTION_REASONS[Math.floor(rand() * REJECTION_REASONS.length)] } : l));
}

/** The change triggers (item 5): what a stationary org must not raise. */
const CHANGE_TRIGGERS: Trigger['code'][] = ['REJECTION_RATE_SPIKE', 'SQL_RATE_SHIFT', 'SCORE_BUNCHING', 'THRESHOLD_COMPRESSION', 'REJECTION_REASON_DOMINANT'];

test('on generated orgs whose rates never change over 18 months, change triggers fire on at most 5% of segment-runs', (t) => {
    const settings = { ...defaultSettings(), bootstrapSamples: 0 };
    const fired: Record<string, number> = {};
    let runs = 0;
    let anyFired = 0;
    // 300 segment-runs: at a true 1% per trigger, more than 3% on 300 runs happens about once in 1,000 seed sets,
    // where on 120 runs it was once in 30 (seeds 1001-1040 gave the SQL shift 5 of 120 after the generator's grades
    // changed; over 450 other segment-runs it fired on 0.7%).
    for (let seed = 1; seed <= 100; seed++) {
        const org = generateOrg({
            seed: 1000 + seed,
            asOf: '2026-10-31',
            months: 18,
            segments: [
                { name: 'Small', leads: 700, knee: 60, activeThreshold: 50 },
                { name: 'Medium', leads: 2500, knee: 60, activeThreshold: 50 },
                { name: 'Large', leads: 6000, knee: 45, activeThreshold: 40 }
            ]
        });
        const result = calibrate({ leads: uniformReasons(org.leads, seed), opportunities: org.opportunities, policies: org.policies, settings: { ...settings, segmentRules: [] }, asOf: org.asOf });
        for (const s of result.segments) {
            runs++;
            const codes = new Set(s.triggers.map((t) => t.code).filter((c) => CHANGE_TRIGGERS.includes(c)));
            if (codes.size > 0) anyFired++;
            for (const c of codes) fired[c] = (fired[c] ?? 0) + 1;
        }
    }
    const share = (n: number): string => `${((n / runs) * 100).toFixed(1)}%`;
    const summary = Object.entries(fired).map(([c, n]) => `${c} ${share(n)}`).join(', ') || 'none';
    t.diagnostic(`any change trigger on ${share(anyFired)} of ${runs} segment-runs (${summary})`);
    assert.equal(runs, 300);
    assert.ok(anyFired / runs <= 0.05, `any change trigger on ${share(anyFired)} of ${runs} segment-runs (${summary})`);
    for (const c of CHANGE_TRIGGERS) assert.ok((fired[c] ?? 0) / runs <= 0.03, `${c} on ${share(fired[c] ?? 0)} (${summary})`);
});

test('in the engine, a frozen segment stays frozen on stationary data and a recorded lowering of the threshold lifts the freeze', () => {
    const spec = (history: { threshold: number; changedOn: string }[]) =>
        generateOrg({ seed: 77, asOf: '2026-10-31', months: 18, snapshotShare: 1, segments: [{ name: 'S', leads: 4000, knee: 65, activeThreshold: 50, frozenUntil: '2027-01-15', thresholdHistory: history }] });
    const run = (history: { threshold: number; changedOn: string }[]) => {
        const org = spec(history);
        return calibrate({ leads: uniformReasons(org.leads, 77), opportunities: org.opportunities, policies: org.policies, settings: { ...defaultSettings(), bootstrapSamples: 20, segmentRules: [] }, asOf: org.asOf }).segments[0];
    };
    const calm = run([{ threshold: 50, changedOn: '2026-10-16' }]);
    assert.deepEqual(calm.triggers.filter((t) => t.evidence?.significant && CHANGE_TRIGGERS.includes(t.code)), []);
    assert.equal(calm.recommendation.reason, 'frozen');
    const lowered = run([{ threshold: 60, changedOn: '2026-04-01' }, { threshold: 50, changedOn: '2026-10-16' }]);
    const compression = lowered.triggers.find((t) => t.code === 'THRESHOLD_COMPRESSION')!;
    assert.equal(compression.evidence?.kind, 'fact');
    assert.equal(lowered.recommendation.reason, 'recommended');
    // The planted knee is 65; the method's tolerance on generated orgs is ±3 points.
    assert.ok(Math.abs(lowered.recommendation.threshold! - 65) <= 3, String(lowered.recommendation.threshold));
});

test("bunching is judged on the score's own scale: flat 0-1 scores do not raise it, scores piled just above 0.5 do", () => {
    const cell = (score: number, n: number): FineBand => ({
        score, handedOff: n, accepted: 0, rejected: 0, neverWorked: 0, qualified: 0, opportunities: 0, won: 0,
        pipelineAmount: 0, wonAmount: 0,
        recent: { handedOff: n, accepted: 0, rejected: 0, qualified: 0, pipelineAmount: 0, wonAmount: 0 }
    });
    const run = (fine: FineBand[]) =>
        detectTriggers({
            policy: { ...policy, activeThreshold: 0.5 },
            acc: new SegmentAccumulator(0, 0),
            fine,
            settings: { ...defaultSettings(), bandWidth: 0.1 },
            asOf: '2026-10-31'
        }).map((t) => t.code);
    const flat = Array.from({ length: 100 }, (_, i) => cell(i / 100, 10));
    // Three whole points above 0.5 is the whole top half of a 0-1 score: a window that size always "bunches".
    assert.ok(!run(flat).includes('SCORE_BUNCHING'));
    const piled = flat.map((c) => (c.score >= 0.5 && c.score < 0.525 ? cell(c.score, 40) : c));
    assert.ok(run(piled).includes('SCORE_BUNCHING'));
});
