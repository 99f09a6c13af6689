/**
 * `npm run bench [-- --leads N]`: the nightly job at scale, side by side with DuckDB. Generates an org with the
 * engine's generator (default 1M leads), writes it as CSV exports, serves it from the loopback emulator (another
 * process) through Bulk API 2.0 pages, runs the real job on it end to end, runs the job on the CSV files, and
 * computes the same band table from the same CSV files with DuckDB. Prints times, peak RSS of the job process,
 * where the time went, whether the band tables agree, and last a one-line JSON summary.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateOrg, demoOrgSpec } from '../scripts/synthetic/generator';
import { exportOrg } from '../scripts/demo-export';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface RunStats {
    seconds: number;
    peakRssMb: number;
    result: any;
}

/** Runs the job as its own process and samples its peak resident memory (VmHWM) until it exits. */
function runJob(args: string[], env: Record<string, string>): Promise<RunStats> {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'calibrate.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let peak = 0;
        const sample = () => {
            try {
                const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
                if (m) peak = Math.max(peak, Number(m[1]) / 1024);
            } catch {
                /* exited */
            }
        };
        const timer = setInterval(sample, 50);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => {
            clearInterval(timer);
            if (code !== 0) return reject(new Error(`job exited ${code}: ${err.trim() || out.slice(0, 300)}`));
            resolve({ seconds: (performance.now() - t0) / 1000, peakRssMb: Math.round(peak), result: JSON.parse(out).result });
        });
        // Sample once right after spawn too, so very short runs still report.
        setTimeout(sample, 10);
    });
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s); 0 when unreadable. */
function cpuSeconds(pid: number | undefined): number {
    try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
        return 0;
    }
}

/** Starts the emulator in its own process; resolves with the environment line it prints. */
function startEmulator(dir: string): Promise<{ env: Record<string, string>; stop: () => void; pid: number | undefined }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', path.join(ROOT, 'test', 'emulator', 'serve.ts'), '--from-csv', dir, '--page-size', '100000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
        readline.createInterface({ input: child.stdout }).once('line', (line) => {
            const env = Object.fromEntries(line.trim().split(' ').map((kv) => kv.split('=') as [string, string]));
            resolve({ env, stop: () => child.kill(), pid: child.pid });
        });
        child.on('exit', (code) => code && reject(new Error(`emulator exited ${code}`)));
    });
}

