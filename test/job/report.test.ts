// Reports people read: the SVG chart's geometry, the Markdown/HTML content traced back to the engine's counts,
// and the deployable metadata folder written for offline sources.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { ComponentSet } from '@salesforce/source-deploy-retrieve';
import { renderBandChart, scoreToX } from '../../scripts/report/chart';
import { renderMarkdown, terminalTable, type JobResult } from '../../scripts/report/report';
import { metadataFolder } from '../../scripts/output/metadataFolder';
import { runJob } from '../../scripts/job/run';
import { wilson, type Band } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function band(from: number, to: number, won: number, rejected: number): Band {
    const r = wilson(0, 0);
    return {
        from,
        to,
        handedOff: won + rejected,
        accepted: won,
        rejected,
        neverWorked: 0,
        qualified: won,
        opportunities: won,
        won,
        pipelineAmount: 0,
        wonAmount: 0,
        wonShare: 0,
        acceptanceRate: r,
        rejectionRate: r,
        sqlRate: r,
        opportunityRate: r,
        winRate: r,
        verdict: 'Good'
    };
}

const BANDS = [
    band(0, 20, 2, 40),
    band(20, 40, 5, 30),
    band(40, 60, 10, 20),
    band(60, 80, 40, 8),
    band(80, 100, 20, 2)
];

/** Attributes of every element named `tag` in an SVG string. */
function elements(svg: string, tag: string): Record<string, string>[] {
    return [...svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))].map((m) =>
        Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]))
    );
}

test('the chart axis maps the bands linearly across the plot, and clamps outside them', () => {
    // 720 wide, 48 left and 16 right padding: 656 px for scores 0-100.
    assert.equal(scoreToX(0, BANDS), 48);
    assert.equal(scoreToX(100, BANDS), 704);
    assert.equal(scoreToX(50, BANDS), 376);
    assert.equal(scoreToX(65, BANDS), 48 + 0.65 * 656);
    assert.equal(scoreToX(-10, BANDS), 48);
    assert.equal(scoreToX(140, BANDS), 704);
});

test('active and recommended thresholds are vertical lines at their scores', () => {
    const svg = renderBandChart({
        segment: 'SMB_Inbound',
        bands: BANDS,
        activeThreshold: 50,
        recommendedThreshold: 65
    });
    const lines = elements(svg, 'line').filter((l) => l.class === 'threshold');
    assert.deepEqual(
        lines.map((l) => [l['data-score'], Number(l.x1), l.x1 === l.x2]),
        [
            ['50', 376, true],
            ['65', 474.4, true]
        ]
    );
    assert.match(svg, />active 50</);
    assert.match(svg, />recommended 65</);
    const none = renderBandChart({
        segment: 'X',
        bands: BANDS,
        activeThreshold: null,
        recommendedThreshold: null
    });
    assert.equal(elements(none, 'line').filter((l) => l.class === 'threshold').length, 0);
});

test('bar heights are proportional to the counts, the tallest bar filling the plot', () => {
    const svg = renderBandChart({
        segment: 'S',
        bands: BANDS,
        activeThreshold: null,
        recommendedThreshold: null
    });
    const won = elements(svg, 'rect')
        .filter((r) => r.class === 'won')
        .map((r) => Number(r.height));
    const rejected = elements(svg, 'rect')
        .filter((r) => r.class === 'rejected')
        .map((r) => Number(r.height));
    const plot = 260 - 28 - 40;
    // The largest count is 40 (won in 60-80 and rejected in 0-20).
    assert.deepEqual(
        won,
        [2, 5, 10, 40, 20].map((n) => Number(((n / 40) * plot).toFixed(1)))
    );
    assert.deepEqual(
        rejected,
        [40, 30, 20, 8, 2].map((n) => Number(((n / 40) * plot).toFixed(1)))
    );
    // The text alternative carries the same counts.
    assert.match(
        svg,
        /<desc[^>]*>0-19: 2 won, 40 rejected; 20-39: 5 won, 30 rejected; .*80-99: 20 won, 2 rejected\. Active threshold none, recommended none\.<\/desc>/
    );
});

test('a segment with no handed-off leads gets a sentence, not an empty frame', () => {
    const svg = renderBandChart({
        segment: 'Empty',
        bands: [],
        activeThreshold: 50,
        recommendedThreshold: null
    });
    assert.match(svg, /No handed-off leads in the lookback window/);
    assert.equal(elements(svg, 'rect').length, 0);
});

let result: JobResult;
let out: string;

before(async () => {
    out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-report-')), 'out');
    result = await runJob({ source: 'demo', out, dryRun: false, stamp: true, repoRoot: ROOT });
});

