/** GET /me/vouchers (resident): the caller's vouchers, newest first, `limit` and `nextToken` per page. */
import { walletQuerySchema } from "../../shared/api/parameters.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { pageOf } from "../../shared/http/pagination.js";
import { listResidentVouchers } from "../../shared/use-cases/wallet.js";

export const handler = httpRoute("resident", async ({ event, caller }) => {
  const query = parseWith(walletQuerySchema, event.queryStringParameters ?? {}, "query");
  // The token's `sub` is the resident's id.
  const vouchers = await listResidentVouchers({ ...dependenciesOf("listMyVouchers"), residentId: caller.sub });
  return { status: 200, body: pageOf(vouchers, query) };
});
