import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateOrg, demoOrgSpec } from '../../scripts/synthetic/generator';
import { calibrate, scenarioAt, defaultSettings, type FineBand } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const spec = { ...demoOrgSpec(), snapshotShare: 1 };
const org = generateOrg(spec);
const settings = { ...defaultSettings(), bootstrapSamples: 30 };
const result = calibrate({ ...org, settings, asOf: org.asOf });

test('scenario figures equal counts computed directly from the leads of the last 90 days', () => {
    const smb = result.segments.find((s) => s.name === 'SMB_Inbound')!;
    const windowStart = Date.parse('2026-10-31T23:59:59Z') - 90 * 86_400_000;
    const opp = new Map(org.opportunities.map((o) => [o.id, o]));
    for (const threshold of [35, 50, 65, 80]) {
        // Scenarios are the scored path's: hand-raisers are MQLs at any threshold and reported as their own path,
        // and leads graded C-F are stopped by the grade gate at any threshold.
        const leads = org.leads.filter(
            (l) =>
                l.segment === 'SMB_Inbound' &&
                l.handoffDate &&
                !l.overridePaths?.length &&
                (l.grade === 'A' || l.grade === 'B') &&
                Date.parse(l.handoffDate.replace('+0000', 'Z')) >= windowStart &&
                l.scoreAtHandoff! >= threshold
        );
        const rejected = leads.filter((l) => l.rejected).length;
        const accepted = leads.filter((l) => l.accepted).length;
        const s = scenarioAt(smb.fineBands, threshold, 90);
        assert.equal(s.mqls, leads.length, `mqls at ${threshold}`);
        assert.equal(s.accepted, accepted);
        assert.equal(s.rejectionRate, rejected / (accepted + rejected));
        assert.equal(s.sqls, leads.filter((l) => l.qualified).length);
        assert.equal(s.pipelineAmount, leads.reduce((t, l) => t + (l.opportunityId ? opp.get(l.opportunityId)!.amount! : 0), 0));
        assert.equal(s.wonAmount, leads.reduce((t, l) => t + (l.opportunityId && opp.get(l.opportunityId)!.isWon ? opp.get(l.opportunityId)!.amount! : 0), 0));
        assert.equal(s.mqlsPerMonth, Math.round((leads.length / (90 / 30.4375)) * 10) / 10);
    }
});

test("the job's scenarios are the active threshold and ±15, built by the same function as the slider", () => {
    const smb = result.segments.find((s) => s.name === 'SMB_Inbound')!;
    assert.deepEqual(smb.scenarios.map((s) => s.threshold), [35, 50, 65, 65]);
    assert.deepEqual(smb.scenarios.map((s) => s.label), ['Active − 15', 'Active', 'Active + 15', 'Recommended']);
    assert.deepEqual(smb.scenarios[1], scenarioAt(smb.fineBands, 50, 90, 'Active', 50));
    // Below the lowest handed-off score the figures are extrapolated, not observed.
    assert.equal(scenarioAt(smb.fineBands, -5, 90).extrapolated, true);
    assert.equal(smb.scenarios[1].extrapolated, false);
});

test('the demo org gives its documented known answer', () => {
    const byName = Object.fromEntries(result.segments.map((s) => [s.name, s.recommendation]));
    assert.equal(byName.SMB_Inbound.threshold, 65);
    assert.equal(byName.Enterprise_Inbound.threshold, 49);
    assert.equal(byName.Outbound_Assisted.threshold, null);
    assert.equal(byName.Outbound_Assisted.reason, 'no-change');
    assert.equal(byName.Expansion.reason, 'insufficient-sample');
    assert.deepEqual(byName.Expansion.startingPoint, [25, 40]);
    assert.match(byName.SMB_Inbound.rationale, /Leads at 65\+ were rejected \d+% of the time against a 15% target/);
});

test('below the active threshold the scenario counts every lead scored there, not only those reps pulled, and says it is estimated', () => {
    const smb = result.segments.find((s) => s.name === 'SMB_Inbound')!;
    const windowStart = Date.parse('2026-10-31T23:59:59Z') - 90 * 86_400_000;
    const inWindow = (d: string | null | undefined) => !!d && Date.parse(d.replace('+0000', 'Z')) >= windowStart;
    // The grade gate's: a lead graded C-F is no MQL at any threshold.
    const mine = org.leads.filter((l) => l.segment === 'SMB_Inbound' && (l.grade === 'A' || l.grade === 'B'));
    const handed = mine.filter((l) => inWindow(l.handoffDate) && !l.overridePaths?.length && l.scoreAtHandoff! >= 35).length;
    const neverHanded = mine.filter((l) => !l.handoffDate && inWindow(l.createdDate) && l.currentScore! >= 35 && l.currentScore! < 50).length;
    assert.ok(neverHanded > 30, String(neverHanded));
    const low = smb.scenarios[0];
    assert.equal(low.label, 'Active − 15');
    assert.equal(low.estimated, true);
    assert.equal(low.observedMqls, handed);
    assert.equal(low.estimatedMqls, neverHanded);
    assert.equal(low.mqls, handed + neverHanded);
    // The leads added convert like handed-off leads of their score (below the knee: mostly rejected), so the
    // estimated rejection rate is above the observed one at 35, and SQLs grow by less than the MQLs.
    const observed = scenarioAt(smb.fineBands, 35, 90);
    assert.equal(observed.mqls, handed);
    assert.ok(low.rejectionRate! > observed.rejectionRate!);
    assert.ok(low.sqls - observed.sqls < neverHanded * 0.3);
    // At and above the active threshold nothing is estimated.
    assert.equal(smb.scenarios[1].estimated, false);
    assert.equal(smb.scenarios[2].estimated, false);
    assert.equal(smb.scenarios[1].mqls, scenarioAt(smb.fineBands, 50, 90).mqls);
});

test("a threshold inside the top cell of a coarse scale reads observed counts; one past it is extrapolated", () => {
    // Cells ten units wide (a 0-1,000 score): 900 holds the leads scored 900 to 909.
    const cell = (score: number): FineBand => ({
        score, handedOff: 10, accepted: 8, rejected: 2, neverWorked: 0, qualified: 4, opportunities: 2, won: 1,
        pipelineAmount: 100, wonAmount: 50,
        recent: { handedOff: 10, accepted: 8, rejected: 2, qualified: 4, pipelineAmount: 100, wonAmount: 50 }
    });
    const fine = [800, 810, 820, 900].map(cell);
    assert.equal(scenarioAt(fine, 905, 90).extrapolated, false);
    assert.equal(scenarioAt(fine, 930, 90).extrapolated, true);
});
