/**
 * Refunds, whole or partial (API.md "Partner interface hardening"), of partner transactions.
 *
 * Every refund write is conditioned on the record's `refunded` as it was read (an optimistic lock):
 * two partial refunds that race both read the same `refunded`, one commits, the other's condition
 * fails and it is decided again from the record as it is now, so no refund is lost or counted
 * twice. Each event is kept under `refunds.<eventId>` in the same write, so its delivery again gets
 * its answer. A refund that reverses a redemption moves its voucher and files its REVERSAL ledger
 * record in the same transaction as the record's change; a partial refund files a PARTIAL_REFUND.
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type RefundAnswer, refundAnswerSchema } from "../api/payment-schemas.js";
import type * as z from "../zod.js";
import { issuedVoucherKey } from "./keys.js";
import { cancellationReasons } from "./dynamo.js";
import { ledgerPuts, utcInstant } from "./ledger.js";
import { redemptionRef } from "./redemptions.js";
import {
  type RefundEvent,
  type RefundPart,
  type TransactionRecord,
  MAX_REFUND_EVENTS,
  type storedRefundAnswerSchema,
  putTransactionOnce,
  transactionOfCancellation,
  transactionRecordSchema,
  transactionUpdate,
  updateTransaction,
} from "./transactions.js";

/**
 * What a transaction's refunds have taken so far, in fen. Records written before partial refunds
 * existed carry no `refunded`: their refund, if any, was of the whole payment.
 */
export function refundedSoFar(record: TransactionRecord): number {
  if (record.refunded !== undefined) return record.refunded;
  if (record.status === "REFUNDED_BEFORE_PAYMENT") return record.answer !== undefined && record.amount !== undefined ? record.amount : 0;
  return record.refund !== undefined ? record.amount : 0;
}

/**
 * The answer of a refund as the partner receives it, from a stored one: answers stored before
 * partial refunds existed lack `refunded` and `remaining`, which the record then supplies.
 */
export function refundAnswerOf(record: TransactionRecord, stored: z.infer<typeof storedRefundAnswerSchema>): RefundAnswer {
  const refunded = stored.refunded ?? refundedSoFar(record);
  const remaining = stored.remaining ?? Math.max(0, (record.amount ?? refunded) - refunded);
  return refundAnswerSchema.parse({ transactionId: stored.transactionId, reversed: stored.reversed, refunded, remaining });
}

/** A refund write's outcome: done, or the record had changed since it was read (it comes back as it is now). */
export type RefundOutcome = { outcome: "refunded"; record: TransactionRecord } | { outcome: "changed"; record: TransactionRecord };

/** The pieces of an update that files one refund event on a record, conditioned on the record as it was read. */
function refundEventUpdate(record: TransactionRecord | undefined, eventId: string, event: RefundEvent) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":refunded": event.answer.refunded };
  const sets = ["refunded = :refunded"];
  const conditions: string[] = [];
  if (record?.refunds === undefined) {
    sets.push("refunds = :refunds");
    values[":refunds"] = { [eventId]: event };
    conditions.push("attribute_not_exists(refunds)");
  } else {
    sets.push("refunds.#eventId = :event");
    names["#eventId"] = eventId;
    values[":event"] = event;
    values[":maxEvents"] = MAX_REFUND_EVENTS;
    conditions.push("attribute_not_exists(refunds.#eventId)", "size(refunds) < :maxEvents");
  }
  if (record?.refunded === undefined) conditions.push("attribute_not_exists(refunded)");
  else {
    values[":refundedBefore"] = record.refunded;
    conditions.push("refunded = :refundedBefore");
  }
  return { names, values, sets, conditions };
}

/**
 * A refund of a transaction the platform has not seen paid: kept (first as a new
 * REFUNDED_BEFORE_PAYMENT record, later ones added to it) with what it asked for, answered
 * `reversed: false`, `refunded` the early refunds' sum so far, `remaining` 0 (nothing known paid).
 * The payment, when it comes, is answered as if these refunds had come after it.
 */
export async function recordEarlyRefund(
  db: DynamoDBDocumentClient,
  table: string,
  input: { partnerId: string; transactionId: string; eventId: string; event: RefundEvent; inFull: boolean; record: TransactionRecord | undefined },
): Promise<RefundOutcome> {
  const { partnerId, transactionId, eventId, event, record } = input;
  const part: RefundPart = { eventId, occurredAt: event.occurredAt, answer: event.answer, recordedAt: event.recordedAt };
  if (record === undefined) {
    const written = await putTransactionOnce(db, table, {
      partnerId,
      transactionId,
      status: "REFUNDED_BEFORE_PAYMENT",
      refund: part,
      refunded: event.answer.refunded,
      refundedInFull: input.inFull,
      refunds: { [eventId]: event },
    });
    return { outcome: written.outcome === "recorded" ? "refunded" : "changed", record: written.record };
  }
  const update = refundEventUpdate(record, eventId, event);
  const updated = await updateTransaction(db, table, record, {
    UpdateExpression: `SET ${[...update.sets, "refundedInFull = :inFull"].join(", ")}`,
    ConditionExpression: ["#status = :refundedFirst", "attribute_not_exists(answer)", ...update.conditions].join(" AND "),
    ExpressionAttributeNames: { ...update.names, "#status": "status" },
    ExpressionAttributeValues: { ...update.values, ":refundedFirst": "REFUNDED_BEFORE_PAYMENT", ":inFull": input.inFull || (record.status === "REFUNDED_BEFORE_PAYMENT" && record.refundedInFull === true) },
  });
  return { outcome: updated.updated ? "refunded" : "changed", record: updated.record };
}

