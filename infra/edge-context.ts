/**
 * Deploy-time settings of issue 16's edge and stages, read from CDK context (docs/deploy.md,
 * "Context keys") and checked with zod before any stack is built: the deployment stage, the HTTP
 * API's per-route throttles, the web ACL's per-IP rate limits and partner IP ranges, and the
 * hosted sign-in domain of the stock user pool.
 */
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";

export const STAGE_CONTEXT = "vouchers:stage";
export const CLAIMS_RATE_CONTEXT = "vouchers:claimsRateLimit";
export const CLAIMS_BURST_CONTEXT = "vouchers:claimsBurstLimit";
export const PARTNER_RATE_CONTEXT = "vouchers:partnerRateLimit";
export const PARTNER_BURST_CONTEXT = "vouchers:partnerBurstLimit";
export const ADMIN_RATE_CONTEXT = "vouchers:adminRateLimit";
export const ADMIN_BURST_CONTEXT = "vouchers:adminBurstLimit";
export const WAF_CLAIMS_PER_IP_CONTEXT = "vouchers:wafClaimsPerIp";
export const WAF_PARTNER_PER_IP_CONTEXT = "vouchers:wafPartnerPerIp";
export const PARTNER_IP_RANGES_CONTEXT = "vouchers:partnerIpRanges";
export const AUTH_DOMAIN_PREFIX_CONTEXT = "vouchers:authDomainPrefix";

/** Requests per second (steady) and burst of one class of routes on the HTTP API's stage. */
export interface RouteThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * Defaults of the per-route throttles. Claims get most of the account's default 10,000 requests/s
 * (a drop is the one moment of load); partner webhooks their own share, so a drop cannot starve
 * payments; admin routes a little, so a runaway script cannot take the claims' share.
 */
export const DEFAULT_ROUTE_THROTTLES = {
  claims: { rateLimit: 5_000, burstLimit: 5_000 },
  partner: { rateLimit: 1_000, burstLimit: 2_000 },
  admin: { rateLimit: 100, burstLimit: 200 },
} as const satisfies Record<string, RouteThrottle>;

/**
 * Defaults of the web ACL's rate-based rules, requests per client IP per minute. Claims: a phone
 * retries a few times a second at most, but carriers put many phones behind one IPv4 address, so
 * the limit is generous. Partners send every payment of their merchants from a few addresses.
 */
export const DEFAULT_WAF_PER_IP = { claims: 300, partner: 6_000 } as const;

export interface EdgeContext {
  /** Absent: the production names and policies of today. */
  readonly stage?: string;
  readonly routeThrottles: { readonly claims: RouteThrottle; readonly partner: RouteThrottle; readonly admin: RouteThrottle };
  readonly wafPerIp: { readonly claims: number; readonly partner: number };
  /** CIDR ranges partner routes are restricted to; empty: partner routes open to any address. */
  readonly partnerIpRanges: readonly string[];
  readonly authDomainPrefix?: string;
}

/**
 * A whole number ≥ `least`, given as a number or as its text (`-c key=value` hands over text); not
 * `true`, a list or an empty string, which plain coercion would read as 1, 5 or 0.
 */
const count = (what: string, least?: { value: number; error: string }) =>
  z
    .union([z.number(), z.string().trim().min(1)], { error: `must be ${what}` })
    .pipe(
      z.coerce
        .number<string | number>({ error: `must be ${what}` })
        .int({ error: `must be ${what}` })
        .positive({ error: `must be ${what}` })
        .min(least?.value ?? 1, { error: least?.error ?? `must be ${what}` }),
    );
/** An address and a prefix length WAF's IP sets take (every range but /0); node:net knows the addresses. */
const cidr = z.string().refine(
  (value) => {
    const [address = "", prefix = "", ...rest] = value.split("/");
    const bits = isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
    return rest.length === 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= bits;
  },
  { error: "must list CIDR ranges, e.g. 203.0.113.0/24,2001:db8::/32" },
);

const WAF_LEAST = { value: 10, error: "must be at least 10 (WAF's lowest limit)" };

