/** POST /admin/campaigns (operator): a new DRAFT campaign, validated against its budget. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import { httpRoute, jsonBody } from "../../shared/http/traced-route.js";
import { createCampaign } from "../../shared/use-cases/campaigns.js";
import { auditedAs } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  // The domain's parser: VALIDATION_FAILED with every issue of the campaign, or BUDGET_EXCEEDED with the figures.
  const campaign = parseCampaign(jsonBody(event));
  return { status: 201, body: await createCampaign({ ...auditedAs(dependenciesOf("createCampaign"), caller.sub), campaign, operator: caller.sub }) };
});