test('the Markdown band table of each segment adds up to the counts the engine reported', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    assert.equal(md, renderMarkdown(result));
    for (const s of result.segments) {
        const section = md.split(`\n## ${s.name}\n`)[1].split('\n## ')[0];
        const rows = section
            .split('### Bands')[1]
            .split('### Scenarios')[0]
            .split('\n')
            .filter((l) => /^\| \d+–\d+ \|/.test(l));
        assert.equal(rows.length, s.bands.length, s.name);
        const col = (i: number) =>
            rows.reduce((t, r) => t + Number(r.split('|')[i].trim().split(' ')[0].replace(/,/g, '')), 0);
        assert.equal(col(2), s.sample.handedOff, `${s.name} handed off`);
        assert.equal(col(4), s.sample.rejected, `${s.name} rejected`);
        assert.equal(col(7), s.sample.won, `${s.name} won`);
        assert.ok(section.includes(s.recommendation.rationale), `${s.name} rationale`);
        assert.equal(
            (section.match(/^- \*\*[A-Z_]+\*\*/gm) ?? []).length,
            s.triggers.length,
            `${s.name} triggers`
        );
    }
});

test('the report names the demo answer: 65 for SMB, 49 for Enterprise, keep 40 for Outbound, abstain for Expansion', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    assert.match(md, /## SMB_Inbound\n\n\*\*recommend 65 \(range 64–66\)\*\* — active threshold 50\./);
    assert.match(md, /## Enterprise_Inbound\n\n\*\*recommend 49 \(range 49–49\)\*\* — active threshold 60\./);
    assert.match(md, /## Outbound_Assisted\n\n\*\*keep 40 \(evidence says 42, within the minimum step\)\*\*/);
    assert.match(md, /## Expansion\n\n\*\*no recommendation: too little data \(starting point 25–40\)\*\*/);
});

test('the header and the terminal table carry the counts read and the score sources', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const n = (x: number) => x.toLocaleString('en-US');
    assert.ok(
        md.includes(
            `Read ${n(result.read.leads)} leads, ${n(result.read.opportunities)} opportunities, ${n(result.read.historyRows)} score-history rows.`
        )
    );
    const { Snapshot, History, Current } = result.read.scoreSources;
    assert.ok(md.includes(`snapshot ${n(Snapshot)}, history ${n(History)}, current score ${n(Current)}`));
    assert.ok(History > 1000, 'the demo rebuilds scores from history');
    const table = terminalTable(result).split('\n');
    assert.equal(table.length, 2 + result.segments.length);
    for (const s of result.segments) {
        const row = table.find((l) => l.startsWith(`${s.name} `))!;
        assert.match(
            row,
            new RegExp(
                `^${s.name}\\s+${s.activeThreshold}\\s+${n(s.sample.handedOff)}\\s+${n(s.sample.won)}\\s`
            )
        );
    }
});

test('the HTML report is self-contained, with one chart per segment marking its thresholds', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.doesNotMatch(html, /<script|<link|src="http/);
    assert.equal((html.match(/<svg /g) ?? []).length, result.segments.length);
    for (const s of result.segments) {
        const section = html.split(`<section id="${s.name}">`)[1].split('</section>')[0];
        const marks = elements(section, 'line')
            .filter((l) => l.class === 'threshold')
            .map((l) => Number(l['data-score']));
        const rec = s.recommendation.threshold ?? s.recommendation.computed;
        assert.deepEqual(
            marks,
            [s.activeThreshold, rec].filter((v) => v !== null),
            s.name
        );
        assert.equal(
            (section.match(/<tr><td>\d+–\d+<\/td>/g) ?? []).length,
            s.bands.length,
            `${s.name} band rows`
        );
        assert.equal(
            readFileSync(path.join(out, 'charts', `${s.name}.svg`), 'utf8'),
            renderBandChart({
                segment: s.name,
                bands: s.bands,
                activeThreshold: s.activeThreshold,
                recommendedThreshold: rec
            })
        );
    }
});

test('result.json is the sf-style envelope of the same result', () => {
    const json = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.equal(json.status, 0);
    assert.deepEqual(
        json.result.segments.map((s: { name: string; recommendation: { threshold: number | null } }) => [
            s.name,
            s.recommendation.threshold
        ]),
        result.segments.map((s) => [s.name, s.recommendation.threshold])
    );
});

const parser = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    isArray: (n) => n === 'values'
});

function record(file: string): Map<string, string | null> {
    const doc = parser.parse(readFileSync(file, 'utf8')).CustomMetadata;
    return new Map(
        doc.values.map((v: { field: string; value: { '#text'?: string; '@_xsi:nil'?: string } }) => [
            v.field,
            v.value['@_xsi:nil'] === 'true' ? null : String(v.value['#text'] ?? '')
        ])
    );
}

