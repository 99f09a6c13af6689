// The flows and the validation rule pass the offline flow check; each deliberate break fails it, naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFlows } from '../../scripts/tools/checks/flows';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HANDOFF = 'routing/main/default/flows/Lead_Handoff_Capture.flow-meta.xml';
const FIRST_TOUCH = 'force-app/main/default/flows/Lead_First_Touch_Capture.flow-meta.xml';
const RULE =
    'routing/main/default/objects/Lead/validationRules/Rejection_Reason_Required.validationRule-meta.xml';
const SEED = 'data/seed/customMetadata/MQL_Calibration_Setting.Default.md-meta.xml';

/** The problems the check finds after one edit to a copy of the tree. */
function broken(rel: string, fn: (s: string) => string): string[] {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lsc-flows-'));
    for (const p of ['force-app', 'routing', 'data'])
        cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
    const f = path.join(dir, rel);
    const before = readFileSync(f, 'utf8');
    const after = fn(before);
    assert.notEqual(after, before, 'the edit changed nothing');
    writeFileSync(f, after);
    try {
        return checkFlows(dir).map(
            (p) => `${path.relative(dir, p.file)}${p.line ? `:${p.line}` : ''}: ${p.message}`
        );
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test('the shipped flows and validation rule pass the flow check', () => {
    assert.deepEqual(checkFlows(ROOT), []);
});

test('both flows are record-triggered before-save flows on Lead, shipped Active', () => {
    for (const rel of [HANDOFF, FIRST_TOUCH]) {
        const text = readFileSync(path.join(ROOT, rel), 'utf8');
        assert.match(text, /<object>Lead<\/object>/);
        assert.match(text, /<triggerType>RecordBeforeSave<\/triggerType>/);
        assert.match(text, /<status>Active<\/status>/);
    }
});

test('an element name the Flow type does not have is reported with its place', () => {
    const p = broken(FIRST_TOUCH, (s) =>
        s.replace('<triggerType>', '<triggerTyp>').replace('</triggerType>', '</triggerTyp>')
    );
    assert.ok(
        p.some((m) =>
            /Lead_First_Touch_Capture\.flow-meta\.xml.*Flow\.start: <triggerTyp> is not an element of FlowStart/.test(
                m
            )
        ),
        p.join('\n')
    );
});

test('a value outside an enumeration is reported', () => {
    const p = broken(FIRST_TOUCH, (s) =>
        s.replace('<operator>IsChanged</operator>', '<operator>HasChanged</operator>')
    );
    assert.ok(
        p.some((m) => /"HasChanged" is not a FlowRecordFilterOperator/.test(m)),
        p.join('\n')
    );
});

test('a missing required element is reported', () => {
    const p = broken(HANDOFF, (s) => s.replace('<label>Lead Handoff Capture</label>', ''));
    assert.ok(
        p.some((m) => /Flow requires <label>/.test(m)),
        p.join('\n')
    );
});

test('a connector to an element the flow does not have is reported', () => {
    const p = broken(HANDOFF, (s) =>
        s.replace(
            '<targetReference>Stamp_Handoff</targetReference>',
            '<targetReference>Stamp_Handof</targetReference>'
        )
    );
    assert.ok(
        p.some((m) => /leads to Stamp_Handof, which is not an element of the flow/.test(m)),
        p.join('\n')
    );
});

test('a before-save flow that updates records is refused', () => {
    const p = broken(FIRST_TOUCH, (s) =>
        s.replace(
            '<processType>',
            '<recordUpdates><name>Save</name><locationX>1</locationX><locationY>1</locationY><inputReference>$Record</inputReference></recordUpdates>\n    <processType>'
        )
    );
    assert.ok(
        p.some((m) => /a before-save flow cannot hold <recordUpdates>/.test(m)),
        p.join('\n')
    );
});

test('a field a flow names that does not exist is reported, on the record and on a lookup', () => {
    const p = broken(HANDOFF, (s) =>
        s
            .replace('$Record.Handoff_Date__c</assign', '$Record.Handoff_Day__c</assign')
            .replace('<queriedFields>Qualified_Statuses__c', '<queriedFields>Qualified_Status__c')
    );
    assert.ok(
        p.some((m) => /names Lead\.Handoff_Day__c, which does not exist/.test(m)),
        p.join('\n')
    );
    assert.ok(
        p.some((m) =>
            /names MQL_Calibration_Setting__mdt\.Qualified_Status__c, which does not exist/.test(m)
        ),
        p.join('\n')
    );
});

test("the handoff flow must name the seeded setting's score field: changing one without the other fails", () => {
    const p = broken(SEED, (s) => s.replace('pi__score__c', 'Lead_Score__c'));
    assert.ok(
        p.some((m) =>
            /Lead_Handoff_Capture.*names Lead\.pi__score__c, which does not exist \(the seeded score field is Lead_Score__c\)/.test(
                m
            )
        ),
        p.join('\n')
    );
});

test('a validation rule naming a custom metadata record the seed does not create is reported', () => {
    const p = broken(RULE, (s) =>
        s.replaceAll('MQL_Calibration_Setting__mdt.Default.', 'MQL_Calibration_Setting__mdt.Main.')
    );
    assert.ok(
        p.some((m) =>
            /Rejection_Reason_Required.*names the record MQL_Calibration_Setting__mdt\.Main/.test(m)
        ),
        p.join('\n')
    );
});
