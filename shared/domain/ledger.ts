/**
 * The settlement ledger, as the domain knows it: every redemption (+discount) and every reversal,
 * clawback and partial refund of one, one ledger record each. The store files them (store/ledger.ts);
 * settlement adds them up, statistics count them, the fraud detector judges the new ones.
 */
import * as z from "../zod.js";
import { fen, positiveFen } from "./money.js";

const ledgerBase = {
  campaignId: z.string(),
  merchantId: z.string(),
  partnerId: z.string(),
  transactionId: z.string(),
  /** The redeemed voucher; absent when the benefit was an instant discount. */
  voucherId: z.string().optional(),
  /** The instant discount applied (card-swipe, no voucher); absent for a voucher. */
  instantDiscountId: z.string().optional(),
  payerId: z.string(),
  amount: positiveFen,
  /** UTC ISO, as in the sort key. */
  occurredAt: z.string(),
  recordedAt: z.string(),
  /** The statement that holds the record, once one does. */
  statementId: z.string().optional(),
};
/** One ledger record, by kind. */
export const ledgerRecordSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("REDEMPTION"),
    ...ledgerBase,
    discount: positiveFen,
    /** The threshold of the voucher redeemed or the instant-discount tier applied (the fraud detector's threshold-hugging rule); absent on records written before it was kept. */
    threshold: positiveFen.optional(),
  }),
  z.object({
    kind: z.literal("REVERSAL"),
    ...ledgerBase,
    /** The reversed discount, negative. */
    discount: z.int().negative(),
    /** The reversed redemption's occurredAt (UTC ISO). */
    paymentOccurredAt: z.string(),
    eventId: z.string(),
    /** Partial refunds of the payment filed before this reversal (PARTIAL_REFUND records): gross sales drop by amount − refundedBefore now. */
    refundedBefore: fen.optional(),
  }),
  z.object({
    kind: z.literal("PARTIAL_REFUND"),
    ...ledgerBase,
    /** What this refund gave back, in fen (not the payment's amount): gross sales drop by it. */
    amount: positiveFen,
    /** A refund that leaves the discount standing moves no money between bureau and merchant. */
    discount: z.literal(0),
    /** The refunded redemption's occurredAt (UTC ISO). */
    paymentOccurredAt: z.string(),
    eventId: z.string(),
  }),
  z.object({
    kind: z.literal("CLAWBACK"),
    ...ledgerBase,
    /** The clawed-back redemption's discount, negative. */
    discount: z.int().negative(),
    /** The clawed-back redemption's occurredAt (UTC ISO); the clawback's own occurredAt is when the flag was decided. */
    paymentOccurredAt: z.string(),
    /** The confirmed fraud flag that named the redemption. */
    flagId: z.string(),
    /** Partial refunds of the payment filed before the clawback: gross sales drop by amount − refundedBefore now. */
    refundedBefore: fen.optional(),
  }),
]);
export type LedgerRecord = z.infer<typeof ledgerRecordSchema>;

/** A ledger record that is a redemption. */
export type RedemptionRecord = Extract<LedgerRecord, { kind: "REDEMPTION" }>;

/** A new ledger record as the fraud detector judges it: a redemption or a reversal. */
export interface LedgerRecordFacts {
  kind: "REDEMPTION" | "REVERSAL";
  campaignId: string;
  merchantId: string;
  partnerId: string;
  transactionId: string;
  payerId: string;
  amount: number;
  /** The redeemed voucher's threshold or the applied instant-discount tier's, on redemptions recorded since it was kept. */
  threshold?: number | undefined;
  /** UTC ISO. */
  occurredAt: string;
  /** Reversals: when the reversed payment occurred. */
  paymentOccurredAt?: string | undefined;
}

/**
 * The facts the fraud detector judges of a filed redemption or reversal. They name no benefit:
 * a voucher's record and an instant discount's are judged alike, the threshold being the voucher's
 * or the applied tier's (both kept on the REDEMPTION record).
 */
export function ledgerRecordFacts(record: Extract<LedgerRecord, { kind: "REDEMPTION" | "REVERSAL" }>): LedgerRecordFacts {
  return {
    kind: record.kind,
    campaignId: record.campaignId,
    merchantId: record.merchantId,
    partnerId: record.partnerId,
    transactionId: record.transactionId,
    payerId: record.payerId,
    amount: record.amount,
    occurredAt: record.occurredAt,
    ...(record.kind === "REDEMPTION" ? { threshold: record.threshold } : { paymentOccurredAt: record.paymentOccurredAt }),
  };
}
