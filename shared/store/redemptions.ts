/**
 * Redemptions: the one transaction that redeems a voucher for a partner's payment. The voucher goes
 * CLAIMED → REDEEMED, the transaction record (store/transactions.ts) is put or completed, and the
 * REDEMPTION ledger record is filed with its unsettled marker (store/ledger.ts), all or nothing
 * (invariant 4: a voucher is redeemed at most once, a transaction applied at most once).
 *
 * Storage outcomes become named outcomes here: a transaction record that already exists is a
 * duplicate (its stored item comes back through `ReturnValuesOnConditionCheckFailure`), a voucher
 * whose condition failed was taken by another transaction.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LedgerRecord } from "../domain/ledger.js";
import { positiveFen } from "../domain/money.js";
import type { InstantAnswer, RedeemedAnswer } from "../api/payment-schemas.js";
import { issuedVoucherKey } from "./keys.js";
import { cancellationReasons } from "./dynamo.js";
import { ledgerPuts, utcInstant } from "./ledger.js";
import { type InstantTake, type PaymentRecordFields, type TransactionRecord, transactionOfCancellation, transactionPut, transactionRecordSchema, transactionUpdate } from "./transactions.js";
import type { VoucherItem } from "./vouchers.js";

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
 * What a payment is given: a claimed voucher, or an instant discount whose quota unit (and payer
 * slot) the caller has taken already (store/instant-quota.ts).
 */
export type Benefit =
  /** `owner`: the resident the payment acts for when not its payerId (the resident a linked card token names). */
  | { kind: "voucher"; voucher: VoucherItem; owner?: string }
  | { kind: "instant"; campaignId: string; instantDiscountId: string; take: InstantTake };

/** The campaign a benefit belongs to. */
export const benefitCampaign = (benefit: Benefit) => (benefit.kind === "voucher" ? benefit.voucher.campaignId : benefit.campaignId);

/** The REDEEMED transaction record and the REDEMPTION ledger record of a payment given `benefit`. */
function redemptionOf(payment: PaymentRecordFields, benefit: Benefit, answer: RedeemedAnswer | InstantAnswer) {
  const occurredAt = utcInstant(payment.occurredAt);
  const campaignId = benefitCampaign(benefit);
  const record = {
    ...payment,
    status: "REDEEMED",
    discount: answer.discount,
    answer,
    campaignId,
    ...(benefit.kind === "voucher"
      ? {
          voucherId: benefit.voucher.voucherId,
          voucher: { dropId: benefit.voucher.dropId, voucherTypeId: benefit.voucher.voucherTypeId, shard: benefit.voucher.shard, expiresAt: benefit.voucher.expiresAt },
        }
      : { instantDiscountId: benefit.instantDiscountId, instant: benefit.take }),
  } satisfies TransactionRecord;
  const ledger = {
    campaignId,
    merchantId: payment.merchantId,
    partnerId: payment.partnerId,
    transactionId: payment.transactionId,
    ...(benefit.kind === "voucher" ? { voucherId: benefit.voucher.voucherId } : { instantDiscountId: benefit.instantDiscountId }),
    payerId: payment.payerId,
    occurredAt,
    recordedAt: payment.recordedAt,
  };
  const threshold = benefit.kind === "voucher" ? benefit.voucher.threshold : benefit.take.threshold;
  const redemption: LedgerRecord = { kind: "REDEMPTION", ...ledger, amount: payment.amount, discount: answer.discount, threshold };
  return { occurredAt, record, ledger, redemption };
}

/**
 * The voucher's CLAIMED → REDEEMED update, only if it is still CLAIMED, the payer's (`owner`) and unexpired at
 * occurredAt; with `chosen`, also only if it is still the voucher chosen (the same campaign,
 * voucher type, threshold and discount).
 */
function voucherRedemption(table: string, voucher: VoucherItem, owner: string, payment: PaymentRecordFields, occurredAt: string, chosen?: { discount: number }) {
  return {
    Update: {
      TableName: table,
      Key: issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, voucher.shard, voucher.voucherId),
      UpdateExpression: "SET #status = :redeemed, redeemedAt = :occurredAt, redeemedBy = :ref",
      // expiresAt and :occurredAt are both UTC ISO with milliseconds: text order is time order.
      // The figures are checked too, so the item marked is the one chosen and answered for.
      ConditionExpression:
        "#status = :claimed AND expiresAt > :occurredAt AND #owner = :payer" +
        (chosen ? " AND #campaign = :campaignId AND #type = :voucherTypeId AND #threshold = :threshold AND #discount = :discount" : ""),
      ExpressionAttributeNames: {
        "#status": "status",
        "#owner": "owner",
        ...(chosen ? { "#campaign": "campaignId", "#type": "voucherTypeId", "#threshold": "threshold", "#discount": "discount" } : {}),
      },
      ExpressionAttributeValues: {
        ":redeemed": REDEEMED,
        ":claimed": CLAIMED,
        ":occurredAt": occurredAt,
        ":payer": owner,
        ...(chosen ? { ":campaignId": voucher.campaignId, ":voucherTypeId": voucher.voucherTypeId, ":threshold": voucher.threshold, ":discount": chosen.discount } : {}),
        ":ref": redemptionRef(payment.partnerId, payment.transactionId),
      },
    },
  };
}

