/**
 * A partner's payment and refund webhooks, after the signature middleware let them through.
 *
 * The handler has parsed the body (400 with every issue); the use case checks what needs the
 * configuration or the receive time (AMOUNT_OUT_OF_RANGE, OCCURRED_IN_FUTURE).
 *
 * Payment:
 *  1. the amount is in range and occurredAt not ahead of the receive time;
 *  2. a known transaction id gets its stored answer at once, nothing else happens;
 *  3. the merchant, whom the payerId acts for (a linked card token's resident, with its person
 *     key), that resident's vouchers and their campaigns are read (strongly consistent: a
 *     suspension or a pause applies at once) and the best eligible voucher is chosen, with the
 *     partner clock tolerance (a payment dated up to 5 minutes before a claim that committed
 *     before the payment arrived may use that voucher);
 *  4. the chosen voucher item (never another found by its voucherId), the transaction record and
 *     the ledger record are written in one transaction;
 *     one that lost its voucher to a concurrent transaction chooses again without it (bounded);
 *  5. the answer is the stored one, so every delivery of a transaction gets the same bytes.
 *
 * Refund: the redemption is reversed once (voucher VOID, or CLAIMED again under `restore` while
 * still valid); an unknown transaction is recorded as refunded first, and its payment, if it
 * comes, is answered TRANSACTION_REFUNDED with no discount.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type CampaignFacts, chooseVoucher } from "../domain/redemption.js";
import { firstRefusal, instantDiscountMayApply } from "../domain/instant-discount.js";
import { assertAmountInRange, assertNotInFuture } from "../domain/partner-limits.js";
import { type EarlyRefunds, assertRefundNotBeforePayment, decideRefund, discountSurvivesEarlyRefunds, refundedAtPayment } from "../domain/refund.js";
import { ThrottledError, TooManyRefundsError } from "../errors.js";
import { loadCampaign } from "../store/campaigns.js";
import { readMerchantFacts } from "../store/merchant-facts.js";
import { readVoucherThreshold, redeem, redeemAfterEarlyRefunds } from "../store/redemptions.js";
import { applyRefund, recordEarlyRefund, refundAnswerOf, refundedSoFar } from "../store/refunds.js";
import {
  type PaymentRecordFields,
  type RefundEvent,
  type TransactionRecord,
  MAX_REFUND_EVENTS,
  paymentAnswerOf,
  readTransaction,
  recordNoDiscount,
  recordRefundedPayment,
} from "../store/transactions.js";
import { type RetryOptions, withRetries } from "../store/retry.js";
import { type VoucherItem, listVouchers } from "../store/vouchers.js";
import {
  type NoDiscountAnswer,
  type PaymentAnswer,
  type PaymentBody,
  type RedeemedAnswer,
  type RefundAnswer,
  type RefundBody,
  noDiscountAnswerSchema,
  redeemedAnswerSchema,
  refundAnswerSchema,
} from "../api/payment-schemas.js";
import type { Dependencies } from "./dependencies.js";
import { type InstantRuntime, applyInstantDiscount, restoreInstantDiscount } from "./instant-discounts.js";
import { resolvePayer } from "./person-key.js";

/** Rounds of "choose, redeem, lost the voucher to another transaction" before answering 429. */
export const MAX_REDEEM_ROUNDS = 5;
/** Rounds of "decide, write, the record changed under another refund": each lost round means another refund counted. */
const MAX_REFUND_ROUNDS = 25;


/** What a payment or refund is given beside its tables. */
export interface PartnerLimits {
  /** The largest payment or refund amount accepted, in fen; default DEFAULT_MAX_PARTNER_AMOUNT (¥1,000,000). */
  maxPartnerAmount?: number | undefined;
  retry?: RetryOptions;
}

/**
 * A payment's dependencies. `now` is when the request was received: the future bound on
 * occurredAt is taken from it.
 */
export type PaymentDependencies = Dependencies<"vouchers" | "campaigns" | "merchants" | "redemptions" | "inventory"> & PartnerLimits & InstantRuntime;
/** A refund's dependencies: a payment's, less the merchants (a refund never reads one). */
export type RefundDependencies = Dependencies<"vouchers" | "campaigns" | "redemptions" | "inventory"> & PartnerLimits & Pick<InstantRuntime, "instantCaches">;

