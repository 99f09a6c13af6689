/** Check (a): every XML file in the deployable source and the seed records is well-formed. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { walk, SOURCE_DIRS, type Problem } from './common';

export function checkXml(root: string): Problem[] {
    const problems: Problem[] = [];
    for (const dir of [...SOURCE_DIRS, 'data']) {
        for (const file of walk(path.join(root, dir), (n) => n.endsWith('.xml'))) {
            const result = XMLValidator.validate(readFileSync(file, 'utf8'));
            if (result !== true) problems.push({ file, line: result.err.line, message: `malformed XML: ${result.err.msg}` });
        }
    }
    return problems;
}
