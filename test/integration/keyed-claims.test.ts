/**
 * Keyed claims on DynamoDB Local (shared/use-cases/claim-idempotency.ts over
 * shared/store/keyed-claims.ts): the contract of the claim handler's TSDoc and API.md (a replay
 * by the same person answers the same voucher for 24 h, one still running is
 * IDEMPOTENCY_IN_PROGRESS, the key with another request IDEMPOTENCY_KEY_REUSED), and records in
 * the shape Powertools idempotency wrote them, which either side reads.
 */
import { createHash, randomUUID } from "node:crypto";
import { IdempotencyConfig } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import type { Voucher } from "../../shared/domain/claim.js";
import { IdempotencyInProgressError, IdempotencyKeyReusedError, SoldOutError } from "../../shared/errors.js";
import { keyedClaimRecordId } from "../../shared/store/keyed-claims.js";
import { ClaimCaches, stockKey } from "../../shared/use-cases/claim.js";
import { IDEMPOTENCY_TTL_SECONDS, type KeyedClaimDependencies, claimOnce } from "../../shared/use-cases/claim-idempotency.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let tables: KeyedClaimDependencies["tables"];

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "keyed-claims");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "idempotency"]);
});

function deps(overrides: Partial<KeyedClaimDependencies> = {}): KeyedClaimDependencies {
  return { db, tables, caches: new ClaimCaches(), now: () => new Date(), random: Math.random, retry: { sleep: () => Promise.resolve() }, ...overrides };
}

async function campaign(stock = 5): Promise<string> {
  const id = `keyed-${randomUUID().slice(0, 8)}`;
  await seedCampaign(db, tables, { id, perPersonLimit: 5, drops: [{ id: "d1", stock: { "100-30": stock, "200-60": stock }, shards: 1 }] });
  return id;
}

const md5 = (values: string[]) => createHash("md5").update(JSON.stringify(values)).digest("base64");

async function recordOf(residentId: string, key: string) {
  return (await db.send(new GetCommand({ TableName: tables.idempotency, Key: { id: keyedClaimRecordId({ residentId, key }) }, ConsistentRead: true }))).Item;
}

