/**
 * The business metrics of the platform (namespace Vouchers), counted by the adapters in functions/
 * from what the use cases answered: the domain and the use cases stay free of metrics. Each name
 * is what the dashboard and the alarms (infra/constructs/observability.ts) read; docs/runbook.md
 * ("Metrics") lists them. Answers are counted as given: a keyed retry or a redelivered message
 * that gets the same answer again counts again.
 */
import { LimitReachedError, SoldOutError } from "../errors.js";
import type { PaymentAnswer, RefundAnswer } from "../api/payment-schemas.js";
import type { DetectionOutcome } from "../use-cases/fraud.js";
import type { ProgrammePayOutcome } from "../use-cases/programme-payouts.js";
import type { PayOutcome, SettleOutcome } from "../use-cases/settlement.js";
import type { TickOutcome } from "../use-cases/ticker.js";
import { addCount } from "./metrics.js";

/** Every business metric's name, as the alarms and the dashboard spell it. */
export const BUSINESS_METRIC = {
  claimSucceeded: "ClaimSucceeded",
  claimSoldOut: "ClaimSoldOut",
  claimLimitReached: "ClaimLimitReached",
  voucherRedeemed: "VoucherRedeemed",
  instantDiscountApplied: "InstantDiscountApplied",
  paymentWithoutDiscount: "PaymentWithoutDiscount",
  refundRecorded: "RefundRecorded",
  refundWithReversal: "RefundWithReversal",
  statementSettled: "StatementSettled",
  payoutPaid: "PayoutPaid",
  payoutHeld: "PayoutHeld",
  payoutFailed: "PayoutFailed",
  payoutResent: "PayoutResent",
  pendingStatementsOverHour: "PendingStatementsOverHour",
  fraudFlagRaised: "FraudFlagRaised",
  merchantSuspendedForFraud: "MerchantSuspendedForFraud",
  tickerHeartbeat: "TickerHeartbeat",
} as const;

/**
 * Counts a claim's outcome: `ClaimSucceeded`, or `ClaimSoldOut` / `ClaimLimitReached` for the
 * refusals a drop day is about; other errors are the error metrics' (API 4xx/5xx). The claim's
 * answer or error is passed on unchanged.
 */
export async function countClaim<T>(claim: Promise<T>): Promise<T> {
  try {
    const voucher = await claim;
    addCount(BUSINESS_METRIC.claimSucceeded);
    return voucher;
  } catch (error) {
    if (error instanceof SoldOutError) addCount(BUSINESS_METRIC.claimSoldOut);
    else if (error instanceof LimitReachedError) addCount(BUSINESS_METRIC.claimLimitReached);
    throw error;
  }
}

/** Counts a payment's answer: a voucher redeemed, an instant discount applied, or no discount. */
export function countPayment(answer: PaymentAnswer): void {
  if (answer.voucherId !== null) addCount(BUSINESS_METRIC.voucherRedeemed);
  else if ("instantDiscountId" in answer) addCount(BUSINESS_METRIC.instantDiscountApplied);
  else addCount(BUSINESS_METRIC.paymentWithoutDiscount);
}

/** Counts a refund's answer, and whether it leaves the redemption reversed. */
export function countRefund(answer: RefundAnswer): void {
  addCount(BUSINESS_METRIC.refundRecorded);
  if (answer.reversed) addCount(BUSINESS_METRIC.refundWithReversal);
}

/** Counts a statement the settlement worker finished, with its status as the dimension `status`. */
export function countSettlement(outcome: SettleOutcome): void {
  if (outcome.outcome === "settled") addCount(BUSINESS_METRIC.statementSettled, 1, { status: outcome.statement.status });
}

/** Counts a payout the payout worker made (a statement's or a programme payable's), or held. */
export function countPayout(outcome: PayOutcome | ProgrammePayOutcome): void {
  if (outcome.outcome === "paid") addCount(BUSINESS_METRIC.payoutPaid);
  else if (outcome.outcome === "held") addCount(BUSINESS_METRIC.payoutHeld);
}

/** Counts a payout given up on that became FAILED now (a redelivered DLQ message counts nothing). */
export function countPayoutFailure(outcome: { failedNow: boolean }): void {
  if (outcome.failedNow) addCount(BUSINESS_METRIC.payoutFailed);
}

/** Counts the fraud detector's hits (flags raised) and the merchants it suspended. */
export function countFraudDetection(outcome: Pick<DetectionOutcome, "hits" | "suspended">): void {
  if (outcome.hits > 0) addCount(BUSINESS_METRIC.fraudFlagRaised, outcome.hits);
  if (outcome.suspended > 0) addCount(BUSINESS_METRIC.merchantSuspendedForFraud, outcome.suspended);
}

/**
 * Counts a tick: the heartbeat (1 per firing, so its absence can be alarmed on), payout messages
 * re-sent, and of those, statements PENDING for an hour or more (shared/domain/settlement.ts,
 * isStalePending). The overdue
 * count is always written, 0 included, so its graph shows the sweep ran.
 */
export function countTick(outcome: Pick<TickOutcome, "settlement" | "programmePayouts">): void {
  addCount(BUSINESS_METRIC.tickerHeartbeat);
  const resent = outcome.settlement.resentPayouts.length + (outcome.programmePayouts?.resent.length ?? 0);
  if (resent > 0) addCount(BUSINESS_METRIC.payoutResent, resent);
  addCount(BUSINESS_METRIC.pendingStatementsOverHour, outcome.settlement.resentPayouts.filter((resent) => resent.pendingOverHour).length);
}
