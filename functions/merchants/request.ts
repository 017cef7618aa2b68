/**
 * What the partner, merchant and audit handlers share: path ids and this deployment's payout URL
 * settings.
 */
import { config } from "../../shared/config.js";
import { idPathSchema } from "../../shared/api/parameters.js";
import { type HttpEvent, parseWith } from "../../shared/http/traced-route.js";
import type { PartnerSettings } from "../../shared/use-cases/partners.js";


/** The `{id}` of an /admin/partners/{id}… or /admin/merchants/{id}… path. */
export function pathIdOf(event: HttpEvent): string {
  return parseWith(idPathSchema, event.pathParameters ?? {}, "path").id;
}

/** The payout URL rules and default of this deployment. */
export function partnerSettings(): PartnerSettings {
  const { VOUCHERS_ALLOW_HTTP_PAYOUT_URLS, VOUCHERS_DEFAULT_PAYOUT_URL } = config();
  return { allowHttp: VOUCHERS_ALLOW_HTTP_PAYOUT_URLS, defaultPayoutUrl: VOUCHERS_DEFAULT_PAYOUT_URL };
}
