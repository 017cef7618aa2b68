/**
 * Records of keyed claims in the `idempotency` table: one item per (resident, Idempotency-Key),
 * kept 24 h, in the shape Powertools idempotency wrote them before the claim path stopped using it
 * (its bundle budget, issue 16): `id` = `<function name>#<base64 MD5 of ["<resident>","<key>"]>`,
 * `status` INPROGRESS or COMPLETED, `expiration` (epoch seconds, the table's TTL), `validation`
 * (base64 MD5 of ["<campaign>","<drop>","<voucher type>"]), `in_progress_expiration` (epoch ms,
 * when an invocation that never finished stops holding the key) and `data` (the voucher). Records
 * written by either one are read by the other, so replays keep their answer across a deployment.
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { VOUCHER_STATUSES, type Voucher } from "../domain/claim.js";
import * as z from "../zod-mini.js";
import { itemOfConditionFailure } from "./dynamo.js";

/** What a keyed claim is recorded under, and what a replay with its key must repeat. */
export interface KeyedClaimRecordKey {
  residentId: string;
  key: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
}

/** A record as it stands: being claimed, or the voucher a completed claim answered. */
export type KeyedClaimRecord =
  | { status: "INPROGRESS"; matches: boolean; expiresAt: number }
  | { status: "COMPLETED"; matches: boolean; expiresAt: number; voucher: Voucher };

/** The voucher a completed record answered (shared/domain/claim.ts `Voucher`). */
const answeredVoucherSchema = z.object({
  voucherId: z.string(),
  campaignId: z.string(),
  dropId: z.string(),
  voucherTypeId: z.string(),
  threshold: z.number(),
  discount: z.number(),
  claimedAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(VOUCHER_STATUSES),
});

// One object rather than a union on `status` (zod's discriminated union costs the bundle about 2 KB); recordOf checks that a COMPLETED record has its voucher.
const recordSchema = z.object({
  status: z.enum(["INPROGRESS", "COMPLETED"]),
  expiration: z.number(),
  validation: z.optional(z.string()),
  data: z.optional(answeredVoucherSchema),
});

/** Base64 MD5 of the JSON of `values`, as Powertools hashes (an array of strings needs no key sorting). */
function hashOf(values: readonly string[]): string {
  return createHash("md5").update(JSON.stringify(values)).digest("base64");
}

/** The record's `id`: Powertools prefixes the hash with the Lambda function's name (empty off Lambda). */
export function keyedClaimRecordId(claim: Pick<KeyedClaimRecordKey, "residentId" | "key">): string {
  return `${process.env.AWS_LAMBDA_FUNCTION_NAME ?? ""}#${hashOf([claim.residentId, claim.key])}`;
}

function validationOf(claim: KeyedClaimRecordKey): string {
  return hashOf([claim.campaignId, claim.dropId, claim.voucherTypeId]);
}

/** A stored item as a record, or undefined when there is none or it has expired (TTL deletes lag). */
function recordOf(item: Record<string, unknown> | undefined, claim: KeyedClaimRecordKey, now: Date): KeyedClaimRecord | undefined {
  if (item === undefined) return undefined;
  const stored = recordSchema.parse(item);
  if (now.getTime() / 1000 > stored.expiration) return undefined;
  const matches = stored.validation === validationOf(claim);
  if (stored.status === "INPROGRESS") return { status: "INPROGRESS", matches, expiresAt: stored.expiration };
  if (stored.data === undefined) throw new Error("A COMPLETED idempotency record of a keyed claim holds no voucher");
  return { status: "COMPLETED", matches, expiresAt: stored.expiration, voucher: stored.data };
}

/** Tries of {@link startKeyedClaim} when the record it finds in the way has expired by its own clock (as Powertools tries). */
const START_TRIES = 3;

/**
 * Takes the key for this claim: writes an INPROGRESS record unless one is there that has not
 * expired (a record left in progress counts as expired once `in_progress_expiration` has passed).
 * Returns undefined when the key was taken, else the record already there. One conditional write;
 * the record there comes back with the failed condition (`ALL_OLD`).
 *
 * @param inProgressMs how long the invocation may still run (the Lambda context's remaining
 *   time); without it the record holds the key until it expires.
 */
export async function startKeyedClaim(
  db: DynamoDBDocumentClient,
  table: string,
  claim: KeyedClaimRecordKey,
  options: { now: () => Date; ttlSeconds: number; inProgressMs?: number },
): Promise<KeyedClaimRecord | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    const now = options.now();
    const nowMs = now.getTime();
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: {
            id: keyedClaimRecordId(claim),
            status: "INPROGRESS",
            expiration: Math.round(nowMs / 1000 + options.ttlSeconds),
            validation: validationOf(claim),
            ...(options.inProgressMs === undefined ? {} : { in_progress_expiration: nowMs + options.inProgressMs }),
          },
          // Free, expired, or left in progress by an invocation whose time is up.
          ConditionExpression:
            "attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#inProgressExpiry) AND #inProgressExpiry < :nowMs)",
          ExpressionAttributeNames: { "#id": "id", "#expiry": "expiration", "#status": "status", "#inProgressExpiry": "in_progress_expiration" },
          ExpressionAttributeValues: { ":now": nowMs / 1000, ":nowMs": nowMs, ":inprogress": "INPROGRESS" },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = recordOf(itemOfConditionFailure(error), claim, now) ?? (await readKeyedClaim(db, table, claim, now));
      if (existing !== undefined) return existing;
      // Expired by this clock but not by the table's condition (or gone since): try again.
      if (attempt >= START_TRIES) throw new Error(`${table}: the idempotency record of a keyed claim expired while it was being read, ${START_TRIES} times`, { cause: error });
    }
  }
}

/** Records the voucher a keyed claim answered, for 24 h (`ttlSeconds`) from now. */
export async function completeKeyedClaim(
  db: DynamoDBDocumentClient,
  table: string,
  claim: KeyedClaimRecordKey,
  voucher: Voucher,
  options: { now: Date; ttlSeconds: number },
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: { id: keyedClaimRecordId(claim) },
      UpdateExpression: "SET #expiry = :expiry, #status = :status, #data = :data, #validation = :validation",
      ExpressionAttributeNames: { "#expiry": "expiration", "#status": "status", "#data": "data", "#validation": "validation" },
      ExpressionAttributeValues: {
        ":expiry": Math.round(options.now.getTime() / 1000 + options.ttlSeconds),
        ":status": "COMPLETED",
        ":data": voucher,
        ":validation": validationOf(claim),
      },
    }),
  );
}

/** Frees the key after a claim that failed, so that a retry claims afresh. */
export async function releaseKeyedClaim(db: DynamoDBDocumentClient, table: string, claim: KeyedClaimRecordKey): Promise<void> {
  await db.send(new DeleteCommand({ TableName: table, Key: { id: keyedClaimRecordId(claim) } }));
}

/** The record of this key as it stands (strongly consistent), or undefined when there is none or it has expired. */
export async function readKeyedClaim(db: DynamoDBDocumentClient, table: string, claim: KeyedClaimRecordKey, now: Date): Promise<KeyedClaimRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: { id: keyedClaimRecordId(claim) }, ConsistentRead: true }));
  return recordOf(Item, claim, now);
}