/** A partner's request, after the signature check named the partner and the handler parsed the body. */
export interface PartnerRequest<Body> {
  /** From the path, checked by the signature middleware. */
  partnerId: string;
  body: Body;
}

/** The answer to a payment that redeems a voucher. */
export function redeemedAnswer(transactionId: string, campaignId: string, voucherId: string, discount: number, payable: number): RedeemedAnswer {
  return redeemedAnswerSchema.parse({ transactionId, campaignId, voucherId, discount, payable });
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
 * @throws AmountOutOfRangeError, OccurredInFutureError (400, nothing read); ThrottledError when DynamoDB keeps
 *   throttling or the payer's vouchers keep being taken by concurrent transactions.
 */
export async function recordPayment(input: PartnerRequest<PaymentBody>, deps: PaymentDependencies): Promise<PaymentAnswer> {
  const { partnerId, body } = input;
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
    const stored = paymentAnswerOf(record);
    if (stored) return stored;
    const answer = noDiscountAnswer(payment.transactionId, payment.amount, "TRANSACTION_REFUNDED");
    const written = await retry(() => recordRefundedPayment(db, tables.redemptions, { payment, answer }));
    const recorded = paymentAnswerOf(written.record);
    if (!recorded) throw new Error(`transaction ${partnerId}/${payment.transactionId} has no payment answer after recording one`);
    return recorded;
  };
  const noDiscount = async (reason: NoDiscountAnswer["reason"]): Promise<PaymentAnswer> => {
    const answer = noDiscountAnswer(payment.transactionId, payment.amount, reason);
    const written = await retry(() => recordNoDiscount(db, tables.redemptions, { payment, answer }));
    return answerOf(written.record);
  };

  const known = await retry(() => readTransaction(db, tables.redemptions, partnerId, body.transactionId));
  // Refunds that came first are answered as if they came after the payment: unless they took all
  // of it, a voucher is chosen and kept only if what remains still reaches its threshold.
  const early = earlyRefundsOf(known);
  if (known && (early === undefined || refundedAtPayment(body.amount, early) >= body.amount)) return answerOf(known);

  const merchant = await retry(() => readMerchantFacts(db, tables.merchants, body.merchantId));
  // Nothing applies at a merchant that is not approved; the choice names the reason.
  // The partner's payerId is the resident's id (the token's `sub`), or a card token the partner
  // linked to one; limits count per person (linked identities).
  const payer = merchant?.status === "APPROVED" ? await resolvePayer(partnerId, body.payerId, deps) : undefined;
  const items: VoucherItem[] = payer ? await retry(() => listVouchers(db, tables.vouchers, payer.residentId)) : [];
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
    if (choice.voucher === null) {
      // No voucher serves it: an instant discount may (unless the payer named a voucher).
      if (!instantDiscountMayApply(choice.reason, body) || merchant?.status !== "APPROVED") return noDiscount(choice.reason);
      const instant = await applyInstantDiscount({ payment, merchant, known, early, ...(payer ? { payerKey: payer.personKey } : {}) }, deps);
      switch (instant.outcome) {
        case "answered":
          return instant.answer;
        case "refunded-first":
          return answerOf(known ?? (await retry(() => readTransaction(db, tables.redemptions, partnerId, body.transactionId))) ?? missing(payment));
        case "existing": {
          const answer = await answerOf(instant.record ?? missing(payment));
          await instant.settle(answer);
          return answer;
        }
        case "refused": {
          const answer = await noDiscount(firstRefusal(choice.reason, instant.reason));
          await instant.settle(answer);
          return answer;
        }
      }
    }
    const voucher = choice.voucher;
    const answer = redeemedAnswer(payment.transactionId, voucher.campaignId, voucher.voucherId, voucher.discount, choice.payable);
    if (known && early && !discountSurvivesEarlyRefunds(payment.amount, early, voucher.threshold)) return answerOf(known);
    const benefit = { kind: "voucher", voucher, owner: payer?.residentId ?? body.payerId } as const;
    const outcome = await retry(() =>
      known && early ? redeemAfterEarlyRefunds(db, tables, { payment, benefit, answer, early: known }) : redeem(db, tables, { payment, benefit, answer }),
    );
    if (outcome.outcome === "redeemed") return answer;
    if (outcome.outcome === "duplicate") return answerOf(outcome.record);
    // Another transaction got it first (or it is no longer as chosen): the next best, or none.
    // Excluded by identity, not by voucherId, so its namesake in another campaign stays a candidate.
    candidates = candidates.filter((candidate) => candidate !== voucher);
  }
  throw new ThrottledError("The payer's vouchers are changing under concurrent payments; deliver the payment again", 1);
}

