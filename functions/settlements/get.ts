/** GET /admin/settlements/{campaignId}/{merchantId}/{period} (operator): one statement with its redemptions and reversals. */
import { httpRoute } from "../../shared/http/traced-route.js";
import { getStatement } from "../../shared/use-cases/settlement-views.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { statementPathOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await getStatement({ ...dependenciesOf("getSettlement"), key: statementPathOf(event) }),
  headers: { "cache-control": "no-store" },
}));
