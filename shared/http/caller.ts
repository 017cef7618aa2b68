/**
 * Who is calling, from the claims the JWT authorizer hands on. API Gateway passes every claim as
 * a string and an array claim as "[a b]"; the local runtime does the same, and tests may pass a
 * real array: all three forms are accepted (docs/architecture.md, "Gateway"). `phone_number`
 * (with `phone_number_verified`) and `custom:id_hash` are read for linked identities. Groups come from
 * `groups` and from `cognito:groups`, the claim a stock Cognito user pool issues (docs/deploy.md).
 */
import * as z from "../zod-mini.js";
import { type IdentityHashes, type TokenIdentities, claimOrAbsent, hasIdentities, hashIdentities, identitiesFromClaims } from "../domain/identity.js";
import { identityHashKey } from "../config.js";

export const OPERATORS_GROUP = "operators";
/** The group of merchants' tokens (on AWS a group of the same user pool as operators and residents). */
export const MERCHANTS_GROUP = "merchants";
/** The claim naming the merchant a merchant's token acts for (a custom attribute of the user pool). */
export const MERCHANT_ID_CLAIM = "custom:merchant_id";

export interface Caller {
  readonly sub: string;
  readonly groups: readonly string[];
  /** The verified phone number and id hash the token carries (linked identities), as values; absent: none. */
  readonly identities?: TokenIdentities;
  /** The merchant a token of the `merchants` group acts for (`custom:merchant_id`); absent on other tokens. */
  readonly merchantId?: string;
}

/** A caller of a merchant route: in the `merchants` group, with the merchant it acts for. */
export interface MerchantCaller extends Caller {
  readonly merchantId: string;
}

const groupsSchema = z.pipe(
  z.optional(z.union([z.array(z.string()), z.string()])),
  z.transform((value): string[] => {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    const trimmed = value.trim();
    const inner = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
    return inner.split(/[\s,]+/).filter((group) => group.length > 0);
  }),
);

/** Claims that carry groups: our own tokens' and a stock Cognito user pool's. */
const GROUP_CLAIMS = ["groups", "cognito:groups"] as const;

const claimsSchema = z.object({
  sub: z.string().check(z.minLength(1)),
  groups: groupsSchema,
  "cognito:groups": groupsSchema,
  // A malformed merchant id is no merchant id: the token then acts for no merchant (403 on merchant routes).
  [MERCHANT_ID_CLAIM]: claimOrAbsent(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/))),
});

/**
 * The caller named by authorizer claims, or undefined when there are none (a public route, or
 * claims without a subject).
 */
export function callerFromClaims(claims: unknown): Caller | undefined {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) return undefined;
  const groups = [...new Set(GROUP_CLAIMS.flatMap((claim) => parsed.data[claim]))];
  const identities = identitiesFromClaims(claims);
  const merchantId = parsed.data[MERCHANT_ID_CLAIM];
  return {
    sub: parsed.data.sub,
    groups,
    ...(hasIdentities(identities) ? { identities } : {}),
    ...(merchantId === undefined ? {} : { merchantId }),
  };
}

/** Whether the caller may use operator routes. */
export function isOperator(caller: Caller): boolean {
  return caller.groups.includes(OPERATORS_GROUP);
}

/** Whether the caller may use merchant routes: in the `merchants` group and naming its merchant. */
export function isMerchant(caller: Caller): caller is MerchantCaller {
  return caller.groups.includes(MERCHANTS_GROUP) && caller.merchantId !== undefined;
}

/**
 * The keyed hashes of the identities the caller's token carries, for linking; undefined when it
 * carries none (then no key is needed). The values themselves go no further than this.
 */
export function callerIdentityHashes(caller: Caller, key: () => string = identityHashKey): IdentityHashes | undefined {
  if (caller.identities === undefined || !hasIdentities(caller.identities)) return undefined;
  return hashIdentities(caller.identities, key());
}
