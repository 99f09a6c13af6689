/**
 * Stores an sf CLI authorisation for an org from an access token, as `sf org login access-token` does, under
 * whatever HOME the caller gives this process — tests pass a temporary one, so real auth files are never touched.
 *   HOME=<tmp> SF_USE_GENERIC_UNIX_KEYCHAIN=true npx tsx test/salesforce/helpers/authorise.ts <instanceUrl> <token> <alias>
 */
import { AuthInfo, StateAggregator } from '@salesforce/core';

async function main(): Promise<void> {
    const [instanceUrl, accessToken, alias] = process.argv.slice(2);
    const auth = await AuthInfo.create({
        accessTokenOptions: { accessToken, instanceUrl, loginUrl: instanceUrl }
    });
    await auth.save();
    const state = await StateAggregator.getInstance();
    await state.aliases.setAndSave(alias, auth.getUsername()!);
    process.stdout.write(`${auth.getUsername()}\n`);
}

main().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
});
