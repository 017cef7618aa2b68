/**
 * POST /partners/{partnerId}/payments (signed): applies the payer's best eligible voucher to a
 * payment at a merchant, exactly once per partner transaction id.
 */
import { paymentBodySchema } from "../../shared/api/payment-schemas.js";
import { config } from "../../shared/config.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { type PartnerRequest, partnerRoute } from "../../shared/http/partner-route.js";
import { type HttpReply, parseBody } from "../../shared/http/traced-route.js";
import { countPayment } from "../../shared/observability/business-metrics.js";
import { type PaymentDependencies, recordPayment } from "../../shared/use-cases/payments.js";

/** This function's dependencies, with the configured largest amount. */
export function paymentDependencies(): PaymentDependencies {
  return { ...dependenciesOf("recordPayment"), maxPartnerAmount: config().VOUCHERS_MAX_PARTNER_AMOUNT };
}

/** The route behind the signature check; tests call it with their own dependencies. */
export async function answerPayment(request: Pick<PartnerRequest, "event" | "partner">, deps: PaymentDependencies = paymentDependencies()): Promise<HttpReply> {
  const body = parseBody(request.event, paymentBodySchema, "payment");
  const answer = await recordPayment({ partnerId: request.partner.id, body }, deps);
  countPayment(answer);
  return { status: 200, body: answer };
}

export const handler = partnerRoute((request) => answerPayment(request));
