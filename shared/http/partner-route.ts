/**
 * The adapter of partner-signed routes (`/partners/{partnerId}/…`). Before anything else it
 * checks `X-Voucher-Signature` over the raw body, as it arrived, against the partner's live
 * secrets; any failure (no header, a bad or stale signature, an unknown partner) is the same 401
 * and nothing else happens. Results and errors are mapped by the same code as every other route.
 *
 * A partner's secrets are cached per instance for at most {@link PARTNER_CACHE_MS}; a request that
 * fails against cached secrets older than {@link REFRESH_AFTER_MS} is checked once more against
 * fresh ones, so a rotation takes effect at once. Unknown partners are never cached.
 *
 * The bound on a revoked secret (a rotation with `graceSeconds: 0`): cached secrets are served
 * only while younger than {@link PARTNER_CACHE_MS}, counted from before the read that filled the
 * cache, and the default loader reads strongly consistent, so secrets read after the rotation
 * committed never include the revoked one. A revoked secret therefore verifies on no instance
 * for longer than 30 s after the rotation (docs/partners.md, "Revoking a secret").
 */
import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Context } from "aws-lambda";
import { documents } from "../clients.js";
import { tableName } from "../config.js";
import { partnerPathSchema } from "../api/parameters.js";
import { liveSecrets } from "../domain/partner.js";
import { SIGNATURE_HEADER, type SignatureVerification, verifySignature } from "../domain/signature.js";
import { UnauthorizedError } from "../errors.js";
import { logger } from "../logger.js";
import { publishMetrics } from "../observability/metrics.js";
import { traceInvocations } from "../observability/tracing.js";
import { type PartnerCredentials, loadPartnerCredentials } from "../use-cases/partners.js";
import { checkOrigin } from "./origin.js";
import { type HttpEvent, type HttpReply, type HttpResult, errorResult, toResult } from "./route.js";

/** Longest a partner's secrets are served from this instance's memory. */
export const PARTNER_CACHE_MS = 30_000;
/** Cached secrets at least this old are reloaded once when a signature does not match them. */
export const REFRESH_AFTER_MS = 1_000;
/** Partners remembered at once; beyond that the cache starts over. */
const MAX_CACHED_PARTNERS = 1_000;

export type PartnerLoader = (partnerId: string) => Promise<PartnerCredentials | undefined>;

export interface PartnerRequest {
  readonly event: HttpEvent;
  /** The partner whose signature verified; never its secrets. */
  readonly partner: { readonly id: string; readonly name: string };
  readonly requestId: string;
  readonly context: Context;
}

export interface PartnerRouteOptions {
  /** Reads a partner's credentials; by default from the `partners` table. */
  load?: PartnerLoader;
  now?: () => Date;
}


const refused = () => new UnauthorizedError("The request signature is missing, invalid or stale");

/**
 * Builds a Lambda handler for a partner-signed route. `run` sees only verified requests. The
 * unwrapped function is exposed as `.run` for tests.
 */
export function partnerRoute(run: (request: PartnerRequest) => HttpReply | Promise<HttpReply>, options: PartnerRouteOptions = {}) {
  const load = options.load ?? defaultLoader();
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, { loadedAt: number; value: Promise<PartnerCredentials | undefined> }>();

  const credentials = (partnerId: string, at: number, fresh: boolean): Promise<PartnerCredentials | undefined> => {
    const hit = cache.get(partnerId);
    if (!fresh && hit && at - hit.loadedAt < PARTNER_CACHE_MS && at >= hit.loadedAt) return hit.value;
    if (cache.size >= MAX_CACHED_PARTNERS) cache.clear();
    const value = load(partnerId);
    const entry = { loadedAt: at, value };
    cache.set(partnerId, entry);
    const forget = () => {
      if (cache.get(partnerId) === entry) cache.delete(partnerId);
    };
    value.then((found) => (found ? undefined : forget()), forget);
    return value;
  };

  const handle = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    try {
      // Before the signature: a request that bypassed CloudFront costs no partner lookup.
      checkOrigin(event.headers);
      const path = partnerPathSchema.safeParse(event.pathParameters ?? {});
      if (!path.success) throw refused();
      const partnerId = path.data.partnerId;
      const header = signatureHeader(event.headers);
      const rawBody = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64") : event.body;
      const at = now();

      const verify = (found: PartnerCredentials | undefined): SignatureVerification =>
        // An unknown partner is checked against no secrets: the same work, the same answer.
        verifySignature({ header, rawBody, secrets: found ? liveSecrets(found.secrets, at) : [], now: at });
      const hit = cache.get(partnerId);
      const servedFromCache = hit !== undefined && at.getTime() - hit.loadedAt < PARTNER_CACHE_MS && at.getTime() >= hit.loadedAt;
      let found = await credentials(partnerId, at.getTime(), false);
      let result = verify(found);
      if (!result.ok && result.reason === "mismatch" && servedFromCache && at.getTime() - hit.loadedAt >= REFRESH_AFTER_MS) {
        found = await credentials(partnerId, at.getTime(), true);
        result = verify(found);
      }
      const outcome = { found, result };
      if (!outcome.result.ok || !outcome.found) {
        // For the logs only: the caller gets the same 401 whatever the reason.
        logger.warn("partner request refused", { requestId, partnerId, reason: outcome.found ? (outcome.result.ok ? "ok" : outcome.result.reason) : "unknown partner" });
        throw refused();
      }
      return toResult(await run({ event, partner: outcome.found.partner, requestId, context }));
    } catch (error) {
      return errorResult(error, requestId);
    }
  };
  return Object.assign(middy(handle).use(injectLambdaContext(logger, { resetKeys: true })).use(publishMetrics()).use(traceInvocations()), { run: handle });
}

/** The signature header, whatever the case of its name (API Gateway lower-cases; tests may not). */
function signatureHeader(headers: HttpEvent["headers"] | undefined): string | undefined {
  if (!headers) return undefined;
  const direct = headers[SIGNATURE_HEADER];
  if (direct !== undefined) return direct;
  const name = Object.keys(headers).find((key) => key.toLowerCase() === SIGNATURE_HEADER);
  return name === undefined ? undefined : headers[name];
}

function defaultLoader(): PartnerLoader {
  return (partnerId) => loadPartnerCredentials({ db: documents(), tables: { partners: tableName("partners") } }, partnerId);
}
