/**
 * Check (c): the source converts to a Metadata API package (SDR, honouring .forceignore), and the package holds no
 * TypeScript, tsconfig or test files — the compiled .js is what deploys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve';
import { walk, SOURCE_DIRS, type Problem } from './common';

export const EXPECTED_TYPES = ['CustomObject', 'PermissionSet', 'LightningComponentBundle', 'CustomTab', 'CustomApplication', 'FlexiPage', 'CustomPermission'];

export async function checkConvert(root: string): Promise<{ problems: Problem[]; files: string[]; types: string[] }> {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lsc-convert-'));
    const problems: Problem[] = [];
    try {
        const cs = ComponentSet.fromSource({ fsPaths: SOURCE_DIRS.map((d) => path.join(root, d)) });
        const types = [...new Set(cs.toArray().map((c) => c.type.name))].sort();
        await new MetadataConverter().convert(cs, 'metadata', { type: 'directory', outputDirectory: out, genUniqueDir: false });
        const files = walk(out, () => true).map((f) => path.relative(out, f));
        for (const f of files) {
            if (/\.ts$|tsconfig|__tests__|\.test\./.test(f)) problems.push({ file: path.join(root, 'force-app'), message: `the deployable package would contain ${f} (check .forceignore)` });
        }
        for (const t of EXPECTED_TYPES) if (!types.includes(t)) problems.push({ file: path.join(root, 'force-app'), message: `no ${t} in the converted package` });
        return { problems, files, types };
    } catch (e) {
        problems.push({ file: path.join(root, 'force-app'), message: `does not convert: ${(e as Error).message.split('\n')[0]}` });
        return { problems, files: [], types: [] };
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
}
