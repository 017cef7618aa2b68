/**
 * Partner transaction records (the `redemptions` table, `transactionKey(partner, txn)`): what each
 * partner transaction did and the answer it was given.
 *
 * A transaction record is written once per transaction id, always with `attribute_not_exists(pk)`,
 * so the first write wins and every later delivery, however late or concurrent, gets the answer
 * stored in it. It holds the exact answer body, and every refund event by its eventId. Storage
 * outcomes become named outcomes here: a record that already exists is a duplicate (its stored item
 * comes back through `ReturnValuesOnConditionCheckFailure`, or a fresh read if the service left it out).
 *
 * The writes that also move a voucher and file ledger records are in store/redemptions.ts and
 * store/refunds.ts; they build their transaction record items with the builders here.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { fen, positiveFen } from "../domain/money.js";
import { refundedAtPayment } from "../domain/refund.js";
import {
  type NoDiscountAnswer,
  type PaymentAnswer,
  instantAnswerSchema,
  noDiscountAnswerSchema,
  redeemedAnswerSchema,
  refundAnswerSchema,
} from "../api/payment-schemas.js";
import * as z from "../zod.js";
import { transactionKey } from "./keys.js";
import { cancellationItem, conditional, itemOfConditionFailure, putOnce } from "./dynamo.js";

/** A refund answer as stored: answers written before partial refunds lack `refunded` and `remaining` (see refundAnswerOf, store/refunds.ts). */
export const storedRefundAnswerSchema = z.object({ transactionId: z.string(), reversed: z.boolean(), refunded: fen.optional(), remaining: fen.optional() });

// ---------------------------------------------------------------------------------------------
// The transaction record.

export const TRANSACTION_STATUSES = ["REDEEMED", "NO_DISCOUNT", "REVERSED", "REFUNDED_BEFORE_PAYMENT"] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** Where the redeemed voucher is filed, and until when it is valid (for a `restore` refund). */
const voucherAddressSchema = z.object({
  dropId: z.string(),
  voucherTypeId: z.string(),
  shard: z.int().nonnegative(),
  expiresAt: z.string(),
});

/**
 * Where an instant discount's units were taken, so that a `restore` refund gives them back to
 * the same day's quota and the payer's counter.
 */
export const instantTakeSchema = z.object({
  /** The local day (campaign zone) of the payment, whose daily quota and payer count it took. */
  day: z.string(),
  /** The tier's threshold: a partial refund reverses the discount below it. */
  threshold: positiveFen,
  totalShard: z.int().nonnegative(),
  /** The shard of the day's counter taken (every application since it is always kept; absent on earlier records, which took none without a daily quota). */
  dailyShard: z.int().nonnegative().optional(),
  /** Whether a payer slot was taken (the discount has per-payer limits). */
  payerSlot: z.boolean(),
  /**
   * Whose payer counter the slot was taken on when it is not the payerId's own: the person key of
   * the resident a linked card token or a linked account acts for (linked identities).
   */
  payerKey: z.string().optional(),
});
export type InstantTake = z.infer<typeof instantTakeSchema>;

const refundPartSchema = z.object({ eventId: z.string(), occurredAt: z.string(), answer: storedRefundAnswerSchema, recordedAt: z.string() });
/** The refund that reversed the redemption (REVERSED), or the first refund of a record without one (legacy, refunded first). */
export type RefundPart = z.infer<typeof refundPartSchema>;

/** One refund event as the record keeps it, by eventId, so that the same event gets the same answer. */
const refundEventSchema = z.object({
  occurredAt: z.string(),
  /** What the partner asked for; absent: the rest of the payment. */
  amount: positiveFen.optional(),
  /** What it took off the payment. */
  refund: fen,
  answer: refundAnswerSchema,
  recordedAt: z.string(),
});
export type RefundEvent = z.infer<typeof refundEventSchema>;

/** Refund events kept per transaction (a bank refunds a purchase in a few parts; the record stays far below 400 KB). */
export const MAX_REFUND_EVENTS = 100;

/** Partial refunds: each record counts what its refunds took, and answers each event again from `refunds`. */
const refundFields = {
  /** Σ fen refunded so far (absent: nothing, or a full refund recorded before partial refunds existed). */
  refunded: fen.optional(),
  /** Every refund event by eventId (at most {@link MAX_REFUND_EVENTS}). */
  refunds: z.record(z.string(), refundEventSchema).optional(),
};

/**
 * A payment answer as stored: answers to voucher redemptions stored before answers named their
 * campaign lack `campaignId` ({@link paymentAnswerOf} adds it from the record).
 */
const storedPaymentAnswerSchema = z.union([redeemedAnswerSchema.extend({ campaignId: z.string().optional() }), instantAnswerSchema, noDiscountAnswerSchema]);

/** The payment part of a record: what the partner reported and what it was answered. */
const paymentPart = {
  eventId: z.string(),
  merchantId: z.string(),
  payerId: z.string(),
  amount: positiveFen,
  discount: fen,
  /** As the partner sent it (with its offset). */
  occurredAt: z.string(),
  answer: storedPaymentAnswerSchema,
  recordedAt: z.string(),
};