/**
 * Records a partner's refund, whole or partial (API.md "Partner interface hardening"), and answers
 * `{transactionId, reversed, refunded, remaining}`. The rules are {@link decideRefund}'s: the
 * discount is reversed once, by the refund after which what remains is below the voucher's
 * threshold. Each eventId is answered once and then again with the same answer; a refund without
 * amount when nothing remains gets the state as it is. Concurrent refunds of one transaction each
 * write only if the record's `refunded` is still what they read, so none is lost.
 *
 * @throws AmountOutOfRangeError, OccurredInFutureError,
 *   RefundBeforePaymentError or RefundExceedsPaymentError (400, nothing written); TooManyRefundsError
 *   (409); ThrottledError when DynamoDB keeps throttling or the transaction keeps changing under
 *   concurrent refunds.
 */
export async function recordRefund(input: PartnerRequest<RefundBody>, deps: RefundDependencies): Promise<RefundAnswer> {
  const { partnerId, body } = input;
  if (body.amount !== undefined) assertAmountInRange(body.amount, deps.maxPartnerAmount);
  assertNotInFuture(body.occurredAt, deps.now());
  const { db, tables } = deps;
  const retry = <T>(operation: () => Promise<T>) => withRetries(operation, deps.retry);
  const recordedAt = deps.now().toISOString();
  const { eventId, transactionId } = body;
  const eventOf = (refund: number, answer: RefundAnswer): RefundEvent => ({
    occurredAt: body.occurredAt,
    ...(body.amount === undefined ? {} : { amount: body.amount }),
    refund,
    answer,
    recordedAt,
  });
  const answerOf = (reversed: boolean, refunded: number, remaining: number) => refundAnswerSchema.parse({ transactionId, reversed, refunded, remaining });

  let record = await retry(() => readTransaction(db, tables.redemptions, partnerId, transactionId));
  // The thresholds of redeemed vouchers do not change: read at most once.
  let threshold: number | undefined;
  for (let round = 0; round < MAX_REFUND_ROUNDS; round += 1) {
    const known = record && storedRefundAnswer(record, eventId);
    if (known) return known;
    if (record === undefined || (record.status === "REFUNDED_BEFORE_PAYMENT" && record.answer === undefined)) {
      // Nothing known paid yet: kept with what it asks, for the payment to meet (remaining: nothing known).
      const refunded = (record?.refunded ?? 0) + (body.amount ?? 0);
      assertKeepsRefundEvents(record);
      const early = record;
      const written = await retry(() =>
        recordEarlyRefund(db, tables.redemptions, { partnerId, transactionId, eventId, event: eventOf(body.amount ?? 0, answerOf(false, refunded, 0)), inFull: body.amount === undefined, record: early }),
      );
      record = written.record;
      continue;
    }
    const paid = record;
    if (paid.occurredAt === undefined || paid.amount === undefined) throw new Error(`transaction ${partnerId}/${transactionId} is ${paid.status} without its payment`);
    assertRefundNotBeforePayment(body.occurredAt, paid.occurredAt);
    const redemption = paid.status === "REDEEMED" ? paid : undefined;
    if (redemption && threshold === undefined) threshold = redemption.instant?.threshold ?? (await retry(() => redeemedThreshold(db, tables, redemption)));
    const decision = decideRefund({ amount: paid.amount, refunded: refundedSoFar(paid), threshold: redemption ? threshold : undefined, reversed: paid.status === "REVERSED" }, body.amount);
    const answer = answerOf(paid.status === "REVERSED" || decision.reversed, decision.refunded, decision.remaining);
    // Nothing left to refund and none asked: the state as it is, nothing written (nothing could change it).
    if (decision.refund === 0) return answer;
    assertKeepsRefundEvents(paid);
    let refundPolicy: "void" | "restore" = "void";
    if (decision.reverses && redemption?.campaignId !== undefined) {
      const campaignId = redemption.campaignId;
      const loaded = await retry(() => loadCampaign(db, tables.campaigns, campaignId, { consistent: true }));
      // A campaign that vanished cannot take its voucher back: void it.
      refundPolicy = loaded?.campaign.refundPolicy ?? "void";
    }
    const outcome = await retry(() => applyRefund(db, tables, { record: paid, eventId, event: eventOf(decision.refund, answer), reverses: decision.reverses, refundPolicy }));
    if (outcome.outcome === "refunded") {
      // Once, by the refund that committed the reversal: a redelivery finds its answer above.
      if (outcome.restoreInstant && redemption?.instant && redemption.instantDiscountId && redemption.campaignId) {
        await restoreInstantDiscount({ ...redemption, campaignId: redemption.campaignId, instantDiscountId: redemption.instantDiscountId, instant: redemption.instant }, deps);
      }
      return answer;
    }
    // Another refund (or the payment, or a clawback) changed the record: decide again from it.
    record = outcome.record;
  }
  throw new ThrottledError("The transaction keeps changing under concurrent refunds; deliver the refund again", 1);
}

