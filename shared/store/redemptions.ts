/**
 * The `redemptions` table: what each partner transaction did, and the settlement ledger.
 *
 * - The transaction record (`transactionKey(partner, txn)`) is written once per transaction id,
 *   always with `attribute_not_exists(pk)`, so the first write wins and every later delivery,
 *   however late or concurrent, gets the answer stored in it. It holds the exact answer body.
 * - Ledger entries (`ledgerPartition(campaign, merchant)`, sort key `<UTC occurredAt>#<partner>#
 *   <txn>#R|V`) hold every redemption (+discount) and reversal (−discount), by occurredAt. Each is
 *   put in the same transaction as the state change it accounts for, never apart, together with
 *   its unsettled marker (`unsettledPartition(campaign, merchant)`, same sort key and data): the
 *   settlement worker reads the markers with strongly consistent queries of the base table and
 *   removes each in the transaction that puts its record in a statement (store/settlements.ts).
 *
 * Storage outcomes become named outcomes here: a transaction record that already exists is a
 * duplicate (its stored item comes back through `ReturnValuesOnConditionCheckFailure`), a voucher
 * whose condition failed was taken by another transaction.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { fen, positiveFen } from "../domain/money.js";
import { refundedAtPayment } from "../domain/refund.js";
import type { MerchantFacts } from "../domain/redemption.js";
import { sectorSchema } from "../domain/sectors.js";
import { type NoDiscountAnswer, paymentAnswerSchema, type RedeemedAnswer, type RefundAnswer, refundAnswerSchema } from "../api/payment-schemas.js";
import * as z from "../zod.js";
import { issuedVoucherKey, ledgerPartition, merchantKey, transactionKey, unsettledPartition } from "./keys.js";
import { type AuditEntry, auditPut } from "./audit.js";
import type { VoucherItem } from "./vouchers.js";
import { queryAll } from "./dynamo.js";

/** A refund answer as stored: answers written before partial refunds lack `refunded` and `remaining` (see {@link refundAnswerOf}). */
const storedRefundAnswerSchema = z.object({ transactionId: z.string(), reversed: z.boolean(), refunded: fen.optional(), remaining: fen.optional() });

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

/** The payment part of a record: what the partner reported and what it was answered. */
const paymentPart = {
  eventId: z.string(),
  merchantId: z.string(),
  payerId: z.string(),
  amount: positiveFen,
  discount: fen,
  /** As the partner sent it (with its offset). */
  occurredAt: z.string(),
  answer: paymentAnswerSchema,
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

// ---------------------------------------------------------------------------------------------
// The ledger.

const ledgerBase = {
  campaignId: z.string(),
  merchantId: z.string(),
  partnerId: z.string(),
  transactionId: z.string(),
  voucherId: z.string(),
  payerId: z.string(),
  amount: positiveFen,
  /** UTC ISO, as in the sort key. */
  occurredAt: z.string(),
  recordedAt: z.string(),
  /** The statement that holds the record, once one does. */
  statementId: z.string().optional(),
};
export const ledgerEntrySchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("REDEMPTION"),
    ...ledgerBase,
    discount: positiveFen,
    /** The redeemed voucher's threshold (the fraud detector's threshold-hugging rule); absent on records written before it was kept. */
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
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/**
 * How a ledger sort key ends, per kind: redemptions `#R`, reversals `#V`, clawbacks `#C`, partial
 * refunds `#P#<eventId>` (a transaction may have several, even in the same second).
 */
export const LEDGER_KIND_SUFFIX: Readonly<Record<LedgerEntry["kind"], string>> = { REDEMPTION: "R", REVERSAL: "V", CLAWBACK: "C", PARTIAL_REFUND: "P" };

/** An instant as the ledger sorts it: UTC ISO with milliseconds, so text order is time order. */
export function utcInstant(instant: string): string {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) throw new RangeError(`${instant} is not an instant`);
  return new Date(at).toISOString();
}

