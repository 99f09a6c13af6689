// The loopback org enforces the rules the project's own metadata and permission sets state, through the real
// jsforce client: what a real org would refuse, the emulator refuses, with the org's error codes. Permission tests
// use a small force-app of their own, so they keep meaning the same thing while the shipped sets change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatedOrg, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom } from '../emulator/fixtures';
import { loadOrgRules, unreadableFields, type EmulatedUser } from '../emulator/orgRules';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

const conn = (e: Emulator) => new Connection({ instanceUrl: e.url, accessToken: e.token, version: '62.0' });

/** A small org: two leads (one converted), no run records yet. */
function smallOrg(): EmulatedOrg {
    const org = emulatedOrgFrom({ seed: 1, asOf: '2026-10-31', months: 1, segments: [] });
    org.sobjects.Lead = [
        { Id: '00QOPEN000000001', Status: 'Working', IsConverted: 'false', pi__score__c: '70' },
        { Id: '00QCONV000000001', Status: 'Qualified', IsConverted: 'true', pi__score__c: '80' }
    ];
    org.schema.Lead.push('Industry');
    return org;
}

async function patch(e: Emulator, records: Record<string, unknown>[], method: 'PATCH' | 'POST' = 'PATCH') {
    return conn(e).request<{ success: boolean; errors: { statusCode: string; message: string }[] }[]>({
        method,
        url: '/services/data/v62.0/composite/sobjects',
        body: JSON.stringify({ allOrNone: false, records }),
        headers: { 'Content-Type': 'application/json' }
    });
}

const F = 'http://soap.sforce.com/2006/04/metadata';

/** A force-app/main/default of its own: a Lead formula field, a text field, and three permission sets. */
function miniProject(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lsc-rules-'));
    const fields = path.join(root, 'objects', 'Lead', 'fields');
    mkdirSync(fields, { recursive: true });
    writeFileSync(
        path.join(fields, 'Score_Band__c.field-meta.xml'),
        `<CustomField xmlns="${F}"><fullName>Score_Band__c</fullName><formula>FLOOR(pi__score__c / 10)</formula><precision>3</precision><scale>0</scale><type>Number</type></CustomField>`
    );
    writeFileSync(
        path.join(fields, 'Note__c.field-meta.xml'),
        `<CustomField xmlns="${F}"><fullName>Note__c</fullName><length>20</length><type>Text</type></CustomField>`
    );
    mkdirSync(path.join(root, 'objects', 'MQL_Threshold__mdt', 'fields'), { recursive: true });
    writeFileSync(
        path.join(root, 'objects', 'MQL_Threshold__mdt', 'fields', 'Recommended_Threshold__c.field-meta.xml'),
        `<CustomField xmlns="${F}"><fullName>Recommended_Threshold__c</fullName><precision>5</precision><scale>1</scale><type>Number</type></CustomField>`
    );
    const ps = path.join(root, 'permissionsets');
    mkdirSync(ps);
    const set = (name: string, body: string) =>
        writeFileSync(
            path.join(ps, `${name}.permissionset-meta.xml`),
            `<PermissionSet xmlns="${F}"><label>${name}</label>${body}</PermissionSet>`
        );
    const api = '<userPermissions><enabled>true</enabled><name>ApiEnabled</name></userPermissions>';
    const leadRead =
        '<objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete><allowEdit>true</allowEdit><allowRead>true</allowRead><modifyAllRecords>false</modifyAllRecords><object>Lead</object><viewAllRecords>false</viewAllRecords></objectPermissions>';
    const fls = (field: string, edit: boolean) =>
        `<fieldPermissions><editable>${edit}</editable><field>${field}</field><readable>true</readable></fieldPermissions>`;
    set('Reader', api + leadRead + fls('Lead.Note__c', false) + fls('Lead.Score_Band__c', false));
    set('Writer', api + leadRead + fls('Lead.Note__c', true) + fls('Lead.Score_Band__c', true));
    set(
        'Metadata_Only',
        api +
            '<userPermissions><enabled>true</enabled><name>ModifyMetadata</name></userPermissions>' +
            '<customMetadataTypeAccesses><enabled>true</enabled><name>MQL_Threshold__mdt</name></customMetadataTypeAccesses>'
    );
    set('No_Api', leadRead);
    return root;
}

const mini = miniProject();
const miniOrg = (): EmulatedOrg => {
    const org = smallOrg();
    org.schema.Lead.push('Note__c', 'Score_Band__c');
    org.schema.MQL_Threshold__mdt = ['Id', 'DeveloperName', 'MasterLabel', 'Recommended_Threshold__c'];
    org.metadata.set('MQL_Threshold.SMB_Inbound', {
        label: 'SMB',
        values: { Recommended_Threshold__c: null }
    });
    return org;
};
const as = (user: EmulatedUser) => ({ user, metadataRoot: mini });

