/**
 * Fraud clawback: the discount of a redemption its merchant was paid for, taken back once for a
 * confirmed fraud flag, by a CLAWBACK ledger record that the merchant's next statement holds.
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LedgerRecord, RedemptionRecord } from "../domain/ledger.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { cancellationReasons } from "./dynamo.js";
import { ledgerPuts, utcInstant } from "./ledger.js";
import { refundedSoFar } from "./refunds.js";
import { type TransactionRecord, transactionOfCancellation, transactionUpdate } from "./transactions.js";

export type ClawbackOutcome =
  | { outcome: "clawed-back"; clawback: LedgerRecord }
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
    redemption: RedemptionRecord;
    flagId: string;
    at: string;
    /** The operator's audit item, in the same transaction. */
    audit: { table: string; entry: AuditEntry };
  },
): Promise<ClawbackOutcome> {
  const { record, redemption } = input;
  const at = utcInstant(input.at);
  const clawback: LedgerRecord = {
    kind: "CLAWBACK",
    campaignId: redemption.campaignId,
    merchantId: redemption.merchantId,
    partnerId: redemption.partnerId,
    transactionId: redemption.transactionId,
    ...(redemption.voucherId === undefined ? {} : { voucherId: redemption.voucherId }),
    ...(redemption.instantDiscountId === undefined ? {} : { instantDiscountId: redemption.instantDiscountId }),
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
          transactionUpdate(table, record, {
            UpdateExpression: "SET clawback = :clawback",
            // `refunded` as read: a partial refund landing meanwhile would make refundedBefore wrong.
            ConditionExpression: `#status = :redeemed AND attribute_not_exists(refund) AND attribute_not_exists(clawback) AND ${
              record.refunded === undefined ? "attribute_not_exists(refunded)" : "refunded = :refunded"
            }`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":redeemed": "REDEEMED",
              ":clawback": { flagId: input.flagId, occurredAt: at, recordedAt: at },
              ...(record.refunded === undefined ? {} : { ":refunded": record.refunded }),
            },
          }),
          ...ledgerPuts(table, clawback),
          auditPut(input.audit.table, input.audit.entry),
        ],
      }),
    );
    return { outcome: "clawed-back", clawback };
  } catch (error) {
    const [txn, ledger, marker] = cancellationReasons(error);
    if (txn === "ConditionalCheckFailed") return { outcome: "unchanged", record: await transactionOfCancellation(db, table, error, 0, record) };
    if (ledger === "ConditionalCheckFailed" || marker === "ConditionalCheckFailed") {
      throw new Error(`clawback record of ${record.partnerId}/${record.transactionId} exists without its transaction's clawback`, { cause: error });
    }
    throw error;
  }
}
