/**
 * The per-segment diagnostics (lead sources, rejection reasons overall and by band, handoff cohorts, MQL paths)
 * against counts this test makes itself from the leads, with Date and plain maps: many distinct names (past the
 * point where the engine stops comparing names one by one), names arriving as new string copies, and cohorts
 * across month ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateOrg } from '../../scripts/synthetic/generator';
import { calibrate, defaultSettings, type LeadRecord } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const DAY = 86_400_000;

/** A copy of a string that is not the same object (as a CSV reader gives every row). */
const fresh = (s: string): string => [...s].join('');

test('lead sources, rejection reasons, cohorts and paths count what the leads say', () => {
    const org = generateOrg({
        seed: 7,
        asOf: '2026-10-31',
        months: 18,
        segments: [
            { name: 'SMB_Inbound', leads: 6000, knee: 60, activeThreshold: 50, overrides: [{ name: 'Demo request', field: 'Demo_Request__c', op: '=', value: true }] },
            { name: 'Expansion', leads: 3000, knee: 35, activeThreshold: 30 }
        ]
    });
    const sourceNames = Array.from({ length: 25 }, (_, i) => `Source ${String.fromCharCode(65 + i)}`);
    const reasonNames = Array.from({ length: 20 }, (_, i) => `Reason ${i}`);
    const leads: LeadRecord[] = org.leads.map((l, i) => ({
        ...l,
        leadSource: i % 11 === 0 ? null : fresh(sourceNames[(i * 7) % sourceNames.length]),
        rejectionReason: l.rejected ? (i % 13 === 0 ? null : fresh(reasonNames[(i * 3) % reasonNames.length])) : null
    }));
    const settings = defaultSettings();
    const result = calibrate({ leads, opportunities: org.opportunities, policies: org.policies, settings, asOf: org.asOf });

    const asOfMs = Date.parse(`${org.asOf}T23:59:59Z`);
    const lookbackStart = asOfMs - settings.lookbackMonths * 30.4375 * DAY;
    const opps = new Map(org.opportunities.map((o) => [o.id, o]));
    for (const seg of result.segments) {
        const inWindow = leads.filter((l) => {
            if (l.segment !== seg.name || !l.handoffDate || l.scoreAtHandoff === null) return false;
            const t = Date.parse(l.handoffDate.replace('+0000', 'Z'));
            return t >= lookbackStart && t <= asOfMs;
        });
        // Leads off the fit (the grade gate: C, or D-F) and hand-raisers are their own paths, out of the scored
        // path's evidence and its diagnostics; a grade-C hand-raiser is a grade-C lead.
        const fit = (l: LeadRecord): boolean => l.grade === 'A' || l.grade === 'B';
        const offFit = inWindow.filter((l) => !fit(l));
        const raised = inWindow.filter((l) => fit(l) && (l.overridePaths?.length ?? 0) > 0);
        const counted = inWindow.filter((l) => fit(l) && (l.overridePaths?.length ?? 0) === 0);
        assert.ok(offFit.length > 400, `${seg.name}: ${offFit.length} leads off the fit`);
        assert.ok(counted.length > 1000, `${seg.name}: ${counted.length} leads counted`);
        assert.equal(seg.sample.handedOff, counted.length);
        const won = (l: LeadRecord): boolean => !!l.opportunityId && opps.get(l.opportunityId)!.isWon;

        const sources = new Map<string, { handedOff: number; qualified: number; won: number }>();
        const paths = new Map<string, { handedOff: number; qualified: number; won: number }>();
        const reasons = new Map<string, number>();
        const byBand = new Map<number, Map<string, number>>();
        const cohorts = new Map<string, { handedOff: number; won90: number }>();
        const bump = (m: typeof sources, k: string, l: LeadRecord): void => {
            const e = m.get(k) ?? { handedOff: 0, qualified: 0, won: 0 };
            e.handedOff++;
            if (l.qualified) e.qualified++;
            if (won(l)) e.won++;
            m.set(k, e);
        };
        for (const l of raised) bump(paths, l.overridePaths![0], l);
        for (const l of offFit) bump(paths, l.grade === 'C' ? 'Grade C (manual review)' : 'Below fit grade (D-F)', l);
        for (const l of counted) {
            bump(sources, l.leadSource || '(none)', l);
            bump(paths, 'Scored', l);
            if (l.rejected) {
                const r = l.rejectionReason || '(no reason given)';
                reasons.set(r, (reasons.get(r) ?? 0) + 1);
                const from = Math.floor(l.scoreAtHandoff! / 10) * 10;
                const m = byBand.get(from) ?? new Map<string, number>();
                m.set(r, (m.get(r) ?? 0) + 1);
                byBand.set(from, m);
            }
            const handoff = new Date(l.handoffDate!.replace('+0000', 'Z'));
            const month = handoff.toISOString().slice(0, 7);
            const c = cohorts.get(month) ?? { handedOff: 0, won90: 0 };
            c.handedOff++;
            if (won(l)) {
                const close = Date.parse(opps.get(l.opportunityId!)!.closeDate!);
                if ((close - handoff.getTime()) / DAY <= 90) c.won90++;
            }
            cohorts.set(month, c);
        }

        const d = seg.diagnostics as {
            leadSources: { source: string; handedOff: number; qualified: number; won: number }[];
            rejectionReasons: { reason: string; count: number }[];
            rejectionReasonsByBand: { from: number; to: number; reasons: Record<string, number> }[];
            cohorts: { month: string; handedOff: number; wonRate90: { count: number } | null }[];
        };
        assert.ok(sources.size > 16, 'more sources than the engine compares one by one');
        assert.deepEqual(
            Object.fromEntries(d.leadSources.map((s) => [s.source, { handedOff: s.handedOff, qualified: s.qualified, won: s.won }])),
            Object.fromEntries(sources)
        );
        const counts = d.leadSources.map((s) => s.handedOff);
        assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'sources are listed largest first');
        assert.deepEqual(
            Object.fromEntries(seg.paths.map((p) => [p.path, { handedOff: p.handedOff, qualified: p.qualified, won: p.won }])),
            Object.fromEntries(paths)
        );
        assert.deepEqual(Object.fromEntries(d.rejectionReasons.map((r) => [r.reason, r.count])), Object.fromEntries(reasons));
        assert.ok(reasons.size > 16 && reasons.has('(no reason given)'));
        assert.deepEqual(
            d.rejectionReasonsByBand.map((b) => [b.from, b.to, b.reasons]),
            [...byBand.entries()]
                .sort((a, b) => a[0] - b[0])
                .map(([from, m]) => [from, from + 10, Object.fromEntries([...m.entries()].sort((a, b) => a[0].localeCompare(b[0])))])
        );
        assert.deepEqual(
            d.cohorts.map((c) => [c.month, c.handedOff]),
            [...cohorts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([m, c]) => [m, c.handedOff])
        );
        for (const c of d.cohorts) if (c.wonRate90) assert.equal(c.wonRate90.count, cohorts.get(c.month)!.won90, c.month);
        assert.ok(d.cohorts.length >= 18, `${d.cohorts.length} cohorts`);
    }
});

