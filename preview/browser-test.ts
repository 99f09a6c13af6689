/**
 * `npm run test:browser`: the dashboard preview in real headless Chromium. Checks that the page renders every
 * section on the demo org's data, the overview draws every segment and opens one, the chart draws, the what-if
 * slider changes the numbers, and the page reads at desktop, narrow-region and phone widths (screenshots of each
 * in preview/dist/screens/); then measures, on fixture run records built from 200,000 leads in four segments, time
 * to interactive (target < 1 s), switching segments and moving the slider (target < 50 ms, worst of 5), printed;
 * the checks fail only at ten times a target, so that a busy machine cannot fail the suite on timing.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
        const input = deep(
            'c-calibration-dashboard',
            'c-threshold-scenarios',
            'lightning-slider',
            'input[type="range"]'
        ) as HTMLInputElement;
        const out = deep('c-calibration-dashboard', 'c-threshold-scenarios', '.what-if-mqls');
        const before = out.textContent ?? '';
        const t0 = performance.now();
        input.value = String(v);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
        for (let i = 0; i < 200 && out.textContent === before; i++)
            await new Promise((r) => setTimeout(r, 0));
        return { ms: performance.now() - t0, before, after: out.textContent ?? '' };
    }, value);
}

/**
 * Opens a segment from the overview and returns the milliseconds from the click until the detail shows it in the
 * DOM. LWC re-renders in a microtask, so the wait yields microtasks: the page's scroll to the detail comes on the
 * next animation frame and is not part of the switch (it is the browser moving, not the page computing).
 */
async function open(page: Page, segment: string): Promise<number> {
    return page.evaluate(async (seg) => {
        const deep = (window as unknown as { __deep: (...p: string[]) => HTMLElement | null }).__deep;
        const button = deep(
            'c-calibration-dashboard',
            'c-segment-overview',
            `button[data-segment="${seg}"]`
        ) as HTMLButtonElement;
        // No named helper functions in here: tsx would wrap them in a helper the page does not have.
        const t0 = performance.now();
        button.click();
        let shown = '';
        for (let i = 0; i < 1000; i++) {
            shown =
                deep('c-calibration-dashboard', 'c-score-distribution-chart', 'svg')?.getAttribute(
                    'aria-label'
                ) ?? '';
            if (shown.startsWith(`${seg}:`)) break;
            await (i < 100 ? Promise.resolve() : new Promise((r) => setTimeout(r, 0)));
        }
        if (!shown.startsWith(`${seg}:`)) throw new Error(`the detail did not switch to ${seg}`);
        return performance.now() - t0;
    }, segment);
}

