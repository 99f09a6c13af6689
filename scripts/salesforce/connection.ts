/**
 * Connections to an org: through the sf CLI's stored authorisation (@salesforce/core), or from an access token and
 * instance URL in the environment (for schedulers). Both give a jsforce connection; nothing here logs in with a
 * password.
 */
import { Connection } from 'jsforce';
import { NotAuthorisedError, UsageError } from '../errors';

/** The slice of a jsforce connection the job uses (satisfied by jsforce's and @salesforce/core's). */
export interface SfConnection {
    instanceUrl: string;
    accessToken?: string | null;
    version: string;
    query<T = Record<string, unknown>>(
        soql: string,
        options?: object
    ): Promise<{ records: T[]; done: boolean; nextRecordsUrl?: string; totalSize: number }>;
    queryMore<T = Record<string, unknown>>(
        locator: string
    ): Promise<{ records: T[]; done: boolean; nextRecordsUrl?: string; totalSize: number }>;
    request<T = unknown>(
        req: string | { method: string; url: string; body?: string; headers?: Record<string, string> }
    ): Promise<T>;
    describe(
        sobject: string
    ): Promise<{ fields: { name: string; type?: string; updateable?: boolean; createable?: boolean }[] }>;
    metadata: {
        read(type: string, fullNames: string[]): Promise<unknown>;
        upsert(type: string, metadata: object[]): Promise<unknown>;
        create(type: string, metadata: object[]): Promise<unknown>;
    };
}

export const DEFAULT_API_VERSION = '62.0';

/** The OAuth 2.0 callback jsforce calls to renew an expired session (a test or a scheduler can supply one). */
export type RefreshFn = (conn: unknown, cb: (err: Error | null, token?: string) => void) => void;

/**
 * A connection from the environment, for schedulers that hold a token rather than an sf CLI authorisation:
 * SF_ACCESS_TOKEN and SF_INSTANCE_URL (required), SF_API_VERSION (default DEFAULT_API_VERSION). With
 * SF_REFRESH_TOKEN and SF_CLIENT_ID (plus SF_CLIENT_SECRET and SF_LOGIN_URL when the connected app needs them)
 * an expired session is renewed through the OAuth refresh-token flow; `refreshFn` overrides that. Without
 * either, an expired session ends the run with INVALID_SESSION_ID.
 */
export function connectFromEnv(env: NodeJS.ProcessEnv = process.env, refreshFn?: RefreshFn): SfConnection {
    const accessToken = env.SF_ACCESS_TOKEN;
    const instanceUrl = env.SF_INSTANCE_URL;
    if (!accessToken || !instanceUrl)
        throw new UsageError(
            'SF_ACCESS_TOKEN and SF_INSTANCE_URL must both be set to connect without the sf CLI'
        );
    if (!!env.SF_REFRESH_TOKEN !== !!env.SF_CLIENT_ID)
        throw new UsageError(
            'SF_REFRESH_TOKEN and SF_CLIENT_ID go together: set both to let the job renew an expired session, or neither'
        );
    const oauth = env.SF_REFRESH_TOKEN
        ? {
              refreshToken: env.SF_REFRESH_TOKEN,
              oauth2: {
                  clientId: env.SF_CLIENT_ID,
                  ...(env.SF_CLIENT_SECRET ? { clientSecret: env.SF_CLIENT_SECRET } : {}),
                  loginUrl: env.SF_LOGIN_URL ?? instanceUrl
              }
          }
        : {};
    return new Connection({
        instanceUrl,
        accessToken,
        version: env.SF_API_VERSION ?? DEFAULT_API_VERSION,
        ...oauth,
        ...(refreshFn ? { refreshFn } : {})
    }) as unknown as SfConnection;
}

/**
 * A connection for an alias or username the sf CLI has authorised (`sf org login ...`). A name the CLI does not
 * know ends with one line naming it.
 */
export async function connectTargetOrg(aliasOrUsername: string): Promise<SfConnection> {
    const { Org, ConfigAggregator } = await import('@salesforce/core');
    try {
        await ConfigAggregator.create();
        const org = await Org.create({ aliasOrUsername });
        const conn = org.getConnection(DEFAULT_API_VERSION);
        return conn as unknown as SfConnection;
    } catch (e) {
        const err = e as Error & { name: string };
        throw new NotAuthorisedError(
            `--target-org ${aliasOrUsername}: not an org the sf CLI has authorised (${err.name}); run "sf org login web --alias ${aliasOrUsername}" or "sf org list"`
        );
    }
}
