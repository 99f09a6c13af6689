// The settings schema: what it accepts, how each error names its key, and how layers resolve for the job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    formatOverride,
    formatRule,
    parseOverride,
    parseRule,
    readSettingsFile,
    resolveSettings,
    SettingsSchema,
    validateSettings
} from '../../scripts/config/settings';
import { SettingsError } from '../../scripts/errors';
import { defaultSettings } from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function settingsError(input: unknown): string {
    try {
        validateSettings(input, 'cfg.json');
    } catch (e) {
        assert.ok(e instanceof SettingsError, String(e));
        return e.message;
    }
    assert.fail('expected a SettingsError');
}

test('each error names the key path and what was expected', () => {
    assert.equal(
        settingsError({ bandWidth: 'ten' }),
        'cfg.json: bandWidth: Invalid input: expected number, received string'
    );
    assert.match(
        settingsError({ targetRejectionRate: 15 }),
        /^cfg\.json: targetRejectionRate: Too big: expected number to be <=1$/
    );
    assert.equal(
        settingsError({ segments: [{ name: 'SMB_Inbound', colour: 'red' }] }),
        'cfg.json: segments[0]: unknown key "colour"'
    );
    assert.equal(
        settingsError({ statuses: { handoff: 'MQL' } }),
        'cfg.json: statuses.handoff: Invalid input: expected array, received string'
    );
    assert.equal(
        settingsError({ scoreField: 'Score; DROP' }),
        'cfg.json: scoreField: expected a Salesforce API name (letters, digits, underscores)'
    );
    assert.equal(settingsError({ bandWidht: 5 }), 'cfg.json: (top level): unknown key "bandWidht"');
    assert.equal(
        settingsError({ healthySqlRate: { min: 0.5, max: 0.3 } }),
        'cfg.json: healthySqlRate: expected min at or below max'
    );
    assert.equal(settingsError([1]), 'cfg.json: (top level): Invalid input: expected object, received array');
});

test('a third override on a segment is a configuration error naming the segment', () => {
    const msg = settingsError({
        segments: [{ name: 'A' }, { name: 'B', overrides: ['x: F__c = 1', 'y: G__c = 2', 'z: H__c = 3'] }]
    });
    assert.equal(msg, 'cfg.json: segments[1].overrides: at most 2 high-intent overrides per segment');
});

test('rules and overrides are checked as text, with the offending one named', () => {
    assert.match(
        settingsError({ segments: [{ name: 'A', rule: 'NumberOfEmployees about 1000' }] }),
        /^cfg\.json: segments\[0\]\.rule: expected "Field op value"/
    );
    assert.match(
        settingsError({ segments: [{ name: 'A', overrides: ['Demo_Requested__c = true'] }] }),
        /^cfg\.json: segments\[0\]\.overrides\[0\]: expected "Name: Field op value"/
    );
    assert.match(
        settingsError({ segments: [{ name: 'A', frozenUntil: '31/12/2026' }] }),
        /segments\[0\]\.frozenUntil: expected a calendar date YYYY-MM-DD/
    );
});

test('rules read typed values, and format back to the same text', () => {
    assert.deepEqual(parseRule('NumberOfEmployees >= 1000'), {
        field: 'NumberOfEmployees',
        op: '>=',
        value: 1000
    });
    assert.deepEqual(parseRule('Existing_Customer__c = TRUE'), {
        field: 'Existing_Customer__c',
        op: '=',
        value: true
    });
    assert.deepEqual(parseRule('LeadSource in Web;Partner'), {
        field: 'LeadSource',
        op: 'in',
        value: 'Web;Partner'
    });
    assert.deepEqual(parseRule('Demo_Requested__c notblank'), {
        field: 'Demo_Requested__c',
        op: 'notblank',
        value: null
    });
    assert.deepEqual(parseRule(' * '), { field: null, op: '*', value: null });
    for (const text of [
        'NumberOfEmployees >= 1000',
        'Existing_Customer__c = true',
        'LeadSource in Web;Partner',
        'Demo_Requested__c notblank',
        '*',
        'Country != US'
    ]) {
        assert.equal(formatRule(parseRule(text)), text);
    }
    const o = parseOverride('Demo request: Demo_Requested__c = true');
    assert.deepEqual(o, { name: 'Demo request', field: 'Demo_Requested__c', op: '=', value: true });
    assert.equal(formatOverride(o), 'Demo request: Demo_Requested__c = true');
});

test('later layers win key by key, and everything else keeps the engine defaults', () => {
    const s = resolveSettings(
        { bandWidth: 5, scoreField: 'Org_Score__c' },
        { bandWidth: 20, targetRejectionRate: 0.2 }
    );
    const d = defaultSettings();
    assert.equal(s.engine.bandWidth, 20);
    assert.equal(s.engine.targetRejectionRate, 0.2);
    assert.equal(s.engine.minWonDeals, d.minWonDeals);
    assert.deepEqual(s.engine.segmentRules, d.segmentRules);
    assert.equal(s.scoreField, 'Org_Score__c');
    assert.equal(resolveSettings().scoreField, 'pi__score__c');
    assert.deepEqual(resolveSettings().policies, [], 'no segments named: no policies from settings');
});

