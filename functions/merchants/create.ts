/** POST /admin/merchants (operator): a merchant for a registered partner, PENDING until approved. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { merchantRegistrationSchema } from "../../shared/api/registry-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { registerMerchant } from "../../shared/use-cases/merchants.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 201,
  body: await registerMerchant({
    ...dependenciesOf("createMerchant"),
    merchant: parseBody(event, merchantRegistrationSchema),
    who: caller.sub,
    checkPartner: true,
  }),
}));
