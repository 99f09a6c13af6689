/**
 * The dashboard's GraphQL documents against the UI API GraphQL schema an org serves (../shared/schemas/, extended
 * with this project's objects and fields in that schema's own patterns): every document must be one the org accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentsIn, projectSchema, validateDocument } from './graphqlCheck';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REFERENCE = readFileSync(
    path.resolve(ROOT, '..', 'shared', 'schemas', 'salesforce-uiapi-schema.graphql'),
    'utf8'
);
const QUERIES = readFileSync(
    path.join(ROOT, 'force-app', 'main', 'default', 'lwc', 'calibrationQueries', 'calibrationQueries.ts'),
    'utf8'
);
const schema = projectSchema(ROOT, REFERENCE);

test('every GraphQL document of the dashboard is valid against the UI API schema', () => {
    const docs = documentsIn(QUERIES);
    assert.deepEqual(docs.map((d) => d.name).sort(), [
        'LATEST_RUNS_QUERY',
        'LIVE_FIGURES_QUERY',
        'PIPELINE_QUERY',
        'RUN_HISTORY_QUERY',
        'THRESHOLDS_QUERY'
    ]);
    for (const d of docs) assert.deepEqual(validateDocument(schema, d.text), [], d.name);
});

test('no request holds more than the ten subqueries the UI API allows', () => {
    for (const d of documentsIn(QUERIES)) {
        const subqueries = (d.text.match(/^\s{16}\w+(: \w+)?\(/gm) ?? []).length;
        assert.ok(subqueries >= 1 && subqueries <= 10, `${d.name}: ${subqueries} subqueries`);
    }
});

test('the check refuses what an org refuses: unknown fields, a number grouped, a wrong variable type, a leaf selected into', () => {
    const problems = validateDocument(
        schema,
        `query bad($since: Date, $unused: String) {
            uiapi {
                query { MQL_Threshold__mdt(first: 10) { edges { node { Id Bogus__c { value } DeveloperName } } } }
                aggregate {
                    byActive: MQL_Threshold__mdt(groupBy: { Active_Threshold__c: { group: true } }, first: 10) { edges { node { aggregate { Id { count { value } } } } } }
                    bySegment: Lead(where: { Handoff_Date__c: { gte: { value: $since } } }, groupBy: { MQL_Segment__c: { group: true } }) { edges { node { aggregate { Id { count { value } } } } } }
                    ordered: Lead(orderBy: { Handoff_Date__c: { order: UP } }) { edges { node { aggregate { Id { count { value { x } } } } } } }
                }
            }
        }`
    );
    assert.deepEqual(problems, [
        'query.uiapi.query.MQL_Threshold__mdt.edges.node.Bogus__c: MQL_Threshold__mdt has no field Bogus__c',
        'query.uiapi.query.MQL_Threshold__mdt.edges.node.DeveloperName: StringValue needs a selection',
        'query.uiapi.aggregate.byActive(groupBy): MQL_Threshold__mdt_GroupBy has no field Active_Threshold__c',
        'query.uiapi.aggregate.bySegment(where).Handoff_Date__c.gte.value: $since is Date, expected DateTime',
        'query.uiapi.aggregate.bySegment(groupBy): Lead_GroupBy has no field MQL_Segment__c',
        'query.uiapi.aggregate.bySegment: a grouped aggregate must ask for all its groups (first); it returns 10 otherwise',
        'query.uiapi.aggregate.ordered(orderBy).Handoff_Date__c.order: "UP" is not a ResultOrder',
        'query.uiapi.aggregate.ordered.edges.node.aggregate.Id.count.value: Long is a leaf and takes no selection',
        'variable $unused is declared but never used'
    ]);
});

test('a record query without first is refused, since the connection would return 10 records', () => {
    assert.deepEqual(
        validateDocument(
            schema,
            'query q { uiapi { query { MQL_Calibration_Run__c { edges { node { Id } } } } } }'
        ),
        ['query.uiapi.query.MQL_Calibration_Run__c: a record query must say how many records (first)']
    );
});
