// ES modules have no `require.main === module`, and import.meta.main is too new (Node 24.2 and 22.18; not on 20,
// which the package still runs on). Node gives the entry module its real path, through any symbolic link, while
// process.argv[1] keeps the path as typed: a project reached through a link must still run its scripts, so both
// sides are compared as real paths.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the module whose `import.meta.url` is given is the script this process was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
    const entry = process.argv[1];
    if (!entry) return false;
    try {
        return realpathSync(entry) === fileURLToPath(moduleUrl);
    } catch {
        return false;
    }
}
