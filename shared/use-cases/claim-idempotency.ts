/**
 * A claim with the client's Idempotency-Key, in one place. Each (resident, key) answer is kept for
 * 24 h in the `idempotency` table (shared/store/keyed-claims.ts): a replay by the same resident
 * gets the same voucher, a replay still running is IdempotencyInProgressError (409), and the key
 * with another campaign, drop or voucher type is IdempotencyKeyReusedError (422). Below it the
 * claim derives the voucher id from the key (keyedVoucherId), so even a retry after the record
 * expired or was never written finds the first voucher instead of taking a second unit.
 *
 * The handbook's choice is Powertools idempotency, and this followed it until issue 16: its
 * JMESPath engine and persistence layer were about 45 KB of the claim handler's 300 KB bundle
 * budget, with no import path that leaves JMESPath out. The record keeps Powertools' item shape
 * and its rules (put INPROGRESS unless a live record is there, COMPLETED with the answer, deleted
 * when the claim fails), so records either one wrote are read by the other.
 *
 * After sell-out a keyed attempt costs one read when an earlier success stored its answer, and
 * else one more, of the person's counter: a slot its first try took before dying gets its voucher
 * (filed now, taking no unit); without one the answer is SOLD_OUT.
 */
import type { Context } from "aws-lambda";
import type { Voucher } from "../domain/claim.js";
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from "../errors.js";
import { type KeyedClaimRecord, type KeyedClaimRecordKey, completeKeyedClaim, readKeyedClaim, releaseKeyedClaim, startKeyedClaim } from "../store/keyed-claims.js";
import { type ClaimDependencies, type ClaimRequest, claimVoucher, knownSoldOut } from "./claim.js";
import type { Dependencies } from "./dependencies.js";

/** How long an answer is kept for replays of its key. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** A keyed claim's dependencies: a claim's, plus the idempotency table. */
export type KeyedClaimDependencies = ClaimDependencies & Pick<Dependencies<"idempotency">, "tables">;

/**
 * Claims one voucher for the resident; with an Idempotency-Key, at most once per (resident, key)
 * for 24 h. `context` is the Lambda invocation's: a record left in progress by an invocation that
 * timed out stops holding the key when the invocation's time is up.
 *
 * @throws the claim's domain errors; IdempotencyInProgressError; IdempotencyKeyReusedError.
 */
export async function claimOnce(request: ClaimRequest, deps: KeyedClaimDependencies, context?: Context): Promise<Voucher> {
  const { idempotencyKey: key, ...claim } = request;
  if (key === undefined) return claimVoucher(claim, deps);
  const record: KeyedClaimRecordKey = { residentId: claim.residentId, key, campaignId: claim.campaignId, dropId: claim.dropId, voucherTypeId: claim.voucherTypeId };
  const table = deps.tables.idempotency;
  if (knownSoldOut(claim, deps)) {
    const stored = await readKeyedClaim(deps.db, table, record, deps.now());
    if (stored !== undefined) return answerOf(stored);
    // No answer kept (a first try that died between the counter's slot and the voucher releases
    // its record): the claim reads the person's counter and files the slot's voucher, taking no
    // unit, or answers SOLD_OUT.
    return claimVoucher({ ...claim, idempotencyKey: key }, deps);
  }
  const existing = await startKeyedClaim(deps.db, table, record, {
    now: deps.now,
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    ...(context ? { inProgressMs: context.getRemainingTimeInMillis() } : {}),
  });
  if (existing !== undefined) return answerOf(existing);
  let voucher: Voucher;
  try {
    voucher = await claimVoucher({ ...claim, idempotencyKey: key }, deps);
  } catch (error) {
    // A refusal or a failure is not kept: a retry with the key claims afresh.
    await releaseKeyedClaim(deps.db, table, record);
    throw error;
  }
  await completeKeyedClaim(deps.db, table, record, voucher, { now: deps.now(), ttlSeconds: IDEMPOTENCY_TTL_SECONDS });
  return voucher;
}

/** What a record found for the key answers: its voucher, or why there is none yet. */
function answerOf(record: KeyedClaimRecord): Voucher {
  if (!record.matches) throw new IdempotencyKeyReusedError("This Idempotency-Key was used with a different request");
  if (record.status === "INPROGRESS") throw new IdempotencyInProgressError("A claim with this Idempotency-Key is still being processed", 1);
  return record.voucher;
}
