/**
 * POST /campaigns/{id}/drops/{dropId}/claims (resident). With an Idempotency-Key, Powertools
 * idempotency stores the answer for 24 h: a replay by the same person gets the same voucher, a
 * replay still running answers 409 IDEMPOTENCY_IN_PROGRESS, and the key with another request
 * answers 422 IDEMPOTENCY_KEY_REUSED.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import * as z from "../../shared/zod.js";
import { claimRequestSchema } from "../../shared/api/schemas.js";
import { dynamoDb, documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import type { Voucher } from "../../shared/domain/claim.js";
import { IdempotencyInProgressError, IdempotencyKeyReusedError, SoldOutError } from "../../shared/errors.js";
import { httpRoute, parseBody, parseWith } from "../../shared/http/route.js";
import { ClaimCaches, type ClaimDeps, type ClaimRequest, claimVoucher, knownSoldOut } from "../../shared/use-cases/claim.js";

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const pathSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), dropId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const keySchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, "Idempotency-Key must be 1–128 visible ASCII characters").optional();

const caches = new ClaimCaches();
const idempotency = new IdempotencyConfig({
  eventKeyJmesPath: "[sub, key]",
  payloadValidationJmesPath: "[campaignId, dropId, voucherTypeId]",
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
});
let persistence: DynamoDBPersistenceLayer | undefined;
let idempotentClaim: ((input: KeyedClaim) => Promise<Voucher>) | undefined;

interface KeyedClaim {
  sub: string;
  key: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
}

function deps(): ClaimDeps {
  return {
    db: documents(),
    tables: { campaigns: tableName("campaigns"), inventory: tableName("inventory"), vouchers: tableName("vouchers") },
    caches,
    now: () => new Date(),
    random: Math.random,
  };
}

function idempotent(): { store: DynamoDBPersistenceLayer; claim: (input: KeyedClaim) => Promise<Voucher> } {
  persistence ??= new DynamoDBPersistenceLayer({ tableName: tableName("idempotency"), awsSdkV3Client: dynamoDb() });
  persistence.configure({ config: idempotency });
  idempotentClaim ??= makeIdempotent(
    ({ key, ...claim }: KeyedClaim) => claimVoucher({ ...claim, idempotencyKey: key }, deps()),
    { persistenceStore: persistence, config: idempotency },
  );
  return { store: persistence, claim: idempotentClaim };
}

export const handler = httpRoute("resident", async ({ event, caller, context }) => {
  const path = parseWith(pathSchema, event.pathParameters, "path");
  const { voucherTypeId } = parseBody(event, claimRequestSchema);
  const key = parseWith(keySchema, event.headers["idempotency-key"], "Idempotency-Key header");
  const request: ClaimRequest = { sub: caller.sub, campaignId: path.id, dropId: path.dropId, voucherTypeId };
  if (key === undefined) return { status: 201, body: await claimVoucher(request, deps()) };

  const input: KeyedClaim = { sub: caller.sub, key, campaignId: path.id, dropId: path.dropId, voucherTypeId };
  const { store, claim } = idempotent();
  idempotency.registerLambdaContext(context);
  try {
    // After sell-out a keyed attempt costs one read: the stored answer of an earlier success, or SOLD_OUT.
    if (knownSoldOut(request, deps())) return { status: 201, body: await storedAnswer(store, input) };
    return { status: 201, body: await claim(input) };
  } catch (error) {
    if (error instanceof IdempotencyAlreadyInProgressError) {
      throw new IdempotencyInProgressError("A claim with this Idempotency-Key is still being processed", 1, { cause: error });
    }
    if (error instanceof IdempotencyValidationError) {
      throw new IdempotencyKeyReusedError("This Idempotency-Key was used with a different request", { cause: error });
    }
    throw error;
  }
});

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
