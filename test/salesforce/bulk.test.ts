// The client layer against the loopback org: real jsforce over HTTP for Bulk 2.0 paging, REST paging, session
// renewal and describe-checked field names. Each fault ends in a correct result or a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from 'jsforce';
import { startEmulator, type EmulatedOrg, type Emulator, type Row } from '../emulator/emulator';
import { emulatedOrgFrom } from '../emulator/fixtures';
import {
    assertFieldsExist,
    bulkQuery,
    describeFields,
    restQueryAll,
    NUMERIC_FIELD_TYPES
} from '../../scripts/salesforce/bulk';
import { connectFromEnv, type SfConnection } from '../../scripts/salesforce/connection';
import { OrgSource } from '../../scripts/sources/org';
import { resolveSettings } from '../../scripts/config/settings';
import { SalesforceApiError, SettingsError, UsageError } from '../../scripts/errors';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

/** A small org whose Company values are what breaks naive CSV handling: commas, quotes, newlines, blanks. */
function trickyOrg(n: number): EmulatedOrg {
    const companies = ['Acme, Inc.', 'The "Quoted" Co', 'Two\nLines Ltd', '', 'Ünïcødé GmbH', 'Plain'];
    const leads: Row[] = Array.from({ length: n }, (_, i) => ({
        Id: `00Q${String(i).padStart(15, '0')}`,
        Company: companies[i % companies.length],
        pi__score__c: i % 7 === 0 ? null : i % 120,
        IsConverted: i % 3 === 0
    }));
    return {
        sobjects: { Lead: leads },
        schema: { Lead: ['Id', 'Company', 'pi__score__c', 'IsConverted'] },
        metadata: new Map()
    };
}

function conn(e: Emulator): SfConnection {
    return new Connection({
        instanceUrl: e.url,
        accessToken: e.token,
        version: '62.0'
    }) as unknown as SfConnection;
}

async function collect(c: SfConnection, soql: string, opts = {}): Promise<Record<string, string>[]> {
    const rows: Record<string, string>[] = [];
    for await (const row of bulkQuery(c, soql, { pollIntervalMs: 5, ...opts })) rows.push(row);
    return rows;
}

const resultsCalls = (e: Emulator) => e.requests.filter((r) => /\/jobs\/query\/\w+\/results/.test(r.path));

test('a Bulk query spanning several locator pages yields every row once, in order, with CRLF and quoted values intact', async () => {
    const org = trickyOrg(257);
    const e = await startEmulator(org, { bulkPageSize: 50, lineEnding: 'CRLF', pollsBeforeComplete: 3 });
    try {
        const rows = await collect(conn(e), 'SELECT Id, Company, pi__score__c, IsConverted FROM Lead', {
            maxRecords: 50
        });
        assert.equal(resultsCalls(e).length, 6, 'five full pages and a last one of 7 rows');
        assert.deepEqual(
            rows.map((r) => r.Id),
            org.sobjects.Lead.map((r) => r.Id)
        );
        assert.equal(rows[0].Company, 'Acme, Inc.');
        assert.equal(rows[1].Company, 'The "Quoted" Co');
        assert.equal(
            rows[2].Company,
            'Two\nLines Ltd',
            'a newline inside quotes stays inside the value; CRLF ends rows'
        );
        assert.equal(rows[3].Company, '');
        assert.equal(rows[4].Company, 'Ünïcødé GmbH');
        assert.equal(rows[7].pi__score__c, '', 'null arrives as an empty string');
        assert.equal(rows[8].pi__score__c, '8');
        assert.equal(rows[3].IsConverted, 'true');
        // The job is cleaned up once read.
        assert.equal(
            e.requests.filter((r) => r.method === 'DELETE' && /\/jobs\/query\/\w+$/.test(r.path)).length,
            1
        );
    } finally {
        await e.close();
    }
});

test('a consumer that stops early still deletes the Bulk job', async () => {
    const e = await startEmulator(trickyOrg(120), { bulkPageSize: 40 });
    try {
        let n = 0;
        for await (const _row of bulkQuery(conn(e), 'SELECT Id FROM Lead', { pollIntervalMs: 5 }))
            if (++n === 45) break;
        assert.equal(n, 45);
        assert.equal(resultsCalls(e).length, 2, 'the third page is never fetched');
        assert.equal(e.requests.filter((r) => r.method === 'DELETE').length, 1);
    } finally {
        await e.close();
    }
});

test('a Bulk job that fails ends in a SalesforceApiError carrying its message, and the job is deleted', async () => {
    const e = await startEmulator(trickyOrg(10));
    e.faults.push({ kind: 'JOB_FAILED' });
    try {
        await assert.rejects(collect(conn(e), 'SELECT Id FROM Lead'), (err: Error) => {
            assert.ok(err instanceof SalesforceApiError);
            assert.match(err.message, /^Bulk query failed: INVALID_FIELD: the query could not be run/);
            return true;
        });
        assert.equal(e.requests.filter((r) => r.method === 'DELETE').length, 1);
    } finally {
        await e.close();
    }
});

