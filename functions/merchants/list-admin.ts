/** GET /admin/merchants?status= (operator): merchants of one status, or of all (PENDING first). */
import { dependenciesOf } from "../../shared/dependencies.js";
import { adminMerchantListQuerySchema } from "../../shared/api/registry-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listMerchants } from "../../shared/use-cases/merchants.js";

export const handler = httpRoute("operator", async ({ event }) => {
  const { status, ...query } = parseWith(adminMerchantListQuerySchema, event.queryStringParameters ?? {}, "query");
  return {
    status: 200,
    body: await listMerchants({ ...dependenciesOf("listAdminMerchants"), ...(status ? { statuses: [status] } : {}), query }),
    headers: { "cache-control": "no-store" },
  };
});