test("describe is the project's metadata: types, precision, lengths and restricted picklist values", async () => {
    const e = await startEmulator(smallOrg());
    try {
        const d = await conn(e).describe('Lead');
        const f = new Map(d.fields.map((x) => [x.name, x]));
        assert.equal(f.get('Score_At_Handoff__c')!.type, 'double');
        assert.equal(f.get('Score_At_Handoff__c')!.precision, 12);
        assert.equal(f.get('Score_At_Handoff__c')!.scale, 4);
        assert.equal(f.get('Handoff_Score_Source__c')!.restrictedPicklist, true);
        assert.deepEqual(
            f.get('Handoff_Score_Source__c')!.picklistValues!.map((p) => p.value),
            ['Snapshot', 'History', 'Current']
        );
        assert.equal(f.get('IsConverted')!.updateable, false, 'a system field');
        const run = new Map(
            (await conn(e).describe('MQL_Calibration_Run__c')).fields.map((x) => [x.name, x])
        );
        assert.equal(run.get('Fine_Bands_JSON__c')!.length, 131072);
        assert.equal(run.get('Recommendation_Reason__c')!.length, 255);
    } finally {
        await e.close();
    }
});

test('a text past its length, a number past its precision and a value outside a restricted picklist are refused', async () => {
    const e = await startEmulator(smallOrg());
    try {
        const run = { attributes: { type: 'MQL_Calibration_Run__c' }, Name: 'x', Is_Latest__c: true };
        const res = await patch(
            e,
            [
                { ...run, Segment__c: 'S'.repeat(81) },
                { ...run, Active_Threshold__c: 100_000_000 },
                { ...run, Trigger_Count__c: 'many' },
                { ...run, Segment__c: 'S'.repeat(80), Active_Threshold__c: 99_999_999.9999 }
            ],
            'POST'
        );
        assert.deepEqual(
            res.map((r) => r.errors[0]?.statusCode ?? 'ok'),
            ['STRING_TOO_LONG', 'NUMBER_OUTSIDE_VALID_RANGE', 'INVALID_TYPE_ON_FIELD_IN_RECORD', 'ok']
        );
        const bad = await patch(e, [
            { attributes: { type: 'Lead' }, Id: '00QOPEN000000001', Handoff_Score_Source__c: 'Guess' }
        ]);
        assert.equal(bad[0].errors[0].statusCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
        assert.equal(e.org.sobjects.MQL_Calibration_Run__c.length, 1, 'only the record that fits went in');
    } finally {
        await e.close();
    }
});

test('a converted lead cannot be updated, by anyone, and an open one can', async () => {
    const e = await startEmulator(smallOrg());
    try {
        const res = await patch(e, [
            { attributes: { type: 'Lead' }, Id: '00QCONV000000001', Score_At_Handoff__c: 80 },
            { attributes: { type: 'Lead' }, Id: '00QOPEN000000001', Score_At_Handoff__c: 70 }
        ]);
        assert.equal(res[0].errors[0].statusCode, 'CANNOT_UPDATE_CONVERTED_LEAD');
        assert.equal(res[1].success, true);
        assert.equal(e.org.sobjects.Lead[1].Score_At_Handoff__c, undefined);
    } finally {
        await e.close();
    }
});

test('formula and system fields are never writable, even with edit access in a permission set', async () => {
    const e = await startEmulator(miniOrg(), as({ permissionSets: ['Writer'] }));
    try {
        const res = await patch(e, [
            { attributes: { type: 'Lead' }, Id: '00QOPEN000000001', Score_Band__c: 3 },
            { attributes: { type: 'Lead' }, Id: '00QOPEN000000001', IsConverted: true },
            { attributes: { type: 'Lead' }, Id: '00QOPEN000000001', Note__c: 'fine' }
        ]);
        assert.deepEqual(
            res.map((r) => r.errors[0]?.statusCode ?? 'ok'),
            ['INVALID_FIELD_FOR_INSERT_UPDATE', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'ok']
        );
        const d = new Map((await conn(e).describe('Lead')).fields.map((x) => [x.name, x]));
        assert.equal(d.get('Score_Band__c')!.calculated, true);
        assert.equal(d.get('Score_Band__c')!.updateable, false);
    } finally {
        await e.close();
    }
});

test('field-level security: a field no set grants is absent from describe and SOQL, a read-only one refuses edits', async () => {
    const e = await startEmulator(miniOrg(), as({ permissionSets: ['Reader'] }));
    try {
        const names = (await conn(e).describe('Lead')).fields.map((x) => x.name);
        assert.ok(names.includes('Note__c') && names.includes('Status'));
        assert.ok(!names.includes('Industry'), 'standard field under FLS, not granted');
        assert.ok(!names.includes('Score_At_Handoff__c'), 'custom field, not granted');
        await assert.rejects(
            async () => await conn(e).query('SELECT Id, Industry FROM Lead'),
            /INVALID_FIELD: No such column 'Industry'/
        );
        const ok = await conn(e).query<{ Note__c: string | null }>('SELECT Id, Note__c FROM Lead');
        assert.equal(ok.totalSize, 2);
        const res = await patch(e, [{ attributes: { type: 'Lead' }, Id: '00QOPEN000000001', Note__c: 'x' }]);
        assert.equal(res[0].errors[0].statusCode, 'INVALID_FIELD_FOR_INSERT_UPDATE');
        assert.match(res[0].errors[0].message, /Unable to update fields: Note__c/);
        await assert.rejects(async () => await conn(e).query('SELECT Id FROM Opportunity'), /INVALID_TYPE/);
    } finally {
        await e.close();
    }
});

test('a user without API Enabled is refused every call', async () => {
    const e = await startEmulator(miniOrg(), as({ permissionSets: ['No_Api'] }));
    try {
        await assert.rejects(async () => await conn(e).query('SELECT Id FROM Lead'), /API_DISABLED_FOR_ORG/);
    } finally {
        await e.close();
    }
});

test('custom metadata: queried only with the type granted, and an upsert refused without Customize Application', async () => {
    const e = await startEmulator(miniOrg(), as({ permissionSets: ['Metadata_Only'] }));
    const e2 = await startEmulator(miniOrg(), as({ permissionSets: ['Reader'] }));
    try {
        const q = await conn(e).query<{ DeveloperName: string }>(
            'SELECT DeveloperName FROM MQL_Threshold__mdt'
        );
        assert.deepEqual(
            q.records.map((r) => r.DeveloperName),
            ['SMB_Inbound']
        );
        await assert.rejects(
            async () => await conn(e2).query('SELECT DeveloperName FROM MQL_Threshold__mdt'),
            /INVALID_TYPE/
        );
        const res = [
            await conn(e).metadata.upsert('CustomMetadata', [
                {
                    fullName: 'MQL_Threshold.SMB_Inbound',
                    label: 'SMB',
                    values: [{ field: 'Recommended_Threshold__c', value: 65 }]
                } as never
            ])
        ].flat() as unknown as {
            success: string | boolean;
            errors: { statusCode: string; message: string };
        }[];
        assert.equal(String(res[0].success), 'false');
        assert.equal([res[0].errors].flat()[0].statusCode, 'INSUFFICIENT_ACCESS');
        assert.match([res[0].errors].flat()[0].message, /Customize Application/);
        assert.equal(e.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Recommended_Threshold__c, null);
    } finally {
        await e.close();
        await e2.close();
    }
});

test('a custom metadata value past its field precision is refused, as a deploy would', async () => {
    const e = await startEmulator(smallOrg());
    try {
        const res = [
            await conn(e).metadata.upsert('CustomMetadata', [
                {
                    fullName: 'MQL_Threshold.Big',
                    label: 'Big',
                    values: [
                        {
                            field: 'Recommended_Threshold__c',
                            value: { '@xsi:type': 'xsd:double', '': '120000000' }
                        },
                        { field: 'Recommendation_Status__c', value: 'Pending review' }
                    ]
                } as never
            ])
        ].flat() as unknown as { success: string | boolean; errors: { statusCode: string } }[];
        assert.equal([res[0].errors].flat()[0].statusCode, 'NUMBER_OUTSIDE_VALID_RANGE');
        assert.equal(e.org.metadata.has('MQL_Threshold.Big'), false);
    } finally {
        await e.close();
    }
});

test('unreadableFields names exactly the fields a permission set does not let its holder read', () => {
    assert.deepEqual(
        unreadableFields('Reader', ['Lead.Note__c', 'Lead.Status', 'Lead.Industry', 'Lead.Nope__c'], mini),
        ['Lead.Industry', 'Lead.Nope__c']
    );
    // The shipped viewer set reads every run field the dashboard shows.
    const runFields = [...loadOrgRules().objects.get('MQL_Calibration_Run__c')!.fields.keys()]
        .filter((f) => f.endsWith('__c'))
        .map((f) => `MQL_Calibration_Run__c.${f}`);
    assert.deepEqual(unreadableFields('MQL_Calibration_Viewer', runFields), []);
});
