/** `npm run clean`: deletes compiled LWC .js files that have a .ts source beside them (build outputs). */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { walk } from './checks/common';

const base = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'force-app', 'main', 'default', 'lwc');
let n = 0;
for (const js of walk(base, (f) => f.endsWith('.js'))) {
    if (existsSync(js.replace(/\.js$/, '.ts'))) {
        rmSync(js);
        n++;
    }
}
console.log(`Removed ${n} compiled file(s).`);