/** The band table from the CSV files in DuckDB, by the engine's definitions (see calibrator.ts addLead). */
async function duckdbBands(dir: string, asOf: string, lookbackMonths: number, bandWidths: Record<string, number>): Promise<{ seconds: number; rows: Map<string, number[]> }> {
    const t0 = performance.now();
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const f = (n: string) => path.join(dir, n).replace(/'/g, "''");
    const ts = (c: string) => `try_strptime(replace(${c}, '+0000', ''), '%Y-%m-%dT%H:%M:%S.%g')`;
    const asOfEnd = `TIMESTAMP '${asOf} 23:59:59'`;
    const sql = `
    WITH lead AS (
        SELECT Id, MQL_Segment__c AS segment, ${ts('Handoff_Date__c')} AS handoff, TRY_CAST(Score_At_Handoff__c AS DOUBLE) AS snap,
               TRY_CAST(pi__score__c AS DOUBLE) AS cur, coalesce(Rejection_Reason__c, '') <> '' AS rejected,
               IsConverted = 'true' AS qualified, coalesce(First_Touch_Date__c, '') <> '' AS touched, ConvertedOpportunityId AS opp,
               -- Paths out of the fit, which the engine keeps out of the bands: hand-raisers (the demo's one override)
               -- and, the demo naming its grade field, leads graded C-F.
               coalesce(Demo_Requested__c, '') = 'true' OR upper(left(coalesce(pi__grade__c, ''), 1)) IN ('C', 'D', 'E', 'F') AS outOfFit
        FROM read_csv('${f('Lead.csv')}', all_varchar = true, header = true)),
    width AS (SELECT * FROM (VALUES ${Object.entries(bandWidths).map(([seg, w]) => `('${seg.replace(/'/g, "''")}', ${w})`).join(', ')}) AS t(segment, w)),
    opp AS (SELECT Id, TRY_CAST(Amount AS DOUBLE) AS amount, IsWon = 'true' AS won FROM read_csv('${f('Opportunity.csv')}', all_varchar = true, header = true)),
    needs AS (SELECT Id, handoff FROM lead WHERE handoff IS NOT NULL AND snap IS NULL),
    hist AS (
        SELECT h.LeadId, arg_max(TRY_CAST(h.NewValue AS DOUBLE), ${ts('h.CreatedDate')}) AS v
        FROM read_csv('${f('LeadHistory.csv')}', all_varchar = true, header = true) h JOIN needs n ON n.Id = h.LeadId
        WHERE h.Field = 'pi__score__c' AND ${ts('h.CreatedDate')} <= n.handoff
        GROUP BY h.LeadId),
    scored AS (
        SELECT l.*, coalesce(l.snap, hist.v, l.cur) AS score FROM lead l LEFT JOIN hist ON hist.LeadId = l.Id
        WHERE l.handoff IS NOT NULL AND l.handoff <= ${asOfEnd}
          AND l.handoff >= ${asOfEnd} - INTERVAL (${Math.round(lookbackMonths * 30.4375 * 86400)}) SECOND)
    SELECT s.segment, CAST(floor(floor(s.score) / w.w) * w.w AS INTEGER) AS band,
           count(*) AS handedOff,
           count(*) FILTER (WHERE NOT s.rejected AND (s.touched OR s.qualified)) AS accepted,
           count(*) FILTER (WHERE s.rejected) AS rejected,
           count(*) FILTER (WHERE s.qualified) AS qualified,
           count(*) FILTER (WHERE coalesce(s.opp, '') <> '') AS opportunities,
           count(*) FILTER (WHERE o.won) AS won,
           coalesce(sum(o.amount), 0) AS pipeline,
           coalesce(sum(o.amount) FILTER (WHERE o.won), 0) AS revenue
    FROM scored s JOIN width w ON w.segment = s.segment LEFT JOIN opp o ON o.Id = s.opp
    WHERE s.score IS NOT NULL AND NOT s.outOfFit
    GROUP BY ALL ORDER BY ALL`;
    const reader = await con.runAndReadAll(sql);
    const rows = new Map<string, number[]>();
    for (const r of reader.getRowObjects()) rows.set(`${r.segment}|${r.band}`, ['handedOff', 'accepted', 'rejected', 'qualified', 'opportunities', 'won', 'pipeline', 'revenue'].map((k) => Number(r[k] as number | bigint)));
    return { seconds: (performance.now() - t0) / 1000, rows };
}

function jobBands(result: any): Map<string, number[]> {
    const rows = new Map<string, number[]>();
    for (const s of result.segments) for (const b of s.bands) rows.set(`${s.name}|${b.from}`, [b.handedOff, b.accepted, b.rejected, b.qualified, b.opportunities, b.won, b.pipelineAmount, b.wonAmount]);
    return rows;
}

function agree(a: Map<string, number[]>, b: Map<string, number[]>): { ok: boolean; first?: string } {
    if (a.size !== b.size) return { ok: false, first: `${a.size} bands vs ${b.size}` };
    for (const [k, v] of a) {
        const w = b.get(k);
        if (!w || v.some((x, i) => Math.abs(x - w[i]) > 1e-6)) return { ok: false, first: `${k}: job ${v} vs duckdb ${w}` };
    }
    return { ok: true };
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { leads: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
    const leads = Number(values.leads);
    const dir = path.join(ROOT, 'bench-out', String(leads));
    const demo = demoOrgSpec();
    const total = demo.segments.reduce((s, x) => s + x.leads, 0);
    const spec = { ...demo, segments: demo.segments.map((s) => ({ ...s, leads: Math.round((s.leads / total) * leads) })) };
    let t = performance.now();
    if (!existsSync(path.join(dir, 'settings.json'))) {
        const org = generateOrg(spec);
        await exportOrg(org, dir);
        console.log(`generated and exported ${org.leads.length.toLocaleString('en-US')} leads, ${org.opportunities.length.toLocaleString('en-US')} opportunities, ${org.scoreHistory.length.toLocaleString('en-US')} history rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } else console.log(`reusing ${path.relative(ROOT, dir)}/`);
    const mb = (f: string) => (statSync(path.join(dir, f)).size / 1048576).toFixed(0);
    console.log(`CSV sizes: Lead ${mb('Lead.csv')} MB, Opportunity ${mb('Opportunity.csv')} MB, LeadHistory ${mb('LeadHistory.csv')} MB`);

    t = performance.now();
    const emu = await startEmulator(dir);
    console.log(`emulator loaded the org in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    let org: RunStats;
    // The emulator stands in for Salesforce: the CPU it spends serving the job bounds how fast the org path can go.
    const emulatorCpu0 = cpuSeconds(emu.pid);
    let emulatorCpu = 0;
    try {
        org = await runJob(['--json', '--as-of', spec.asOf, '--no-stamp', '--out', path.join(dir, 'org-out')], emu.env);
        emulatorCpu = cpuSeconds(emu.pid) - emulatorCpu0;
    } finally {
        emu.stop();
    }
    const csv = await runJob(['--json', '--as-of', spec.asOf, '--leads', path.join(dir, 'Lead.csv'), '--opportunities', path.join(dir, 'Opportunity.csv'), '--lead-history', path.join(dir, 'LeadHistory.csv'), '--config', path.join(dir, 'settings.json'), '--out', path.join(dir, 'csv-out')], { SF_ACCESS_TOKEN: '', SF_INSTANCE_URL: '' });
    // The band width is derived per segment from its scores unless the settings give one: read the job's own.
    const widths = Object.fromEntries(
        csv.result.segments.filter((s: any) => s.bands.length > 0).map((s: any) => [s.name, s.bands[0].to - s.bands[0].from])
    );
    const duck = await duckdbBands(dir, spec.asOf, csv.result.settings.lookbackMonths, widths);
    const csvAgree = agree(jobBands(csv.result), duck.rows);
    const orgAgree = agree(jobBands(org.result), duck.rows);
    const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ');
    console.log(`org job (Bulk API 2.0 via emulator): ${org.seconds.toFixed(1)} s, peak RSS ${org.peakRssMb} MB, ${Math.round(leads / org.seconds).toLocaleString('en-US')} leads/s — ${fmt(org.result.timings)}`);
    console.log(`  the emulator's CPU serving it:     ${emulatorCpu.toFixed(1)} s (its own process; Bulk results pages are serialised there)`);
    console.log(`CSV job:                            ${csv.seconds.toFixed(1)} s, peak RSS ${csv.peakRssMb} MB, ${Math.round(leads / csv.seconds).toLocaleString('en-US')} leads/s — ${fmt(csv.result.timings)}`);
    console.log(`DuckDB read_csv + band table:       ${duck.seconds.toFixed(2)} s; ratio CSV job / DuckDB ${(csv.seconds / duck.seconds).toFixed(1)}x`);
    console.log(`band tables agree: CSV job ${csvAgree.ok ? 'yes' : `no (${csvAgree.first})`}, org job ${orgAgree.ok ? 'yes' : `no (${orgAgree.first})`}`);
    if (!values.keep) rmSync(path.join(dir, 'org-out'), { recursive: true, force: true });
    console.log(
        JSON.stringify({
            leads,
            jobSeconds: Number(org.seconds.toFixed(2)),
            csvJobSeconds: Number(csv.seconds.toFixed(2)),
            peakRssMb: Math.max(org.peakRssMb, csv.peakRssMb),
            orgPeakRssMb: org.peakRssMb,
            csvPeakRssMb: csv.peakRssMb,
            emulatorCpuSeconds: Number(emulatorCpu.toFixed(2)),
            duckdbSeconds: Number(duck.seconds.toFixed(2)),
            ratio: Number((csv.seconds / duck.seconds).toFixed(2)),
            bandTablesAgree: csvAgree.ok && orgAgree.ok
        })
    );
}

main().catch((e) => {
    console.error(`Error: ${(e as Error).message}`);
    process.exitCode = 1;
});
