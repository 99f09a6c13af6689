/**
 * Check (f): every custom tab names a real tab style. The Metadata API schema types `motif` as a plain string,
 * so a made-up style (the tab once said `Custom62: Chart`; style 62 is the chalkboard) converts without
 * complaint and only the org refuses it. The styles are Salesforce's fixed set of 100 ("CustomNN: Name", as the
 * Setup tab-style picker and the sf CLI's tab generator list them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { walk, SOURCE_DIRS, type Problem } from './common';

/** Tab style names by number, 1-100. Spaces and case vary between Salesforce's own lists, so they are ignored. */
const MOTIF_NAMES = (
    'Heart,Fan,Sun,Hexagon,Leaf,Triangle,Square,Diamond,Lightning,Moon,' +
    'Star,Circle,Box,Hands,People,Bank,Sack,Form,Wrench,Airplane,' +
    'Computer,Telephone,Envelope,Building,Alarm clock,Flag,Laptop,Cell phone,PDA,Radar dish,' +
    'Car,Factory,Desk,Insect,Microphone,Train,Bridge,Camera,Telescope,Credit card,' +
    'Cash,Treasure chest,Jewel,Hammer,Ticket,Stamp,Knight,Trophy,CD/DVD,Big top,' +
    'Apple,Balls,Bell,Boat,Books,Bottle,Building Block,Caduceus,Can,Umbrella,' +
    'Castle,Chalkboard,Chip,Compass,Cup,Dice,Gears,Globe,Guitar,Handsaw,' +
    'Headset,Helicopter,Highway Sign,Hot Air Balloon,IP Phone,Keys,Locked,Map,Measuring Tape,Motorcycle,' +
    'Musical Note,Whistle,Pencil,Presenter,Real Estate Sign,Red Cross,Safe,Sailboat,Saxophone,Scales,' +
    'Shield,Ship,Shopping Cart,Stethoscope,Stopwatch,Street Sign,Thermometer,Truck,TV CRT,TV Widescreen'
).split(',');

const squash = (s: string): string => s.replace(/\s+/g, '').toLowerCase();

/** Why `motif` is not a real tab style, or null when it is one. */
export function motifProblem(motif: string): string | null {
    const m = /^Custom(\d{1,3}): (.+)$/.exec(motif);
    if (!m) return `motif "${motif}" is not of the form "CustomNN: Name"`;
    const n = Number(m[1]);
    const name = MOTIF_NAMES[n - 1];
    if (name === undefined) return `motif "${motif}": tab styles run from Custom1 to Custom100`;
    if (squash(name) !== squash(m[2]))
        return `motif "${motif}" is not a tab style: Custom${n} is "Custom${n}: ${name.replace(/ /g, '')}"`;
    return null;
}

/** Problems with the tab styles of every custom tab in the source. */
export function checkTabs(root: string): Problem[] {
    const problems: Problem[] = [];
    for (const dir of SOURCE_DIRS) {
        for (const file of walk(path.join(root, dir), (n) => n.endsWith('.tab-meta.xml'))) {
            const text = readFileSync(file, 'utf8');
            const m = /<motif>([^<]*)<\/motif>/.exec(text);
            if (!m) continue;
            const p = motifProblem(m[1]);
            if (p) problems.push({ file, line: text.slice(0, m.index).split('\n').length, message: p });
        }
    }
    return problems;
}