test('a results page cut off on every attempt ends in a clear error after three tries, not a short read', async () => {
    const e = await startEmulator(trickyOrg(100), { bulkPageSize: 30 });
    e.faults.push(
        { kind: 'CUT', match: /results/ },
        { kind: 'CUT', match: /results/ },
        { kind: 'CUT', match: /results/ }
    );
    try {
        await assert.rejects(
            collect(conn(e), 'SELECT Id FROM Lead'),
            /^SalesforceApiError: Bulk results page failed 3 times/
        );
        assert.equal(resultsCalls(e).length, 3);
    } finally {
        await e.close();
    }
});

test('two cuts on the same page are survived: the third attempt completes it with no row lost or repeated', async () => {
    const org = trickyOrg(100);
    const e = await startEmulator(org, { bulkPageSize: 30 });
    e.faults.push({ kind: 'CUT', match: /locator=/ }, { kind: 'CUT', match: /locator=/ });
    try {
        const rows = await collect(conn(e), 'SELECT Id FROM Lead');
        assert.deepEqual(
            rows.map((r) => r.Id),
            org.sobjects.Lead.map((r) => r.Id)
        );
        assert.equal(e.faults.length, 0);
    } finally {
        await e.close();
    }
});

test('a SOQL error from Bulk job creation surfaces with its error code, and no results are asked for', async () => {
    const e = await startEmulator(trickyOrg(5));
    try {
        await assert.rejects(
            collect(conn(e), 'SELECT Id, Nope__c FROM Lead'),
            (err: Error & { errorCode?: string }) => {
                assert.equal(err.errorCode, 'INVALID_FIELD');
                assert.match(err.message, /No such column 'Nope__c'/);
                return true;
            }
        );
        assert.equal(resultsCalls(e).length, 0);
    } finally {
        await e.close();
    }
});

test('restQueryAll follows nextRecordsUrl to the end and refuses a result larger than it was told to expect', async () => {
    const org = trickyOrg(23);
    const e = await startEmulator(org, { restPageSize: 5 });
    try {
        const c = conn(e);
        const rows = await restQueryAll<{ Id: string; attributes?: unknown }>(c, 'SELECT Id FROM Lead');
        assert.deepEqual(
            rows.map((r) => r.Id),
            org.sobjects.Lead.map((r) => r.Id)
        );
        assert.equal(rows[0].attributes, undefined);
        assert.equal(
            e.requests.filter((r) => /\/query\/01g/.test(r.path)).length,
            4,
            'four queryMore calls after the first page'
        );
        await assert.rejects(
            restQueryAll(c, 'SELECT Id FROM Lead', { maxFetch: 12 }),
            /more than 12 records/
        );
    } finally {
        await e.close();
    }
});

test('with SF_REFRESH_TOKEN an expired session is renewed through OAuth for REST, Bulk and Metadata calls alike', async () => {
    const org = trickyOrg(90);
    org.metadata.set('MQL_Threshold.SMB_Inbound', {
        label: 'SMB Inbound',
        values: { Active_Threshold__c: '50' }
    });
    const e = await startEmulator(org, { bulkPageSize: 40 });
    try {
        const c = connectFromEnv({
            SF_ACCESS_TOKEN: e.token,
            SF_INSTANCE_URL: e.url,
            SF_API_VERSION: '62.0',
            SF_REFRESH_TOKEN: 'REFRESH-1',
            SF_CLIENT_ID: 'job-app'
        });
        const refreshes = () => e.requests.filter((r) => r.path === '/services/oauth2/token').length;
        e.rotateToken();
        assert.equal((await restQueryAll(c, 'SELECT Id FROM Lead')).length, 90);
        assert.equal(refreshes(), 1);
        e.rotateToken();
        assert.equal((await collect(c, 'SELECT Id FROM Lead')).length, 90);
        assert.equal(refreshes(), 2);
        e.rotateToken();
        const [md] = [await c.metadata.read('CustomMetadata', ['MQL_Threshold.SMB_Inbound'])].flat() as {
            fullName: string;
        }[];
        assert.equal(md.fullName, 'MQL_Threshold.SMB_Inbound');
        assert.equal(refreshes(), 3);
        assert.equal(c.accessToken, e.token);
    } finally {
        await e.close();
    }
});

test('a session that expires between results pages is renewed and the read goes on from the same page', async () => {
    const org = trickyOrg(150);
    const e = await startEmulator(org, { bulkPageSize: 50 });
    try {
        const c = connectFromEnv({
            SF_ACCESS_TOKEN: e.token,
            SF_INSTANCE_URL: e.url,
            SF_API_VERSION: '62.0',
            SF_REFRESH_TOKEN: 'REFRESH-1',
            SF_CLIENT_ID: 'job-app'
        });
        const rows: string[] = [];
        for await (const row of bulkQuery(c, 'SELECT Id FROM Lead', { pollIntervalMs: 5 })) {
            rows.push(row.Id);
            if (rows.length === 50) e.rotateToken();
        }
        assert.deepEqual(
            rows,
            org.sobjects.Lead.map((r) => r.Id)
        );
    } finally {
        await e.close();
    }
});

