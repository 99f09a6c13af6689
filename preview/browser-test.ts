/**
 * `npm run test:browser`: the dashboard preview in real headless Chromium. Checks that the page renders every
 * section on the demo org's data, the chart draws, and the what-if slider changes the numbers; then measures, on
 * fixture run records built from 50,000 leads, time to interactive (< 1 s) and slider recompute (< 50 ms).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { buildPreview } from './build';
import { startPreviewServer } from './server';
import { launch } from './browser';

// Synthetic shadow hides component internals from document.querySelector, so the page is read through each
// component's shadowRoot; the chart's first frame is caught by polling every animation frame from page start.
const INIT = `
window.__deep = (...path) => path.reduce((node, sel) => node && (node.shadowRoot || node).querySelector(sel), document);
window.__CHART_AT__ = null;
(function poll() {
    if (window.__deep('c-calibration-dashboard', 'c-score-distribution-chart', 'rect.bar_won')) window.__CHART_AT__ = performance.now();
    else requestAnimationFrame(poll);
})();`;

async function slide(page: Page, value: number): Promise<{ ms: number; before: string; after: string }> {
    return page.evaluate(async (v) => {
        const deep = (window as unknown as { __deep: (...p: string[]) => HTMLElement }).__deep;
        const input = deep('c-calibration-dashboard', 'c-threshold-scenarios', 'lightning-slider', 'input[type="range"]') as HTMLInputElement;
        const out = deep('c-calibration-dashboard', 'c-threshold-scenarios', '.what-if-mqls');
        const before = out.textContent ?? '';
        const t0 = performance.now();
        input.value = String(v);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
        for (let i = 0; i < 200 && out.textContent === before; i++) await new Promise((r) => setTimeout(r, 0));
        return { ms: performance.now() - t0, before, after: out.textContent ?? '' };
    }, value);
}

async function main(): Promise<number> {
    const built = await buildPreview();
    if (built > 0) console.log(`built the preview bundle in ${built.toFixed(1)} s`);
    const server = await startPreviewServer();
    const browser = await launch();
    const results: [string, boolean, string?][] = [];
    const check = async (name: string, fn: () => Promise<void>) => {
        try {
            await fn();
            results.push([name, true]);
        } catch (e) {
            results.push([name, false, (e as Error).message.split('\n')[0]]);
        }
    };
    const figures: Record<string, number> = {};
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.addInitScript(INIT);
        await page.goto(`${server.url}/`);
        await page.waitForFunction(() => (window as unknown as { __CHART_AT__: number | null }).__CHART_AT__ !== null, undefined, { timeout: 20000 });

        await check('the page renders every section on the demo data, without page errors', async () => {
            assert.equal(await page.locator('table.overview tbody tr').count(), 4);
            for (const sel of ['c-score-distribution-chart', 'c-recommendation-panel', 'c-threshold-scenarios', 'c-band-table', 'c-live-figures', 'table.paths']) {
                assert.equal(await page.locator(sel).count(), 1, sel);
            }
            assert.match((await page.locator('c-recommendation-panel .headline').textContent()) ?? '', /^Recommend 48$/);
            assert.deepEqual(errors, []);
        });
        await check('the chart draws a bar per band and both threshold markers', async () => {
            const bands = await page.locator('c-band-table tbody tr').count();
            assert.ok(bands >= 5, `bands ${bands}`);
            assert.equal(await page.locator('rect.bar_won').count(), bands);
            assert.equal(await page.locator('rect.bar_rejected').count(), bands);
            assert.equal(await page.locator('g.marker').count(), 2);
            const heights = await page.locator('rect.bar_won').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
            assert.ok(Math.max(...heights) > 50, 'bars have height');
        });
        await check('moving the slider changes the what-if numbers', async () => {
            const r = await slide(page, 75);
            assert.notEqual(r.after, r.before);
            assert.equal(await page.locator('c-threshold-scenarios .what-if-threshold').textContent(), '75');
        });
        await check('the demo shows a pending proposal, a frozen segment and a running pilot', async () => {
            const row = (seg: string) => page.locator('table.overview tbody tr', { hasText: seg });
            assert.match((await row('SMB Inbound').textContent()) ?? '', /Pending review.*Running/);
            assert.match((await row('Expansion').textContent()) ?? '', /Frozen until 2027-01-15/);
            await page.locator('select.segment-picker').selectOption('SMB_Inbound');
            assert.match((await page.locator('c-pilot-comparison .verdict').textContent()) ?? '', /^Not yet conclusive: 5 of 6 weeks run/);
            assert.equal(await page.locator('c-pilot-comparison tbody tr').count(), 6);
            assert.match((await page.locator('ul.governance').textContent()) ?? '', /Pending review \(new proposal/);
            await page.locator('select.segment-picker').selectOption('Expansion');
            assert.match((await page.locator('ul.governance').textContent()) ?? '', /Frozen until 2027-01-15/);
            assert.deepEqual(errors, []);
        });

        const big = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await big.addInitScript(INIT);
        // Build the 50,000-lead fixture first: that is the job's work, not the page's.
        await (await fetch(`${server.url}/fixtures.js`, { headers: { referer: `${server.url}/?leads=50000` } })).text();
        await big.goto(`${server.url}/?leads=50000`);
        await big.waitForFunction(() => (window as unknown as { __CHART_AT__: number | null }).__CHART_AT__ !== null, undefined, { timeout: 30000 });
        const leads = await big.evaluate(() => (window as unknown as { __FIXTURES__: { leads: number } }).__FIXTURES__.leads);
        figures.leads = leads;
        figures.interactiveMs = Math.round(await big.evaluate(() => (window as unknown as { __CHART_AT__: number }).__CHART_AT__));
        const times: number[] = [];
        for (const v of [40, 55, 70, 85, 62]) times.push((await slide(big, v)).ms);
        figures.sliderMsMax = Math.round(Math.max(...times) * 10) / 10;
        await check(`with run records from ${leads} leads the page is interactive within 1 s (${figures.interactiveMs} ms)`, async () => {
            assert.ok(leads >= 50000);
            assert.ok(figures.interactiveMs < 1000);
        });
        await check(`the slider recomputes within 50 ms (worst of 5: ${figures.sliderMsMax} ms)`, async () => {
            assert.ok(figures.sliderMsMax < 50);
        });
    } finally {
        await browser.close();
        await server.close();
    }
    for (const [name, ok, why] of results) console.log(`${ok ? 'ok    ' : 'FAIL  '}${name}${why ? ` — ${why}` : ''}`);
    const failed = results.filter((r) => !r[1]).length;
    console.log(JSON.stringify(figures));
    console.log(`browser: ${results.length - failed} passed, ${failed} failed`);
    return failed > 0 ? 1 : 0;
}

main()
    .then((c) => (process.exitCode = c))
    .catch((e) => {
        console.error(`Error: ${(e as Error).message.split('\n')[0]}`);
        process.exitCode = 1;
    });
