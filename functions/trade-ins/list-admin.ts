/** GET /admin/programmes/{id}/trade-ins?status= (operator): a programme's trade-in records, the buyer masked. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { tradeInListQuerySchema } from "../../shared/api/trade-in-schemas.js";
import { buyerDataCipher } from "../../shared/field-encryption.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listTradeInsOfProgramme } from "../../shared/use-cases/trade-ins.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event }) => {
  const { status } = parseWith(tradeInListQuerySchema, event.queryStringParameters ?? {}, "query");
  return {
    status: 200,
    body: await listTradeInsOfProgramme({ ...dependenciesOf("listTradeIns"), cipher: buyerDataCipher(), programmeId: pathIdOf(event), ...(status ? { status } : {}) }),
    headers: { "cache-control": "no-store" },
  };
});
