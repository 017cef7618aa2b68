/** POST /admin/partners (operator): a new partner; its signing secret is answered this once. */
import * as z from "../../shared/zod.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { registerPartner } from "../../shared/use-cases/partners.js";
import { partnerSettings, registryDeps } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 201,
  body: await registerPartner({
    ...registryDeps("partners", "audit"),
    body: parseBody(event, z.unknown()),
    operator: caller.sub,
    settings: partnerSettings(),
  }),
  headers: { "cache-control": "no-store" },
}));
