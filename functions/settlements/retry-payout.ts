/** POST /admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout (operator): a FAILED payout is tried again. */
import { httpRoute } from "../../shared/http/traced-route.js";
import { retryPayout } from "../../shared/use-cases/settlement-views.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { sendPayout, statementPathOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 202,
  body: await retryPayout({ ...dependenciesOf("retryPayout"), key: statementPathOf(event), operator: caller.sub, sendPayout }),
}));
