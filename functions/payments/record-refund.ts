/** POST /partners/{partnerId}/refunds (signed): reverses a redemption once, or records a refund that came first. */
import { refundBodySchema } from "../../shared/api/payment-schemas.js";
import { config } from "../../shared/config.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { type PartnerRequest, partnerRoute } from "../../shared/http/partner-route.js";
import { type HttpReply, parseBody } from "../../shared/http/traced-route.js";
import { countRefund } from "../../shared/observability/business-metrics.js";
import { type RefundDependencies, recordRefund } from "../../shared/use-cases/payments.js";

/** This function's dependencies, with the configured largest amount. */
export function refundDependencies(): RefundDependencies {
  return { ...dependenciesOf("recordRefund"), maxPartnerAmount: config().VOUCHERS_MAX_PARTNER_AMOUNT };
}

/** The route behind the signature check; tests call it with their own dependencies. */
export async function answerRefund(request: Pick<PartnerRequest, "event" | "partner">, deps: RefundDependencies = refundDependencies()): Promise<HttpReply> {
  const body = parseBody(request.event, refundBodySchema, "refund");
  const answer = await recordRefund({ partnerId: request.partner.id, body }, deps);
  countRefund(answer);
  return { status: 200, body: answer };
}

export const handler = partnerRoute((request) => answerRefund(request));
