/**
 * Test-data factory for fraud detection: ledger records as the payment and refund webhooks write
 * them (with the voucher's threshold), and the stream changes the redemptions table emits for
 * them, so the detector can be fed crafted sequences without playing every payment.
 */
import { randomUUID } from "node:crypto";
import type { StreamChange } from "../../shared/use-cases/stats.js";
import { ledgerPartition } from "../../shared/store/keys.js";
import type { LedgerRecord } from "../../shared/domain/ledger.js";
import { ledgerSortKey } from "../../shared/store/ledger.js";
import { ledgerRecord } from "./settlement.js";

export interface FraudRecordSpec {
  campaignId: string;
  merchantId: string;
  payerId?: string;
  partnerId?: string;
  transactionId?: string;
  amount?: number;
  discount?: number;
  /** Default 10,000 fen (满100减30); null for a record written before thresholds were kept. */
  threshold?: number | null;
  occurredAt: string;
  /** A reversal of the payment that occurred then. */
  reversalOf?: string;
}

/** A REDEMPTION (or, with `reversalOf`, a REVERSAL) ledger record, by a payer of its own unless named. */
export function fraudRecord(spec: FraudRecordSpec): LedgerRecord {
  const record = ledgerRecord({
    ...spec,
    payerId: spec.payerId ?? `payer-${randomUUID().slice(0, 8)}`,
    amount: spec.amount ?? 15_000,
    recordedAt: new Date().toISOString(),
    ...(spec.reversalOf === undefined ? { kind: "REDEMPTION" } : { kind: "REVERSAL", paymentOccurredAt: spec.reversalOf }),
  });
  return record.kind === "REDEMPTION" && spec.threshold !== null ? { ...record, threshold: spec.threshold ?? 10_000 } : record;
}

/** The stream change (INSERT, new image) the redemptions table emits when the record is put. */
export function ledgerChange(entry: LedgerRecord): StreamChange {
  return {
    eventId: `ev-${randomUUID()}`,
    eventName: "INSERT",
    newImage: { pk: ledgerPartition(entry.campaignId, entry.merchantId), sk: ledgerSortKey(entry.occurredAt, entry.partnerId, entry.transactionId, entry.kind), ...entry },
  };
}

/** `minutes` after `start` (ISO), UTC ISO. */
export function minutesAfter(start: string, minutes: number): string {
  return new Date(Date.parse(start) + minutes * 60_000).toISOString();
}