test('segments become policies and ordered rules', () => {
    const s = resolveSettings({
        segments: [
            {
                name: 'Big',
                rule: 'NumberOfEmployees >= 500',
                activeThreshold: 55,
                overrides: ['Demo: Demo__c = true'],
                capacityPerMonth: 400
            },
            { name: 'Rest', rule: '*', order: 9 }
        ]
    });
    assert.deepEqual(s.policies, [
        {
            name: 'Big',
            activeThreshold: 55,
            overrides: [{ name: 'Demo', field: 'Demo__c', op: '=', value: true }],
            capacityPerMonth: 400,
            frozenUntil: null
        },
        { name: 'Rest', activeThreshold: null, overrides: [], capacityPerMonth: null, frozenUntil: null }
    ]);
    assert.deepEqual(s.engine.segmentRules, [
        { segment: 'Big', order: 1, field: 'NumberOfEmployees', op: '>=', value: 500 },
        { segment: 'Rest', order: 9, field: null, op: '*', value: null }
    ]);
});

test('the example settings file is valid and names the four segments', () => {
    const file = readSettingsFile(path.join(ROOT, 'config', 'calibration.example.json'));
    assert.deepEqual(
        file.segments?.map((s) => s.name),
        ['Expansion', 'Outbound_Assisted', 'Enterprise_Inbound', 'SMB_Inbound']
    );
});

test('every settings key is documented in docs/settings.md', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'settings.md'), 'utf8');
    for (const key of Object.keys(SettingsSchema.shape)) {
        if (key === '$schema') continue;
        assert.ok(doc.includes(`\`${key}`), `docs/settings.md does not document ${key}`);
    }
});

test('an unreadable or malformed file is a one-line settings error naming it', () => {
    assert.throws(
        () => readSettingsFile(path.join(ROOT, 'no-such-settings.json')),
        (e: Error) =>
            e instanceof SettingsError &&
            /no-such-settings\.json: cannot read the settings file \(ENOENT\)/.test(e.message)
    );
    assert.throws(
        () => readSettingsFile(path.join(ROOT, 'package.json')),
        (e: Error) =>
            e instanceof SettingsError && /package\.json: \(top level\): unknown keys "name"/.test(e.message)
    );
});

test('ranges the job cannot run with are refused: a freeze of a billion days, a year-long SLA and more', () => {
    assert.match(
        settingsError({ freezeDays: 1e9 }),
        /^cfg\.json: freezeDays: Too big: expected number to be <=3650$/
    );
    assert.match(
        settingsError({ slaHours: 1e9 }),
        /^cfg\.json: slaHours: Too big: expected number to be <=8760$/
    );
    assert.match(
        settingsError({ decay: { points: 5, days: 1e9 } }),
        /^cfg\.json: decay\.days: Too big: expected number to be <=3650$/
    );
    assert.equal(validateSettings({ freezeDays: 3650, slaHours: 8760 }, 'cfg.json').freezeDays, 3650);
});

test('dates must be on the calendar: frozenUntil 2026-13-45 and a pilot start of 2026-02-31 are refused', () => {
    assert.equal(
        settingsError({ segments: [{ name: 'SMB_Inbound', frozenUntil: '2026-13-45' }] }),
        'cfg.json: segments[0].frozenUntil: expected a calendar date YYYY-MM-DD, got "2026-13-45"'
    );
    const pilot = { segment: 'SMB_Inbound', field: 'LeadSource', testValues: ['Web'], testThreshold: 60 };
    assert.equal(
        settingsError({ pilots: [{ ...pilot, start: '2026-02-31' }] }),
        'cfg.json: pilots[0].start: expected a calendar date YYYY-MM-DD, got "2026-02-31"'
    );
    assert.equal(
        validateSettings({ pilots: [{ ...pilot, start: '2028-02-29' }] }, 'cfg.json').pilots![0].start,
        '2028-02-29'
    );
});

test('cross-references are checked: duplicate segment names, a pilot for a segment not named, two pilots on one', () => {
    assert.equal(
        settingsError({
            segments: [{ name: 'SMB_Inbound' }, { name: 'Expansion' }, { name: 'SMB_Inbound' }]
        }),
        'cfg.json: segments[2].name: duplicate segment "SMB_Inbound" (also segments[0])'
    );
    const pilot = {
        segment: 'Enterprise_Inbound',
        field: 'LeadSource',
        testValues: ['Web'],
        testThreshold: 60,
        start: '2026-09-01'
    };
    assert.equal(
        settingsError({ segments: [{ name: 'SMB_Inbound' }], pilots: [pilot] }),
        'cfg.json: pilots[0].segment: no segment "Enterprise_Inbound" in segments (SMB_Inbound)'
    );
    assert.equal(
        settingsError({ pilots: [pilot, { ...pilot, testThreshold: 70 }] }),
        'cfg.json: pilots[1].segment: a second pilot for "Enterprise_Inbound" (also pilots[0])'
    );
    // With no segments in the file (org mode reads them from the org) a pilot names any segment.
    assert.equal(validateSettings({ pilots: [pilot] }, 'cfg.json').pilots!.length, 1);
});
