/**
 * How every Lambda bundle is built, shared by the CDK construct and the claims benchmark (which
 * measures the bundle exactly as it is deployed).
 */
import type { FunctionDeclaration } from "../../shared/wiring/types.js";

/** Lets the bundle `require` Node built-ins from ESM (some dependencies still do). */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * Credential providers of the SDK's default chain that Lambda never reaches: a function always
 * finds its role's credentials in the environment, the chain's first provider, and the chain
 * imports the others only when it gets that far (each with a dynamic `import()`). Leaving them
 * (and the SSO, STS and sign-in clients they use, and the container and instance-metadata
 * providers) out of the bundle saves about 125 KB and the time to load them; anywhere without
 * environment credentials the import would fail loudly instead.
 */
export const UNREACHED_CREDENTIAL_PROVIDERS = [
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/nested-clients",
  "@aws-sdk/credential-provider-http",
  "@smithy/credential-provider-imds",
];

/**
 * Parts of the SDK that its protocol layer imports with a dynamic `import()` only for operations
 * with event streams, which no DynamoDB or SQS call here makes (about 15 KB). The S3 client
 * imports them statically, so a function granted a bucket keeps them.
 */
export const UNREACHED_SDK_FEATURES = ["@smithy/core/event-streams"];

/**
 * What the bundle of a function with these grants leaves out. Each module is imported only
 * dynamically, on a path the function never takes (test/infra/bundles.test.ts checks that no
 * bundle imports one statically, which would fail every cold start).
 */
export function unreachedModules(declaration: Pick<FunctionDeclaration<string, string>, "entry" | "buckets">): string[] {
  const usesS3 = Object.keys(declaration.buckets ?? {}).length > 0;
  return usesS3 ? [...UNREACHED_CREDENTIAL_PROVIDERS] : [...UNREACHED_CREDENTIAL_PROVIDERS, ...UNREACHED_SDK_FEATURES];
}