/**
 * Files a refund of a paid transaction, decided by the caller from `record` as it was read:
 * `refunded` and the event go on the record (only if `refunded` is still what was read), and,
 * for a redemption not clawed back, in the same transaction:
 * - the refund that reverses (`reverses`): status REVERSED with the refund, the voucher VOID (or
 *   CLAIMED again under `restore` while still valid), a REVERSAL record (−discount) with its marker;
 * - any other refund taking something off: a PARTIAL_REFUND record (its amount, discount 0) with
 *   its marker, so gross sales drop by it and settlement holds it like any record.
 * After a reversal (or a fraud clawback) gross sales already dropped to nothing: later refunds
 * only count on the record. A clawed-back redemption that reverses voids its voucher but puts no
 * reversal: its discount was taken back from the merchant once already.
 */
export async function applyRefund(
  db: DynamoDBDocumentClient,
  table: { redemptions: string; vouchers: string },
  input: { record: TransactionRecord; eventId: string; event: RefundEvent; reverses: boolean; refundPolicy: "void" | "restore" },
): Promise<RefundOutcome & { voucherStatus?: "VOID" | "CLAIMED"; restoreInstant?: boolean }> {
  const { record, eventId, event } = input;
  if (record.status === "REFUNDED_BEFORE_PAYMENT" && record.answer === undefined) {
    throw new Error(`transaction ${record.partnerId}/${record.transactionId} has not been paid: its refunds are early refunds`);
  }
  // A redemption (REDEEMED) has its voucher, campaign and ledger; other records only count refunds.
  const redemption = record.status === "REDEEMED" ? record : undefined;
  const redeemed = redemption !== undefined;
  const withVoucher = redemption?.voucherId !== undefined && redemption.voucher !== undefined;
  const withInstant = redemption?.instantDiscountId !== undefined && redemption.instant !== undefined;
  if (input.reverses && (!redemption?.campaignId || !(withVoucher || withInstant))) {
    throw new Error(`transaction ${record.partnerId}/${record.transactionId} is not a redemption that can be reversed`);
  }
  const update = refundEventUpdate(record, eventId, event);
  const names: Record<string, string> = { ...update.names, "#status": "status" };
  const values: Record<string, unknown> = { ...update.values, ":status": record.status };
  const sets = [...update.sets];
  const conditions = ["#status = :status", ...update.conditions];
  const part: RefundPart = { eventId, occurredAt: event.occurredAt, answer: event.answer, recordedAt: event.recordedAt };
  const clawedBack = redemption?.clawback !== undefined;
  if (redeemed) conditions.push(`${clawedBack ? "attribute_exists" : "attribute_not_exists"}(clawback)`, "attribute_not_exists(refund)");
  // A redemption whose statement was forfeited (store/statement-lines.ts markForfeitedRecords) had its
  // discount never paid: its reversal charges nothing back. The mark as read is a condition, so a
  // forfeiture marking it meanwhile makes the refund read it again.
  const forfeited = redemption?.forfeitedBy !== undefined;
  if (redeemed) conditions.push(`${forfeited ? "attribute_exists" : "attribute_not_exists"}(forfeitedBy)`);
  const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [];
  let voucherStatus: "VOID" | "CLAIMED" | undefined;
  let next: TransactionRecord = { ...record, refunded: event.answer.refunded, refunds: { ...record.refunds, [eventId]: event } };
  const refundAt = utcInstant(event.occurredAt);
  const paymentAt = utcInstant(record.occurredAt!);
  const ledgerBaseOf = (filed: NonNullable<typeof redemption>) => ({
    campaignId: filed.campaignId!,
    merchantId: filed.merchantId,
    partnerId: filed.partnerId,
    transactionId: filed.transactionId,
    ...(filed.voucherId === undefined ? {} : { voucherId: filed.voucherId }),
    ...(filed.instantDiscountId === undefined ? {} : { instantDiscountId: filed.instantDiscountId }),
    payerId: filed.payerId,
    occurredAt: refundAt,
    paymentOccurredAt: paymentAt,
    eventId,
    recordedAt: event.recordedAt,
  });
  let restoreInstant = false;
  if (input.reverses && redemption?.campaignId && redemption.instant && redemption.instantDiscountId) {
    // An instant discount has no voucher to move: its quota unit goes back after the commit (the caller's, under `restore`).
    sets.push("#status = :reversed", "refund = :refund");
    values[":reversed"] = "REVERSED";
    values[":refund"] = part;
    next = { ...next, status: "REVERSED", refund: part } as TransactionRecord;
    restoreInstant = input.refundPolicy === "restore";
    if (!clawedBack && !forfeited) {
      const refundedBefore = refundedSoFar(record);
      items.push(...ledgerPuts(table.redemptions, { kind: "REVERSAL", ...ledgerBaseOf(redemption), amount: redemption.amount, discount: -redemption.discount, refundedBefore }));
    }
  } else if (input.reverses && redemption?.voucher && redemption.voucherId && redemption.campaignId) {
    sets.push("#status = :reversed", "refund = :refund");
    values[":reversed"] = "REVERSED";
    values[":refund"] = part;
    next = { ...next, status: "REVERSED", refund: part } as TransactionRecord;
    // Restored only while still valid both at the refund and now: a refund reported after the
    // voucher expired must not bring back a voucher nobody can spend (nor one the expiry sweep has passed).
    const restore =
      input.refundPolicy === "restore" && Date.parse(redemption.voucher.expiresAt) > Math.max(Date.parse(refundAt), Date.parse(event.recordedAt));
    voucherStatus = restore ? "CLAIMED" : "VOID";
    const ref = redemptionRef(record.partnerId, record.transactionId);
    items.push({
      Update: {
        TableName: table.vouchers,
        Key: issuedVoucherKey(redemption.campaignId, redemption.voucher.dropId, redemption.voucher.voucherTypeId, redemption.voucher.shard, redemption.voucherId),
        UpdateExpression: restore
          ? "SET #status = :next, restoredAt = :at, restoredFrom = :ref REMOVE redeemedAt, redeemedBy"
          : "SET #status = :next, voidedAt = :at, voidedBy = :ref",
        ConditionExpression: "#status = :redeemed AND redeemedBy = :ref",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":next": voucherStatus, ":redeemed": "REDEEMED", ":ref": ref, ":at": refundAt },
      },
    });
    if (!clawedBack && !forfeited) {
      const refundedBefore = refundedSoFar(record);
      items.push(...ledgerPuts(table.redemptions, { kind: "REVERSAL", ...ledgerBaseOf(redemption), amount: redemption.amount, discount: -redemption.discount, refundedBefore }));
    }
  } else if (redemption && !clawedBack && event.refund > 0) {
    items.push(...ledgerPuts(table.redemptions, { kind: "PARTIAL_REFUND", ...ledgerBaseOf(redemption), amount: event.refund, discount: 0 }));
  }
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          transactionUpdate(table.redemptions, record, {
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: conditions.join(" AND "),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
          ...items,
        ],
      }),
    );
    return { outcome: "refunded", record: transactionRecordSchema.parse(next), ...(voucherStatus ? { voucherStatus } : {}), ...(restoreInstant ? { restoreInstant } : {}) };
  } catch (error) {
    const [txn, ...rest] = cancellationReasons(error);
    if (txn === undefined) throw error;
    if (txn === "ConditionalCheckFailed") return { outcome: "changed", record: await transactionOfCancellation(db, table.redemptions, error, 0, record) };
    if (rest.includes("ConditionalCheckFailed")) {
      throw new Error(`voucher ${redemption?.voucherId} or a refund record of ${record.partnerId}/${record.transactionId} is not as its redemption left it`, { cause: error });
    }
    throw error;
  }
}

