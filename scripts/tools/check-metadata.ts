/**
 * `npm run check`: the offline metadata checks (run after `npm run build`). Prints one OK line per check, or one
 * line per problem, and exits 1 when any check finds one.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkXml } from './checks/xml';
import { checkLwc } from './checks/lwc';
import { checkConvert } from './checks/convert';
import { checkReferences } from './checks/references';
import { checkPermissionSets } from './checks/permissions';
import { checkTabs } from './checks/tabs';
import { checkJobAccess } from './checks/jobAccess';
import { checkDataPlan } from './checks/dataPlan';
import { checkFlows } from './checks/flows';
import { formatProblem, type Problem } from './checks/common';

async function main(): Promise<number> {
    const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
    const results: [string, Problem[]][] = [
        ['XML well-formed', checkXml(root)],
        ['LWC bundles compile', checkLwc(root)],
        ['converts to a metadata package without TypeScript or tests', (await checkConvert(root)).problems],
        ['cross-references hold', checkReferences(root)],
        ['tabs use real tab styles', checkTabs(root)],
        ['permission sets carry what their permissions depend on', checkPermissionSets(root)],
        ['job, viewer and admin sets grant what their users do, the job set no more', checkJobAccess(root)],
        ['the sample data plan loads as the scratch data set', checkDataPlan(root)],
        ['flows and validation rules match the Metadata API and name existing fields', checkFlows(root)]
    ];
    let failed = 0;
    for (const [name, problems] of results) {
        if (problems.length === 0) console.log(`OK   ${name}`);
        else {
            failed++;
            console.log(`FAIL ${name}`);
            for (const p of problems) console.log(`     ${formatProblem(p, root)}`);
        }
    }
    return failed > 0 ? 1 : 0;
}

main().then((c) => (process.exitCode = c));
