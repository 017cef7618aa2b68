/** POST /partners/{partnerId}/refunds (signed): reverses a redemption once, or records a refund that came first. */
import { partnerRoute } from "../../shared/http/partner-route.js";
import { parseBody } from "../../shared/http/route.js";
import { recordRefund } from "../../shared/use-cases/payments.js";
import * as z from "../../shared/zod.js";
import { paymentDeps } from "./deps.js";

export const handler = partnerRoute(async ({ event, partner }) => ({
  status: 200,
  body: await recordRefund({ partnerId: partner.id, body: parseBody(event, z.unknown()) }, paymentDeps()),
}));
