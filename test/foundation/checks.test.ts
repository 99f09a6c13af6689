// Each offline check passes on the real tree and fails, naming the file, on a copy with one deliberate break.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { checkXml } from '../../scripts/tools/checks/xml';
import { checkLwc } from '../../scripts/tools/checks/lwc';
import { checkConvert } from '../../scripts/tools/checks/convert';
import { checkReferences } from '../../scripts/tools/checks/references';

const ROOT = path.resolve(__dirname, '..', '..');
const LWC = 'force-app/main/default/lwc';

before(() => {
    // The LWC check reads the compiled .js: build once, as `npm test` does.
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, LWC, 'tsconfig.json')]);
});

/** A copy of the deployable tree to break. */
function copy(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lsc-tree-'));
    for (const p of ['force-app', 'routing', 'data', 'sfdx-project.json', '.forceignore']) cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
    return dir;
}

function edit(dir: string, rel: string, fn: (s: string) => string): void {
    const f = path.join(dir, rel);
    writeFileSync(f, fn(readFileSync(f, 'utf8')));
}

test('every check passes on the real tree', async () => {
    assert.deepEqual(checkXml(ROOT), []);
    assert.deepEqual(checkLwc(ROOT), []);
    assert.deepEqual(checkReferences(ROOT), []);
    const c = await checkConvert(ROOT);
    assert.deepEqual(c.problems, []);
    assert.ok(c.files.some((f) => f.endsWith('calibrationEngine.js')), 'compiled engine is in the package');
    assert.ok(c.files.some((f) => f.endsWith('package.xml')));
});

test('malformed XML is caught with its file and line', () => {
    const dir = copy();
    edit(dir, 'force-app/main/default/objects/MQL_Threshold__mdt/fields/Active_Threshold__c.field-meta.xml', (s) => s.replace('</label>', '</labl>'));
    const p = checkXml(dir);
    assert.equal(p.length, 1);
    assert.match(p[0].file, /Active_Threshold__c\.field-meta\.xml$/);
    assert.match(p[0].message, /^malformed XML/);
    assert.ok(p[0].line! > 1);
    rmSync(dir, { recursive: true, force: true });
});

test('an LWC template error fails the compile check', () => {
    const dir = copy();
    edit(dir, `${LWC}/calibrationDashboard/calibrationDashboard.html`, (s) => s.replace('</lightning-card>', ''));
    const p = checkLwc(dir);
    assert.ok(p.length >= 1);
    assert.match(p[0].file, /calibrationDashboard\.html$/);
    rmSync(dir, { recursive: true, force: true });
});

test('a TypeScript component that was never compiled is reported', () => {
    const dir = copy();
    rmSync(path.join(dir, LWC, 'calibrationEngine', 'statistics.js'));
    assert.match(checkLwc(dir).map((p) => p.message).join(), /not compiled to \.js/);
    rmSync(dir, { recursive: true, force: true });
});

test('.forceignore keeps .ts and tests out of the package; without its rules the check fails', async () => {
    const dir = copy();
    writeFileSync(path.join(dir, '.forceignore'), '# emptied\n');
    const c = await checkConvert(dir);
    assert.ok(c.problems.some((p) => /calibrationEngine\.ts \(check \.forceignore\)$/.test(p.message)), c.problems.map((p) => p.message).join('\n'));
    assert.ok(c.problems.some((p) => /__tests__/.test(p.message)));
    rmSync(dir, { recursive: true, force: true });
});

test('a permission set naming a missing field fails the reference check', () => {
    const dir = copy();
    edit(dir, 'force-app/main/default/permissionsets/MQL_Calibration_Viewer.permissionset-meta.xml', (s) => s.replace('<field>Lead.Score_At_Handoff__c</field>', '<field>Lead.Score_At_Handof__c</field>'));
    const p = checkReferences(dir);
    assert.deepEqual(p.map((x) => x.message), ['field Lead.Score_At_Handof__c does not exist']);
    rmSync(dir, { recursive: true, force: true });
});

test('a formula naming a field or a record that does not exist fails the reference check', () => {
    const dir = copy();
    edit(dir, 'routing/main/default/objects/Lead/fields/MQL_Threshold__c.field-meta.xml', (s) => s.replace('MQL_Threshold__mdt.Expansion.Active_Threshold__c', 'MQL_Threshold__mdt.Expanse.Active_Threshold__c'));
    edit(dir, 'routing/main/default/objects/Lead/fields/MQL_Segment__c.field-meta.xml', (s) => s.replace('IF(Outbound_Assisted__c', 'IF(Outbound_Asisted__c'));
    const messages = checkReferences(dir).map((x) => x.message);
    assert.ok(messages.includes('formula names the record MQL_Threshold__mdt.Expanse, which the seed records (data/seed/customMetadata) do not create'), messages.join('\n'));
    assert.ok(messages.includes('formula names Lead.Outbound_Asisted__c, which does not exist'));
    rmSync(dir, { recursive: true, force: true });
});

test('a flexipage placing a missing or unexposed component fails the reference check', () => {
    const dir = copy();
    edit(dir, 'force-app/main/default/flexipages/Lead_Score_Calibration_Home.flexipage-meta.xml', (s) => s.replace('c:calibrationDashboard', 'c:calibrationDashbord'));
    assert.deepEqual(checkReferences(dir).map((x) => x.message), ['component c:calibrationDashbord does not exist']);
    edit(dir, 'force-app/main/default/flexipages/Lead_Score_Calibration_Home.flexipage-meta.xml', (s) => s.replace('c:calibrationDashbord', 'c:calibrationDashboard'));
    edit(dir, `${LWC}/calibrationDashboard/calibrationDashboard.js-meta.xml`, (s) => s.replace('<target>lightning__AppPage</target>', ''));
    assert.deepEqual(checkReferences(dir).map((x) => x.message), ['component c:calibrationDashboard is not exposed for lightning__AppPage']);
    rmSync(dir, { recursive: true, force: true });
});

test('no custom metadata records are deployable source: they live only in the seed folder', async () => {
    const c = await checkConvert(ROOT);
    assert.ok(!c.types.includes('CustomMetadata'), c.types.join());
});
