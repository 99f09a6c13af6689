import { pipelineVariables, toHistory, toLiveFigures, toPipeline, toThresholds } from 'c/calibrationQueries';

// Shapes follow the UI API GraphQL answers (uiapi.aggregate.<alias>.edges[].node.aggregate, uiapi.query.<Object>.edges[].node).
const count = (n: number) => ({ edges: [{ node: { aggregate: { Id: { count: { value: n } } } } }] });
const groups = (field: string, rows: [string | null, number][]) => ({
    edges: rows.map(([k, n]) => ({
        node: { aggregate: { [field]: { value: k }, Id: { count: { value: n } } } }
    }))
});

describe('calibrationQueries mappers', () => {
    it('takes the 90-day handoff total from the ungrouped count, not from the sum of the groups the page received', () => {
        // Twelve lead sources exist but only ten groups came back: the groups sum to 100, the org holds 130.
        const bySource = groups(
            'LeadSource',
            Array.from({ length: 10 }, (_, i) => [`Source ${i}`, 10])
        );
        const figures = toLiveFigures({
            uiapi: {
                aggregate: {
                    handoffs90: count(130),
                    thisMonth: count(40),
                    rejected90: count(26),
                    bySource,
                    sqlBySource: groups('LeadSource', []),
                    reasons: groups('Rejection_Reason__c', [['Wrong title', 20]])
                }
            }
        });
        expect(figures.handoffs90).toBe(130);
        expect(figures.rejectionRate90).toBeCloseTo(0.2, 10);
        // Reason shares are of all rejections (26), not of the groups listed (20).
        expect(figures.reasons[0].share).toBeCloseTo(20 / 26, 10);
    });

    it('orders the run history oldest first for display after reading the newest runs first', () => {
        const node = (Id: string, asOf: string) => ({
            Id,
            Segment__c: { value: 'SMB_Inbound' },
            As_Of__c: { value: asOf },
            Run_At__c: { value: `${asOf}T02:00:00.000Z` }
        });
        const history = toHistory({
            uiapi: {
                query: {
                    MQL_Calibration_Run__c: {
                        edges: [
                            { node: node('c', '2026-10-31') },
                            { node: node('b', '2026-09-30') },
                            { node: node('a', '2026-08-31') }
                        ]
                    }
                }
            }
        });
        expect(history.map((h) => h.asOf)).toEqual(['2026-08-31', '2026-09-30', '2026-10-31']);
    });

    it('maps the live custom metadata records by segment, with the record id for Setup', () => {
        const live = toThresholds({
            uiapi: {
                query: {
                    MQL_Threshold__mdt: {
                        edges: [
                            {
                                node: {
                                    Id: 'm0A000000000001AAA',
                                    DeveloperName: { value: 'SMB_Inbound' },
                                    Active_Threshold__c: { value: 65 },
                                    Recommended_Threshold__c: { value: 65 },
                                    Recommended_Low__c: { value: 62 },
                                    Recommended_High__c: { value: 68 },
                                    Recommendation_Status__c: { value: 'Approved' },
                                    Recommendation_Reason__c: { value: 'recommended' },
                                    Rationale__c: { value: 'Leads at 65+ were rejected 9% of the time.' },
                                    Recommended_On__c: { value: '2026-10-31T02:00:00.000Z' },
                                    Frozen_Until__c: { value: '2027-01-29' }
                                }
                            }
                        ]
                    }
                }
            }
        });
        expect(live.get('SMB_Inbound')).toEqual({
            id: 'm0A000000000001AAA',
            segment: 'SMB_Inbound',
            activeThreshold: 65,
            recommendedThreshold: 65,
            range: [62, 68],
            status: 'Approved',
            reason: 'recommended',
            rationale: 'Leads at 65+ were rejected 9% of the time.',
            recommendedOn: '2026-10-31T02:00:00.000Z',
            frozenUntil: '2027-01-29'
        });
    });

    it('fills five segment slots for the pipeline and leaves the rest unread, never matching a real segment', () => {
        const vars = pipelineVariables(['A', 'B', 'C', 'D', 'E', 'F'], '2026-08-02T00:00:00.000Z');
        expect(vars).toEqual({
            since: '2026-08-02T00:00:00.000Z',
            s1: 'A',
            s2: 'B',
            s3: 'C',
            s4: 'D',
            s5: 'E'
        });
        expect(pipelineVariables(['A'], 'x').s2).toBe('(none)');
    });

    it('adds the won and open groups of each slot into opportunities, pipeline and won revenue', () => {
        const group = (won: boolean, n: number, amount: number | null) => ({
            node: {
                aggregate: {
                    IsWon: { value: won },
                    Id: { count: { value: n } },
                    Amount: { sum: { value: amount } }
                }
            }
        });
        const rows = toPipeline(
            {
                uiapi: {
                    aggregate: {
                        mqls1: count(120),
                        opps1: { edges: [group(false, 30, 90000), group(true, 6, 42000)] },
                        mqls2: count(0),
                        opps2: { edges: [group(false, 2, null)] }
                    }
                }
            },
            ['SMB_Inbound', 'Expansion']
        );
        expect(rows).toEqual([
            {
                segment: 'SMB_Inbound',
                mqls: 120,
                opportunities: 36,
                pipelineAmount: 132000,
                won: 6,
                wonAmount: 42000
            },
            { segment: 'Expansion', mqls: 0, opportunities: 2, pipelineAmount: 0, won: 0, wonAmount: 0 }
        ]);
    });
});
