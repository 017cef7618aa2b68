/** GET /admin/fraud/flags?status=&campaignId= (operator): the review queue, newest first, a page at a time. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { flagListQuerySchema } from "../../shared/api/fraud-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listFlags } from "../../shared/use-cases/fraud.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await listFlags({ ...dependenciesOf("listFraudFlags"), query: parseWith(flagListQuerySchema, event.queryStringParameters ?? {}, "query") }),
  headers: { "cache-control": "no-store" },
}));
