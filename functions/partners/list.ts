/** GET /admin/partners (operator): the registered partners, a page at a time, never a secret. */
import { partnerListQuerySchema } from "../../shared/api/registry-schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listPartners } from "../../shared/use-cases/partners.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await listPartners({ ...dependenciesOf("listPartners"), query: parseWith(partnerListQuerySchema, event.queryStringParameters ?? {}, "query") }),
  headers: { "cache-control": "no-store" },
}));
