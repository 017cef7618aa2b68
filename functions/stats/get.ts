/** GET /admin/campaigns/{id}/stats (operator): the campaign's projected figures (API.md, stats). */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { getCampaignStatsAnswer } from "../../shared/use-cases/stats.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await getCampaignStatsAnswer({
    ...dependenciesOf("getCampaignStats"),
    campaignId: pathIdOf(event),
  }),
  headers: { "cache-control": "no-store" },
}));