/** A record that must exist (a write said so) but cannot be read: a fault, never an answer. */
function missing(payment: PaymentRecordFields): never {
  throw new Error(`transaction ${payment.partnerId}/${payment.transactionId} has no record after a write found one`);
}

/** What refunds that came before the payment asked, while the payment has not been answered; undefined otherwise. */
function earlyRefundsOf(record: TransactionRecord | undefined): EarlyRefunds | undefined {
  if (record?.status !== "REFUNDED_BEFORE_PAYMENT" || record.answer !== undefined) return undefined;
  // A record from before partial refunds has no `refunded`: its one refund was of the whole payment.
  return { refunded: record.refunded ?? 0, inFull: record.refunded === undefined || record.refundedInFull === true };
}

/** The answer already given to `eventId` on this transaction, if any. */
function storedRefundAnswer(record: TransactionRecord, eventId: string): RefundAnswer | undefined {
  const event = record.refunds?.[eventId];
  if (event) return event.answer;
  // Records from before partial refunds kept their one refund under `refund` only.
  if (record.refund?.eventId === eventId) return refundAnswerOf(record, record.refund.answer);
  return undefined;
}

/** A transaction keeps at most MAX_REFUND_EVENTS refund events (its record's size is bounded). */
function assertKeepsRefundEvents(record: TransactionRecord | undefined): void {
  if (record?.refunds !== undefined && Object.keys(record.refunds).length >= MAX_REFUND_EVENTS) {
    throw new TooManyRefundsError(`Transaction ${record.transactionId} has had ${MAX_REFUND_EVENTS} refunds already`, { details: { limit: MAX_REFUND_EVENTS } });
  }
}

/** The threshold of the voucher a redemption used: from the record when it keeps it, else from the voucher itself. */
async function redeemedThreshold(db: DynamoDBDocumentClient, tables: { vouchers: string }, record: Extract<TransactionRecord, { status: "REDEEMED" | "NO_DISCOUNT" | "REVERSED" }>): Promise<number> {
  const voucher = record.voucher;
  if (!voucher || record.campaignId === undefined || record.voucherId === undefined) throw new Error(`redemption ${record.partnerId}/${record.transactionId} has no voucher address`);
  const threshold = await readVoucherThreshold(db, tables.vouchers, { campaignId: record.campaignId, voucherId: record.voucherId, ...voucher });
  if (threshold === undefined) throw new Error(`voucher ${record.voucherId} of redemption ${record.partnerId}/${record.transactionId} cannot be read`);
  return threshold;
}
