/** What the payment and refund handlers share: their tables, by the names this function was handed. */
import { documents } from "../../shared/clients.js";
import { config, tableName } from "../../shared/config.js";
import type { PaymentDeps } from "../../shared/use-cases/payments.js";

export function paymentDeps(): PaymentDeps {
  return {
    db: documents(),
    tables: {
      vouchers: tableName("vouchers"),
      campaigns: tableName("campaigns"),
      merchants: tableName("merchants"),
      redemptions: tableName("redemptions"),
    },
    now: () => new Date(),
    maxPartnerAmount: config().VOUCHERS_MAX_PARTNER_AMOUNT,
  };
}
