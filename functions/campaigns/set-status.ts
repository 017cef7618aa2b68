/** POST /admin/campaigns/{id}/pause and /resume (operator): one function, told apart by the route key. */
import { httpRoute } from "../../shared/http/traced-route.js";
import { setCampaignStatus } from "../../shared/use-cases/campaigns.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { auditedAs, campaignIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await setCampaignStatus({
    ...auditedAs(dependenciesOf("setCampaignStatus"), caller.sub),
    campaignId: campaignIdOf(event),
    action: event.routeKey.endsWith("/pause") ? "pause" : "resume",
  }),
}));
