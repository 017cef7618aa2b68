/**
 * How every Lambda bundle is built, shared by the CDK construct and the claims benchmark (which
 * measures the bundle exactly as it is deployed).
 */

/** Lets the bundle `require` Node built-ins from ESM (some dependencies still do). */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * Credential providers of the SDK's default chain that Lambda never reaches: a function always
 * finds its role's credentials in the environment, the chain's first provider, and the chain
 * imports the others only when it gets that far. Leaving them (and the SSO, STS and sign-in
 * clients they use) out of the bundle saves about 115 KB and the time to load them; anywhere
 * without environment credentials the import would fail loudly instead.
 */
export const UNREACHED_CREDENTIAL_PROVIDERS = [
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/nested-clients",
];
