/** POST /partners/{partnerId}/cards (signed): 201 the card token linked to a resident, 200 the same link again. */
import { cardLinkBodySchema } from "../../shared/api/payment-schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { partnerRoute } from "../../shared/http/partner-route.js";
import { parseBody } from "../../shared/http/traced-route.js";
import { linkCardToResident } from "../../shared/use-cases/card-links.js";

export const handler = partnerRoute(async ({ event, partner }) => {
  const { created, link } = await linkCardToResident({ partnerId: partner.id, body: parseBody(event, cardLinkBodySchema) }, dependenciesOf("linkCard"));
  return { status: created ? 201 : 200, body: link };
});
