/**
 * A partner's payment and refund webhooks, after the signature middleware let them through.
 *
 * Payment:
 *  1. parse the body (400 with every issue);
 *  2. a known transaction id gets its stored answer at once, nothing else happens;
 *  3. the merchant, the payer's vouchers and their campaigns are read (strongly consistent: a
 *     suspension or a pause applies at once) and the best eligible voucher is chosen, with the
 *     partner clock tolerance (a payment dated up to 5 minutes before a claim that committed
 *     before the payment arrived may use that voucher);
 *  4. the chosen voucher item (never another found by its voucherId), the transaction record and
 *     the ledger entry are written in one transaction;
 *     one that lost its voucher to a concurrent transaction chooses again without it (bounded);
 *  5. the answer is the stored one, so every delivery of a transaction gets the same bytes.
 *
 * Refund: the redemption is reversed once (voucher VOID, or CLAIMED again under `restore` while
 * still valid); an unknown transaction is recorded as refunded first, and its payment, if it
 * comes, is answered TRANSACTION_REFUNDED with no discount.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { idSchema } from "../domain/campaign.js";
import { type CampaignFacts, chooseVoucher } from "../domain/redemption.js";
import { assertAmountInRange, assertNotInFuture } from "../domain/partner-limits.js";
import { ThrottledError, ValidationError } from "../errors.js";
import { loadCampaign } from "../store/campaigns.js";
import {
  type NoDiscountAnswer,
  type PaymentAnswer,
  type PaymentRecordFields,
  type RedeemedAnswer,
  type RefundAnswer,
  type RefundPart,
  type TransactionRecord,
  noDiscountAnswerSchema,
  readMerchantFacts,
  readTransaction,
  recordNoDiscount,
  recordRefundBeforePayment,
  recordRefundedPayment,
  recordRefundWithoutRedemption,
  redeem,
  redeemedAnswerSchema,
  refundAnswerSchema,
  reverse,
} from "../store/redemptions.js";
import { type RetryOptions, withRetries } from "../store/retry.js";
import { type VoucherItem, listVouchers } from "../store/vouchers.js";
import * as z from "../zod.js";

/** Rounds of "choose, redeem, lost the voucher to another transaction" before answering 429. */
export const MAX_REDEEM_ROUNDS = 5;
/** State changes a refund can meet while it runs (unknown → paid → redeemed → reversed). */
const MAX_REFUND_ROUNDS = 4;

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
  /** The resident's `sub`. */
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

export interface PaymentDeps {
  db: DynamoDBDocumentClient;
  tables: { vouchers: string; campaigns: string; merchants: string; redemptions: string };
  /** When the request was received: the future bound on occurredAt is taken from it. */
  now: () => Date;
  retry?: RetryOptions;
  /** The largest payment or refund amount accepted, in fen; default DEFAULT_MAX_PARTNER_AMOUNT (¥1,000,000). */
  maxPartnerAmount?: number;
}

export interface PartnerRequest {
  /** From the path, after the signature check named this partner. */
  partnerId: string;
  /** The parsed JSON body, not yet validated. */
  body: unknown;
}

/** Parses a payment body; a bad one is a ValidationError (400) carrying every issue. */
export function parsePaymentBody(body: unknown): PaymentBody {
  return parse(paymentBodySchema, body, "payment");
}

/** Parses a refund body; a bad one is a ValidationError (400) carrying every issue. */
export function parseRefundBody(body: unknown): RefundBody {
  return parse(refundBodySchema, body, "refund");
}

/** The answer to a payment that redeems a voucher. */
export function redeemedAnswer(transactionId: string, voucherId: string, discount: number, payable: number): RedeemedAnswer {
  return redeemedAnswerSchema.parse({ transactionId, voucherId, discount, payable });
}

/** The answer to a payment without a discount: the payer pays the whole amount. */
export function noDiscountAnswer(transactionId: string, amount: number, reason: NoDiscountAnswer["reason"]): NoDiscountAnswer {
  return noDiscountAnswerSchema.parse({ transactionId, voucherId: null, discount: 0, payable: amount, reason });
}

/**
 * Records a partner's payment and answers it: the best eligible voucher redeemed, or no discount
 * with the reason. Every delivery of the same transaction id gets the same answer, and nothing
 * is applied twice.
 *
 * @throws ValidationError on a bad partner id or body; ThrottledError when DynamoDB keeps
 *   throttling or the payer's vouchers keep being taken by concurrent transactions.
 */
