/**
 * The partner payment and refund routes' bodies and answers (docs/partners.md). Bodies are strict:
 * an unknown field is a 400, so no other partner route's signed body is a valid payment or refund
 * (a replay across routes changes nothing). Answers are exactly what the partner receives, key
 * order included: every answer is built or read back through these schemas, so a duplicate's JSON
 * is byte for byte the first one's.
 */
import { idSchema } from "../domain/campaign.js";
import { fen, positiveFen } from "../domain/money.js";
import { NO_DISCOUNT_REASONS } from "../domain/redemption.js";
import * as z from "../zod.js";

/** ISO-8601 with an offset (or Z), and a real date: 2026-02-30 passes the format, not this. */
const instant = z.iso
  .datetime({ offset: true, abort: true })
  .refine((value) => !Number.isNaN(Date.parse(value)) && isCalendarDate(value.slice(0, 10)), "must be a real instant");

/** Whether "YYYY-MM-DD" names a day that exists (Date.parse rolls 02-30 over into March). */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split("-").map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A whole number of fen, unbounded here: an integer out of range is answered AMOUNT_OUT_OF_RANGE
 * by {@link assertAmountInRange} (400 VALIDATION_FAILED is for what is not an integer at all).
 */
const wholeFen = z.number().refine((value) => Number.isInteger(value), "must be a whole number of fen");

/**
 * POST /partners/{partnerId}/payments. Strict: an unknown field is a 400, so no other partner
 * route's signed body is a valid payment (a replay across routes changes nothing).
 */
export const paymentBodySchema = z.strictObject({
  eventId: idSchema,
  transactionId: idSchema,
  merchantId: idSchema,
  /** The resident's `sub`, or a card token this partner linked to one (POST /partners/{partnerId}/cards). */
  payerId: z.string().min(1).max(256),
  /** Before any discount, in fen: 1 … the configured maximum. */
  amount: wholeFen,
  occurredAt: instant,
  voucherId: idSchema.optional(),
});
export type PaymentBody = z.infer<typeof paymentBodySchema>;

/** POST /partners/{partnerId}/refunds. Strict, like every partner body. */
export const refundBodySchema = z.strictObject({
  eventId: idSchema,
  transactionId: idSchema,
  occurredAt: instant,
  /** What this refund gives back, in fen; absent: the rest of the payment. */
  amount: wholeFen.optional(),
});
export type RefundBody = z.infer<typeof refundBodySchema>;

// Answers.

/** A voucher redeemed. */
export const redeemedAnswerSchema = z.object({
  transactionId: z.string(),
  campaignId: z.string(),
  voucherId: z.string(),
  discount: positiveFen,
  payable: fen,
});
/** An instant discount applied (card-swipe, no voucher). */
export const instantAnswerSchema = z.object({
  transactionId: z.string(),
  campaignId: z.string(),
  instantDiscountId: z.string(),
  voucherId: z.null(),
  discount: positiveFen,
  payable: fen,
});
export const noDiscountAnswerSchema = z.object({
  transactionId: z.string(),
  voucherId: z.null(),
  discount: z.literal(0),
  payable: positiveFen,
  reason: z.enum(NO_DISCOUNT_REASONS),
});
export const paymentAnswerSchema = z.union([redeemedAnswerSchema, instantAnswerSchema, noDiscountAnswerSchema]);
/** A refund's answer: `refunded` so far, `remaining` = amount paid − refunded, and whether the redemption stands reversed. */
export const refundAnswerSchema = z.object({ transactionId: z.string(), reversed: z.boolean(), refunded: fen, remaining: fen });

export type RedeemedAnswer = z.infer<typeof redeemedAnswerSchema>;
export type InstantAnswer = z.infer<typeof instantAnswerSchema>;
export type NoDiscountAnswer = z.infer<typeof noDiscountAnswerSchema>;
export type PaymentAnswer = z.infer<typeof paymentAnswerSchema>;
export type RefundAnswer = z.infer<typeof refundAnswerSchema>;

/**
 * POST /partners/{partnerId}/cards: links a card token to a resident. Strict, like every signed
 * body, so no other partner route's body is a valid card link.
 */
export const cardLinkBodySchema = z.strictObject({
  /** The resident's `sub`. */
  payerId: z.string().min(1).max(256),
  /** The partner's token for the resident's card, as its payments will carry it in `payerId`. */
  cardToken: z.string().min(1).max(256),
});
export type CardLinkBody = z.infer<typeof cardLinkBodySchema>;

/** A card token linked to a resident, as the partner is answered. */
export const cardLinkAnswerSchema = z.object({ partnerId: z.string(), cardToken: z.string(), payerId: z.string(), linkedAt: z.string() });
export type CardLinkAnswer = z.infer<typeof cardLinkAnswerSchema>;
