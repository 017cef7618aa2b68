/** GET and PUT /admin/campaigns/{id}/fraud-rules (operator): a campaign's fraud-rule configuration, thresholds as data. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { fraudRulesBodySchema } from "../../shared/api/fraud-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { getFraudRules, putFraudRules } from "../../shared/use-cases/fraud.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const campaignId = pathIdOf(event);
  const deps = dependenciesOf("fraudRules");
  if (event.routeKey.startsWith("GET ")) {
    return { status: 200, body: await getFraudRules({ ...deps, campaignId }), headers: { "cache-control": "no-store" } };
  }
  return { status: 200, body: await putFraudRules({ ...deps, campaignId, body: parseBody(event, fraudRulesBodySchema), operator: caller.sub }) };
});
