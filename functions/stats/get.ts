/** GET /admin/campaigns/{id}/stats (operator): the campaign's projected figures (API.md, stats). */
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { httpRoute } from "../../shared/http/route.js";
import { getCampaignStats } from "../../shared/use-cases/stats.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await getCampaignStats({
    db: documents(),
    tables: { stats: tableName("stats"), campaigns: tableName("campaigns"), merchants: tableName("merchants") },
    campaignId: pathIdOf(event),
  }),
  headers: { "cache-control": "no-store" },
}));
