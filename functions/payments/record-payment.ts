/**
 * POST /partners/{partnerId}/payments (signed): applies the payer's best eligible voucher to a
 * payment at a merchant, exactly once per partner transaction id.
 */
import { partnerRoute } from "../../shared/http/partner-route.js";
import { parseBody } from "../../shared/http/route.js";
import { recordPayment } from "../../shared/use-cases/payments.js";
import * as z from "../../shared/zod.js";
import { paymentDeps } from "./deps.js";

export const handler = partnerRoute(async ({ event, partner }) => ({
  status: 200,
  body: await recordPayment({ partnerId: partner.id, body: parseBody(event, z.unknown()) }, paymentDeps()),
}));
