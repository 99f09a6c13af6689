/**
 * Engine benchmark: analyses N generated leads in memory (default 1,000,000) and prints time and memory.
 * Not a test: run it with `npm run bench:engine [-- --leads N]` and read the figures (npm runs it with --expose-gc
 * so that each run starts after a full collection).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateOrg } from '../scripts/synthetic/generator';
import { calibrate, defaultSettings } from '../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { leads: { type: 'string', default: '1000000' } } });
    const total = Number(values.leads);
    const per = Math.floor(total / 4);
    const t0 = performance.now();
    const org = generateOrg({
        seed: 1,
        asOf: '2026-10-31',
        months: 18,
        snapshotShare: 1,
        segments: [
            { name: 'SMB_Inbound', leads: per, knee: 65, activeThreshold: 50 },
            { name: 'Enterprise_Inbound', leads: per, knee: 48, activeThreshold: 60 },
            { name: 'Outbound_Assisted', leads: per, knee: 42, activeThreshold: 40 },
            { name: 'Expansion', leads: total - 3 * per, knee: 32, activeThreshold: 30 }
        ]
    });
    const t1 = performance.now();
    const rssBefore = process.memoryUsage().rss;
    const runs: number[] = [];
    let result;
    // The generated org's own garbage (a gigabyte of records made once) is collected before each run, so a run is
    // not charged for a collection of what the generator left behind; the engine's own allocations still count.
    // The collector goes on sweeping the freed pages on another thread after gc() returns, so each run starts after
    // a pause in which that finishes (on two cores it otherwise competes with the run's first fifth of a second).
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 5; i++) {
        gc?.();
        await sleep(500);
        const s = performance.now();
        result = calibrate({ ...org, settings: defaultSettings(), asOf: org.asOf });
        runs.push(performance.now() - s);
    }
    const rssAfter = process.memoryUsage().rss;
    const best = Math.min(...runs);
    const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    console.log(`generated ${org.leads.length.toLocaleString('en-US')} leads, ${org.opportunities.length.toLocaleString('en-US')} opportunities in ${((t1 - t0) / 1000).toFixed(1)} s`);
    console.log(`engine: ${runs.map((r) => `${r.toFixed(0)} ms`).join(', ')} (best ${best.toFixed(0)} ms, median ${median.toFixed(0)} ms, ${((org.leads.length / best) * 1000 / 1e6).toFixed(2)} M leads/s)`);
    console.log(`rss: ${(rssBefore / 1048576).toFixed(0)} MB with the generated org in memory, ${(rssAfter / 1048576).toFixed(0)} MB after the runs`);
    for (const s of result!.segments) console.log(`  ${s.name}: handed off ${s.sample.handedOff}, recommendation ${s.recommendation.threshold ?? s.recommendation.reason}`);
    console.log(JSON.stringify({ leads: org.leads.length, engineMsBest: Math.round(best), engineMsMedian: Math.round(median), engineMsRuns: runs.map(Math.round), rssMb: Math.round(rssAfter / 1048576) }));
}

void main();
