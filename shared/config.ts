/**
 * Configuration of a running handler, read from the environment and parsed with zod once.
 * Endpoints are set only where emulators stand in for AWS; names come from the wiring's
 * environment variables, which each function receives only for what it may touch.
 */
import { createHash } from "node:crypto";
import * as z from "./zod-mini.js";
import { bucketEnvVar, queueUrlEnvVar, tableEnvVar } from "./wiring/define.js";
import { ConfigurationError } from "./errors.js";
import { CAMPAIGN_COPIES, MAX_CAMPAIGN_COPIES } from "./domain/shard-plan.js";

// zod's URL, base64 and coercing number schemas, written with checks the claim handler's bundle
// holds anyway (its 300 KB budget, issue 16: about 4 KB less). They accept, refuse and hand on
// the same values as zod's (test/unit/zod-twins.test.ts).

/** zod's `url()`: trimmed, a URL `URL` can parse, tabs and line breaks dropped as its parser does. */
export const urlVariableSchema = z.pipe(
  z.string().check(z.trim(), z.refine((value) => URL.canParse(value), "Invalid URL")),
  z.transform((value) => value.replace(/[\t\n\r]/g, "")),
);

/** zod's `base64()`: padded base64 without whitespace, or nothing. */
export const base64VariableSchema = z.string().check(z.refine(isBase64, "Invalid base64-encoded string"));

function isBase64(text: string): boolean {
  if (text === "") return true;
  if (/\s/.test(text) || text.length % 4 !== 0) return false;
  try {
    atob(text);
    return true;
  } catch {
    return false;
  }
}

/** zod's `coerce.number()` for a variable: its text as a number, then `schema`. */
export function numberVariableSchema<S extends z.core.$ZodType<unknown, number>>(schema: S) {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((text) => Number(text)),
    ),
    schema,
  );
}

const emulatorSchema = z.object({
  name: z.string(),
  version: z.string(),
  endpoint: urlVariableSchema,
  pid: z.optional(z.int()),
});