test('the metadata folder holds one record per segment, with fields the object really has', () => {
    const dir = path.join(out, 'metadata', 'customMetadata');
    assert.deepEqual(
        readdirSync(dir).sort(),
        result.segments.map((s) => `MQL_Threshold.${s.name}.md`).sort()
    );
    const objectFields = readdirSync(
        path.join(ROOT, 'force-app/main/default/objects/MQL_Threshold__mdt/fields')
    ).map((f) => f.replace('.field-meta.xml', ''));
    for (const s of result.segments) {
        const r = record(path.join(dir, `MQL_Threshold.${s.name}.md`));
        for (const f of r.keys())
            assert.ok(objectFields.includes(f), `${f} is not a field of MQL_Threshold__mdt`);
        assert.equal(
            r.get('Active_Threshold__c'),
            String(s.activeThreshold),
            `${s.name}: the active threshold is carried unchanged`
        );
        assert.equal(r.has('Review_Conditions__c'), false);
        assert.equal(r.get('Sample_Size__c'), String(s.sample.handedOff));
        assert.equal(
            r.get('Recommendation_Status__c'),
            s.recommendation.threshold !== null ? 'Pending review' : 'Held'
        );
        assert.equal(r.get('Recommendation_Reason__c'), s.recommendation.reason);
    }
    const smb = record(path.join(dir, 'MQL_Threshold.SMB_Inbound.md'));
    assert.deepEqual(
        [smb.get('Recommended_Threshold__c'), smb.get('Recommended_Low__c'), smb.get('Recommended_High__c')],
        ['65', '64', '66']
    );
    assert.deepEqual(
        [
            smb.get('Segment_Rule__c'),
            smb.get('Rule_Order__c'),
            smb.get('Override_1__c'),
            smb.get('Override_2__c')
        ],
        ['*', '4', 'Demo request: Demo_Requested__c = true', null]
    );
    const pkg = readFileSync(path.join(out, 'metadata', 'package.xml'), 'utf8');
    for (const s of result.segments) assert.ok(pkg.includes(`<members>MQL_Threshold.${s.name}</members>`));
    assert.match(
        readFileSync(path.join(out, 'metadata', 'DEPLOY.md'), 'utf8'),
        /sf project deploy start --metadata-dir metadata --target-org <alias>/
    );
});

test('the metadata folder is what the Salesforce CLI reads as Metadata API format', () => {
    const cs = ComponentSet.fromSource({ fsPaths: [path.join(out, 'metadata', 'customMetadata')] });
    assert.deepEqual(
        cs
            .toArray()
            .map((c) => `${c.type.name}:${c.fullName}`)
            .sort(),
        result.segments.map((s) => `CustomMetadata:MQL_Threshold.${s.name}`).sort()
    );
});

test('when the source gives no active thresholds the deploy note says first not to deploy as it is', () => {
    const files = metadataFolder(
        result.segments.slice(0, 2),
        [{ name: result.segments[0].name, known: true, activeThreshold: 50 }],
        result.generatedAt
    );
    const note = files['DEPLOY.md'];
    assert.match(
        note,
        /^# Deploying these recommendations\n\n> \*\*Do not deploy this folder as it is\.\*\* The source did not give the active threshold of Enterprise_Inbound /
    );
    assert.doesNotMatch(note.split('\n').slice(0, 4).join('\n'), /SMB_Inbound/);
    const unknown = files['customMetadata/MQL_Threshold.Enterprise_Inbound.md'];
    assert.match(unknown, /<field>Active_Threshold__c<\/field>\s*<value xsi:nil="true"\/>/);
    assert.doesNotMatch(
        unknown,
        /Segment_Rule__c|Override_1__c/,
        'nothing is made up for fields the source did not give'
    );
    const all = metadataFolder(
        result.segments,
        result.segments.map((s) => ({ name: s.name, known: true, activeThreshold: s.activeThreshold })),
        result.generatedAt
    );
    assert.doesNotMatch(all['DEPLOY.md'], /Do not deploy/);
});

test('the report says why the paths out of the fit are kept out of the threshold, naming the grade gate when it acted', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const smb = md.slice(md.indexOf('## SMB_Inbound'), md.indexOf('## Enterprise_Inbound'));
    assert.match(smb, /### Paths to MQL\n\nOnly the scored path is evidence for the threshold: hand-raisers and leads graded C-F \(the A\/B fit-grade gate\) do not become MQLs by their score/);
    assert.match(smb, /\| Grade C \(manual review\) \| [\d,]+ \|/);
    assert.match(html, /<h3>Paths to MQL<\/h3><p>Only the scored path is evidence for the threshold/);
});
