/** POST /admin/partners/{id}/rotate-secret (operator): a new secret; the old one stays valid for 24 h. */
import { httpRoute } from "../../shared/http/route.js";
import { rotatePartnerSecret } from "../../shared/operations/partners.js";
import { pathIdOf, registryDeps } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await rotatePartnerSecret({ ...registryDeps("partners", "audit"), partnerId: pathIdOf(event), operator: caller.sub }),
  headers: { "cache-control": "no-store" },
}));
