/**
 * Who is calling, from the claims the JWT authorizer hands on. API Gateway passes every claim as
 * a string and an array claim as "[a b]"; the local runtime does the same, and tests may pass a
 * real array: all three forms are accepted (docs/architecture.md, "Gateway"). Groups come from
 * `groups` and from `cognito:groups`, the claim a stock Cognito user pool issues (docs/deploy.md).
 */
import * as z from "../zod.js";

export const OPERATORS_GROUP = "operators";

export interface Caller {
  readonly sub: string;
  readonly groups: readonly string[];
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
  return { sub: parsed.data.sub, groups };
}

/** Whether the caller may use operator routes. */
export function isOperator(caller: Caller): boolean {
  return caller.groups.includes(OPERATORS_GROUP);
}