/** The sort key of a ledger entry: redemptions end in `#R`, reversals in `#V`, clawbacks in `#C`, partial refunds in `#P#<eventId>`. */
export function ledgerSortKey(occurredAt: string, partnerId: string, transactionId: string, kind: LedgerEntry["kind"], eventId?: string): string {
  if (kind === "PARTIAL_REFUND" && eventId === undefined) throw new Error(`a partial refund of ${partnerId}/${transactionId} needs its eventId in the sort key`);
  return `${utcInstant(occurredAt)}#${partnerId}#${transactionId}#${LEDGER_KIND_SUFFIX[kind]}${kind === "PARTIAL_REFUND" ? `#${eventId}` : ""}`;
}

/** The sort key of `entry` (the same text {@link ledgerSortKey} gives, from the entry itself). */
export function entrySortKey(entry: LedgerEntry): string {
  return ledgerSortKey(entry.occurredAt, entry.partnerId, entry.transactionId, entry.kind, entry.kind === "PARTIAL_REFUND" ? entry.eventId : undefined);
}

/**
 * The two puts that file a ledger record: the record itself and its unsettled marker (the same
 * data, in the merchant's unsettled partition and on the `unsettled` index), each only if absent.
 */
export function ledgerPuts(table: string, entry: LedgerEntry) {
  const sk = entrySortKey(entry);
  return [
    { Put: { TableName: table, Item: { pk: ledgerPartition(entry.campaignId, entry.merchantId), sk, ...entry }, ConditionExpression: "attribute_not_exists(pk)" } },
    {
      Put: {
        TableName: table,
        Item: {
          pk: unsettledPartition(entry.campaignId, entry.merchantId),
          sk,
          ...entry,
          unsettledCampaign: entry.campaignId,
          unsettledKey: `${entry.merchantId}#${sk}`,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ] as const;
}

/**
 * The ledger of one campaign at one merchant, oldest first, strongly consistent. With `from`
 * and/or `before` (instants, any offset) only entries with `from ≤ occurredAt < before`.
 */
export async function readLedger(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  merchantId: string,
  range: { from?: string; before?: string } = {},
): Promise<LedgerEntry[]> {
  // "<from>" ≤ "<from>#…" and "<before>#…" > "<before>", so BETWEEN gives [from, before).
  const values: Record<string, string> = { ":pk": ledgerPartition(campaignId, merchantId) };
  if (range.from !== undefined) values[":from"] = utcInstant(range.from);
  if (range.before !== undefined) values[":before"] = utcInstant(range.before);
  const sortCondition =
    range.from !== undefined && range.before !== undefined
      ? " AND sk BETWEEN :from AND :before"
      : range.from !== undefined
        ? " AND sk >= :from"
        : range.before !== undefined
          ? " AND sk < :before"
          : "";
  const entries: LedgerEntry[] = [];
  for (const item of await queryAll(db, {
    TableName: table,
    KeyConditionExpression: `pk = :pk${sortCondition}`,
    ExpressionAttributeValues: values,
    ConsistentRead: true,
  })) entries.push(ledgerEntrySchema.parse(item));
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Merchants, as the payment needs them.

const merchantFactsSchema = z.object({ status: z.enum(["PENDING", "APPROVED", "SUSPENDED"]), sector: sectorSchema });

/** The merchant's status and sector, read strongly consistently (a suspension applies at once), or undefined. */
export async function readMerchantFacts(db: DynamoDBDocumentClient, table: string, merchantId: string): Promise<MerchantFacts | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: merchantKey(merchantId), ConsistentRead: true }));
  return Item ? merchantFactsSchema.parse(Item) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Writes.

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

export type RedeemOutcome =
  | { outcome: "redeemed"; record: TransactionRecord }
  /** The transaction id is known already; nothing was written. */
  | { outcome: "duplicate"; record: TransactionRecord }
  /** The voucher is no longer CLAIMED (another transaction got it) or expired; nothing was written. */
  | { outcome: "voucher-taken" };

const CLAIMED = "CLAIMED";
const REDEEMED = "REDEEMED";

/** How a voucher remembers the transaction that redeemed it. */
export const redemptionRef = (partnerId: string, transactionId: string) => `${partnerId}#${transactionId}`;

/**
 * Redeems `voucher` for the payment in one transaction: the voucher goes CLAIMED → REDEEMED (only
 * if it is still CLAIMED, the payer's, unexpired at occurredAt, and still the voucher chosen: the
 * same campaign, voucher type, threshold and discount), the transaction record and the ledger
 * entry are put, each only if absent. All or nothing. A voucher that is not as chosen answers
 * `voucher-taken`, so the caller chooses again.
 *
 * No condition on claimedAt: the choice already allowed for partner clocks (a payment may be
 * dated up to 5 minutes before the claim), and the write must not refuse what the rule accepts.
 */
export async function redeem(
  db: DynamoDBDocumentClient,
  table: { redemptions: string; vouchers: string },
  input: { payment: PaymentRecordFields; voucher: VoucherItem; answer: RedeemedAnswer },
): Promise<RedeemOutcome> {
  const { payment, voucher, answer } = input;
  const occurredAt = utcInstant(payment.occurredAt);
  const record: TransactionRecord = {
    ...payment,
    status: "REDEEMED",
    discount: answer.discount,
    answer,
    voucherId: voucher.voucherId,
    campaignId: voucher.campaignId,
    voucher: { dropId: voucher.dropId, voucherTypeId: voucher.voucherTypeId, shard: voucher.shard, expiresAt: voucher.expiresAt },
  };
  const entry: LedgerEntry = {
    kind: "REDEMPTION",
    campaignId: voucher.campaignId,
    merchantId: payment.merchantId,
    partnerId: payment.partnerId,
    transactionId: payment.transactionId,
    voucherId: voucher.voucherId,
    payerId: payment.payerId,
    amount: payment.amount,
    discount: answer.discount,
    threshold: voucher.threshold,
    occurredAt,
    recordedAt: payment.recordedAt,
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table.redemptions,
              Item: { ...transactionKey(payment.partnerId, payment.transactionId), ...record },
              ConditionExpression: "attribute_not_exists(pk)",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          {
            Update: {
              TableName: table.vouchers,
              Key: issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, voucher.shard, voucher.voucherId),
              UpdateExpression: "SET #status = :redeemed, redeemedAt = :occurredAt, redeemedBy = :ref",
              // expiresAt and :occurredAt are both UTC ISO with milliseconds: text order is time order.
              // The figures are checked too, so the item marked is the one chosen and answered for.
              ConditionExpression:
                "#status = :claimed AND expiresAt > :occurredAt AND #owner = :payer AND " +
                "#campaign = :campaignId AND #type = :voucherTypeId AND #threshold = :threshold AND #discount = :discount",
              ExpressionAttributeNames: { "#status": "status", "#owner": "owner", "#campaign": "campaignId", "#type": "voucherTypeId", "#threshold": "threshold", "#discount": "discount" },
              ExpressionAttributeValues: {
                ":redeemed": REDEEMED,
                ":claimed": CLAIMED,
                ":occurredAt": occurredAt,
                ":payer": payment.payerId,
                ":campaignId": voucher.campaignId,
                ":voucherTypeId": voucher.voucherTypeId,
                ":threshold": voucher.threshold,
                ":discount": answer.discount,
                ":ref": redemptionRef(payment.partnerId, payment.transactionId),
              },
            },
          },
          ...ledgerPuts(table.redemptions, entry),
        ],
      }),
    );
    return { outcome: "redeemed", record };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [txn, voucherReason, ledger, marker] = error.CancellationReasons ?? [];
    if (txn?.Code === "ConditionalCheckFailed") {
      const existing = txn.Item ? transactionRecordSchema.parse(unmarshall(txn.Item)) : await readExisting(db, table.redemptions, payment);
      return { outcome: "duplicate", record: existing };
    }
    if (voucherReason?.Code === "ConditionalCheckFailed") return { outcome: "voucher-taken" };
    if (ledger?.Code === "ConditionalCheckFailed" || marker?.Code === "ConditionalCheckFailed") {
      throw new Error(`ledger entry of ${payment.partnerId}/${payment.transactionId} exists without its transaction record`, { cause: error });
    }
    // Conflicts and throttling: withRetries decides.
    throw error;
  }
}

