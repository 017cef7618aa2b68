/** POST /admin/partners/{id}/rotate-secret (operator) `{graceSeconds?}`: a new secret; earlier ones stay valid for the grace period (0 revokes them). */
import * as z from "../../shared/zod.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { rotatePartnerSecret } from "../../shared/use-cases/partners.js";
import { pathIdOf, registryDeps } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await rotatePartnerSecret({ ...registryDeps("partners", "audit"), partnerId: pathIdOf(event), operator: caller.sub, body: parseBody(event, z.unknown()) }),
  headers: { "cache-control": "no-store" },
}));
