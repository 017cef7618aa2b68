/** GET and PUT /admin/campaigns/{id}/fraud-rules (operator): a campaign's fraud-rule configuration, thresholds as data. */
import { fraudRulesBodySchema } from "../../shared/api/fraud-schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { type HttpReply, type HttpRequest, httpRoute, parseBody } from "../../shared/http/traced-route.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { getFraudRules, putFraudRules } from "../../shared/use-cases/fraud.js";
import { pathIdOf } from "../merchants/request.js";

/** The route after the operator check; tests call it with their own dependencies. */
export async function answerFraudRules(
  { event, caller }: Pick<HttpRequest<"operator">, "event" | "caller">,
  deps: Dependencies<"fraud" | "campaigns" | "audit"> = dependenciesOf("fraudRules"),
): Promise<HttpReply> {
  const campaignId = pathIdOf(event);
  if (event.routeKey.startsWith("GET ")) {
    return { status: 200, body: await getFraudRules({ ...deps, campaignId }), headers: { "cache-control": "no-store" } };
  }
  return { status: 200, body: await putFraudRules({ ...deps, campaignId, config: parseBody(event, fraudRulesBodySchema), operator: caller.sub }) };
}

export const handler = httpRoute("operator", (request) => answerFraudRules(request));
