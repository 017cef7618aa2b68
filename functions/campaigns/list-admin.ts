/** GET /admin/campaigns?status= (operator): every campaign, drafts included, with its drops. */
import { adminCampaignListQuerySchema } from "../../shared/api/schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listAllCampaigns } from "../../shared/use-cases/campaigns.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await listAllCampaigns({
    ...dependenciesOf("listAdminCampaigns"),
    query: parseWith(adminCampaignListQuerySchema, event.queryStringParameters ?? {}, "query"),
  }),
  headers: { "cache-control": "no-store" },
}));
