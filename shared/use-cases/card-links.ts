/**
 * POST /partners/{partnerId}/cards (API.md "Linked identities"): a partner links its token for a
 * resident's card to the resident, so that its payments with `payerId` = the card token act for
 * the resident (its vouchers, its limits; shared/use-cases/person-key.ts `resolvePayer`).
 *
 * A link is written once and never moves: moving it would let whoever can call the route steer a
 * card's payments to another resident's vouchers. The link is audited in the same transaction
 * (`CARD_LINK#<partnerId>/<cardToken>`, by `partner:<id>`), so the write is attributable
 * (DESIGN.md §6, invariant 8).
 */
import type { CardLinkAnswer, CardLinkBody } from "../api/payment-schemas.js";
import { CardLinkedElsewhereError } from "../errors.js";
import { linkCard } from "../store/identity-links.js";
import { withRetries } from "../store/retry.js";
import type { Dependencies } from "./dependencies.js";

/**
 * Links the card token to the resident, once. `created` is false when this very link existed
 * (the first answer again).
 *
 * @throws CardLinkedElsewhereError (409) when the token is linked to another resident at this partner.
 */
export async function linkCardToResident(
  input: { partnerId: string; body: CardLinkBody },
  deps: Dependencies<"vouchers" | "audit">,
): Promise<{ created: boolean; link: CardLinkAnswer }> {
  const { partnerId, body } = input;
  const linkedAt = deps.now().toISOString();
  const { created, link } = await withRetries(() =>
    linkCard(deps.db, deps.tables, { partnerId, cardToken: body.cardToken, residentId: body.payerId, linkedAt }),
  );
  if (link.residentId !== body.payerId) throw new CardLinkedElsewhereError(`Card token ${body.cardToken} is already linked to another resident`);
  return { created, link: { partnerId, cardToken: link.cardToken, payerId: link.residentId, linkedAt: link.linkedAt } };
}
