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

declare module '@salesforce/i18n/locale' {
    /** The user's locale, e.g. en-US. */
    const locale: string;
    export default locale;
}

declare module '@salesforce/i18n/currency' {
    /** The user's currency ISO code; in a single-currency org, the org's. */
    const currency: string;
    export default currency;
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