/**
 * Redeems `voucher` for a payment whose refunds came first and leave the discount standing
 * (domain/refund.ts discountSurvivesEarlyRefunds), in one transaction: the REFUNDED_BEFORE_PAYMENT
 * record becomes REDEEMED with the payment and its answer (only while it has no answer and its
 * `refunded` is what was read), the voucher goes CLAIMED → REDEEMED as in {@link redeem}, and the
 * REDEMPTION record is filed with one PARTIAL_REFUND record for what the early refunds took
 * (dated at the payment: they count from it on), each with its unsettled marker.
 */
export async function redeemAfterEarlyRefunds(
  db: DynamoDBDocumentClient,
  table: { redemptions: string; vouchers: string },
  input: { payment: PaymentRecordFields; voucher: VoucherItem; answer: RedeemedAnswer; early: TransactionRecord },
): Promise<RedeemOutcome> {
  const { payment, voucher, answer, early } = input;
  if (early.status !== "REFUNDED_BEFORE_PAYMENT" || early.answer !== undefined) return { outcome: "duplicate", record: early };
  const occurredAt = utcInstant(payment.occurredAt);
  const refunded = early.refunded ?? 0;
  const address = { dropId: voucher.dropId, voucherTypeId: voucher.voucherTypeId, shard: voucher.shard, expiresAt: voucher.expiresAt };
  const base = {
    campaignId: voucher.campaignId,
    merchantId: payment.merchantId,
    partnerId: payment.partnerId,
    transactionId: payment.transactionId,
    voucherId: voucher.voucherId,
    payerId: payment.payerId,
    occurredAt,
    recordedAt: payment.recordedAt,
  };
  const redemption: LedgerEntry = { kind: "REDEMPTION", ...base, amount: payment.amount, discount: answer.discount, threshold: voucher.threshold };
  const partial: LedgerEntry | undefined =
    refunded > 0 ? { kind: "PARTIAL_REFUND", ...base, amount: refunded, discount: 0, paymentOccurredAt: occurredAt, eventId: early.refund.eventId } : undefined;
  const record: TransactionRecord = {
    ...payment,
    status: "REDEEMED",
    discount: answer.discount,
    answer,
    voucherId: voucher.voucherId,
    campaignId: voucher.campaignId,
    voucher: address,
    refunded,
    ...(early.refunds ? { refunds: early.refunds } : {}),
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table.redemptions,
              Key: transactionKey(payment.partnerId, payment.transactionId),
              // The early refunds stay in `refunds` (each eventId keeps its answer); `refund` is for the one that reverses.
              UpdateExpression:
                "SET #status = :redeemed, eventId = :eventId, merchantId = :merchantId, payerId = :payerId, amount = :amount, discount = :discount, " +
                "occurredAt = :occurredAt, answer = :answer, recordedAt = :recordedAt, voucherId = :voucherId, campaignId = :campaignId, voucher = :voucher, " +
                "refunded = :refunded REMOVE refund, refundedInFull",
              ConditionExpression: `#status = :refundedFirst AND attribute_not_exists(answer) AND ${early.refunded === undefined ? "attribute_not_exists(refunded)" : "refunded = :refunded"}`,
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: {
                ":redeemed": REDEEMED,
                ":refundedFirst": "REFUNDED_BEFORE_PAYMENT",
                ":eventId": payment.eventId,
                ":merchantId": payment.merchantId,
                ":payerId": payment.payerId,
                ":amount": payment.amount,
                ":discount": answer.discount,
                ":occurredAt": payment.occurredAt,
                ":answer": answer,
                ":recordedAt": payment.recordedAt,
                ":voucherId": voucher.voucherId,
                ":campaignId": voucher.campaignId,
                ":voucher": address,
                ":refunded": refunded,
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          {
            Update: {
              TableName: table.vouchers,
              Key: issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, voucher.shard, voucher.voucherId),
              UpdateExpression: "SET #status = :redeemed, redeemedAt = :occurredAt, redeemedBy = :ref",
              ConditionExpression: "#status = :claimed AND expiresAt > :occurredAt AND #owner = :payer",
              ExpressionAttributeNames: { "#status": "status", "#owner": "owner" },
              ExpressionAttributeValues: {
                ":redeemed": REDEEMED,
                ":claimed": CLAIMED,
                ":occurredAt": occurredAt,
                ":payer": payment.payerId,
                ":ref": redemptionRef(payment.partnerId, payment.transactionId),
              },
            },
          },
          ...ledgerPuts(table.redemptions, redemption),
          ...(partial ? ledgerPuts(table.redemptions, partial) : []),
        ],
      }),
    );
    return { outcome: "redeemed", record: transactionRecordSchema.parse(record) };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [txn, voucherReason, ...ledger] = error.CancellationReasons ?? [];
    if (txn?.Code === "ConditionalCheckFailed") {
      const now = txn.Item ? transactionRecordSchema.parse(unmarshall(txn.Item)) : await readExisting(db, table.redemptions, payment);
      return { outcome: "duplicate", record: now };
    }
    if (voucherReason?.Code === "ConditionalCheckFailed") return { outcome: "voucher-taken" };
    if (ledger.some((reason) => reason?.Code === "ConditionalCheckFailed")) {
      throw new Error(`ledger entry of ${payment.partnerId}/${payment.transactionId} exists without its transaction record`, { cause: error });
    }
    throw error;
  }
}

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
  const record: TransactionRecord = { ...payment, status: "NO_DISCOUNT", discount: 0, answer };
  return putOnce(db, table, record);
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
    const outcome = await conditionalUpdate(db, table, payment, {
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
    if (outcome.outcome === "refunded") return { outcome: "recorded", record: outcome.record };
    if (outcome.record.answer !== undefined) return { outcome: "exists", record: outcome.record };
  }
  throw new Error(`the payment of ${payment.partnerId}/${payment.transactionId} kept meeting new early refunds`);
}