const edgeContextSchema = z.object({
  // Short: it prefixes stack, queue and API names, and SQS names hold at most 80 characters.
  [STAGE_CONTEXT]: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,9}$/, { error: "must be 1–10 lower-case letters or digits, starting with a letter (e.g. dev, alice)" })
    .optional(),
  [CLAIMS_RATE_CONTEXT]: count("requests per second").default(DEFAULT_ROUTE_THROTTLES.claims.rateLimit),
  [CLAIMS_BURST_CONTEXT]: count("a burst of requests").default(DEFAULT_ROUTE_THROTTLES.claims.burstLimit),
  [PARTNER_RATE_CONTEXT]: count("requests per second").default(DEFAULT_ROUTE_THROTTLES.partner.rateLimit),
  [PARTNER_BURST_CONTEXT]: count("a burst of requests").default(DEFAULT_ROUTE_THROTTLES.partner.burstLimit),
  [ADMIN_RATE_CONTEXT]: count("requests per second").default(DEFAULT_ROUTE_THROTTLES.admin.rateLimit),
  [ADMIN_BURST_CONTEXT]: count("a burst of requests").default(DEFAULT_ROUTE_THROTTLES.admin.burstLimit),
  // WAF takes 10 … 2,000,000,000 requests per evaluation window.
  [WAF_CLAIMS_PER_IP_CONTEXT]: count("requests per IP per minute", WAF_LEAST).default(DEFAULT_WAF_PER_IP.claims),
  [WAF_PARTNER_PER_IP_CONTEXT]: count("requests per IP per minute", WAF_LEAST).default(DEFAULT_WAF_PER_IP.partner),
  [PARTNER_IP_RANGES_CONTEXT]: z
    .union([z.string(), z.array(z.string())], { error: "must be a comma-separated list or a list of CIDR ranges" })
    .optional()
    .transform((value) =>
      (value === undefined ? [] : Array.isArray(value) ? value : value.split(",")).map((range) => range.trim()).filter((range) => range.length > 0),
    )
    .pipe(z.array(cidr)),
  // Cognito's rule for hosted UI prefixes; "aws", "amazon" and "cognito" are reserved words.
  [AUTH_DOMAIN_PREFIX_CONTEXT]: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { error: "must be lower-case letters, digits and hyphens (a Cognito domain prefix)" })
    .refine((prefix) => !/aws|amazon|cognito/.test(prefix), { error: "must not contain aws, amazon or cognito" })
    .optional(),
});

const KEYS = Object.keys(edgeContextSchema.shape) as (keyof typeof edgeContextSchema.shape)[];

/** Reads and checks the edge and stage context; throws one readable error naming every bad key. */
export function parseEdgeContext(read: (key: string) => unknown): EdgeContext {
  const result = edgeContextSchema.safeParse(Object.fromEntries(KEYS.map((key) => [key, read(key)])));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `- ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid CDK context:\n${problems.join("\n")}`);
  }
  const data = result.data;
  return {
    ...(data[STAGE_CONTEXT] !== undefined ? { stage: data[STAGE_CONTEXT] } : {}),
    routeThrottles: {
      claims: { rateLimit: data[CLAIMS_RATE_CONTEXT], burstLimit: data[CLAIMS_BURST_CONTEXT] },
      partner: { rateLimit: data[PARTNER_RATE_CONTEXT], burstLimit: data[PARTNER_BURST_CONTEXT] },
      admin: { rateLimit: data[ADMIN_RATE_CONTEXT], burstLimit: data[ADMIN_BURST_CONTEXT] },
    },
    wafPerIp: { claims: data[WAF_CLAIMS_PER_IP_CONTEXT], partner: data[WAF_PARTNER_PER_IP_CONTEXT] },
    partnerIpRanges: data[PARTNER_IP_RANGES_CONTEXT],
    ...(data[AUTH_DOMAIN_PREFIX_CONTEXT] !== undefined ? { authDomainPrefix: data[AUTH_DOMAIN_PREFIX_CONTEXT] } : {}),
  };
}
