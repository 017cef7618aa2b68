/** POST /admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout (operator): a FAILED payout is tried again. */
import { httpRoute } from "../../shared/http/route.js";
import { retryPayout } from "../../shared/use-cases/settlement-views.js";
import { db, now, sendPayout, statementPathOf, tables } from "./deps.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 202,
  body: await retryPayout({ db: db(), tables: tables("settlements", "audit"), key: statementPathOf(event), operator: caller.sub, now, sendPayout }),
}));
