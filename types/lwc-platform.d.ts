// Ambient declarations for platform modules that @salesforce/lightning-types does not declare (checked: 0.8.0
// has no lightning/graphql, lightning/navigation or @salesforce/schema). This file must stay a non-module:
// no top-level import or export.
/// <reference types="@salesforce/lightning-types" />

declare module 'lightning/graphql' {
    /** Tags a GraphQL document; the platform parses it at compile time. */
    export function gql(strings: TemplateStringsArray, ...values: unknown[]): unknown;
    /** The GraphQL wire adapter id. */
    export const graphql: any;
    export function refreshGraphQL(result: unknown): Promise<unknown>;
}

declare module 'lightning/navigation' {
    export const NavigationMixin: any;
}

declare module '@salesforce/user/Id' {
    const id: string;
    export default id;
}

declare module '*.html' {
    const template: any;
    export default template;
}

declare module '@salesforce/customPermission/*' {
    const enabled: boolean | undefined;
    export default enabled;
}
