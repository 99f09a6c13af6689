/**
 * Check (d): cross-references hold. Every field a permission set or formula names exists; every custom metadata
 * record a formula names is among the seed records; every component a flexipage or tab places exists and is
 * exposed for that target; every tab, app and custom permission a permission set or app names exists.
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { walk, SOURCE_DIRS, type Problem } from './common';

/** Standard fields the package's metadata names; anything else must be defined in the source. */
export const STANDARD_FIELDS: Record<string, string[]> = {
    Lead: ['Id', 'Status', 'CreatedDate', 'IsConverted', 'ConvertedDate', 'ConvertedOpportunityId', 'LeadSource', 'NumberOfEmployees', 'OwnerId'],
    Opportunity: ['Id', 'Amount', 'IsWon', 'IsClosed', 'CloseDate', 'StageName']
};
const STANDARD_OBJECTS = ['Lead', 'Opportunity', 'Account', 'Contact'];

function all(re: RegExp, text: string): RegExpExecArray[] {
    return [...text.matchAll(new RegExp(re.source, 'g'))];
}

function lineOf(text: string, index: number): number {
    return text.slice(0, index).split('\n').length;
}

export function checkReferences(root: string): Problem[] {
    const problems: Problem[] = [];
    const fields = new Set<string>();
    const objects = new Set<string>(STANDARD_OBJECTS);
    for (const [o, fs] of Object.entries(STANDARD_FIELDS)) for (const f of fs) fields.add(`${o}.${f}`);
    for (const dir of SOURCE_DIRS) {
        const objDir = path.join(root, dir, 'main', 'default', 'objects');
        if (!existsSync(objDir)) continue;
        for (const o of readdirSync(objDir)) {
            objects.add(o);
            const fdir = path.join(objDir, o, 'fields');
            if (existsSync(fdir)) for (const f of readdirSync(fdir)) fields.add(`${o}.${f.replace('.field-meta.xml', '')}`);
        }
    }
    const base = path.join(root, 'force-app', 'main', 'default');
    const names = (sub: string, suffix: string) => new Set((existsSync(path.join(base, sub)) ? readdirSync(path.join(base, sub)) : []).map((f) => f.replace(suffix, '')));
    const tabs = names('tabs', '.tab-meta.xml');
    const apps = names('applications', '.app-meta.xml');
    const customPerms = names('customPermissions', '.customPermission-meta.xml');
    const seeds = new Set((existsSync(path.join(root, 'data', 'seed', 'customMetadata')) ? readdirSync(path.join(root, 'data', 'seed', 'customMetadata')) : []).map((f) => f.replace('.md-meta.xml', '')));

    for (const file of walk(path.join(base, 'permissionsets'), (n) => n.endsWith('.permissionset-meta.xml'))) {
        const text = readFileSync(file, 'utf8');
        for (const m of all(/<field>([^<]+)<\/field>/, text)) if (!fields.has(m[1])) problems.push({ file, line: lineOf(text, m.index!), message: `field ${m[1]} does not exist` });
        for (const m of all(/<object>([^<]+)<\/object>/, text)) if (!objects.has(m[1])) problems.push({ file, line: lineOf(text, m.index!), message: `object ${m[1]} does not exist` });
        for (const m of all(/<tab>([^<]+)<\/tab>/, text)) if (!tabs.has(m[1]) && !m[1].startsWith('standard-')) problems.push({ file, line: lineOf(text, m.index!), message: `tab ${m[1]} does not exist` });
        for (const m of all(/<application>([^<]+)<\/application>/, text)) if (!apps.has(m[1])) problems.push({ file, line: lineOf(text, m.index!), message: `app ${m[1]} does not exist` });
        for (const m of all(/<customPermissions>\s*<enabled>\w+<\/enabled>\s*<name>([^<]+)<\/name>/, text)) if (!customPerms.has(m[1])) problems.push({ file, line: lineOf(text, m.index!), message: `custom permission ${m[1]} does not exist` });
    }

    for (const dir of SOURCE_DIRS) {
        for (const file of walk(path.join(root, dir), (n) => n.endsWith('.field-meta.xml'))) {
            const text = readFileSync(file, 'utf8');
            const formula = /<formula>([\s\S]*?)<\/formula>/.exec(text);
            if (!formula) continue;
            const object = path.basename(path.dirname(path.dirname(file)));
            const body = formula[1].replace(/&quot;[^&]*&quot;/g, '""');
            for (const m of all(/\$CustomMetadata\.(\w+)\.(\w+)\.(\w+)/, body)) {
                const [, type, record, field] = m;
                if (!fields.has(`${type}.${field}`)) problems.push({ file, message: `formula names ${type}.${field}, which does not exist` });
                if (!seeds.has(`${type.replace(/__mdt$/, '')}.${record}`)) problems.push({ file, message: `formula names the record ${type}.${record}, which the seed records (data/seed/customMetadata) do not create` });
            }
            const plain = body.replace(/\$CustomMetadata\.[\w.]+/g, '');
            for (const m of all(/\b([A-Za-z][A-Za-z0-9_]*__c|NumberOfEmployees|LeadSource|Status|IsConverted)\b/, plain)) {
                if (!fields.has(`${object}.${m[1]}`)) problems.push({ file, message: `formula names ${object}.${m[1]}, which does not exist` });
            }
        }
    }

    const lwcBase = path.join(base, 'lwc');
    const exposedFor = (component: string, target: string): string | null => {
        const meta = path.join(lwcBase, component, `${component}.js-meta.xml`);
        if (!existsSync(meta)) return `component c:${component} does not exist`;
        const text = readFileSync(meta, 'utf8');
        if (!/<isExposed>true<\/isExposed>/.test(text)) return `component c:${component} is not exposed`;
        if (!text.includes(`<target>${target}</target>`)) return `component c:${component} is not exposed for ${target}`;
        return null;
    };
    const PAGE_TARGET: Record<string, string> = { AppPage: 'lightning__AppPage', HomePage: 'lightning__HomePage', RecordPage: 'lightning__RecordPage' };
    for (const file of walk(path.join(base, 'flexipages'), (n) => n.endsWith('.flexipage-meta.xml'))) {
        const text = readFileSync(file, 'utf8');
        const type = /<type>(AppPage|HomePage|RecordPage)<\/type>\s*<\/FlexiPage>/.exec(text)?.[1] ?? 'AppPage';
        for (const m of all(/<componentName>c:(\w+)<\/componentName>/, text)) {
            const p = exposedFor(m[1], PAGE_TARGET[type]);
            if (p) problems.push({ file, line: lineOf(text, m.index!), message: p });
        }
    }
    for (const file of walk(path.join(base, 'tabs'), (n) => n.endsWith('.tab-meta.xml'))) {
        const text = readFileSync(file, 'utf8');
        const c = /<lwcComponent>(\w+)<\/lwcComponent>/.exec(text);
        if (c) {
            const p = exposedFor(c[1], 'lightning__Tab');
            if (p) problems.push({ file, message: p });
        }
    }
    for (const file of walk(path.join(base, 'applications'), (n) => n.endsWith('.app-meta.xml'))) {
        const text = readFileSync(file, 'utf8');
        for (const m of all(/<tabs>([^<]+)<\/tabs>/, text)) if (!tabs.has(m[1]) && !m[1].startsWith('standard-')) problems.push({ file, line: lineOf(text, m.index!), message: `tab ${m[1]} does not exist` });
    }
    return problems;
}
