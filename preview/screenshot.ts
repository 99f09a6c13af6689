/** `npm run screenshot -- <file.png> [--leads N]`: a full-page screenshot of the dashboard preview in headless Chromium. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPreview } from './build';
import { startPreviewServer } from './server';
import { launch } from './browser';

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { leads: { type: 'string' }, segment: { type: 'string', default: 'Enterprise_Inbound' } } });
    const file = path.resolve(positionals[0] ?? 'dashboard.png');
    await buildPreview();
    const server = await startPreviewServer();
    const browser = await launch();
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${server.url}/${values.leads ? `?leads=${values.leads}` : ''}`);
        await page.waitForSelector('c-score-distribution-chart rect.bar_won', { state: 'attached' });
        await page.evaluate((segment) => {
            // Synthetic shadow hides component internals from document queries: go through the shadowRoot.
            const picker = document.querySelector('c-calibration-dashboard')?.shadowRoot?.querySelector('select.segment-picker') as HTMLSelectElement | null;
            if (picker) {
                picker.value = segment;
                picker.dispatchEvent(new Event('change'));
            }
        }, values.segment);
        await page.waitForTimeout(300);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`Screenshot: ${path.relative(process.cwd(), file)}`);
    } finally {
        await browser.close();
        await server.close();
    }
}

main().catch((e) => {
    console.error(`Error: ${(e as Error).message.split('\n')[0]}`);
    process.exitCode = 1;
});
