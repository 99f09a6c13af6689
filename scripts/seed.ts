/**
 * `npm run seed -- --target-org <alias> [--score-field <api name>] [--grade-field <api name>] [--dry-run]`: the
 * explicit, separate step that creates the default custom metadata records (the four segments and the Default
 * setting) from data/seed/customMetadata. It reads first and never overwrites: records that exist are listed and left
 * alone; only missing ones are created. `--score-field` sets the Default setting's score field (a scratch org has no
 * Account Engagement, so no pi__score__c: seed it with `--score-field Lead_Score__c`, the scratch field);
 * `--grade-field` names the fit-grade field, which turns the A/B gate on (blank otherwise: not every org grades).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { connectFromEnv, connectTargetOrg, type SfConnection } from './salesforce/connection';
import { CalibrationJobError, PartialWriteError, UsageError } from './errors';
import { isEntryPoint } from './entryPoint';

const SEED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'seed', 'customMetadata');

interface SeedRecord {
    fullName: string;
    label: string;
    values: { field: string; value: unknown }[];
}

/** Reads the seed files (source format) into Metadata API records with typed values. */
export function readSeedRecords(dir = SEED_DIR): SeedRecord[] {
    const parser = new XMLParser({
        ignoreAttributes: false,
        parseTagValue: false,
        isArray: (n) => n === 'values'
    });
    return readdirSync(dir)
        .filter((f) => f.endsWith('.md-meta.xml'))
        .sort()
        .map((f) => {
            const doc = parser.parse(readFileSync(path.join(dir, f), 'utf8')).CustomMetadata;
            return {
                fullName: f.replace('.md-meta.xml', ''),
                label: String(doc.label),
                values: (doc.values ?? []).map(
                    (v: { field: string; value: { '#text'?: string; '@_xsi:type'?: string } }) => ({
                        field: v.field,
                        value: {
                            '@xsi:type': v.value['@_xsi:type'] ?? 'xsd:string',
                            '': String(v.value['#text'] ?? '')
                        }
                    })
                )
            };
        });
}

const SETTING = 'MQL_Calibration_Setting.Default';

/**
 * The seed records with the Default setting's `setting` field set to `value` (added when the seed leaves it blank);
 * the other records and values are returned as they were. Throws UsageError naming `flag` when `value` is not a
 * field API name.
 */
function withSettingField(records: SeedRecord[], setting: string, value: string, flag: string, example: string): SeedRecord[] {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value))
        throw new UsageError(`${flag}: "${value}" is not a field API name (e.g. ${example})`);
    const text = { field: setting, value: { '@xsi:type': 'xsd:string', '': value } };
    return records.map((r) =>
        r.fullName !== SETTING
            ? r
            : {
                  ...r,
                  values: r.values.some((v) => v.field === setting)
                      ? r.values.map((v) => (v.field === setting ? text : v))
                      : [...r.values, text]
              }
    );
}

/** The seed records with the Default setting's Score_Field__c set to `field` (see withSettingField). */
export function withScoreField(records: SeedRecord[], field: string): SeedRecord[] {
    return withSettingField(records, 'Score_Field__c', field, '--score-field', 'Lead_Score__c or pi__score__c');
}

/** The seed records with the Default setting's Grade_Field__c set to `field` (see withSettingField). */
export function withGradeField(records: SeedRecord[], field: string): SeedRecord[] {
    return withSettingField(records, 'Grade_Field__c', field, '--grade-field', 'pi__grade__c');
}

const USAGE = `Usage: npm run seed -- [--target-org <alias|username>] [options]

Creates the default custom metadata records (four segments, the Default setting) that are missing; never
overwrites a record that exists. Without --target-org, SF_ACCESS_TOKEN and SF_INSTANCE_URL name the org.

  -o, --target-org <alias>     an org the sf CLI has authorised
  --score-field <api name>     the Default setting's score field (default pi__score__c; a scratch org: Lead_Score__c)
  --grade-field <api name>     the Default setting's fit-grade field (e.g. pi__grade__c): turns the A/B gate on
  --dry-run                    list what exists and what would be created; write nothing
  -h, --help                   this text

Exit codes: 0 done; 1 org or write failure; 2 wrong command-line use.`;

/** The command line's flags; an unknown or malformed one is a UsageError (exit 2) naming it. */
function flags(): { 'target-org'?: string; 'score-field'?: string; 'grade-field'?: string; 'dry-run': boolean; help: boolean } {
    try {
        return parseArgs({
            options: {
                'target-org': { type: 'string', short: 'o' },
                'score-field': { type: 'string' },
                'grade-field': { type: 'string' },
                'dry-run': { type: 'boolean', default: false },
                help: { type: 'boolean', short: 'h', default: false }
            }
        }).values as ReturnType<typeof flags>;
    } catch (e) {
        // parseArgs's first line says what is wrong (an unknown option, a missing value).
        const first = (e as Error).message.split('\n')[0].replace(/\.$/, '');
        throw new UsageError(`${first}. See --help.`);
    }
}

/** Creates the missing records; returns which were created and which already existed (left untouched). */
export async function seed(
    conn: SfConnection,
    records: SeedRecord[],
    dryRun: boolean
): Promise<{ created: string[]; existing: string[] }> {
    const read = [
        await conn.metadata.read(
            'CustomMetadata',
            records.map((r) => r.fullName)
        )
    ].flat() as { fullName?: string }[];
    const existing = records.filter((_, i) => !!read[i]?.fullName).map((r) => r.fullName);
    const missing = records.filter((r) => !existing.includes(r.fullName));
    if (dryRun || missing.length === 0) return { created: [], existing };
    const results = [await conn.metadata.create('CustomMetadata', missing)].flat() as {
        fullName: string;
        success: boolean | string;
        errors?: { message: string } | { message: string }[];
    }[];
    const failures = results
        .filter((r) => !(r.success === true || r.success === 'true'))
        .map((r) => ({
            fullName: r.fullName,
            message: [r.errors ?? []]
                .flat()
                .map((e) => e.message)
                .join('; ')
        }));
    if (failures.length > 0) throw new PartialWriteError(failures);
    return { created: missing.map((r) => r.fullName), existing };
}

async function main(): Promise<number> {
    try {
        const values = flags();
        if (values.help) {
            console.log(USAGE);
            return 0;
        }
        // Checked before connecting: a bad flag costs no login and writes nothing.
        let records = readSeedRecords();
        if (values['score-field'] !== undefined) records = withScoreField(records, values['score-field']);
        if (values['grade-field'] !== undefined) records = withGradeField(records, values['grade-field']);
        const conn = values['target-org'] ? await connectTargetOrg(values['target-org']) : connectFromEnv();
        const r = await seed(conn, records, values['dry-run']);
        for (const n of r.existing) console.log(`exists, left as it is: ${n}`);
        for (const n of r.created) console.log(`created: ${n}`);
        if (values['dry-run'])
            console.log(`Dry run: would create ${records.length - r.existing.length} record(s).`);
        return 0;
    } catch (e) {
        console.error(`Error: ${(e as Error).message.split('\n')[0]}`);
        return e instanceof CalibrationJobError ? e.exitCode : 1;
    }
}

if (isEntryPoint(import.meta.url)) main().then((c) => (process.exitCode = c));
