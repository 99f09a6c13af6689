import { LightningElement, api } from 'lwc';

/** One line of what changed: the segment it is about and the change in words. */
export interface Change {
    key: string;
    segment: string;
    text: string;
    /** 'approval' | 'rejection' | 'threshold' | 'recommendation' | 'trigger' */
    kind: string;
}

/** Presentational: what changed since the last run, one short line each, grouped by nothing (already in order). */
export default class ChangeList extends LightningElement {
    /** The changes, newest concern first; an empty list means nothing changed. */
    @api changes: Change[] | null = null;
    /** Why the changes could not be worked out. */
    @api error: string | null = null;

    get hasChanges(): boolean {
        return !this.error && (this.changes ?? []).length > 0;
    }

    get isEmpty(): boolean {
        return !this.error && this.changes !== null && this.changes.length === 0;
    }

    get items(): Record<string, string>[] {
        // The template drops whitespace between tags, so the space after the badge travels with the text.
        return (this.changes ?? []).map((c) => ({
            key: c.key,
            kind: c.kind,
            cls: `slds-badge kind kind_${c.kind}`,
            segment: ` ${c.segment.replace(/_/g, ' ')}`,
            text: `: ${c.text}`
        }));
    }
}