test('a lead handed off at the very start of a month is in that month, one a millisecond before in the one before', () => {
    const lead = (id: string, handoffDate: string): LeadRecord => ({
        id,
        segment: 'S',
        scoreAtHandoff: 50,
        scoreSource: 'Snapshot',
        handoffDate,
        accepted: true,
        rejected: false,
        qualified: false
    });
    const r = calibrate({
        leads: [
            lead('a', '2026-03-01T00:00:00.000+0000'),
            lead('b', '2026-02-28T23:59:59.999+0000'),
            lead('c', '2026-01-01T00:00:00.000Z'),
            lead('d', '2025-12-31T23:59:59.999Z'),
            lead('e', '2026-10-31T23:59:59.000+0000')
        ],
        opportunities: [],
        policies: [{ name: 'S', activeThreshold: 40 }],
        settings: { ...defaultSettings(), segmentRules: [] },
        asOf: '2026-10-31'
    });
    const cohorts = (r.segments[0].diagnostics as { cohorts: { month: string; handedOff: number }[] }).cohorts;
    assert.deepEqual(
        cohorts.map((c) => [c.month, c.handedOff]),
        [
            ['2025-12', 1],
            ['2026-01', 1],
            ['2026-02', 1],
            ['2026-03', 1],
            ['2026-10', 1]
        ]
    );
});
