/**
 * Who is calling, from the claims the JWT authorizer hands on. API Gateway passes every claim as
 * a string and an array claim as "[a b]"; the local runtime does the same, and tests may pass a
 * real array: all three forms are accepted (docs/architecture.md, "Gateway").
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

const claimsSchema = z.object({
  sub: z.string().min(1),
  groups: groupsSchema,
});

/**
 * The caller named by authorizer claims, or undefined when there are none (a public route, or
 * claims without a subject).
 */
export function callerFromClaims(claims: unknown): Caller | undefined {
  const parsed = claimsSchema.safeParse(claims);
  return parsed.success ? { sub: parsed.data.sub, groups: parsed.data.groups } : undefined;
}

/** Whether the caller may use operator routes. */
export function isOperator(caller: Caller): boolean {
  return caller.groups.includes(OPERATORS_GROUP);
}
