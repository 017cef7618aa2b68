/** GET /merchant/programmes/{id}/trade-ins (merchant, APPROVED): its own records in the programme, the buyer masked. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { buyerDataCipher } from "../../shared/field-encryption.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { listMyTradeIns } from "../../shared/use-cases/trade-ins.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("merchant", async ({ event, caller }) => ({
  status: 200,
  body: await listMyTradeIns({ ...dependenciesOf("listMerchantTradeIns"), cipher: buyerDataCipher(), caller, programmeId: pathIdOf(event) }),
  headers: { "cache-control": "no-store" },
}));
