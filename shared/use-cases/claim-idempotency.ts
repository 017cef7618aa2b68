/**
 * A claim with the client's Idempotency-Key, in one place. Powertools idempotency keeps each
 * (resident, key) answer for 24 h in the `idempotency` table: a replay by the same resident gets
 * the same voucher, a replay still running is IdempotencyInProgressError (409), and the key with
 * another campaign, drop or voucher type is IdempotencyKeyReusedError (422). Below it the claim
 * derives the voucher id from the key (keyedVoucherId), so even a retry after the record expired
 * or was never written finds the first voucher instead of taking a second unit.
 *
 * After sell-out a keyed attempt costs one read: the stored answer of an earlier success, or
 * SOLD_OUT.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context } from "aws-lambda";
import type { Voucher } from "../domain/claim.js";
import type { IdentityHashes } from "../domain/identity.js";
import { IdempotencyInProgressError, IdempotencyKeyReusedError, SoldOutError } from "../errors.js";
import { type ClaimDependencies, type ClaimRequest, claimVoucher, knownSoldOut } from "./claim.js";
import type { Dependencies } from "./dependencies.js";

/** How long an answer is kept for replays of its key. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * A keyed claim's dependencies: a claim's, plus the idempotency table and the low-level client
 * Powertools' persistence layer speaks to.
 */
export type KeyedClaimDependencies = ClaimDependencies & Pick<Dependencies<"idempotency">, "tables"> & { dynamoDb: DynamoDBClient };

/** What Powertools hashes: the record's key from [residentId, key], the payload check from the rest. */
interface KeyedClaim {
  residentId: string;
  identities?: IdentityHashes;
  key: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
}

const config = new IdempotencyConfig({
  // Values, not names, are hashed: the same (resident, key) as when this field was called `sub`.
  eventKeyJmesPath: "[residentId, key]",
  payloadValidationJmesPath: "[campaignId, dropId, voucherTypeId]",
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
});

/** One persistence layer and one wrapped claim per idempotency table, built on first use. */
const keyedClaims = new Map<string, { store: DynamoDBPersistenceLayer; claim: (input: KeyedClaim, deps: ClaimDependencies) => Promise<Voucher> }>();

function keyedClaimFor(deps: KeyedClaimDependencies) {
  const table = deps.tables.idempotency;
  let found = keyedClaims.get(table);
  if (!found) {
    const store = new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: deps.dynamoDb });
    store.configure({ config });
    // Only the first argument is hashed; the dependencies ride along.
    const claim = makeIdempotent(
      ({ key, ...request }: KeyedClaim, claimDeps: ClaimDependencies) => claimVoucher({ ...request, idempotencyKey: key }, claimDeps),
      { persistenceStore: store, config, dataIndexArgument: 0 },
    );
    found = { store, claim };
    keyedClaims.set(table, found);
  }
  return found;
}

/**
 * Claims one voucher for the resident; with an Idempotency-Key, at most once per (resident, key)
 * for 24 h. `context` is the Lambda invocation's, which Powertools uses to expire a record left
 * in progress by an invocation that timed out.
 *
 * @throws the claim's domain errors; IdempotencyInProgressError; IdempotencyKeyReusedError.
 */
export async function claimOnce(request: ClaimRequest, deps: KeyedClaimDependencies, context?: Context): Promise<Voucher> {
  const { idempotencyKey: key, ...claim } = request;
  if (key === undefined) return claimVoucher(claim, deps);
  const input: KeyedClaim = { ...claim, key };
  const { store, claim: keyedClaim } = keyedClaimFor(deps);
  if (context) config.registerLambdaContext(context);
  try {
    if (knownSoldOut(claim, deps)) return await storedAnswer(store, input);
    return await keyedClaim(input, deps);
  } catch (error) {
    if (error instanceof IdempotencyAlreadyInProgressError) {
      throw new IdempotencyInProgressError("A claim with this Idempotency-Key is still being processed", 1, { cause: error });
    }
    if (error instanceof IdempotencyValidationError) {
      throw new IdempotencyKeyReusedError("This Idempotency-Key was used with a different request", { cause: error });
    }
    throw error;
  }
}

/** The answer stored for this key, without claiming: a completed claim's voucher, else SOLD_OUT. */
async function storedAnswer(store: DynamoDBPersistenceLayer, input: KeyedClaim): Promise<Voucher> {
  try {
    const record = await store.getRecord(input as unknown as Parameters<DynamoDBPersistenceLayer["getRecord"]>[0]);
    if (record.getStatus() === "COMPLETED") return record.getResponse() as unknown as Voucher;
    throw new IdempotencyAlreadyInProgressError("in progress", record);
  } catch (error) {
    if (error instanceof IdempotencyItemNotFoundError) throw new SoldOutError("This drop is sold out");
    throw error;
  }
}
