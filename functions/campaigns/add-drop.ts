/** POST /admin/campaigns/{id}/drops (operator): a new drop within the budget not yet committed. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { parseDrop } from "../../shared/domain/campaign.js";
import { httpRoute, jsonBody } from "../../shared/http/traced-route.js";
import { addDrop } from "../../shared/use-cases/campaigns.js";
import { auditedAs, campaignIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const campaignId = campaignIdOf(event);
  // The domain's parser (VALIDATION_FAILED with every issue of the drop); what depends on the campaign is checked by the use case.
  const drop = parseDrop(jsonBody(event));
  return { status: 200, body: await addDrop({ ...auditedAs(dependenciesOf("addDrop"), caller.sub), campaignId, drop }) };
});
