/**
 * Test-data factory for settlement: ledger records (with their unsettled markers) written
 * straight to the redemptions table with the store's own keys, and merchants and partners, so
 * settlement tests do not have to play every payment through its webhook.
 */
import { randomUUID } from "node:crypto";
import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { merchantKey, partnerKey } from "../../shared/store/keys.js";
import type { LedgerRecord } from "../../shared/domain/ledger.js";
import { ledgerPuts, utcInstant } from "../../shared/store/ledger.js";

export interface RecordSpec {
  campaignId: string;
  merchantId: string;
  partnerId?: string;
  transactionId?: string;
  /** Default payer-1. */
  payerId?: string;
  kind?: LedgerRecord["kind"];
  /** Positive; negated for a reversal. */
  discount?: number;
  amount?: number;
  occurredAt: string;
  recordedAt?: string;
  /** A reversal: when its payment occurred. */
  paymentOccurredAt?: string;
}

/** A ledger record as the payment and refund webhooks write it. */
export function ledgerRecord(spec: RecordSpec): LedgerRecord {
  const base = {
    campaignId: spec.campaignId,
    merchantId: spec.merchantId,
    partnerId: spec.partnerId ?? "bank-a",
    transactionId: spec.transactionId ?? `t-${randomUUID().slice(0, 12)}`,
    voucherId: `v-${randomUUID().slice(0, 12)}`,
    payerId: spec.payerId ?? "payer-1",
    amount: spec.amount ?? 12_000,
    occurredAt: utcInstant(spec.occurredAt),
    recordedAt: spec.recordedAt ?? new Date().toISOString(),
  };
  const discount = spec.discount ?? 3_000;
  return spec.kind === "REVERSAL"
    ? { ...base, kind: "REVERSAL", discount: -discount, paymentOccurredAt: utcInstant(spec.paymentOccurredAt ?? spec.occurredAt), eventId: `e-${randomUUID().slice(0, 8)}` }
    : { ...base, kind: "REDEMPTION", discount };
}

/** Writes records and their markers, 12 records (24 items) per BatchWriteItem. */
export async function seedLedger(db: DynamoDBDocumentClient, table: string, records: readonly LedgerRecord[]): Promise<void> {
  const items = records.flatMap((record) => ledgerPuts(table, record).map((put) => put.Put.Item));
  for (let i = 0; i < items.length; i += 24) {
    let pending: Record<string, unknown>[] = items.slice(i, i + 24);
    while (pending.length > 0) {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
      pending = (result.UnprocessedItems?.[table] ?? []).map((request) => request.PutRequest!.Item!);
    }
  }
}

/** A merchant of `partnerId` in the given status. */
export async function seedMerchant(
  db: DynamoDBDocumentClient,
  table: string,
  merchant: {
    id: string;
    partnerId: string;
    status?: "PENDING" | "APPROVED" | "SUSPENDED";
    sector?: string;
    name?: string;
    /** When it was created and last changed; default now. */
    at?: string;
    /** When it was approved (the fraud detector's new-merchant rule); absent by default, as on merchants approved before it was kept. */
    approvedAt?: string;
  },
): Promise<void> {
  const now = merchant.at ?? new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...merchantKey(merchant.id),
        id: merchant.id,
        name: merchant.name ?? `Shop ${merchant.id}`,
        sector: merchant.sector ?? "supermarket",
        partnerId: merchant.partnerId,
        status: merchant.status ?? "APPROVED",
        ...(merchant.approvedAt === undefined ? {} : { approvedAt: merchant.approvedAt }),
        version: 1,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
}

/** A partner paid through `payoutUrl`, with one current secret (`signing-secret-<id>` unless given): payouts to it are signed. */
export async function seedPartner(db: DynamoDBDocumentClient, table: string, partner: { id: string; payoutUrl: string; secret?: string }): Promise<void> {
  const now = new Date().toISOString();
  const secrets = [{ secret: partner.secret ?? `signing-secret-${partner.id}`, createdAt: now }];
  await db.send(
    new PutCommand({
      TableName: table,
      Item: { ...partnerKey(partner.id), id: partner.id, name: `Bank ${partner.id}`, payoutUrl: partner.payoutUrl, secrets, version: 0, createdAt: now, updatedAt: now, createdBy: "seed" },
    }),
  );
}

/** An instant `offsetMs` from now (negative: in the past), with a +08:00 offset as a Chinese partner writes it. */
export function partnerTime(offsetMs = 0): string {
  const local = new Date(Date.now() + offsetMs + 8 * 3_600_000).toISOString();
  return `${local.slice(0, 23)}+08:00`;
}