const configSchema = z.object({
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
  VOUCHERS_DYNAMODB_ENDPOINT: z.optional(urlVariableSchema),
  VOUCHERS_SQS_ENDPOINT: z.optional(urlVariableSchema),
  /** The S3 endpoint where an emulator stands in for S3 (fauxqs locally); objects are then addressed by path. */
  VOUCHERS_S3_ENDPOINT: z.optional(urlVariableSchema),
  /**
   * The origin presigned URLs are made for, when callers reach the object store elsewhere than
   * the handlers do: locally the runtime's own origin plus `/object-store`, which passes requests
   * on to the emulator, so a browser on the console can upload without CORS.
   */
  VOUCHERS_S3_PUBLIC_ENDPOINT: z.optional(urlVariableSchema),
  /**
   * "true" in local development only: partners' payout URLs may then be plain http and loopback
   * (the simulator on this machine). On AWS payout URLs are https and public.
   */
  VOUCHERS_ALLOW_HTTP_PAYOUT_URLS: z.pipe(
    z._default(z.enum(["true", "false"]), "false"),
    z.transform((value) => value === "true"),
  ),
  /** The largest payment or refund amount partners may report, in fen (default ¥1,000,000). */
  VOUCHERS_MAX_PARTNER_AMOUNT: z.optional(numberVariableSchema(z.int().check(z.positive()))),
  /**
   * How long a claim function's instance keeps a campaign it read, in ms (default 1,000). A drop
   * plan raises it so that thousands of instances do not overrun the campaign's partition; a pause
   * then takes effect within this time (docs/runbook.md, drop day).
   */
  CLAIM_CAMPAIGN_CACHE_MS: z.optional(numberVariableSchema(z.int().check(z.minimum(1), z.maximum(60_000)))),
  /**
   * How many of a campaign's read copies a claim function's instances spread their campaign reads
   * over (1 to 128: MAX_CAMPAIGN_COPIES, shared/domain/shard-plan.ts); each reads a random one. A
   * drop plan sets it; unset, claims read the campaign's own partition.
   */
  CLAIM_CAMPAIGN_COPIES: z.optional(numberVariableSchema(z.int().check(z.minimum(1), z.maximum(MAX_CAMPAIGN_COPIES)))),
  /**
   * How many read copies the replicator (and `npm run campaign:copies`) keeps of each campaign (1
   * to 128; default 16: CAMPAIGN_COPIES). A drop plan sets it to the copies its claims read.
   */
  CAMPAIGN_COPIES: z.optional(numberVariableSchema(z.int().check(z.minimum(1), z.maximum(MAX_CAMPAIGN_COPIES)))),
  /** Payout URL of a partner registered without one; unset: `payoutUrl` is required. */
  VOUCHERS_DEFAULT_PAYOUT_URL: z.optional(urlVariableSchema),
  /**
   * The platform key of linked identities' keyed hashes (HMAC-SHA256 of phone numbers and id
   * hashes; docs/data-model.md). On AWS the stateful stack keeps it in Secrets Manager and hands it
   * only to the functions that read residents' tokens. Unset: the local development key, and only
   * where an emulator stands in for DynamoDB.
   */
  VOUCHERS_IDENTITY_HASH_KEY: z.optional(z.string().check(z.minLength(16))),
  /**
   * The KMS key (ARN) that wraps the data keys of buyers' encrypted fields (shared/field-encryption.ts).
   * On AWS the stateful stack declares it and hands it only to the functions that read or write
   * buyers' data.
   */
  VOUCHERS_BUYER_DATA_KEY_ARN: z.optional(z.string().check(z.startsWith("arn:"))),
  /**
   * Outside AWS: the 32-byte AES key (base64) that wraps those data keys instead of KMS. Unset: the
   * local development key, and only where an emulator stands in for DynamoDB.
   */
  VOUCHERS_BUYER_DATA_KEY: z.optional(base64VariableSchema.check(z.refine((raw) => Buffer.from(raw, "base64").byteLength === 32, "must be 32 bytes in base64"))),
  /** JSON describing the emulators that stand in for AWS, reported by GET /admin/health. */
  VOUCHERS_EMULATORS: z.pipe(
    z.optional(z.string()),
    z.transform((raw, ctx) => {
      if (raw === undefined || raw === "") return undefined;
      const parsed = z.record(z.string(), emulatorSchema).safeParse(safeJson(raw));
      if (!parsed.success) {
        ctx.issues.push({ code: "custom", input: raw, message: `VOUCHERS_EMULATORS is not a valid description: ${parsed.error.message}` });
        return z.NEVER;
      }
      return parsed.data;
    }),
  ),
});

export type Config = z.infer<typeof configSchema>;
export type EmulatorDescription = z.infer<typeof emulatorSchema>;

let cached: Config | undefined;

