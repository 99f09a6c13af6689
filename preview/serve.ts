/** `npm run preview`: builds the bundle if needed and serves the dashboard on 127.0.0.1 until stopped. */
import { buildPreview } from './build';
import { startPreviewServer } from './server';

async function main(): Promise<void> {
    const s = await buildPreview();
    if (s > 0) console.log(`Built the preview bundle in ${s.toFixed(1)} s.`);
    const { url } = await startPreviewServer();
    console.log(`Dashboard preview on the demo org: ${url}/  (a larger org: ${url}/?leads=50000). Ctrl-C to stop.`);
}

main();
