/**
 * `npm run demo:export -- --out <dir>`: writes the embedded demo org as CSV exports (Lead.csv, Opportunity.csv,
 * LeadHistory.csv, API field names as headers, as `sf data export bulk` writes them) plus a settings file with the
 * demo's segments, so the CSV path can be tried, and checked, on the same data as --demo. With --new-install the
 * same org is written as it looks before the package's funnel fields were ever filled: no handoff date, snapshot,
 * rejection reason or first touch on any lead, the funnel kept in Status and its history, and settings naming the
 * statuses, so the job has to rebuild every handoff from LeadHistory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isEntryPoint } from './entryPoint';
import { demoOrg, DEMO_SCORE_FIELD } from './sources/demo';
import { statusPathOf, SYNTHETIC_STATUSES, type SyntheticOrg } from './synthetic/generator';
import {
    historyToRow,
    leadToRow,
    newInstallLeadRow,
    statusHistoryToRow,
    opportunityToRow,
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    HISTORY_FIELDS
} from './sources/salesforceRows';
import { CsvWriter } from './tools/csvWrite';
import { formatOverride, formatRule } from './config/settings';
import { defaultSettings } from '../force-app/main/default/lwc/calibrationEngine/calibrationEngine';

/**
 * Writes an org as Lead.csv, Opportunity.csv, LeadHistory.csv and settings.json (its segments) into `out`;
 * `newInstall` writes it with the package's funnel fields empty and the funnel in Status history instead.
 */
export async function exportOrg(
    org: SyntheticOrg,
    out: string,
    eol: '\n' | '\r\n' = '\n',
    newInstall = false
): Promise<void> {
    mkdirSync(out, { recursive: true });
    const overrideFields = [...new Set(org.policies.flatMap((p) => (p.overrides ?? []).map((o) => o.field)))];
    const lf = LEAD_FIELDS({
        scoreField: DEMO_SCORE_FIELD,
        gradeField: 'pi__grade__c',
        extra: overrideFields
    });
    const leads = new CsvWriter(path.join(out, 'Lead.csv'), [...lf.required, ...lf.optional], eol);
    for (const l of org.leads)
        await leads.write(
            newInstall
                ? newInstallLeadRow(l, DEMO_SCORE_FIELD, org.asOf, overrideFields)
                : leadToRow(l, DEMO_SCORE_FIELD, overrideFields)
        );
    await leads.close();
    const opps = new CsvWriter(
        path.join(out, 'Opportunity.csv'),
        [...OPPORTUNITY_FIELDS.required, ...OPPORTUNITY_FIELDS.optional],
        eol
    );
    for (const o of org.opportunities) await opps.write(opportunityToRow(o));
    await opps.close();
    const hist = new CsvWriter(
        path.join(out, 'LeadHistory.csv'),
        [...HISTORY_FIELDS.required, ...HISTORY_FIELDS.optional],
        eol
    );
    for (const h of org.scoreHistory) await hist.write(historyToRow(h, DEMO_SCORE_FIELD));
    if (newInstall)
        for (const l of org.leads)
            for (const h of statusPathOf(l, org.asOf).history) await hist.write(statusHistoryToRow(h));
    await hist.close();
    // The demo's segments are the engine's default rules; the export writes them out so the CSV run uses the same.
    const rules = defaultSettings().segmentRules;
    const settings = {
        scoreField: DEMO_SCORE_FIELD,
        gradeField: 'pi__grade__c',
        ...(newInstall ? { statuses: SYNTHETIC_STATUSES } : {}),
        segments: org.policies.map((p) => {
            const rule = rules.find((r) => r.segment === p.name);
            return {
                name: p.name,
                ...(rule ? { rule: formatRule(rule), order: rule.order } : {}),
                activeThreshold: p.activeThreshold,
                overrides: (p.overrides ?? []).map(formatOverride),
                ...(p.frozenUntil ? { frozenUntil: p.frozenUntil } : {})
            };
        }),
        ...(org.pilots.length > 0 ? { pilots: org.pilots } : {})
    };
    writeFileSync(path.join(out, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

/** A path as the user would type it: relative below the current folder, absolute elsewhere. */
function shown(p: string): string {
    const rel = path.relative(process.cwd(), p);
    return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            out: { type: 'string', default: 'demo-export' },
            crlf: { type: 'boolean', default: false },
            'new-install': { type: 'boolean', default: false }
        }
    });
    const out = path.resolve(values.out!);
    const org = demoOrg();
    await exportOrg(org, out, values.crlf ? '\r\n' : '\n', values['new-install']);
    const statusRows = values['new-install']
        ? org.leads.reduce((n, l) => n + statusPathOf(l, org.asOf).history.length, 0)
        : 0;
    process.stdout.write(
        `Wrote ${org.leads.length} leads, ${org.opportunities.length} opportunities and ${org.scoreHistory.length + statusRows} history rows to ${shown(out)}/\n` +
            `Try: npm run calibrate -- --leads ${values.out}/Lead.csv --opportunities ${values.out}/Opportunity.csv --lead-history ${values.out}/LeadHistory.csv --config ${values.out}/settings.json --as-of ${org.asOf}\n`
    );
}

if (isEntryPoint(import.meta.url)) {
    main().catch((e) => {
        process.stderr.write(`Error: ${(e as Error).message}\n`);
        process.exitCode = 1;
    });
}