/** The widths leadership opens the page at: an app page on a desktop, a Home page column, the mobile app. */
const WIDTHS = [
    { name: 'desktop', width: 1280 },
    { name: 'narrow', width: 480 },
    { name: 'mobile', width: 375 }
];
const SCREENS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'dist', 'screens');

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
        await page.waitForFunction(
            () => (window as unknown as { __CHART_AT__: number | null }).__CHART_AT__ !== null,
            undefined,
            { timeout: 20000 }
        );

        await check('the page renders every section on the demo data, without page errors', async () => {
            assert.equal(await page.locator('table.overview tbody tr').count(), 4);
            for (const sel of [
                'c-segment-overview',
                'c-change-list',
                'c-pipeline-figures',
                'c-score-distribution-chart',
                'c-recommendation-panel',
                'c-threshold-scenarios',
                'c-band-table',
                'c-live-figures',
                'table.paths'
            ]) {
                assert.equal(await page.locator(sel).count(), 1, sel);
            }
            assert.match(
                (await page.locator('c-recommendation-panel .headline').textContent()) ?? '',
                /^Recommend 49$/
            );
            assert.deepEqual(errors, []);
        });
        await check('the chart draws a bar per band and both threshold markers', async () => {
            const bands = await page.locator('c-band-table tbody tr').count();
            assert.ok(bands >= 5, `bands ${bands}`);
            assert.equal(await page.locator('c-score-distribution-chart rect.bar_won').count(), bands);
            assert.equal(await page.locator('c-score-distribution-chart rect.bar_rejected').count(), bands);
            assert.equal(await page.locator('c-score-distribution-chart g.marker').count(), 2);
            const heights = await page
                .locator('c-score-distribution-chart rect.bar_won')
                .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
            assert.ok(Math.max(...heights) > 50, 'bars have height');
        });
        await check(
            'the overview draws every segment on the shared axis with its thresholds and status, and opens one on click',
            async () => {
                const cards = page.locator('c-segment-overview li');
                assert.equal(await cards.count(), 4);
                assert.deepEqual(await page.locator('c-segment-overview .name').allTextContents(), [
                    'Enterprise Inbound',
                    'Expansion',
                    'Outbound Assisted',
                    'SMB Inbound'
                ]);
                assert.match(
                    (await cards.nth(3).locator('.status').textContent()) ?? '',
                    /^Recommend 65 \(active 50\), pending review; pilot running$/
                );
                assert.match(
                    (await cards.nth(1).locator('.status').textContent()) ?? '',
                    /^Frozen until 2027-01-15/
                );
                assert.equal(await cards.nth(3).locator('g.marker').count(), 2);
                assert.ok((await cards.nth(0).locator('rect.bar_won').count()) >= 5);
                await open(page, 'SMB_Inbound');
                assert.match(
                    (await page.locator('c-recommendation-panel .headline').textContent()) ?? '',
                    /^Recommend 65$/
                );
                await open(page, 'Enterprise_Inbound');
            }
        );
        await check(
            'the live pipeline shows every segment in the org currency beside the prediction at the active threshold',
            async () => {
                const rows = page.locator('c-pipeline-figures tbody tr');
                assert.equal(await rows.count(), 4);
                const smb = await rows.nth(3).locator('td').allTextContents();
                assert.match(smb[0], /^\d{1,3}(,\d{3})*$/, `MQLs ${smb[0]}`);
                assert.match(smb[3], /^\$\d{1,3}(,\d{3})*$/, `pipeline ${smb[3]}`);
                assert.equal(smb[7], '50');
            }
        );
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
            assert.match(
                (await page.locator('c-pilot-comparison .verdict').textContent()) ?? '',
                /^Not yet conclusive: 5 of 6 weeks run/
            );
            assert.equal(await page.locator('c-pilot-comparison tbody tr').count(), 6);
            assert.match(
                (await page.locator('ul.governance').textContent()) ?? '',
                /Pending review \(new proposal/
            );
            await page.locator('select.segment-picker').selectOption('Expansion');
            assert.match(
                (await page.locator('ul.governance').textContent()) ?? '',
                /Frozen until 2027-01-15/
            );
            assert.deepEqual(errors, []);
        });

        mkdirSync(SCREENS, { recursive: true });
        for (const w of WIDTHS) {
            await check(
                `at ${w.name} width (${w.width} px) nothing overflows the page: wide tables scroll in their own box`,
                async () => {
                    await page.setViewportSize({ width: w.width, height: 900 });
                    await page.waitForTimeout(100);
                    const overflow = await page.evaluate(
                        () => document.documentElement.scrollWidth - window.innerWidth
                    );
                    assert.ok(overflow <= 0, `page is ${overflow} px wider than the viewport`);
                    // The small multiples stay legible: each chart at least 15rem (240 px) wide, or the full width.
                    const narrowest = Math.min(
                        ...(await page
                            .locator('c-segment-overview svg')
                            .evaluateAll((svgs) => svgs.map((e) => e.getBoundingClientRect().width)))
                    );
                    assert.ok(narrowest >= Math.min(220, w.width - 80), `a chart is ${narrowest} px wide`);
                    const file = path.join(SCREENS, `dashboard-${w.name}.png`);
                    await page.screenshot({ path: file, fullPage: true });
                    console.log(`screenshot ${path.relative(process.cwd(), file)}`);
                }
            );
        }
        await page.close();

        const big = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await big.addInitScript(INIT);
        // Build the 200,000-lead fixture first: that is the job's work, not the page's.
        await (
            await fetch(`${server.url}/fixtures.js`, { headers: { referer: `${server.url}/?leads=200000` } })
        ).text();
        await big.goto(`${server.url}/?leads=200000`);
        await big.waitForFunction(
            () => (window as unknown as { __CHART_AT__: number | null }).__CHART_AT__ !== null,
            undefined,
            { timeout: 30000 }
        );
        const leads = await big.evaluate(
            () => (window as unknown as { __FIXTURES__: { leads: number } }).__FIXTURES__.leads
        );
        figures.leads = leads;
        figures.interactiveMs = Math.round(
            await big.evaluate(() => (window as unknown as { __CHART_AT__: number }).__CHART_AT__)
        );
        figures.segments = await big.locator('c-segment-overview li').count();
        const switches: number[] = [];
        for (const seg of [
            'SMB_Inbound',
            'Outbound_Assisted',
            'Expansion',
            'Enterprise_Inbound',
            'SMB_Inbound'
        ]) {
            // A person's clicks are apart: let the previous switch's scroll and paint finish first.
            await big.waitForTimeout(100);
            switches.push(await open(big, seg));
        }
        figures.switchMsMax = Math.round(Math.max(...switches) * 10) / 10;
        const times: number[] = [];
        for (const v of [40, 55, 70, 85, 62]) times.push((await slide(big, v)).ms);
        figures.sliderMsMax = Math.round(Math.max(...times) * 10) / 10;
        // Speed is measured and printed here, against the targets (interactive within 1 s, switching and the slider
        // within 50 ms, worst of 5); the checks fail only at ten times a target, a sign of broken code rather than a
        // busy machine, so a loaded CI run does not fail on timing (the figures go in the closing line below).
        await check(
            `with run records from ${leads} leads in ${figures.segments} segments the page is interactive in ${figures.interactiveMs} ms (target 1 s)`,
            async () => {
                assert.ok(leads >= 200000);
                assert.equal(figures.segments, 4);
                assert.ok(figures.interactiveMs < 10_000);
            }
        );
        await check(`switching segments: worst of 5 ${figures.switchMsMax} ms (target 50 ms)`, async () => {
            assert.ok(figures.switchMsMax < 500);
        });
        await check(`the slider recomputes: worst of 5 ${figures.sliderMsMax} ms (target 50 ms)`, async () => {
            assert.ok(figures.sliderMsMax < 500);
        });
    } finally {
        await browser.close();
        await server.close();
    }
    for (const [name, ok, why] of results)
        console.log(`${ok ? 'ok    ' : 'FAIL  '}${name}${why ? ` — ${why}` : ''}`);
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
