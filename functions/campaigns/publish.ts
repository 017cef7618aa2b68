/** POST /admin/campaigns/{id}/publish (operator): provisions the inventory, then publishes; again is harmless. */
import { httpRoute } from "../../shared/http/traced-route.js";
import { publishCampaign } from "../../shared/use-cases/campaigns.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { auditedAs, campaignIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await publishCampaign({ ...auditedAs(dependenciesOf("publishCampaign"), caller.sub), campaignId: campaignIdOf(event) }),
}));
