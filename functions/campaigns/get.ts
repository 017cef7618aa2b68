/** GET /admin/campaigns/{id} (operator): the campaign with remaining stock per drop and voucher type. */
import { httpRoute } from "../../shared/http/traced-route.js";
import { getCampaign } from "../../shared/use-cases/campaigns.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { campaignIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await getCampaign({ ...dependenciesOf("getCampaign"), campaignId: campaignIdOf(event) }),
  headers: { "cache-control": "no-store" },
}));
