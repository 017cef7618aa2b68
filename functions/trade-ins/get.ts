/** GET /admin/trade-ins/{id} (operator): the record whole, its evidence with presigned GETs; the read is audited. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { buyerDataCipher } from "../../shared/field-encryption.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { evidenceStore } from "../../shared/object-store.js";
import { viewTradeIn } from "../../shared/use-cases/trade-ins.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await viewTradeIn({ ...dependenciesOf("getTradeIn"), evidence: evidenceStore(), cipher: buyerDataCipher(), id: pathIdOf(event), who: caller.sub }),
  // The buyer is shown whole: no cache may keep it.
  headers: { "cache-control": "no-store" },
}));
