/** GET /me/vouchers (resident): the caller's vouchers, newest first, `limit` and `nextToken` per page. */
import * as z from "../../shared/zod.js";
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { httpRoute, parseWith } from "../../shared/http/route.js";
import { pageOf } from "../../shared/http/pagination.js";
import { listVouchers, toVoucher } from "../../shared/store/vouchers.js";

const querySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().optional(),
});

export const handler = httpRoute("resident", async ({ event, caller }) => {
  const query = parseWith(querySchema, event.queryStringParameters ?? {}, "query");
  const vouchers = await listVouchers(documents(), tableName("vouchers"), caller.sub);
  return { status: 200, body: pageOf(vouchers.map(toVoucher), query) };
});