// ---------------------------------------------------------------------------------------------
// Refunds, whole or partial (API.md "Partner interface hardening"). Every refund write is
// conditioned on the record's `refunded` as it was read (an optimistic lock): two partial refunds
// that race both read the same `refunded`, one commits, the other's condition fails and it is
// decided again from the record as it is now, so no refund is lost or counted twice. Each event
// is kept under `refunds.<eventId>` in the same write, so its delivery again gets its answer.

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
    const written = await putOnce(db, table, {
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
  return conditionalUpdate(db, table, record, {
    UpdateExpression: `SET ${[...update.sets, "refundedInFull = :inFull"].join(", ")}`,
    ConditionExpression: ["#status = :refundedFirst", "attribute_not_exists(answer)", ...update.conditions].join(" AND "),
    ExpressionAttributeNames: { ...update.names, "#status": "status" },
    ExpressionAttributeValues: { ...update.values, ":refundedFirst": "REFUNDED_BEFORE_PAYMENT", ":inFull": input.inFull || (record.status === "REFUNDED_BEFORE_PAYMENT" && record.refundedInFull === true) },
  });
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
): Promise<RefundOutcome & { voucherStatus?: "VOID" | "CLAIMED" }> {
  const { record, eventId, event } = input;
  if (record.status === "REFUNDED_BEFORE_PAYMENT" && record.answer === undefined) {
    throw new Error(`transaction ${record.partnerId}/${record.transactionId} has not been paid: its refunds are early refunds`);
  }
  // A redemption (REDEEMED) has its voucher, campaign and ledger; other records only count refunds.
  const redemption = record.status === "REDEEMED" ? record : undefined;
  const redeemed = redemption !== undefined;
  if (input.reverses && (!redemption?.voucherId || !redemption.campaignId || !redemption.voucher)) {
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
  // A redemption whose statement was forfeited (store/settlements.ts markForfeitedRecords) had its
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
    voucherId: filed.voucherId!,
    payerId: filed.payerId,
    occurredAt: refundAt,
    paymentOccurredAt: paymentAt,
    eventId,
    recordedAt: event.recordedAt,
  });
  if (input.reverses && redemption?.voucher && redemption.voucherId && redemption.campaignId) {
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
        ExpressionAttributeValues: { ":next": voucherStatus, ":redeemed": REDEEMED, ":ref": ref, ":at": refundAt },
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
          {
            Update: {
              TableName: table.redemptions,
              Key: transactionKey(record.partnerId, record.transactionId),
              UpdateExpression: `SET ${sets.join(", ")}`,
              ConditionExpression: conditions.join(" AND "),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          ...items,
        ],
      }),
    );
    return { outcome: "refunded", record: transactionRecordSchema.parse(next), ...(voucherStatus ? { voucherStatus } : {}) };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [txn, ...rest] = error.CancellationReasons ?? [];
    if (txn?.Code === "ConditionalCheckFailed") {
      const now = txn.Item ? transactionRecordSchema.parse(unmarshall(txn.Item)) : await readExisting(db, table.redemptions, record);
      return { outcome: "changed", record: now };
    }
    if (rest.some((reason) => reason?.Code === "ConditionalCheckFailed")) {
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

/** One conditional update of a transaction record: the record after it, or as it is when the condition failed. */
async function conditionalUpdate(
  db: DynamoDBDocumentClient,
  table: string,
  record: { partnerId: string; transactionId: string },
  update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
): Promise<RefundOutcome> {
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: transactionKey(record.partnerId, record.transactionId),
        ...update,
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { outcome: "refunded", record: transactionRecordSchema.parse(Attributes) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { outcome: "changed", record: await fromConditionFailure(db, table, error, record) };
  }
}
export type ClawbackOutcome =
  | { outcome: "clawed-back"; entry: LedgerEntry }
  /** The transaction is not a redemption that can be clawed back (refunded, clawed back already); it comes back as it is now. */
  | { outcome: "unchanged"; record: TransactionRecord };

/**
 * Claws back a redemption its merchant was paid for, for a confirmed fraud flag, once per
 * transaction: in one transaction, the transaction record gets its `clawback` (only if it is still
 * REDEEMED, unrefunded and not clawed back) and a CLAWBACK ledger record (−discount, occurredAt
 * `at`, sort key `#C`) is put with its unsettled marker, so the merchant's next statement takes the
 * discount back.
 */
export async function clawBack(
  db: DynamoDBDocumentClient,
  table: string,
  input: {
    record: TransactionRecord;
    redemption: Extract<LedgerEntry, { kind: "REDEMPTION" }>;
    flagId: string;
    at: string;
    /** The operator's audit item, in the same transaction. */
    audit: { table: string; entry: AuditEntry };
  },
): Promise<ClawbackOutcome> {
  const { record, redemption } = input;
  const at = utcInstant(input.at);
  const entry: LedgerEntry = {
    kind: "CLAWBACK",
    campaignId: redemption.campaignId,
    merchantId: redemption.merchantId,
    partnerId: redemption.partnerId,
    transactionId: redemption.transactionId,
    voucherId: redemption.voucherId,
    payerId: redemption.payerId,
    amount: redemption.amount,
    discount: -redemption.discount,
    occurredAt: at,
    paymentOccurredAt: redemption.occurredAt,
    flagId: input.flagId,
    recordedAt: at,
    // Partial refunds filed before it already took their part off gross sales.
    refundedBefore: refundedSoFar(record),
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: transactionKey(record.partnerId, record.transactionId),
              UpdateExpression: "SET clawback = :clawback",
              // `refunded` as read: a partial refund landing meanwhile would make refundedBefore wrong.
              ConditionExpression: `#status = :redeemed AND attribute_not_exists(refund) AND attribute_not_exists(clawback) AND ${
                record.refunded === undefined ? "attribute_not_exists(refunded)" : "refunded = :refunded"
              }`,
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: {
                ":redeemed": REDEEMED,
                ":clawback": { flagId: input.flagId, occurredAt: at, recordedAt: at },
                ...(record.refunded === undefined ? {} : { ":refunded": record.refunded }),
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          ...ledgerPuts(table, entry),
          auditPut(input.audit.table, input.audit.entry),
        ],
      }),
    );
    return { outcome: "clawed-back", entry };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [txn, ledger, marker] = error.CancellationReasons ?? [];
    if (txn?.Code === "ConditionalCheckFailed") {
      return { outcome: "unchanged", record: txn.Item ? transactionRecordSchema.parse(unmarshall(txn.Item)) : await readExisting(db, table, record) };
    }
    if (ledger?.Code === "ConditionalCheckFailed" || marker?.Code === "ConditionalCheckFailed") {
      throw new Error(`clawback entry of ${record.partnerId}/${record.transactionId} exists without its transaction's clawback`, { cause: error });
    }
    throw error;
  }
}

