// A new install on the loopback org: no lead has a funnel field filled, Status and score history are tracked. The
// job rebuilds every handoff over Bulk, recommends what the stamped demo does, and stamps Handoff_Date__c only
// where it rebuilt it from Status history and the field was empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/emulator';
import { emulatedOrgFrom, JOB_USER } from '../emulator/fixtures';
import {
    demoOrgSpec,
    generateOrg,
    statusPathOf,
    SYNTHETIC_STATUSES
} from '../../scripts/synthetic/generator';
import { cli } from './helpers/cli';

for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];

const out = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-')), 'out');
const envFor = (e: Emulator) => ({
    SF_ACCESS_TOKEN: e.token,
    SF_INSTANCE_URL: e.url,
    SF_API_VERSION: '62.0',
    SF_BULK_POLL_MS: '10'
});

// The org's Default setting names the handoff, accepted, rejected and qualified statuses; it has no list of open
// ones, which a settings file adds (a status in no list is refused while any list is set).
const config = path.join(mkdtempSync(path.join(os.tmpdir(), 'lsc-')), 'settings.json');
writeFileSync(config, JSON.stringify({ statuses: SYNTHETIC_STATUSES }));
let fresh: Emulator;
let demo: any;
const org = generateOrg(demoOrgSpec());

before(async () => {
    // As the integration user holding only the job's permission set, as in a real org.
    fresh = await startEmulator(emulatedOrgFrom(demoOrgSpec(), { newInstall: true }), {
        bulkPageSize: 2000,
        user: JOB_USER
    });
    demo = JSON.parse((await cli(['--demo', '--json', '--out', out()], {})).stdout).result;
});
after(() => fresh.close());

test('on a new install the org run rebuilds every handoff from Status history and recommends what the stamped demo does', async () => {
    const r = await cli(
        ['--json', '--as-of', '2026-10-31', '--config', config, '--out', out()],
        envFor(fresh)
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = JSON.parse(r.stdout).result;
    const handedOff = org.leads.filter((l) => l.handoffDate).length;
    assert.deepEqual(res.read.handoffSources, {
        Field: 0,
        StatusHistory: handedOff,
        Conversion: 0,
        CurrentStatus: 0
    });
    assert.deepEqual(
        res.segments.map((s: any) => [
            s.name,
            s.recommendation.threshold,
            s.recommendation.reason,
            s.sample.rejected
        ]),
        demo.segments.map((s: any) => [
            s.name,
            s.recommendation.threshold,
            s.recommendation.reason,
            s.sample.rejected
        ])
    );
});

test('the run stamps the rebuilt handoff time on leads whose Handoff_Date__c was empty, and never another time', () => {
    const stamps = new Map<string, any>(
        fresh.writes
            .filter((w) => w.method === 'PATCH')
            .flatMap((w) => JSON.parse(w.body).records)
            .filter((p: any) => p.attributes.type === 'Lead' && 'Handoff_Date__c' in p)
            .map((p: any) => [p.Id, p])
    );
    assert.ok(stamps.size > 5000, `handoff stamps: ${stamps.size}`);
    let checked = 0;
    for (const l of org.leads) {
        const s = stamps.get(l.id);
        if (!l.handoffDate) {
            assert.equal(s, undefined, `${l.id} was never handed off`);
            continue;
        }
        if (!s || l.qualified) continue; // converted leads: the strict write rules decide
        const first = statusPathOf(l, org.asOf).history[0];
        assert.equal(
            Date.parse(s.Handoff_Date__c),
            Date.parse(first.createdDate.replace('+0000', 'Z')),
            l.id
        );
        assert.equal(s.Handoff_Score_Source__c, 'History');
        checked++;
    }
    assert.ok(checked > 3000, `checked ${checked}`);
});

test('rerunning on the stamped org reads the handoffs from Handoff_Date__c and stamps nothing again', async () => {
    const before = fresh.writes.length;
    const r = await cli(
        ['--json', '--as-of', '2026-10-31', '--config', config, '--out', out()],
        envFor(fresh)
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = JSON.parse(r.stdout).result;
    assert.ok(res.read.handoffSources.Field > 5000, JSON.stringify(res.read.handoffSources));
    assert.ok(res.read.rejectionSources.StatusHistory > 500, JSON.stringify(res.read.rejectionSources));
    // The stamp changed where the handoff is read from, not what the run finds: a recycled lead whose rejection
    // only Status history shows stays rejected, and the recommendations stay the stamped demo's.
    assert.deepEqual(
        res.segments.map((s: any) => [
            s.name,
            s.recommendation.threshold,
            s.sample.handedOff,
            s.sample.rejected
        ]),
        demo.segments.map((s: any) => [
            s.name,
            s.recommendation.threshold,
            s.sample.handedOff,
            s.sample.rejected
        ])
    );
    const again = fresh.writes
        .slice(before)
        .filter((w) => w.method === 'PATCH')
        .flatMap((w) => JSON.parse(w.body).records)
        .filter((p: any) => p.attributes.type === 'Lead' && 'Handoff_Date__c' in p);
    assert.equal(again.length, 0);
});

test('an org with neither Status history nor stamped fields is told what to enable, and nothing is written', async () => {
    const bare = emulatedOrgFrom(demoOrgSpec(), { newInstall: true });
    bare.sobjects.LeadHistory = [];
    const emu = await startEmulator(bare, { bulkPageSize: 5000 });
    try {
        const r = await cli(
            ['--json', '--as-of', '2026-10-31', '--config', config, '--out', out()],
            envFor(emu)
        );
        assert.equal(r.code, 1, r.stdout);
        const err = JSON.parse(r.stdout);
        assert.equal(err.name, 'NoHandoffError');
        assert.match(
            err.message,
            /^no lead has a handoff: enable Lead field history on Status and the score field/
        );
        assert.equal(emu.writes.length, 0);
    } finally {
        emu.close();
    }
});
