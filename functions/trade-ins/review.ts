/**
 * POST /admin/trade-ins/{id}/approve {note?}, /reject {reason}, /retry-payout and the batch
 * POST /admin/trade-ins/approve {ids, note?} (operator): one function, told apart by the route key.
 */
import { dependenciesOf } from "../../shared/dependencies.js";
import { tradeInApprovalSchema, tradeInBatchApprovalSchema, tradeInRejectionSchema } from "../../shared/api/trade-in-schemas.js";
import { httpRoute, jsonBody, parseBody, parseWith } from "../../shared/http/traced-route.js";
import { approveTradeIn, approveTradeIns, rejectTradeInRecord, retryTradeInPayout } from "../../shared/use-cases/trade-ins.js";
import { pathIdOf, sendProgrammePayout } from "../programmes/request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const deps = { ...dependenciesOf("reviewTradeIns"), who: caller.sub, sendPayout: sendProgrammePayout };
  switch (event.routeKey) {
    case "POST /admin/trade-ins/approve": {
      const { ids, note } = parseBody(event, tradeInBatchApprovalSchema);
      return { status: 200, body: await approveTradeIns({ ...deps, ids, note }) };
    }
    case "POST /admin/trade-ins/{id}/retry-payout":
      return { status: 202, body: await retryTradeInPayout({ ...deps, id: pathIdOf(event) }) };
    case "POST /admin/trade-ins/{id}/reject":
      return { status: 200, body: await rejectTradeInRecord({ ...deps, id: pathIdOf(event), reason: parseBody(event, tradeInRejectionSchema).reason }) };
    default:
      return { status: 200, body: await approveTradeIn({ ...deps, id: pathIdOf(event), note: parseWith(tradeInApprovalSchema, jsonBody(event) ?? {}, "body").note }) };
  }
});
