/** GET /campaigns (public): published campaigns with their drops, served from this instance's cache for 2 s. */
import { campaignListQuerySchema } from "../../shared/api/schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { TtlCache } from "../../shared/use-cases/campaign-views.js";
import { type CampaignPage, listPublicCampaigns } from "../../shared/use-cases/campaigns.js";
import { dependenciesOf } from "../../shared/dependencies.js";


const CACHE_SECONDS = 2;
const cache = new TtlCache<CampaignPage>(CACHE_SECONDS * 1000);

export const handler = httpRoute("public", async ({ event }) => ({
  status: 200,
  body: await listPublicCampaigns({
    ...dependenciesOf("listCampaigns"),
    query: parseWith(campaignListQuerySchema, event.queryStringParameters ?? {}, "query"),
    cache,
  }),
  headers: { "cache-control": `public, max-age=${CACHE_SECONDS}` },
}));
