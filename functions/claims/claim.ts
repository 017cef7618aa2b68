/**
 * POST /campaigns/{id}/drops/{dropId}/claims (resident). With an Idempotency-Key a replay by the
 * same person gets the same voucher for 24 h (shared/use-cases/claim-idempotency.ts): one still
 * running answers 409 IDEMPOTENCY_IN_PROGRESS, the key with another request 422
 * IDEMPOTENCY_KEY_REUSED.
 */
import { claimBodySchema, claimPathSchema, idempotencyKeyHeaderSchema } from "../../shared/api/claim-request.js";
import { claimCampaignCacheMs, claimCampaignCopies } from "../../shared/config.js";
import { dependenciesFor } from "../../shared/dependencies.js";
import { callerIdentityHashes } from "../../shared/http/caller.js";
// The untraced adapter: this bundle relies on Lambda active tracing (shared/observability/tracing.ts).
import { httpRoute, parseBody, parseWith } from "../../shared/http/route.js";
import { countClaim } from "../../shared/observability/business-metrics.js";
import { CLAIM_SOLD_OUT_CACHE_MS, ClaimCaches } from "../../shared/use-cases/claim.js";
import { claimOnce } from "../../shared/use-cases/claim-idempotency.js";
import { claimVoucherFunction } from "../../shared/wiring/claim-function.js";

// What this instance remembers between claims (the campaign, sold-out drops, empty shards), and
// how many of the campaign's read copies it reads from under a drop plan.
const caches = new ClaimCaches({ campaignTtlMs: claimCampaignCacheMs(), soldOutTtlMs: CLAIM_SOLD_OUT_CACHE_MS, campaignCopies: claimCampaignCopies() });

export const handler = httpRoute("resident", async ({ event, caller, context }) => {
  const path = parseWith(claimPathSchema, event.pathParameters, "path");
  const { voucherTypeId } = parseBody(event, claimBodySchema);
  const key = parseWith(idempotencyKeyHeaderSchema, event.headers["idempotency-key"], "Idempotency-Key header");
  const deps = { ...dependenciesFor(claimVoucherFunction), caches, random: Math.random };
  // The token's `sub` is the resident's id; its phone number and id hash say which person it is.
  const identities = callerIdentityHashes(caller);
  const request = {
    residentId: caller.sub,
    campaignId: path.id,
    dropId: path.dropId,
    voucherTypeId,
    ...(identities === undefined ? {} : { identities }),
    ...(key === undefined ? {} : { idempotencyKey: key }),
  };
  return { status: 201, body: await countClaim(claimOnce(request, deps, context)) };
});
