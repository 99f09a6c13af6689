/**
 * The preview's local server (127.0.0.1 only): the page, the bundle, SLDS from npm, and fixture data built from a
 * generated org — the demo by default, `?leads=N` for a larger org (performance checks).
 */
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { demoOrgSpec } from '../scripts/synthetic/generator';
import { latestRunsFixture, liveFixtures, thresholdsFixture } from './fixtures';
import { BUNDLE, ROOT } from './build';

const SLDS = path.join(ROOT, 'node_modules', '@salesforce-ux', 'design-system', 'assets');

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lead Score Calibration — preview</title>
<link rel="stylesheet" href="/slds/styles/salesforce-lightning-design-system.min.css">
<style>body{background:#f3f3f3;margin:0;padding:1rem}</style></head>
<body class="slds-scope"><div id="root"></div><script src="/fixtures.js"></script><script src="/app.js"></script></body></html>`;

/** A spec with about `leads` leads spread like the demo's segments. */
function specFor(leads: number) {
    const demo = demoOrgSpec();
    const total = demo.segments.reduce((s, x) => s + x.leads, 0);
    return { ...demo, segments: demo.segments.map((s) => ({ ...s, leads: Math.round((s.leads / total) * leads) })) };
}

const cache = new Map<string, string>();

function fixturesScript(leads: number | null): string {
    const key = String(leads ?? 'demo');
    if (!cache.has(key)) {
        const spec = leads ? specFor(leads) : demoOrgSpec();
        const runs = latestRunsFixture(spec);
        const live = liveFixtures(spec);
        cache.set(key, `window.__FIXTURES__ = ${JSON.stringify({ latestRuns: runs.data, thresholds: thresholdsFixture(runs.data), liveFigures: live.liveFigures, pipeline: live.pipeline, leads: runs.leads })};`);
    }
    return cache.get(key)!;
}

export async function startPreviewServer(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const send = (type: string, body: string | Buffer) => {
            res.writeHead(200, { 'Content-Type': type });
            res.end(body);
        };
        if (url.pathname === '/' || url.pathname === '/index.html') return send('text/html', PAGE);
        if (url.pathname === '/app.js') return send('text/javascript', readFileSync(BUNDLE));
        if (url.pathname === '/fixtures.js') {
            const referer = new URL(req.headers.referer ?? 'http://localhost/');
            const n = Number(referer.searchParams.get('leads')) || null;
            return send('text/javascript', fixturesScript(n));
        }
        if (url.pathname.startsWith('/slds/')) {
            const file = path.join(SLDS, path.normalize(url.pathname.slice(6)).replace(/^(\.\.[/\\])+/, ''));
            if (existsSync(file)) return send(file.endsWith('.css') ? 'text/css' : file.endsWith('.svg') ? 'image/svg+xml' : 'application/octet-stream', readFileSync(file));
        }
        res.writeHead(404);
        res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}
