/** PUT /admin/campaigns/{id} (operator): replaces a DRAFT campaign whole. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import { httpRoute, jsonBody } from "../../shared/http/traced-route.js";
import { replaceCampaign } from "../../shared/use-cases/campaigns.js";
import { auditedAs, campaignIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const campaignId = campaignIdOf(event);
  // The domain's parser: VALIDATION_FAILED with every issue of the campaign, or BUDGET_EXCEEDED with the figures.
  const campaign = parseCampaign(jsonBody(event));
  return { status: 200, body: await replaceCampaign({ ...auditedAs(dependenciesOf("replaceCampaign"), caller.sub), campaignId, campaign }) };
});
