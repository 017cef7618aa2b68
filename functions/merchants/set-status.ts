/** POST /admin/merchants/{id}/approve, /suspend {reason} and /reinstate (operator): one function, told apart by the route key. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { merchantSuspensionSchema } from "../../shared/api/registry-schemas.js";
import * as z from "../../shared/zod.js";
import { MERCHANT_ACTIONS } from "../../shared/domain/merchant.js";
import { httpRoute, parseBody, parseWith } from "../../shared/http/traced-route.js";
import { setMerchantStatus } from "../../shared/use-cases/merchants.js";
import { releaseHeldStatements } from "../../shared/use-cases/settlement.js";
import { sendPayout } from "../settlements/request.js";
import { pathIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const action = parseWith(z.enum(MERCHANT_ACTIONS), event.routeKey.slice(event.routeKey.lastIndexOf("/") + 1), "route");
  return {
    status: 200,
    body: await setMerchantStatus({
      ...dependenciesOf("setMerchantStatus"),
      merchantId: pathIdOf(event),
      action,
      reason: action === "suspend" ? parseBody(event, merchantSuspensionSchema).reason : undefined,
      operator: caller.sub,
      releaseHeld: (merchantId) => releaseHeldStatements({ ...dependenciesOf("setMerchantStatus"), merchantId, sendPayout }),
    }),
  };
});
