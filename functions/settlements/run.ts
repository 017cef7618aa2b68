/** POST /admin/settlements/run {period, campaignId?} (operator): plans the period's settlement now; 202, the work goes on in the queue. */
import { settlementRunRequestSchema } from "../../shared/api/settlement-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { runSettlement } from "../../shared/use-cases/settlement.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { sendSettlements } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const request = parseBody(event, settlementRunRequestSchema);
  return {
    status: 202,
    body: await runSettlement({
      ...dependenciesOf("runSettlement"),
      period: request.period,
      campaignId: request.campaignId,
      operator: caller.sub,
      send: sendSettlements,
    }),
  };
});
