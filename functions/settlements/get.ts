/** GET /admin/settlements/{campaignId}/{merchantId}/{period} (operator): one statement with its redemptions and reversals. */
import { httpRoute } from "../../shared/http/route.js";
import { getStatement } from "../../shared/use-cases/settlement-views.js";
import { db, statementPathOf, tables } from "./deps.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await getStatement({ db: db(), tables: tables("settlements"), key: statementPathOf(event) }),
  headers: { "cache-control": "no-store" },
}));
