/** POST /admin/merchants (operator): a merchant for a registered partner, PENDING until approved. */
import { merchantRegistrationSchema } from "../../shared/api/registry-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { registerMerchant } from "../../shared/use-cases/merchants.js";
import { registryDeps } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 201,
  body: await registerMerchant({
    ...registryDeps("merchants", "audit", "partners"),
    merchant: parseBody(event, merchantRegistrationSchema),
    who: caller.sub,
    checkPartner: true,
  }),
}));
