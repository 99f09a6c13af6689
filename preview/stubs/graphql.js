// Preview stand-in for lightning/graphql (test code, not shipped): answers each of the dashboard's wires from the
// fixture data the preview server puts on window.__FIXTURES__, the same shapes the org's GraphQL returns. Wires are
// told apart by their operation name, as the documents name them.
export function gql(strings, ...values) {
    return strings.reduce((out, s, i) => out + s + (i < values.length ? values[i] : ''), '');
}

const ANSWERS = {
    latestRuns: 'latestRuns',
    runHistory: 'latestRuns',
    liveFigures: 'liveFigures',
    liveThresholds: 'thresholds',
    pipeline: 'pipeline'
};

export class graphql {
    constructor(dataCallback) {
        this.dataCallback = dataCallback;
    }
    connect() {}
    disconnect() {}
    update(config) {
        const fixtures = window.__FIXTURES__ || {};
        const query = config && typeof config.query === 'string' ? config.query : '';
        const name = (/query\s+(\w+)/.exec(query) || [])[1];
        if (!name) return; // a wire whose document is not built yet (the pipeline waits for the segments)
        const key = ANSWERS[name];
        const data = key ? fixtures[key] : undefined;
        const errors = data ? undefined : [{ message: `preview has no fixture for ${name}` }];
        Promise.resolve().then(() => this.dataCallback({ data, errors }));
    }
}
