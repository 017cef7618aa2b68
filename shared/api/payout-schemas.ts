/**
 * The platform's payout request to a partner's `payoutUrl` (shared/payout-client.ts,
 * docs/partners.md "Verifying payouts"): its body and what a partner may answer.
 */
import * as z from "../zod.js";
import { PAYABLE_KINDS } from "../domain/programme.js";

/** The statement form of a payout (it has no `kind`: the form banks have always received); paid once per `statementId`. */
export const statementPayoutBodySchema = z
  .object({
    statementId: z.string().describe("<campaignId>/<merchantId>/<period>; also the Idempotency-Key"),
    campaignId: z.string(),
    merchantId: z.string(),
    period: z.string().describe("The settled day, YYYY-MM-DD, in the campaign's time zone"),
    amount: z.int().positive().describe("What the merchant is paid, in fen"),
    currency: z.literal("CNY"),
  })
  .meta({ id: "StatementPayoutRequest" });

/** The award form of a payout: what a merchant programme approved (an application's award, a trade-in's subsidy); paid once per `payableId`. */
export const awardPayoutBodySchema = z
  .object({
    kind: z.literal("award").describe("Marks the award form; the statement form has no `kind`"),
    payableId: z.string().describe("application/<id> or trade-in/<id>; also the Idempotency-Key"),
    payable: z.enum(PAYABLE_KINDS).describe("application: a programme's award; trade-in: a trade-in record's subsidy"),
    programmeId: z.string(),
    merchantId: z.string(),
    amount: z.int().positive().describe("What the merchant is paid, in fen"),
    currency: z.literal("CNY"),
  })
  .meta({ id: "AwardPayoutRequest" });

/**
 * The body POSTed to a partner's payout endpoint, signed as sent: a statement, or (with
 * `kind: "award"`) a programme's award. Each is paid once per its Idempotency-Key.
 */
export const payoutRequestBodySchema = z.union([statementPayoutBodySchema, awardPayoutBodySchema]).meta({ id: "PayoutRequest" });
export type PayoutRequestBody = z.infer<typeof payoutRequestBodySchema>;

/** The headers of a payout request besides its signature (X-Voucher-Signature, the partner's secrets). */
export const payoutHeadersSchema = z.object({
  "Idempotency-Key": z.string().meta({ param: { description: "The statement id, or the award's payableId: pay it once, however often it is sent" } }),
});

/** A 2xx answer to a payout; `payoutId`, if any, is kept with the statement. Anything else in it is ignored. */
export const payoutAcceptedSchema = z.object({ payoutId: z.string().optional() }).meta({ id: "PayoutAccepted" });
