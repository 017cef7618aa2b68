/** POST /partners/{partnerId}/merchants (signed): a merchant the partner signed up, PENDING until approved. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { merchantSubmissionSchema } from "../../shared/api/registry-schemas.js";
import { partnerRoute } from "../../shared/http/partner-route.js";
import { parseBody } from "../../shared/http/traced-route.js";
import { registerMerchant } from "../../shared/use-cases/merchants.js";
import { partnerActor } from "../../shared/store/audit.js";

export const handler = partnerRoute(async ({ event, partner }) => ({
  status: 201,
  body: await registerMerchant({
    ...dependenciesOf("submitMerchant"),
    merchant: { ...parseBody(event, merchantSubmissionSchema), partnerId: partner.id },
    who: partnerActor(partner.id),
    // The signature proved the partner exists.
    checkPartner: false,
  }),
}));
