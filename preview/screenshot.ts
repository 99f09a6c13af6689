/**
 * `npm run screenshot -- <file.png> [--leads N] [--segment NAME] [--width PX] [--height PX]`: a screenshot of the
 * dashboard preview in headless Chromium at a given width (1280 desktop app page, 480 a Home page column, 375 the
 * mobile app), the whole page unless --height cuts it to the top (the overview).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPreview } from './build';
import { startPreviewServer } from './server';
import { launch } from './browser';

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        allowPositionals: true,
        options: {
            leads: { type: 'string' },
            segment: { type: 'string', default: 'Enterprise_Inbound' },
            width: { type: 'string', default: '1280' },
            height: { type: 'string' }
        }
    });
    const file = path.resolve(positionals[0] ?? 'dashboard.png');
    const width = Number(values.width);
    const height = values.height ? Number(values.height) : null;
    if (
        !Number.isInteger(width) ||
        width < 320 ||
        (height !== null && (!Number.isInteger(height) || height < 200))
    )
        throw new Error('--width must be a whole number of pixels from 320, --height from 200');
    await buildPreview();
    const server = await startPreviewServer();
    const browser = await launch();
    try {
        const page = await browser.newPage({ viewport: { width, height: height ?? 900 } });
        await page.goto(`${server.url}/${values.leads ? `?leads=${values.leads}` : ''}`);
        await page.waitForSelector('c-score-distribution-chart rect.bar_won', { state: 'attached' });
        await page.evaluate((segment) => {
            // Synthetic shadow hides component internals from document queries: go through the shadowRoot.
            const picker = document
                .querySelector('c-calibration-dashboard')
                ?.shadowRoot?.querySelector('select.segment-picker') as HTMLSelectElement | null;
            if (picker) {
                picker.value = segment;
                picker.dispatchEvent(new Event('change'));
            }
        }, values.segment);
        await page.waitForTimeout(300);
        await page.screenshot({ path: file, fullPage: height === null });
        console.log(`Screenshot: ${path.relative(process.cwd(), file)} (${width} px wide)`);
    } finally {
        await browser.close();
        await server.close();
    }
}

main().catch((e) => {
    console.error(`Error: ${(e as Error).message.split('\n')[0]}`);
    process.exitCode = 1;
});
