/**
 * The platform's payout request to a partner's `payoutUrl` (shared/payout-client.ts,
 * docs/partners.md "Verifying payouts"): its body and what a partner may answer.
 */
import * as z from "../zod.js";

/** The body POSTed to a partner's payout endpoint; signed as sent, and paid once per `statementId`. */
export const payoutRequestBodySchema = z
  .object({
    statementId: z.string().describe("<campaignId>/<merchantId>/<period>; also the Idempotency-Key"),
    campaignId: z.string(),
    merchantId: z.string(),
    period: z.string().describe("The settled day, YYYY-MM-DD, in the campaign's time zone"),
    amount: z.int().positive().describe("What the merchant is paid, in fen"),
    currency: z.literal("CNY"),
  })
  .meta({ id: "PayoutRequest" });
export type PayoutRequestBody = z.infer<typeof payoutRequestBodySchema>;

/** The headers of a payout request besides its signature (X-Voucher-Signature, the partner's secrets). */
export const payoutHeadersSchema = z.object({
  "Idempotency-Key": z.string().meta({ param: { description: "The statement id: pay it once, however often it is sent" } }),
});

/** A 2xx answer to a payout; `payoutId`, if any, is kept with the statement. Anything else in it is ignored. */
export const payoutAcceptedSchema = z.object({ payoutId: z.string().optional() }).meta({ id: "PayoutAccepted" });
