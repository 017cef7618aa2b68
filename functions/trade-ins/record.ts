/** POST /merchant/programmes/{id}/trade-ins (merchant, APPROVED): a trade-in record, its buyer encrypted, its subsidy by the programme's rule. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { tradeInBodySchema } from "../../shared/api/trade-in-schemas.js";
import { buyerDataCipher } from "../../shared/field-encryption.js";
import { httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { evidenceStore } from "../../shared/object-store.js";
import { recordTradeIn } from "../../shared/use-cases/trade-ins.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("merchant", async ({ event, caller }) => ({
  status: 201,
  body: await recordTradeIn({
    ...dependenciesOf("recordTradeIn"),
    evidence: evidenceStore(),
    cipher: buyerDataCipher(),
    caller,
    programmeId: pathIdOf(event),
    body: parseBody(event, tradeInBodySchema),
  }),
}));