/** The parsed configuration; throws ConfigurationError naming every bad variable. */
export function config(env: NodeJS.ProcessEnv = process.env): Config {
  if (env === process.env && cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigurationError(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  if (env === process.env) cached = parsed.data;
  return parsed.data;
}

/** The identity hash key of local development: public, so never used where DynamoDB is real AWS. */
export const LOCAL_IDENTITY_HASH_KEY = "local-identity-hash-key";

/** The platform key of identity hashes; throws ConfigurationError when unset outside local development. */
export function identityHashKey(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = config(env);
  if (parsed.VOUCHERS_IDENTITY_HASH_KEY !== undefined) return parsed.VOUCHERS_IDENTITY_HASH_KEY;
  if (parsed.VOUCHERS_DYNAMODB_ENDPOINT !== undefined) return LOCAL_IDENTITY_HASH_KEY;
  throw new ConfigurationError("VOUCHERS_IDENTITY_HASH_KEY is unset: linked identities cannot be hashed");
}

/**
 * The buyer-data key of local development: public (derived from a fixed phrase), so never used
 * where DynamoDB is real AWS.
 */
export const LOCAL_BUYER_DATA_KEY = createHash("sha256").update("vouchers local buyer-data key").digest();

/** Where the buyer-data key comes from: a KMS key on AWS, a raw AES key elsewhere. */
export type BuyerDataKeySource = { readonly kind: "kms"; readonly keyArn: string } | { readonly kind: "raw"; readonly key: Buffer };

/** The buyer-data key of this function; throws ConfigurationError when none is set outside local development. */
export function buyerDataKeySource(env: NodeJS.ProcessEnv = process.env): BuyerDataKeySource {
  const parsed = config(env);
  if (parsed.VOUCHERS_BUYER_DATA_KEY_ARN !== undefined) return { kind: "kms", keyArn: parsed.VOUCHERS_BUYER_DATA_KEY_ARN };
  if (parsed.VOUCHERS_BUYER_DATA_KEY !== undefined) return { kind: "raw", key: Buffer.from(parsed.VOUCHERS_BUYER_DATA_KEY, "base64") };
  if (parsed.VOUCHERS_DYNAMODB_ENDPOINT !== undefined) return { kind: "raw", key: LOCAL_BUYER_DATA_KEY };
  throw new ConfigurationError("neither VOUCHERS_BUYER_DATA_KEY_ARN nor VOUCHERS_BUYER_DATA_KEY is set: buyers' data cannot be encrypted");
}

/** How long a claim function's instance keeps a campaign it read, in ms. */
export function claimCampaignCacheMs(env: NodeJS.ProcessEnv = process.env): number {
  return config(env).CLAIM_CAMPAIGN_CACHE_MS ?? DEFAULT_CLAIM_CAMPAIGN_CACHE_MS;
}

/** How many read copies of a campaign the claim reads from (a random one each time), or undefined: the campaign itself. */
export function claimCampaignCopies(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return config(env).CLAIM_CAMPAIGN_COPIES;
}

/** How many read copies of each campaign the replicator keeps. */
export function campaignCopiesKept(env: NodeJS.ProcessEnv = process.env): number {
  return config(env).CAMPAIGN_COPIES ?? CAMPAIGN_COPIES;
}

/** A claim instance's campaign cache without a drop plan: a pause takes effect within a second. */
export const DEFAULT_CLAIM_CAMPAIGN_CACHE_MS = 1_000;

/** Physical name of a table this function was granted. */
export function tableName(table: string, env: NodeJS.ProcessEnv = process.env): string {
  return requiredName(tableEnvVar(table), `table ${table}`, env);
}

/** Physical name of a bucket this function was granted. */
export function bucketName(bucket: string, env: NodeJS.ProcessEnv = process.env): string {
  return requiredName(bucketEnvVar(bucket), `bucket ${bucket}`, env);
}

/** URL of a queue this function was granted. */
export function queueUrl(queue: string, env: NodeJS.ProcessEnv = process.env): string {
  return requiredName(queueUrlEnvVar(queue), `queue ${queue}`, env);
}

/** Every table (logical name → physical name) this function was handed. */
export function grantedTables(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return granted(env, /^VOUCHERS_TABLE_(.+)$/);
}

/** Every queue (logical name → URL) this function was handed. */
export function grantedQueues(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return granted(env, /^VOUCHERS_QUEUE_(.+)_URL$/);
}

/** Every dead-letter queue (logical name of its queue → URL) this function was handed. */
export function grantedDeadLetterQueues(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return granted(env, /^VOUCHERS_DEAD_LETTER_QUEUE_(.+)_URL$/);
}

/** Forget the parsed configuration; for tests that change the environment. */
export function resetConfig(): void {
  cached = undefined;
}

function requiredName(variable: string, what: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable];
  if (!value) throw new ConfigurationError(`${what} is not granted to this function (${variable} is unset)`);
  return value;
}

function granted(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = pattern.exec(key);
    if (match?.[1] && value) found[camelCase(match[1])] = value;
  }
  return found;
}

function camelCase(screaming: string): string {
  return screaming.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
