// The report and the terminal table explain an abstention as clearly as a recommendation: the reason, the figure
// that decided it, the seeds' starting range beside it, and the tests behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateOrg } from '../../scripts/synthetic/generator';
import { renderHtml, renderMarkdown, terminalTable, type JobResult } from '../../scripts/report/report';
import { calibrate, defaultSettings } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const settings = { ...defaultSettings(), bootstrapSamples: 30 };

function jobResult(): JobResult {
    const org = generateOrg({
        seed: 12,
        asOf: '2026-10-31',
        months: 18,
        snapshotShare: 1,
        segments: [
            { name: 'SMB_Inbound', leads: 3600, knee: 60, activeThreshold: 50, relation: 'flat' },
            { name: 'Enterprise_Inbound', leads: 3600, knee: 50, activeThreshold: null, relation: 'inverted' },
            { name: 'Outbound_Assisted', leads: 3600, knee: 45, activeThreshold: null, scoreRange: [0, 100], scale: { factor: 0.01, decimals: 2 } }
        ]
    });
    const result = calibrate({ ...org, settings, asOf: org.asOf });
    return {
        asOf: org.asOf,
        source: { kind: 'demo', label: 'generated org' },
        generatedAt: '2026-10-31T00:00:00Z',
        settings,
        read: { leads: org.leads.length, opportunities: org.opportunities.length, historyRows: 0, scoreSources: { Snapshot: 0, History: 0, Current: 0 } },
        segments: result.segments,
        exclusions: result.exclusions,
        exclusionCounts: result.exclusionCounts,
        writes: { mode: 'none', summary: 'Nothing written.' },
        timings: {}
    };
}

const res = jobResult();

test('the terminal table names the reason for each abstention and shows the starting range beside it', () => {
    const table = terminalTable(res);
    assert.match(table, /SMB_Inbound .*no recommendation: no significant change in win or SQL rate across the score \(p = [\d.]+, level 0\.01\) \(starting point 60–70\)/);
    assert.match(table, /Enterprise_Inbound .*no recommendation: outcomes fall as the score rises: the score may be inverted or broken \(starting point 40–55\)/);
});

test('the Markdown report gives the evidence under an abstention: the tests, their p-values and the level', () => {
    const md = renderMarkdown(res);
    const smb = md.slice(md.indexOf('## SMB_Inbound'), md.indexOf('## Enterprise_Inbound'));
    assert.match(smb, /No recommendation: neither the win rate nor the SQL rate changes significantly/);
    assert.match(smb, /- Tests at level 0\.01; the knee needs p ≤ 0\.005 on the win or the SQL rate, a floor p ≤ 0\.01\./);
    assert.match(smb, /- Win rate: best rise at \d+, \d+% below to \d+% at or above \(likelihood ratio [\d.]+, p = [\d.]+ over \d+ splits\)\./);
    // Below the active threshold (50) the scenario adds leads never handed off and says so.
    assert.match(smb, /\| Active − 15 \| 35 \|.*\| estimated \(\d+ never handed off\) \|/);
    const ent = md.slice(md.indexOf('## Enterprise_Inbound'), md.indexOf('## Outbound_Assisted'));
    assert.match(ent, /- Win rate: best fall at \d+, \d+% below to \d+% at or above/);
});

test('a 0-1 score is reported at its own precision: its threshold, range and band labels', () => {
    const s = res.segments[2];
    assert.equal(s.recommendation.reason, 'recommended');
    assert.ok(Math.abs(s.recommendation.threshold! - 0.45) <= 0.03, String(s.recommendation.threshold));
    const md = renderMarkdown(res);
    assert.match(md, new RegExp(`\\*\\*recommend ${s.recommendation.threshold} \\(range 0\\.\\d+–0\\.\\d+\\)\\*\\*`));
    assert.match(md, /\| 0\.4 to under 0\.5 \|/);
    assert.match(renderHtml(res), /<summary>Evidence<\/summary>/);
});