export type ReverseOutcome =
  | { outcome: "reversed"; record: TransactionRecord; voucherStatus: "VOID" | "CLAIMED" }
  /** The record is no longer REDEEMED without a refund (a concurrent refund won); it comes back as it is now. */
  | { outcome: "changed"; record: TransactionRecord };

/**
 * Reverses a REDEEMED transaction by refunding the rest of its payment (see {@link applyRefund}):
 * the record becomes REVERSED, the voucher VOID or CLAIMED again, the reversal is filed.
 */
export async function reverse(
  db: DynamoDBDocumentClient,
  table: { redemptions: string; vouchers: string },
  input: { record: TransactionRecord; refund: RefundPart; refundPolicy: "void" | "restore" },
): Promise<ReverseOutcome> {
  const { record, refund } = input;
  if (record.status !== "REDEEMED") throw new Error(`transaction ${record.partnerId}/${record.transactionId} is not a redemption`);
  const refunded = refundedSoFar(record);
  const answer = refundAnswerSchema.parse({ transactionId: record.transactionId, reversed: true, refunded: record.amount, remaining: 0 });
  const event: RefundEvent = { occurredAt: refund.occurredAt, refund: record.amount - refunded, answer, recordedAt: refund.recordedAt };
  const outcome = await applyRefund(db, table, { record, eventId: refund.eventId, event, reverses: true, refundPolicy: input.refundPolicy });
  return outcome.outcome === "refunded" ? { outcome: "reversed", record: outcome.record, voucherStatus: outcome.voucherStatus ?? "VOID" } : outcome;
}

