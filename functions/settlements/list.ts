/** GET /admin/settlements?period= (operator): the statements of a period, a page at a time. */
import { settlementListQuerySchema } from "../../shared/api/settlement-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listStatements } from "../../shared/use-cases/settlement-views.js";
import { dependenciesOf } from "../../shared/dependencies.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await listStatements({ ...dependenciesOf("listSettlements"), query: parseWith(settlementListQuerySchema, event.queryStringParameters ?? {}, "query") }),
  headers: { "cache-control": "no-store" },
}));
