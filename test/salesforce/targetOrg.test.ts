// The --target-org route end to end: an sf CLI authorisation stored under a temporary HOME (never the real one)
// for the loopback org, then the real CLI and the real seeding step through @salesforce/core's connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, USERNAME, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom, JOB_USER } from '../emulator/fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const k of [
    'http_proxy',
    'https_proxy',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'SF_ACCESS_TOKEN',
    'SF_INSTANCE_URL'
])
    delete process.env[k];

const home = mkdtempSync(path.join(os.tmpdir(), 'lsc-sfhome-'));
const env = {
    HOME: home,
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_TELEMETRY: 'true',
    SF_BULK_POLL_MS: '10'
};

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ['--import', 'tsx', path.join(ROOT, script), ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
            (err, stdout, stderr) =>
                resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
        );
    });
}

/** stderr without Node's warning about plain http (the emulator is loopback http; real orgs are https). */
const errLines = (stderr: string) =>
    stderr
        .split('\n')
        .filter((l) => l.trim() && !/Warning: Using insecure protocol|--trace-warnings/.test(l));

let demoOrg: Emulator;
let emptyOrg: Emulator;

before(async () => {
    demoOrg = await startEmulator(emulatedOrgFrom(), { bulkPageSize: 2000, user: JOB_USER });
    emptyOrg = await startEmulator(
        { sobjects: {}, schema: {}, metadata: new Map() },
        { username: 'fresh-job@emulated.example' }
    );
    for (const [e, alias] of [
        [demoOrg, 'calibration-org'],
        [emptyOrg, 'fresh-org']
    ] as const) {
        const r = await run('test/salesforce/helpers/authorise.ts', [e.url, e.token, alias]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), e === demoOrg ? USERNAME : 'fresh-job@emulated.example');
    }
});

after(async () => {
    await demoOrg.close();
    await emptyOrg.close();
    rmSync(home, { recursive: true, force: true });
});

test('--target-org reads the org through the sf CLI authorisation, recommends what --demo does, and writes back', async () => {
    const out = path.join(home, 'out-org');
    const [org, demo] = await Promise.all([
        run('scripts/calibrate.ts', [
            '--target-org',
            'calibration-org',
            '--as-of',
            '2026-10-31',
            '--json',
            '--out',
            out
        ]),
        run('scripts/calibrate.ts', ['--demo', '--json', '--out', path.join(home, 'out-demo')])
    ]);
    assert.equal(org.code, 0, org.stdout + org.stderr);
    const res = JSON.parse(org.stdout).result;
    assert.equal(res.source.kind, 'org');
    assert.match(res.source.label, /calibration-org/);
    assert.equal(res.read.leads, demoOrg.org.sobjects.Lead.length);
    assert.deepEqual(
        res.segments.map((s: { name: string; recommendation: { threshold: number | null } }) => [
            s.name,
            s.recommendation.threshold
        ]),
        JSON.parse(demo.stdout).result.segments.map(
            (s: { name: string; recommendation: { threshold: number | null } }) => [
                s.name,
                s.recommendation.threshold
            ]
        )
    );
    assert.equal(demoOrg.writes.filter((w) => w.path === 'upsertMetadata').length, 1);
    assert.equal(demoOrg.org.sobjects.MQL_Calibration_Run__c.length, res.segments.length);
    assert.ok(
        demoOrg.requests.some((r) => r.path.startsWith('/services/data/v62.0/jobs/query')),
        'the configured API version is used'
    );
});

test('an alias the sf CLI does not know ends with one line naming it, and the org is never called', async () => {
    const before = demoOrg.requests.length + emptyOrg.requests.length;
    const r = await run('scripts/calibrate.ts', ['--target-org', 'prod', '--out', path.join(home, 'out-x')]);
    assert.equal(r.code, 1);
    assert.deepEqual(errLines(r.stderr), [
        `Error: --target-org prod: not an org the sf CLI has authorised (NamedOrgNotFoundError); run "sf org login web --alias prod" or "sf org list"`
    ]);
    assert.equal(demoOrg.requests.length + emptyOrg.requests.length, before);
});

test('seeding through --target-org creates the five default records once, then finds them and writes nothing', async () => {
    const dry = await run('scripts/seed.ts', ['--target-org', 'fresh-org', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(emptyOrg.writes.length, 0, 'a dry run writes nothing');
    assert.match(dry.stdout, /would create 5 record\(s\)/);
    const first = await run('scripts/seed.ts', ['--target-org', 'fresh-org']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(emptyOrg.org.metadata.size, 5);
    assert.equal(emptyOrg.org.metadata.get('MQL_Threshold.SMB_Inbound')!.values.Segment_Rule__c, '*');
    const writes = emptyOrg.writes.length;
    const second = await run('scripts/seed.ts', ['--target-org', 'fresh-org']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.match(/^exists, left as it is: /gm)?.length, 5);
    assert.equal(emptyOrg.writes.length, writes, 'nothing written the second time');
});
