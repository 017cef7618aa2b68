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
import { type MerchantFacts, NO_DISCOUNT_REASONS } from "../domain/redemption.js";
import { sectorSchema } from "../domain/sectors.js";
import * as z from "../zod.js";
import { issuedVoucherKey, ledgerPartition, merchantKey, transactionKey, unsettledPartition } from "./keys.js";
import { type AuditEntry, auditPut } from "./audit.js";
import type { VoucherItem } from "./vouchers.js";
import { queryAll } from "./query.js";

// ---------------------------------------------------------------------------------------------
// Answers, exactly as the partner receives them (key order included: every answer is built or
// read back through these schemas, so a duplicate's JSON is byte for byte the first one's).

export const redeemedAnswerSchema = z.object({
  transactionId: z.string(),
  voucherId: z.string(),
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
export const paymentAnswerSchema = z.union([redeemedAnswerSchema, noDiscountAnswerSchema]);
export const refundAnswerSchema = z.object({ transactionId: z.string(), reversed: z.boolean() });

export type RedeemedAnswer = z.infer<typeof redeemedAnswerSchema>;
export type NoDiscountAnswer = z.infer<typeof noDiscountAnswerSchema>;
export type PaymentAnswer = z.infer<typeof paymentAnswerSchema>;
export type RefundAnswer = z.infer<typeof refundAnswerSchema>;

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

const refundPartSchema = z.object({ eventId: z.string(), occurredAt: z.string(), answer: refundAnswerSchema, recordedAt: z.string() });
export type RefundPart = z.infer<typeof refundPartSchema>;

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
  }),
]);
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** How a ledger sort key ends, per kind: redemptions `#R`, reversals `#V`, clawbacks `#C`. */
export const LEDGER_KIND_SUFFIX: Readonly<Record<LedgerEntry["kind"], string>> = { REDEMPTION: "R", REVERSAL: "V", CLAWBACK: "C" };

/** An instant as the ledger sorts it: UTC ISO with milliseconds, so text order is time order. */
export function utcInstant(instant: string): string {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) throw new RangeError(`${instant} is not an instant`);
  return new Date(at).toISOString();
}

/** The sort key of a ledger entry: redemptions end in `#R`, reversals in `#V`, clawbacks in `#C`. */
export function ledgerSortKey(occurredAt: string, partnerId: string, transactionId: string, kind: LedgerEntry["kind"]): string {
  return `${utcInstant(occurredAt)}#${partnerId}#${transactionId}#${LEDGER_KIND_SUFFIX[kind]}`;
}

/**
 * The two puts that file a ledger record: the record itself and its unsettled marker (the same
 * data, in the merchant's unsettled partition and on the `unsettled` index), each only if absent.
 */
export function ledgerPuts(table: string, entry: LedgerEntry) {
  const sk = ledgerSortKey(entry.occurredAt, entry.partnerId, entry.transactionId, entry.kind);
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
 * TRANSACTION_REFUNDED answer on the REFUNDED_BEFORE_PAYMENT record, once. A record that has an
 * answer already (a concurrent delivery) comes back as it is.
 */
export async function recordRefundedPayment(
  db: DynamoDBDocumentClient,
  table: string,
  input: { payment: PaymentRecordFields; answer: NoDiscountAnswer },
): Promise<WriteOnce> {
  const { payment, answer } = input;
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: transactionKey(payment.partnerId, payment.transactionId),
        UpdateExpression:
          "SET eventId = :eventId, merchantId = :merchantId, payerId = :payerId, amount = :amount, discount = :zero, " +
          "occurredAt = :occurredAt, answer = :answer, recordedAt = :recordedAt",
        ConditionExpression: "#status = :refundedFirst AND attribute_not_exists(answer)",
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
        },
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { outcome: "recorded", record: transactionRecordSchema.parse(Attributes) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { outcome: "exists", record: await fromConditionFailure(db, table, error, payment) };
  }
}

/** The refund of a transaction the platform has not seen paid: recorded, answered `reversed: false`. */
export async function recordRefundBeforePayment(
  db: DynamoDBDocumentClient,
  table: string,
  input: { partnerId: string; transactionId: string; refund: RefundPart },
): Promise<WriteOnce> {
  return putOnce(db, table, { partnerId: input.partnerId, transactionId: input.transactionId, status: "REFUNDED_BEFORE_PAYMENT", refund: input.refund });
}

/** The refund of a payment that got no discount: recorded on its record (once), nothing to reverse. */
export async function recordRefundWithoutRedemption(
  db: DynamoDBDocumentClient,
  table: string,
  input: { partnerId: string; transactionId: string; refund: RefundPart },
): Promise<WriteOnce> {
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: transactionKey(input.partnerId, input.transactionId),
        UpdateExpression: "SET refund = :refund",
        ConditionExpression: "#status = :noDiscount AND attribute_not_exists(refund)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":noDiscount": "NO_DISCOUNT", ":refund": input.refund },
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { outcome: "recorded", record: transactionRecordSchema.parse(Attributes) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { outcome: "exists", record: await fromConditionFailure(db, table, error, input) };
  }
}