/** The threshold of an issued voucher, read strongly consistently (a refund decides its reversal by it), or undefined. */
export async function readVoucherThreshold(
  db: DynamoDBDocumentClient,
  table: string,
  voucher: { campaignId: string; dropId: string; voucherTypeId: string; shard: number; voucherId: string },
): Promise<number | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: table,
      Key: issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, voucher.shard, voucher.voucherId),
      ProjectionExpression: "threshold",
      ConsistentRead: true,
    }),
  );
  return Item ? positiveFen.parse(Item.threshold) : undefined;
}

/** The ledger record of a transaction's redemption, read strongly consistently, or undefined. */
export async function readRedemptionEntry(
  db: DynamoDBDocumentClient,
  table: string,
  record: { partnerId: string; transactionId: string; campaignId?: string | undefined; merchantId?: string | undefined; occurredAt?: string | undefined },
): Promise<Extract<LedgerEntry, { kind: "REDEMPTION" }> | undefined> {
  if (record.campaignId === undefined || record.merchantId === undefined || record.occurredAt === undefined) return undefined;
  const { Item } = await db.send(
    new GetCommand({
      TableName: table,
      Key: { pk: ledgerPartition(record.campaignId, record.merchantId), sk: ledgerSortKey(record.occurredAt, record.partnerId, record.transactionId, "REDEMPTION") },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const entry = ledgerEntrySchema.parse(Item);
  return entry.kind === "REDEMPTION" ? entry : undefined;
}

// ---------------------------------------------------------------------------------------------

async function putOnce(db: DynamoDBDocumentClient, table: string, record: TransactionRecord): Promise<WriteOnce> {
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...transactionKey(record.partnerId, record.transactionId), ...record },
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { outcome: "recorded", record };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { outcome: "exists", record: await fromConditionFailure(db, table, error, record) };
  }
}

/** The item a failed condition found (ALL_OLD), or a fresh read if the service left it out. */
async function fromConditionFailure(
  db: DynamoDBDocumentClient,
  table: string,
  error: ConditionalCheckFailedException,
  key: { partnerId: string; transactionId: string },
): Promise<TransactionRecord> {
  return error.Item ? transactionRecordSchema.parse(unmarshall(error.Item)) : readExisting(db, table, key);
}

async function readExisting(db: DynamoDBDocumentClient, table: string, key: { partnerId: string; transactionId: string }): Promise<TransactionRecord> {
  const record = await readTransaction(db, table, key.partnerId, key.transactionId);
  if (!record) throw new Error(`transaction ${key.partnerId}/${key.transactionId} failed its condition but cannot be read`);
  return record;
}