/**
 * What a cancelled redemption transaction (transaction record first, voucher second, ledger
 * records after) means: a duplicate, a voucher taken, or a fault that is rethrown.
 */
async function redeemCancelled(db: DynamoDBDocumentClient, table: string, error: unknown, payment: PaymentRecordFields, benefit: Benefit): Promise<RedeemOutcome> {
  const reasons = cancellationReasons(error);
  const [txn, ...rest] = reasons;
  const [voucherReason, ...ledger] = benefit.kind === "voucher" ? rest : [undefined, ...rest];
  if (txn === "ConditionalCheckFailed") return { outcome: "duplicate", record: await transactionOfCancellation(db, table, error, 0, payment) };
  if (voucherReason === "ConditionalCheckFailed") return { outcome: "voucher-taken" };
  if (ledger.includes("ConditionalCheckFailed")) {
    throw new Error(`ledger record of ${payment.partnerId}/${payment.transactionId} exists without its transaction record`, { cause: error });
  }
  // A conflict (no condition failed): withRetries tries again; throttling the SDK gave up on becomes THROTTLED.
  throw error;
}

/**
 * Redeems `voucher` for the payment in one transaction: the voucher goes CLAIMED → REDEEMED (only
 * if it is still CLAIMED, the payer's, unexpired at occurredAt, and still the voucher chosen: the
 * same campaign, voucher type, threshold and discount), the transaction record and the ledger
 * record are put, each only if absent. All or nothing. A voucher that is not as chosen answers
 * `voucher-taken`, so the caller chooses again.
 *
 * No condition on claimedAt: the choice already allowed for partner clocks (a payment may be
 * dated up to 5 minutes before the claim), and the write must not refuse what the rule accepts.
 */
export async function redeem(
  db: DynamoDBDocumentClient,
  table: { redemptions: string; vouchers: string },
  input: { payment: PaymentRecordFields; benefit: Benefit; answer: RedeemedAnswer | InstantAnswer },
): Promise<RedeemOutcome> {
  const { payment, benefit, answer } = input;
  const { occurredAt, record, redemption } = redemptionOf(payment, benefit, answer);
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          transactionPut(table.redemptions, record),
          ...(benefit.kind === "voucher" ? [voucherRedemption(table.vouchers, benefit.voucher, benefit.owner ?? payment.payerId, payment, occurredAt, { discount: answer.discount })] : []),
          ...ledgerPuts(table.redemptions, redemption),
        ],
      }),
    );
    return { outcome: "redeemed", record };
  } catch (error) {
    return redeemCancelled(db, table.redemptions, error, payment, benefit);
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
  input: { payment: PaymentRecordFields; benefit: Benefit; answer: RedeemedAnswer | InstantAnswer; early: TransactionRecord },
): Promise<RedeemOutcome> {
  const { payment, benefit, answer, early } = input;
  if (early.status !== "REFUNDED_BEFORE_PAYMENT" || early.answer !== undefined) return { outcome: "duplicate", record: early };
  const { occurredAt, record: redeemed, ledger, redemption } = redemptionOf(payment, benefit, answer);
  const refunded = early.refunded ?? 0;
  const partial: LedgerRecord | undefined =
    refunded > 0 ? { kind: "PARTIAL_REFUND", ...ledger, amount: refunded, discount: 0, paymentOccurredAt: occurredAt, eventId: early.refund.eventId } : undefined;
  const record: TransactionRecord = { ...redeemed, refunded, ...(early.refunds ? { refunds: early.refunds } : {}) };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          transactionUpdate(table.redemptions, payment, {
            // The early refunds stay in `refunds` (each eventId keeps its answer); `refund` is for the one that reverses.
            UpdateExpression:
              "SET #status = :redeemed, eventId = :eventId, merchantId = :merchantId, payerId = :payerId, amount = :amount, discount = :discount, " +
              "occurredAt = :occurredAt, answer = :answer, recordedAt = :recordedAt, campaignId = :campaignId, " +
              (benefit.kind === "voucher" ? "voucherId = :voucherId, voucher = :voucher, " : "instantDiscountId = :instantDiscountId, instant = :instant, ") +
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
              ":campaignId": redeemed.campaignId,
              ...(benefit.kind === "voucher"
                ? { ":voucherId": benefit.voucher.voucherId, ":voucher": "voucher" in redeemed ? redeemed.voucher : undefined }
                : { ":instantDiscountId": benefit.instantDiscountId, ":instant": benefit.take }),
              ":refunded": refunded,
            },
          }),
          ...(benefit.kind === "voucher" ? [voucherRedemption(table.vouchers, benefit.voucher, benefit.owner ?? payment.payerId, payment, occurredAt)] : []),
          ...ledgerPuts(table.redemptions, redemption),
          ...(partial ? ledgerPuts(table.redemptions, partial) : []),
        ],
      }),
    );
    return { outcome: "redeemed", record: transactionRecordSchema.parse(record) };
  } catch (error) {
    return redeemCancelled(db, table.redemptions, error, payment, benefit);
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