export type ReverseOutcome =
  | { outcome: "reversed"; record: TransactionRecord; voucherStatus: "VOID" | "CLAIMED" }
  /** The record is no longer REDEEMED without a refund (a concurrent refund won); it comes back as it is now. */
  | { outcome: "changed"; record: TransactionRecord };

/**
 * Reverses a REDEEMED transaction in one transaction: the record becomes REVERSED with the refund
 * (once), the voucher becomes VOID or, when `restore` is asked and the voucher is still valid at
 * the refund's occurredAt, CLAIMED again; the reversal's ledger entry (−discount) is put.
 */
export async function reverse(
  db: DynamoDBDocumentClient,
  table: { redemptions: string; vouchers: string },
  input: { record: TransactionRecord; refund: RefundPart; refundPolicy: "void" | "restore" },
): Promise<ReverseOutcome> {
  const { record, refund } = input;
  if (record.status !== "REDEEMED" || !record.voucherId || !record.campaignId || !record.voucher) {
    throw new Error(`transaction ${record.partnerId}/${record.transactionId} is not a redemption`);
  }
  const refundAt = utcInstant(refund.occurredAt);
  const paymentAt = utcInstant(record.occurredAt);
  // Restored only while still valid both at the refund and now: a refund reported after the
  // voucher expired must not bring back a voucher nobody can spend (nor one the expiry sweep has passed).
  const restore =
    input.refundPolicy === "restore" && Date.parse(record.voucher.expiresAt) > Math.max(Date.parse(refundAt), Date.parse(refund.recordedAt));
  const voucherStatus = restore ? "CLAIMED" : "VOID";
  const ref = redemptionRef(record.partnerId, record.transactionId);
  // A redemption clawed back for fraud has had its discount taken back from the merchant once: its
  // refund voids (or restores) the voucher but puts no reversal, or the merchant would repay it twice.
  const clawedBack = record.clawback !== undefined;
  // Likewise a redemption whose statement was forfeited (store/settlements.ts markForfeitedRecords):
  // its discount was never paid, so there is nothing to charge back.
  const forfeited = record.forfeitedBy !== undefined;
  const entry: LedgerEntry = {
    kind: "REVERSAL",
    campaignId: record.campaignId,
    merchantId: record.merchantId,
    partnerId: record.partnerId,
    transactionId: record.transactionId,
    voucherId: record.voucherId,
    payerId: record.payerId,
    amount: record.amount,
    discount: -record.discount,
    occurredAt: refundAt,
    paymentOccurredAt: paymentAt,
    eventId: refund.eventId,
    recordedAt: refund.recordedAt,
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table.redemptions,
              Key: transactionKey(record.partnerId, record.transactionId),
              UpdateExpression: "SET #status = :reversed, refund = :refund",
              ConditionExpression:
                `#status = :redeemed AND attribute_not_exists(refund) AND ${clawedBack ? "attribute_exists" : "attribute_not_exists"}(clawback)` +
                // The mark as read: a forfeiture marking it meanwhile makes the refund read it again.
                ` AND ${forfeited ? "attribute_exists" : "attribute_not_exists"}(forfeitedBy)`,
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":reversed": "REVERSED", ":redeemed": REDEEMED, ":refund": refund },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          {
            Update: {
              TableName: table.vouchers,
              Key: issuedVoucherKey(record.campaignId, record.voucher.dropId, record.voucher.voucherTypeId, record.voucher.shard, record.voucherId),
              UpdateExpression: restore
                ? "SET #status = :next, restoredAt = :at, restoredFrom = :ref REMOVE redeemedAt, redeemedBy"
                : "SET #status = :next, voidedAt = :at, voidedBy = :ref",
              ConditionExpression: "#status = :redeemed AND redeemedBy = :ref",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":next": voucherStatus, ":redeemed": REDEEMED, ":ref": ref, ":at": refundAt },
            },
          },
          ...(clawedBack || forfeited ? [] : ledgerPuts(table.redemptions, entry)),
        ],
      }),
    );
    return { outcome: "reversed", record: { ...record, status: "REVERSED", refund }, voucherStatus };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [txn, voucherReason, ledger, marker] = error.CancellationReasons ?? [];
    if (txn?.Code === "ConditionalCheckFailed") {
      const now = txn.Item ? transactionRecordSchema.parse(unmarshall(txn.Item)) : await readExisting(db, table.redemptions, record);
      return { outcome: "changed", record: now };
    }
    if ([voucherReason, ledger, marker].some((reason) => reason?.Code === "ConditionalCheckFailed")) {
      throw new Error(`voucher ${record.voucherId} or the reversal entry of ${ref} is not as its redemption left it`, { cause: error });
    }
    throw error;
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
              ConditionExpression: "#status = :redeemed AND attribute_not_exists(refund) AND attribute_not_exists(clawback)",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":redeemed": REDEEMED, ":clawback": { flagId: input.flagId, occurredAt: at, recordedAt: at } },
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
