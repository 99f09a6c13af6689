// Preview stand-in for lightning/graphql (test code, not shipped): answers the dashboard's two wires from the
// fixture data the preview server puts on window.__FIXTURES__, the same shapes the org's GraphQL returns.
export function gql(strings) {
    return strings.join('');
}

export class graphql {
    constructor(dataCallback) {
        this.dataCallback = dataCallback;
    }
    connect() {}
    disconnect() {}
    update(config) {
        const fixtures = window.__FIXTURES__ || {};
        // Live aggregates have a rolling window; the run history is the run records themselves (one run so far).
        const data = config && config.variables && config.variables.since ? fixtures.liveFigures : fixtures.latestRuns;
        Promise.resolve().then(() => this.dataCallback({ data, errors: undefined }));
    }
}
