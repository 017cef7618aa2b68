/** GET /merchants (public): the approved merchants, served from this instance's cache for 2 s. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { merchantListQuerySchema } from "../../shared/api/registry-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { TtlCache } from "../../shared/use-cases/campaign-views.js";
import { type MerchantPage, listApprovedMerchants } from "../../shared/use-cases/merchants.js";

const CACHE_SECONDS = 2;
const cache = new TtlCache<MerchantPage>(CACHE_SECONDS * 1000);

export const handler = httpRoute("public", async ({ event }) => ({
  status: 200,
  body: await listApprovedMerchants({
    ...dependenciesOf("listMerchants"),
    query: parseWith(merchantListQuerySchema, event.queryStringParameters ?? {}, "query"),
    cache,
  }),
  headers: { "cache-control": `public, max-age=${CACHE_SECONDS}` },
}));
