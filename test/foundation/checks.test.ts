// Each offline check passes on the real tree and fails, naming the file, on a copy with one deliberate break.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkXml } from '../../scripts/tools/checks/xml';
import { checkLwc } from '../../scripts/tools/checks/lwc';
import { checkConvert } from '../../scripts/tools/checks/convert';
import { checkReferences } from '../../scripts/tools/checks/references';
import { checkPermissionSets } from '../../scripts/tools/checks/permissions';
import { checkTabs } from '../../scripts/tools/checks/tabs';
import { checkJobAccess, jobReadFields, runRecordFields } from '../../scripts/tools/checks/jobAccess';
import { checkDataPlan } from '../../scripts/tools/checks/dataPlan';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LWC = 'force-app/main/default/lwc';

before(() => {
    // The LWC check reads the compiled .js: build once, as `npm test` does.
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, LWC, 'tsconfig.json')]);
});

/** A copy of the deployable tree to break. */
function copy(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lsc-tree-'));
    for (const p of ['force-app', 'routing', 'scratch', 'data', 'sfdx-project.json', '.forceignore']) {
        if (existsSync(path.join(ROOT, p))) cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
    }
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
    assert.deepEqual(checkTabs(ROOT), []);
    assert.deepEqual(checkPermissionSets(ROOT), []);
    assert.deepEqual(checkJobAccess(ROOT), []);
    assert.deepEqual(checkDataPlan(ROOT), []);
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

const PS = 'force-app/main/default/permissionsets';
const messagesOf = (problems: { message: string }[]): string[] => problems.map((p) => p.message);

test('a tab style that is not one of the 100 real ones fails the tab check, naming the real style of that number', () => {
    const dir = copy();
    edit(dir, 'force-app/main/default/tabs/Lead_Score_Calibration.tab-meta.xml', (s) => s.replace(/<motif>[^<]*<\/motif>/, '<motif>Custom62: Chart</motif>'));
    const p = checkTabs(dir);
    assert.deepEqual(messagesOf(p), ['motif "Custom62: Chart" is not a tab style: Custom62 is "Custom62: Chalkboard"']);
    assert.match(p[0].file, /Lead_Score_Calibration\.tab-meta\.xml$/);
    edit(dir, 'force-app/main/default/tabs/Lead_Score_Calibration.tab-meta.xml', (s) => s.replace(/<motif>[^<]*<\/motif>/, '<motif>Custom90: Scales</motif>'));
    assert.deepEqual(checkTabs(dir), []);
    rmSync(dir, { recursive: true, force: true });
});

test('a permission set granting Customize Application without View Setup fails, as a deploy would', () => {
    const dir = copy();
    edit(dir, `${PS}/MQL_Calibration_Admin.permissionset-meta.xml`, (s) => s.replace(/\s*<userPermissions>\s*<enabled>true<\/enabled>\s*<name>ViewSetup<\/name>\s*<\/userPermissions>/, ''));
    const p = checkPermissionSets(dir).filter((x) => /Admin/.test(x.file));
    assert.deepEqual(messagesOf(p), ['CustomizeApplication depends on ViewSetup, which the set does not grant (a deploy refuses it)']);
    assert.ok(p[0].line! > 1);
    rmSync(dir, { recursive: true, force: true });
});

test('an object permission without Read, object permissions on LeadHistory and field permissions on a required field each fail', () => {
    const dir = copy();
    edit(dir, `${PS}/MQL_Calibration_Viewer.permissionset-meta.xml`, (s) =>
        s
            .replace(/<allowEdit>false<\/allowEdit>(\s*)<allowRead>true<\/allowRead>(\s*<modifyAllRecords>false<\/modifyAllRecords>\s*<object>MQL_Calibration_Run__c)/, '<allowEdit>true</allowEdit>$1<allowRead>false</allowRead>$2')
            .replace('</PermissionSet>', '<objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete><allowEdit>false</allowEdit><allowRead>true</allowRead><modifyAllRecords>false</modifyAllRecords><object>LeadHistory</object><viewAllRecords>false</viewAllRecords></objectPermissions><fieldPermissions><editable>false</editable><field>Lead.Status</field><readable>true</readable></fieldPermissions></PermissionSet>')
    );
    const m = messagesOf(checkPermissionSets(dir));
    assert.ok(m.includes('MQL_Calibration_Run__c: create, edit, delete, View All and Modify All each require Read'), m.join('\n'));
    assert.ok(m.includes("LeadHistory takes no object permissions: its rows follow access to the parent record and the tracked field's field-level security"), m.join('\n'));
    assert.ok(m.includes('Lead.Status is a required or system field with no field-level security; a deploy refuses field permissions for it'), m.join('\n'));
    rmSync(dir, { recursive: true, force: true });
});

test('a shipped permission set naming a field that only the scratch or routing directory creates fails', () => {
    const dir = copy();
    edit(dir, `${PS}/MQL_Calibration_Viewer.permissionset-meta.xml`, (s) => s.replace('</PermissionSet>', '<fieldPermissions><editable>false</editable><field>Lead.MQL_Segment__c</field><readable>true</readable></fieldPermissions></PermissionSet>'));
    assert.ok(messagesOf(checkPermissionSets(dir)).includes('field Lead.MQL_Segment__c is not created by this set\'s deploy (force-app)'));
    rmSync(dir, { recursive: true, force: true });
});

test('the job set is held against the fields the job code reads and writes', () => {
    // Derived from the code: the Bulk query's Lead and Opportunity columns and the run record's keys.
    const reads = jobReadFields(ROOT);
    for (const f of ['Lead.LeadSource', 'Lead.NumberOfEmployees', 'Lead.Handoff_Date__c', 'Lead.First_Touch_Date__c', 'Opportunity.Amount']) assert.ok(reads.includes(f), f);
    assert.ok(!reads.includes('Lead.Status') && !reads.includes('Opportunity.IsWon'), 'required and system fields carry no field-level security');
    const runFields = readdirSync(path.join(ROOT, 'force-app/main/default/objects/MQL_Calibration_Run__c/fields')).map((f) => `MQL_Calibration_Run__c.${f.replace('.field-meta.xml', '')}`);
    assert.deepEqual(runFields.filter((f) => !runRecordFields().includes(f)), [], 'the job writes every field of its run record');
    const dir = copy();
    edit(dir, `${PS}/MQL_Calibration_Job.permissionset-meta.xml`, (s) =>
        s
            .replace(/<fieldPermissions>\s*<editable>(true|false)<\/editable>\s*<field>Lead.First_Touch_Date__c<\/field>\s*<readable>true<\/readable>\s*<\/fieldPermissions>/, '')
            .replace(/<editable>false<\/editable>(\s*<field>Lead.Rejection_Reason__c<\/field>)/, '<editable>true</editable>$1')
            .replace(/<viewAllRecords>true<\/viewAllRecords>/, '<viewAllRecords>false</viewAllRecords>')
    );
    const m = messagesOf(checkJobAccess(dir));
    assert.ok(m.includes('the job reads Lead.First_Touch_Date__c, which the job set cannot read'), m.join('\n'));
    assert.ok(m.includes('the job set may edit Lead.Rejection_Reason__c, which the job never writes'), m.join('\n'));
    assert.ok(m.some((x) => /View All/.test(x)), m.join('\n'));
    rmSync(dir, { recursive: true, force: true });
});

test('the viewer set must read LeadSource and MQL_Threshold__mdt, which the dashboard reads', () => {
    const dir = copy();
    edit(dir, `${PS}/MQL_Calibration_Viewer.permissionset-meta.xml`, (s) =>
        s.replace(/<customMetadataTypeAccesses>[\s\S]*?<\/customMetadataTypeAccesses>/g, '').replace(/<fieldPermissions>\s*<editable>false<\/editable>\s*<field>Lead.LeadSource<\/field>\s*<readable>true<\/readable>\s*<\/fieldPermissions>/, '')
    );
    const m = messagesOf(checkJobAccess(dir));
    assert.ok(m.includes('the dashboard reads Lead.LeadSource, which the viewer set cannot read'), m.join('\n'));
    assert.ok(m.includes('the dashboard reads MQL_Threshold__mdt live, which the viewer set has no access to'), m.join('\n'));
    rmSync(dir, { recursive: true, force: true });
});

test('the sample data plan must load as the scratch data set: every field it fills editable there, every picklist value allowed', () => {
    const dir = copy();
    edit(dir, 'data/sample-leads.json', (s) => s.replace('"Just researching"', '"Too expensive"'));
    rmSync(path.join(dir, 'scratch'), { recursive: true, force: true });
    const m = messagesOf(checkDataPlan(dir));
    assert.ok(m.includes('MQL_Calibration_Scratch_Data cannot create Lead records, which the plan inserts'), m.join('\n'));
    assert.ok(m.includes('record 1 (L1): Lead.Score_At_Handoff__c is not editable in MQL_Calibration_Scratch_Data, so the import would refuse it'), m.join('\n'));
    assert.ok(m.includes('record 3 (L3): Lead.Rejection_Reason__c = "Too expensive" is not a value of that restricted picklist'), m.join('\n'));
    assert.ok(!m.some((x) => /LastName|Company|\.Status /.test(x)), 'required fields come with Create');
    rmSync(dir, { recursive: true, force: true });
});

test('the scratch score field tracks history, and the scratch directory deploys apart from force-app', () => {
    const field = readFileSync(path.join(ROOT, 'scratch/main/default/objects/Lead/fields/Lead_Score__c.field-meta.xml'), 'utf8');
    assert.match(field, /<trackHistory>true<\/trackHistory>/);
    assert.match(readFileSync(path.join(ROOT, 'scratch/main/default/objects/Lead/Lead.object-meta.xml'), 'utf8'), /<enableHistory>true<\/enableHistory>/);
    const project = JSON.parse(readFileSync(path.join(ROOT, 'sfdx-project.json'), 'utf8')) as { packageDirectories: { path: string; default: boolean }[] };
    assert.deepEqual(project.packageDirectories.find((d) => d.path === 'scratch'), { path: 'scratch', default: false });
    const deploy = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.deploy;
    assert.match(deploy, /--source-dir force-app(\s|$)/);
    assert.doesNotMatch(deploy, /scratch/);
});