const paidRecordSchema = z.object({
  partnerId: z.string(),
  transactionId: z.string(),
  status: z.enum(["REDEEMED", "NO_DISCOUNT", "REVERSED"]),
  ...paymentPart,
  /** With a voucher (REDEEMED, REVERSED) only. */
  voucherId: z.string().optional(),
  campaignId: z.string().optional(),
  voucher: voucherAddressSchema.optional(),
  /** With an instant discount (REDEEMED, REVERSED) only: which one, and where its units were taken. */
  instantDiscountId: z.string().optional(),
  instant: instantTakeSchema.optional(),
  refund: refundPartSchema.optional(),
  ...refundFields,
  /** REDEEMED only: the redemption was clawed back for a confirmed fraud flag (once; a later refund then writes no reversal). */
  clawback: z.object({ flagId: z.string(), occurredAt: z.string(), recordedAt: z.string() }).optional(),
  /** REDEEMED only: the FORFEITED statement that held the redemption, never paid (a later refund then writes no reversal). */
  forfeitedBy: z.string().optional(),
});

/** A refund that came first: the payment fields arrive (answered TRANSACTION_REFUNDED) if the payment ever does. */
const refundedFirstRecordSchema = z.object({
  partnerId: z.string(),
  transactionId: z.string(),
  status: z.literal("REFUNDED_BEFORE_PAYMENT"),
  refund: refundPartSchema,
  ...refundFields,
  /** A refund without amount came first: the whole payment is refunded when it arrives. */
  refundedInFull: z.boolean().optional(),
  ...z.object(paymentPart).partial().shape,
});

export const transactionRecordSchema = z.discriminatedUnion("status", [paidRecordSchema, refundedFirstRecordSchema]);
export type TransactionRecord = z.infer<typeof transactionRecordSchema>;

/**
 * The payment answer a record holds, as the partner receives it now, or undefined before the payment
 * is answered: a voucher answer stored before answers named their campaign gets the record's
 * `campaignId`, in its place after `transactionId`.
 */
export function paymentAnswerOf(record: TransactionRecord): PaymentAnswer | undefined {
  const stored = record.answer;
  if (stored === undefined) return undefined;
  if (stored.voucherId !== null && stored.campaignId === undefined) {
    if (record.status === "REFUNDED_BEFORE_PAYMENT" || record.campaignId === undefined) throw new Error(`transaction ${record.partnerId}/${record.transactionId} redeemed a voucher without naming its campaign`);
    return redeemedAnswerSchema.parse({ ...stored, campaignId: record.campaignId });
  }
  return redeemedAnswerSchema.or(instantAnswerSchema).or(noDiscountAnswerSchema).parse(stored);
}

/** The partner's transaction, read strongly consistently, or undefined when it is unknown. */
export async function readTransaction(
  db: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
  transactionId: string,
): Promise<TransactionRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: transactionKey(partnerId, transactionId), ConsistentRead: true }));
  return Item ? transactionRecordSchema.parse(Item) : undefined;
}

/** What the partner reported, as stored with its answer. */
export interface PaymentRecordFields {
  partnerId: string;
  transactionId: string;
  eventId: string;
  merchantId: string;
  payerId: string;
  amount: number;
  /** As the partner sent it: ISO-8601 with offset. */
  occurredAt: string;
  /** When the platform recorded it. */
  recordedAt: string;
}

/** A write that happens once per transaction: done now, or the record an earlier write left. */
export type WriteOnce = { outcome: "recorded"; record: TransactionRecord } | { outcome: "exists"; record: TransactionRecord };

/**
 * Records a payment that gets no discount, with its answer, unless the transaction id is known
 * (then the earlier record comes back and nothing is written).
 */
export async function recordNoDiscount(
  db: DynamoDBDocumentClient,
  table: string,
  input: { payment: PaymentRecordFields; answer: NoDiscountAnswer },
): Promise<WriteOnce> {
  const { payment, answer } = input;
  return putTransactionOnce(db, table, { ...payment, status: "NO_DISCOUNT", discount: 0, answer });
}

/**
 * Answers the payment of a transaction refunded before it: records the payment and its
 * TRANSACTION_REFUNDED answer on the REFUNDED_BEFORE_PAYMENT record, once, with what the early
 * refunds took of it ({@link refundedAtPayment}: all of it when one asked for the rest, otherwise
 * their sum capped at the amount). A record that has an answer already (a concurrent delivery)
 * comes back as it is.
 */