describe("a keyed claim", () => {
  it("answers a replay by the same person with the same voucher, from a record in Powertools' shape", async () => {
    const campaignId = await campaign();
    const request = { residentId: "replayer", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-1" };
    const before = Date.now();
    const first = await claimOnce(request, deps());
    expect(await claimOnce(request, deps())).toEqual(first);

    const { expiration, ...record } = (await recordOf("replayer", "k-1")) ?? {};
    expect(record).toEqual({ id: `#${md5(["replayer", "k-1"])}`, status: "COMPLETED", validation: md5([campaignId, "d1", "100-30"]), data: first });
    expect(Number(expiration) - before / 1000).toBeGreaterThan(IDEMPOTENCY_TTL_SECONDS - 5);
    expect(Number(expiration) - before / 1000).toBeLessThan(IDEMPOTENCY_TTL_SECONDS + 5);
  });

  it("answers 409 IDEMPOTENCY_IN_PROGRESS while the first claim with the key runs, and the voucher after", async () => {
    const campaignId = await campaign();
    const request = { residentId: "impatient", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-2" };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const tookUnit = new Promise<void>((resolve) => (taken = resolve));
    const first = claimOnce(request, deps({ afterTake: () => (taken(), held) }));
    await tookUnit;

    const second = claimOnce(request, deps());
    await expect(second).rejects.toBeInstanceOf(IdempotencyInProgressError);
    await expect(second).rejects.toMatchObject({ code: "IDEMPOTENCY_IN_PROGRESS", retryAfterSeconds: 1 });
    expect((await recordOf("impatient", "k-2"))?.status).toBe("INPROGRESS");

    release();
    const voucher = await first;
    expect(await claimOnce(request, deps())).toEqual(voucher);
  });

  it("answers 422 IDEMPOTENCY_KEY_REUSED for the key with another campaign, drop or voucher type, in progress or done", async () => {
    const campaignId = await campaign();
    const request = { residentId: "reuser", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-3" };
    await claimOnce(request, deps());
    for (const other of [{ voucherTypeId: "200-60" }, { dropId: "d2" }, { campaignId: "another" }]) {
      await expect(claimOnce({ ...request, ...other }, deps())).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    }
    // After sell-out the stored answer is read without claiming, and checked the same way.
    const soldOut = deps();
    soldOut.caches.rememberSoldOut(stockKey({ campaignId, dropId: "d1", voucherTypeId: "200-60" }), Date.now());
    let calls = 0;
    const counted = { ...soldOut, db: { send: (...args: Parameters<typeof db.send>) => ((calls += 1), db.send(...args)) } as typeof db };
    await expect(claimOnce({ ...request, voucherTypeId: "200-60" }, counted)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(calls).toBe(1);
    soldOut.caches.rememberSoldOut(stockKey(request), Date.now());
    await expect(claimOnce({ ...request, residentId: "nobody-before" }, soldOut)).rejects.toBeInstanceOf(SoldOutError);
  });

  it("keeps another person's key apart: the same key from two residents claims twice", async () => {
    const campaignId = await campaign();
    const a = await claimOnce({ residentId: "a", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "shared" }, deps());
    const b = await claimOnce({ residentId: "b", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "shared" }, deps());
    expect(a.voucherId).not.toBe(b.voucherId);
  });

  it("keeps no record of a refused claim: a retry with the key claims afresh", async () => {
    const campaignId = await campaign(1);
    await claimOnce({ residentId: "first", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps());
    const request = { residentId: "late", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-4" };
    await expect(claimOnce(request, deps())).rejects.toBeInstanceOf(SoldOutError);
    expect(await recordOf("late", "k-4")).toBeUndefined();
  });

  it("takes over a record left in progress once the invocation's time is up, and one expired after 24 h", async () => {
    const campaignId = await campaign();
    const stale = { residentId: "crashed", key: "k-5" };
    await db.send(
      new PutCommand({
        TableName: tables.idempotency,
        Item: { id: keyedClaimRecordId(stale), status: "INPROGRESS", expiration: Math.round(Date.now() / 1000) + 3600, validation: md5([campaignId, "d1", "100-30"]), in_progress_expiration: Date.now() - 1 },
      }),
    );
    const request = { residentId: "crashed", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-5" };
    const voucher = await claimOnce(request, deps(), { getRemainingTimeInMillis: () => 3_000 } as Parameters<typeof claimOnce>[2]);
    expect(voucher).toMatchObject({ campaignId, voucherTypeId: "100-30" });

    // A completed record past its expiration (TTL deletion lags) holds the key for nobody.
    const old = { residentId: "returning", key: "k-6" };
    await db.send(
      new PutCommand({
        TableName: tables.idempotency,
        Item: { id: keyedClaimRecordId(old), status: "COMPLETED", expiration: Math.round(Date.now() / 1000) - 1, validation: md5(["other", "d1", "100-30"]), data: voucher },
      }),
    );
    const fresh = await claimOnce({ residentId: "returning", campaignId, dropId: "d1", voucherTypeId: "200-60", idempotencyKey: "k-6" }, deps());
    expect(fresh.voucherTypeId).toBe("200-60");
  });

  it("answers a record Powertools idempotency wrote, and Powertools answers one it writes", async () => {
    const campaignId = await campaign();
    const config = new IdempotencyConfig({ eventKeyJmesPath: "[residentId, key]", payloadValidationJmesPath: "[campaignId, dropId, voucherTypeId]", expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS });
    const dynamoDb = new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") });
    const powertools = new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: dynamoDb });
    powertools.configure({ config });

    const written = { residentId: "migrant", key: "k-7", campaignId, dropId: "d1", voucherTypeId: "100-30" };
    const answer: Voucher = { voucherId: "v-from-powertools", campaignId, dropId: "d1", voucherTypeId: "100-30", threshold: 10_000, discount: 3_000, claimedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 86_400_000).toISOString(), status: "CLAIMED" };
    await powertools.saveInProgress(written, 3_000);
    await powertools.saveSuccess(written, { ...answer } satisfies Record<keyof Voucher, string | number>);
    expect(await claimOnce({ residentId: "migrant", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-7" }, deps())).toEqual(answer);

    const ours = await claimOnce({ residentId: "native", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "k-8" }, deps());
    const record = await powertools.getRecord({ residentId: "native", key: "k-8", campaignId, dropId: "d1", voucherTypeId: "100-30" });
    expect(record.getStatus()).toBe("COMPLETED");
    expect(record.getResponse()).toEqual(ours);
  });
});