test('without a way to renew, an expired session is a clear INVALID_SESSION_ID error', async () => {
    const e = await startEmulator(trickyOrg(3));
    try {
        const c = connectFromEnv({ SF_ACCESS_TOKEN: e.token, SF_INSTANCE_URL: e.url });
        e.rotateToken();
        await assert.rejects(
            restQueryAll(c, 'SELECT Id FROM Lead'),
            (err: Error & { errorCode?: string }) => err.errorCode === 'INVALID_SESSION_ID'
        );
    } finally {
        await e.close();
    }
});

test('connectFromEnv names what is missing, and a refresh token without a client id is refused', () => {
    assert.throws(
        () => connectFromEnv({ SF_INSTANCE_URL: 'http://127.0.0.1:1' }),
        (err: Error) => err instanceof UsageError && /SF_ACCESS_TOKEN and SF_INSTANCE_URL/.test(err.message)
    );
    assert.throws(
        () =>
            connectFromEnv({
                SF_ACCESS_TOKEN: 'T',
                SF_INSTANCE_URL: 'http://127.0.0.1:1',
                SF_REFRESH_TOKEN: 'R'
            }),
        /SF_REFRESH_TOKEN and SF_CLIENT_ID go together/
    );
    assert.equal(
        connectFromEnv({ SF_ACCESS_TOKEN: 'T', SF_INSTANCE_URL: 'http://127.0.0.1:1' }).version,
        '62.0',
        'a version is always passed'
    );
});

test('describe gives field types, and assertFieldsExist rejects unknown names, SOQL fragments and non-numeric scores', async () => {
    const e = await startEmulator(emulatedOrgFrom({ seed: 3, asOf: '2026-10-31', months: 1, segments: [] }));
    try {
        const fields = await describeFields(conn(e), 'Lead');
        assert.equal(fields.get('pi__score__c'), 'double');
        assert.equal(fields.get('Status'), 'picklist');
        assert.equal(fields.get('Handoff_Date__c'), 'datetime');
        assert.doesNotThrow(() =>
            assertFieldsExist(fields, 'Lead', [
                { name: 'pi__score__c', setting: 'scoreField', types: NUMERIC_FIELD_TYPES }
            ])
        );
        for (const [name, expected] of [
            ['Score__c', /^scoreField: "Score__c" is not a field of Lead in this org/],
            [
                "pi__score__c FROM Lead WHERE Name != ''",
                /^scoreField: "pi__score__c FROM Lead WHERE Name != ''" is not a field of Lead/
            ],
            [
                'Status',
                /^scoreField: Lead\.Status is a picklist field; expected one of double, int, percent, currency$/
            ]
        ] as const) {
            assert.throws(
                () =>
                    assertFieldsExist(fields, 'Lead', [
                        { name, setting: 'scoreField', types: NUMERIC_FIELD_TYPES }
                    ]),
                (err: Error) => err instanceof SettingsError && expected.test(err.message)
            );
        }
    } finally {
        await e.close();
    }
});

test('the org source checks settings-supplied fields against describe before any SOQL that names them is sent', async () => {
    const e = await startEmulator(emulatedOrgFrom({ seed: 3, asOf: '2026-10-31', months: 1, segments: [] }));
    try {
        for (const scoreField of ['Lead_Score__c', 'Status']) {
            const settings = resolveSettings({}, { scoreField });
            const source = new OrgSource(conn(e), settings, [], 'test org', { pollIntervalMs: 5 });
            const sink = { addOpportunity: () => undefined, addLead: () => undefined };
            await assert.rejects(
                source.stream(sink, {
                    settings: settings.engine,
                    asOf: '2026-10-31',
                    scoreField: settings.scoreField
                }),
                (err: Error) => err instanceof SettingsError && err.message.startsWith(`scoreField: `)
            );
        }
        assert.deepEqual(
            e.requests.filter((r) => r.path.includes('/jobs/query') || r.path.includes('/query?')),
            [],
            'no query was sent'
        );
    } finally {
        await e.close();
    }
});

test('an org without the package fields on Lead is told to deploy force-app first, naming the field', async () => {
    const org = emulatedOrgFrom({ seed: 3, asOf: '2026-10-31', months: 1, segments: [] });
    org.schema.Lead = org.schema.Lead.filter((f) => f !== 'Handoff_Date__c');
    const e = await startEmulator(org);
    try {
        const settings = resolveSettings({}, undefined);
        const source = new OrgSource(conn(e), settings, [], 'test org', { pollIntervalMs: 5 });
        await assert.rejects(
            source.stream(
                { addOpportunity: () => undefined, addLead: () => undefined },
                { settings: settings.engine, asOf: '2026-10-31', scoreField: settings.scoreField }
            ),
            /^SettingsError: package field \(deploy force-app first\): "Handoff_Date__c" is not a field of Lead/
        );
    } finally {
        await e.close();
    }
});