export async function recordRefundedPayment(
  db: DynamoDBDocumentClient,
  table: string,
  input: { payment: PaymentRecordFields; answer: NoDiscountAnswer },
): Promise<WriteOnce> {
  const { payment, answer } = input;
  // Conditioned on `refunded` as read: an early refund that lands meanwhile makes this read again.
  for (let round = 0; round < 8; round += 1) {
    const early = await readTransaction(db, table, payment.partnerId, payment.transactionId);
    if (early === undefined) throw new Error(`transaction ${payment.partnerId}/${payment.transactionId} has no record to answer its payment on`);
    if (early.status !== "REFUNDED_BEFORE_PAYMENT" || early.answer !== undefined) return { outcome: "exists", record: early };
    const refunded = refundedAtPayment(payment.amount, { refunded: early.refunded ?? 0, inFull: early.refunded === undefined || early.refundedInFull === true });
    const outcome = await updateTransaction(db, table, payment, {
      UpdateExpression:
        "SET eventId = :eventId, merchantId = :merchantId, payerId = :payerId, amount = :amount, discount = :zero, " +
        "occurredAt = :occurredAt, answer = :answer, recordedAt = :recordedAt, refunded = :refunded",
      ConditionExpression: `#status = :refundedFirst AND attribute_not_exists(answer) AND ${early.refunded === undefined ? "attribute_not_exists(refunded)" : "refunded = :refundedBefore"}`,
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":refundedFirst": "REFUNDED_BEFORE_PAYMENT",
        ":eventId": payment.eventId,
        ":merchantId": payment.merchantId,
        ":payerId": payment.payerId,
        ":amount": payment.amount,
        ":zero": 0,
        ":occurredAt": payment.occurredAt,
        ":answer": answer,
        ":recordedAt": payment.recordedAt,
        ":refunded": refunded,
        ...(early.refunded === undefined ? {} : { ":refundedBefore": early.refunded }),
      },
    });
    if (outcome.updated) return { outcome: "recorded", record: outcome.record };
    if (outcome.record.answer !== undefined) return { outcome: "exists", record: outcome.record };
  }
  throw new Error(`the payment of ${payment.partnerId}/${payment.transactionId} kept meeting new early refunds`);
}

/**
 * Marks a redemption's transaction record with `forfeitedBy` (the FORFEITED statement that held
 * it), so that a later refund of it puts no reversal: the discount was never paid. Only a record
 * still REDEEMED without a refund is marked; a mark once set stays. True when this call marked it.
 */
export async function markForfeited(db: DynamoDBDocumentClient, table: string, transaction: { partnerId: string; transactionId: string }, statementId: string): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: transactionKey(transaction.partnerId, transaction.transactionId),
        UpdateExpression: "SET forfeitedBy = :statement",
        ConditionExpression: "#status = :redeemed AND attribute_not_exists(refund) AND attribute_not_exists(forfeitedBy)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":statement": statementId, ":redeemed": "REDEEMED" },
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Building blocks of the writes here and in store/redemptions.ts, store/refunds.ts, store/clawback.ts.

/** The put of a new transaction record (only if its id is unknown), for a transaction. */
export function transactionPut(table: string, record: TransactionRecord) {
  return {
    Put: {
      TableName: table,
      Item: { ...transactionKey(record.partnerId, record.transactionId), ...record },
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  };
}

/** An update of a transaction record, for a transaction: its old item comes back when its condition fails. */
export function transactionUpdate(
  table: string,
  transaction: { partnerId: string; transactionId: string },
  update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
) {
  return {
    Update: {
      TableName: table,
      Key: transactionKey(transaction.partnerId, transaction.transactionId),
      ...update,
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  };
}

/**
 * The transaction record a cancelled transaction's `index`-th item (a {@link transactionPut} or
 * {@link transactionUpdate}) found when its condition failed, or a fresh read if the service left it out.
 */
export async function transactionOfCancellation(
  db: DynamoDBDocumentClient,
  table: string,
  error: unknown,
  index: number,
  transaction: { partnerId: string; transactionId: string },
): Promise<TransactionRecord> {
  const found = cancellationItem(error, index);
  return found ? transactionRecordSchema.parse(found) : readExisting(db, table, transaction);
}

/** A put of a new transaction record: done now, or the record an earlier write left. */
export async function putTransactionOnce(db: DynamoDBDocumentClient, table: string, record: TransactionRecord): Promise<WriteOnce> {
  const written = await putOnce(
    db,
    { TableName: table, Item: { ...transactionKey(record.partnerId, record.transactionId), ...record }, partitionKey: "pk" },
    () => readTransaction(db, table, record.partnerId, record.transactionId),
  );
  return written.created ? { outcome: "recorded", record } : { outcome: "exists", record: transactionRecordSchema.parse(written.existing) };
}

/** One conditional update of a transaction record: the record after it, or as it is when the condition failed. */
export async function updateTransaction(
  db: DynamoDBDocumentClient,
  table: string,
  transaction: { partnerId: string; transactionId: string },
  update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
): Promise<{ updated: boolean; record: TransactionRecord }> {
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: transactionKey(transaction.partnerId, transaction.transactionId),
        ...update,
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { updated: true, record: transactionRecordSchema.parse(Attributes) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const found = itemOfConditionFailure(error);
    return { updated: false, record: found ? transactionRecordSchema.parse(found) : await readExisting(db, table, transaction) };
  }
}

async function readExisting(db: DynamoDBDocumentClient, table: string, key: { partnerId: string; transactionId: string }): Promise<TransactionRecord> {
  const record = await readTransaction(db, table, key.partnerId, key.transactionId);
  if (!record) throw new Error(`transaction ${key.partnerId}/${key.transactionId} failed its condition but cannot be read`);
  return record;
}
