/**
 * Who is calling, from the claims the JWT authorizer hands on. API Gateway passes every claim as
 * a string and an array claim as "[a b]"; the local runtime does the same, and tests may pass a
 * real array: all three forms are accepted (docs/architecture.md, "Gateway"). `phone_number`
 * (with `phone_number_verified`) and `custom:id_hash` are read for linked identities. Groups come from
 * `groups` and from `cognito:groups`, the claim a stock Cognito user pool issues (docs/deploy.md).
 */
import * as z from "../zod.js";
import { type IdentityHashes, type TokenIdentities, hasIdentities, hashIdentities, identitiesFromClaims } from "../domain/identity.js";
import { identityHashKey } from "../config.js";

export const OPERATORS_GROUP = "operators";

export interface Caller {
  readonly sub: string;
  readonly groups: readonly string[];
  /** The verified phone number and id hash the token carries (linked identities), as values; absent: none. */
  readonly identities?: TokenIdentities;
}

const groupsSchema = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((value): string[] => {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    const trimmed = value.trim();
    const inner = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
    return inner.split(/[\s,]+/).filter((group) => group.length > 0);
  });

/** Claims that carry groups: our own tokens' and a stock Cognito user pool's. */
const GROUP_CLAIMS = ["groups", "cognito:groups"] as const;

const claimsSchema = z.object({
  sub: z.string().min(1),
  groups: groupsSchema,
  "cognito:groups": groupsSchema,
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
  return { sub: parsed.data.sub, groups, ...(hasIdentities(identities) ? { identities } : {}) };
}

/** Whether the caller may use operator routes. */
export function isOperator(caller: Caller): boolean {
  return caller.groups.includes(OPERATORS_GROUP);
}

/**
 * The keyed hashes of the identities the caller's token carries, for linking; undefined when it
 * carries none (then no key is needed). The values themselves go no further than this.
 */
export function callerIdentityHashes(caller: Caller, key: () => string = identityHashKey): IdentityHashes | undefined {
  if (caller.identities === undefined || !hasIdentities(caller.identities)) return undefined;
  return hashIdentities(caller.identities, key());
}