export async function recordPayment(input: PartnerRequest, deps: PaymentDeps): Promise<PaymentAnswer> {
  const partnerId = parse(idSchema, input.partnerId, "partner id");
  const body = parsePaymentBody(input.body);
  const receivedAt = deps.now();
  assertAmountInRange(body.amount, deps.maxPartnerAmount);
  assertNotInFuture(body.occurredAt, receivedAt);
  const { db, tables } = deps;
  const retry = <T>(operation: () => Promise<T>) => withRetries(operation, deps.retry);

  const payment: PaymentRecordFields = {
    partnerId,
    transactionId: body.transactionId,
    eventId: body.eventId,
    merchantId: body.merchantId,
    payerId: body.payerId,
    amount: body.amount,
    occurredAt: body.occurredAt,
    recordedAt: receivedAt.toISOString(),
  };
  /** The answer a record holds; a refund that came first is answered (and recorded) now. */
  const answerOf = async (record: TransactionRecord): Promise<PaymentAnswer> => {
    if (record.answer) return record.answer;
    const answer = noDiscountAnswer(payment.transactionId, payment.amount, "TRANSACTION_REFUNDED");
    const written = await retry(() => recordRefundedPayment(db, tables.redemptions, { payment, answer }));
    if (!written.record.answer) throw new Error(`transaction ${partnerId}/${payment.transactionId} has no payment answer after recording one`);
    return written.record.answer;
  };
  const noDiscount = async (reason: NoDiscountAnswer["reason"]): Promise<PaymentAnswer> => {
    const answer = noDiscountAnswer(payment.transactionId, payment.amount, reason);
    const written = await retry(() => recordNoDiscount(db, tables.redemptions, { payment, answer }));
    return answerOf(written.record);
  };

  const known = await retry(() => readTransaction(db, tables.redemptions, partnerId, body.transactionId));
  if (known) return answerOf(known);

  const merchant = await retry(() => readMerchantFacts(db, tables.merchants, body.merchantId));
  // Nothing applies at a merchant that is not approved; the choice names the reason.
  const items: VoucherItem[] = merchant?.status === "APPROVED" ? await retry(() => listVouchers(db, tables.vouchers, body.payerId)) : [];
  const campaigns = new Map<string, CampaignFacts>();
  for (const campaignId of new Set(items.map((item) => item.campaignId))) {
    const loaded = await retry(() => loadCampaign(db, tables.campaigns, campaignId, { consistent: true }));
    if (loaded) campaigns.set(campaignId, loaded.campaign);
  }

  // The choice is made over the stored items themselves and the item chosen is the one redeemed:
  // two vouchers of different campaigns may share a voucherId, so looking the choice up again by
  // its voucherId could redeem its namesake (another campaign, threshold and sector).
  let candidates: readonly VoucherItem[] = items;
  for (let round = 0; round < MAX_REDEEM_ROUNDS; round += 1) {
    const choice = chooseVoucher({ payment: body, merchant, vouchers: candidates, campaigns, receivedAt: payment.recordedAt });
    if (choice.voucher === null) return noDiscount(choice.reason);
    const voucher = choice.voucher;
    const answer = redeemedAnswer(payment.transactionId, voucher.voucherId, voucher.discount, choice.payable);
    const outcome = await retry(() => redeem(db, tables, { payment, voucher, answer }));
    if (outcome.outcome === "redeemed") return answer;
    if (outcome.outcome === "duplicate") return answerOf(outcome.record);
    // Another transaction got it first (or it is no longer as chosen): the next best, or none.
    // Excluded by identity, not by voucherId, so its namesake in another campaign stays a candidate.
    candidates = candidates.filter((candidate) => candidate !== voucher);
  }
  throw new ThrottledError("The payer's vouchers are changing under concurrent payments; deliver the payment again", 1);
}

/**
 * Records a partner's full refund and answers whether it reversed a redemption. The reversal
 * happens once; every delivery of the refund gets the first answer.
 *
 * @throws ValidationError on a bad partner id or body; ThrottledError when DynamoDB keeps throttling.
 */
export async function recordRefund(input: PartnerRequest, deps: PaymentDeps): Promise<RefundAnswer> {
  const partnerId = parse(idSchema, input.partnerId, "partner id");
  const body = parseRefundBody(input.body);
  if (body.amount !== undefined) assertAmountInRange(body.amount, deps.maxPartnerAmount);
  assertNotInFuture(body.occurredAt, deps.now());
  const { db, tables } = deps;
  const retry = <T>(operation: () => Promise<T>) => withRetries(operation, deps.retry);
  const recordedAt = deps.now().toISOString();
  const refund = (reversed: boolean): RefundPart => ({
    eventId: body.eventId,
    occurredAt: body.occurredAt,
    answer: refundAnswerSchema.parse({ transactionId: body.transactionId, reversed }),
    recordedAt,
  });
  const key = { partnerId, transactionId: body.transactionId };

  let record = await retry(() => readTransaction(db, tables.redemptions, partnerId, body.transactionId));
  for (let round = 0; round < MAX_REFUND_ROUNDS; round += 1) {
    if (record?.refund) return record.refund.answer;
    if (record === undefined) {
      record = (await retry(() => recordRefundBeforePayment(db, tables.redemptions, { ...key, refund: refund(false) }))).record;
    } else if (record.status === "NO_DISCOUNT") {
      record = (await retry(() => recordRefundWithoutRedemption(db, tables.redemptions, { ...key, refund: refund(false) }))).record;
    } else if (record.status === "REDEEMED" && record.campaignId !== undefined) {
      const campaignId = record.campaignId;
      const loaded = await retry(() => loadCampaign(db, tables.campaigns, campaignId, { consistent: true }));
      // A campaign that vanished cannot take its voucher back: void it.
      const refundPolicy = loaded?.campaign.refundPolicy ?? "void";
      const redeemed = record;
      record = (await retry(() => reverse(db, tables, { record: redeemed, refund: refund(true), refundPolicy }))).record;
    } else {
      throw new Error(`transaction ${partnerId}/${body.transactionId} is ${record.status} without a refund`);
    }
  }
  if (record?.refund) return record.refund.answer;
  throw new Error(`refund of ${partnerId}/${body.transactionId} did not settle after ${MAX_REFUND_ROUNDS} rounds`);
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`The ${what} is invalid`, {
      details: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    });
  }
  return parsed.data;
}
