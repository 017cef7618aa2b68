/**
 * The claim path on DynamoDB Local, under real concurrency: stock is never oversold (invariant 1),
 * no person passes the per-person limit (invariant 2), and no unit is lost on the way.
 */
import { randomUUID } from "node:crypto";
import { BatchGetCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { LimitReachedError, SoldOutError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDependencies, claimVoucher } from "../../shared/use-cases/claim.js";
import { shardKey } from "../../shared/store/keys.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let tables: { campaigns: string; inventory: string; vouchers: string };

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "claims");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers"]);
});

/** Several function instances, each with its own caches, as Lambda would run them. */
function instances(count: number): ClaimDependencies[] {
  return Array.from({ length: count }, () => ({
    db,
    tables,
    caches: new ClaimCaches(),
    now: () => new Date(),
    random: Math.random,
    retry: { sleep: () => Promise.resolve() },
  }));
}

async function shardRemaining(campaignId: string, dropId: string, type: string, shards: number): Promise<number[]> {
  const keys = Array.from({ length: shards }, (_, n) => shardKey(campaignId, dropId, type, n));
  const { Responses } = await db.send(new BatchGetCommand({ RequestItems: { [tables.inventory]: { Keys: keys, ConsistentRead: true } } }));
  const byKey = new Map((Responses?.[tables.inventory] ?? []).map((item) => [String(item.pk), Number(item.remaining)]));
  return keys.map((key) => byKey.get(key.pk) ?? Number.NaN);
}

async function vouchersOf(client: DynamoDBDocumentClient, campaignId: string): Promise<{ owner: string; dropId: string }[]> {
  const items: { owner: string; dropId: string }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tables.vouchers,
        FilterExpression: "campaignId = :c AND begins_with(sk, :v)",
        ExpressionAttributeValues: { ":c": campaignId, ":v": "VOUCHER#" },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) items.push({ owner: String(item.owner), dropId: String(item.dropId) });
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

// Thousands of real conditional writes on DynamoDB Local, which shares this machine's cores with
// the other test files running at the same time: room to finish, never a claim on speed.
describe("a flash drop", { timeout: 180_000 }, () => {
  it("gives 3,000 concurrent attempts from 3,000 people exactly 500 vouchers and 2,500 SOLD_OUT", async () => {
    const campaignId = `flash-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 500 }, shards: 8 }] });
    const fleet = instances(4);

    const outcomes = await Promise.all(
      Array.from({ length: 3_000 }, (_, i) =>
        claimVoucher({ residentId: `person-${i}`, campaignId, dropId: "d1", voucherTypeId: "100-30" }, fleet[i % fleet.length]!).then(
          () => "claimed" as const,
          (error: unknown) => {
            if (error instanceof SoldOutError) return "sold-out" as const;
            throw error;
          },
        ),
      ),
    );

    expect(outcomes.filter((o) => o === "claimed")).toHaveLength(500);
    expect(outcomes.filter((o) => o === "sold-out")).toHaveLength(2_500);
    const vouchers = await vouchersOf(db, campaignId);
    expect(vouchers).toHaveLength(500);
    expect(new Set(vouchers.map((v) => v.owner)).size).toBe(500);
    expect(await shardRemaining(campaignId, "d1", "100-30", 8)).toEqual(Array(8).fill(0));
  });

  it("lets one person racing 50 times with limit 2 get exactly 2, losing no unit", async () => {
    const campaignId = `limit-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 2, drops: [{ id: "d1", stock: { "100-30": 100 }, shards: 4 }] });
    const fleet = instances(3);

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        claimVoucher({ residentId: "eager", campaignId, dropId: "d1", voucherTypeId: "100-30" }, fleet[i % fleet.length]!).then(
          () => "claimed" as const,
          (error: unknown) => {
            if (error instanceof LimitReachedError) return "limit" as const;
            throw error;
          },
        ),
      ),
    );

    expect(outcomes.filter((o) => o === "claimed")).toHaveLength(2);
    expect(outcomes.filter((o) => o === "limit")).toHaveLength(48);
    expect(await vouchersOf(db, campaignId)).toHaveLength(2);
    const remaining = await shardRemaining(campaignId, "d1", "100-30", 4);
    expect(remaining.reduce((a, b) => a + b, 0)).toBe(98);
  });

  it("counts every voucher of the campaign against the limit, across drops and voucher types", async () => {
    const campaignId = `across-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tables, {
      id: campaignId,
      perPersonLimit: 1,
      drops: [{ id: "d1", stock: { "100-30": 10, "200-60": 10 }, shards: 2 }],
    });
    const [deps] = instances(1);
    await claimVoucher({ residentId: "alice", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps!);
    await expect(claimVoucher({ residentId: "alice", campaignId, dropId: "d1", voucherTypeId: "200-60" }, deps!)).rejects.toBeInstanceOf(LimitReachedError);
  });

  it("answers SOLD_OUT after sell-out without calling DynamoDB", async () => {
    const campaignId = `cached-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 2 }, shards: 2 }] });
    const [deps] = instances(1);
    await claimVoucher({ residentId: "a", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps!);
    await claimVoucher({ residentId: "b", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps!);
    await expect(claimVoucher({ residentId: "c", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps!)).rejects.toBeInstanceOf(SoldOutError);

    let calls = 0;
    const counted = { ...deps!, db: { send: (...args: Parameters<DynamoDBDocumentClient["send"]>) => ((calls += 1), db.send(...args)) } as DynamoDBDocumentClient };
    for (let i = 0; i < 20; i += 1) {
      await expect(claimVoucher({ residentId: `late-${i}`, campaignId, dropId: "d1", voucherTypeId: "100-30" }, counted)).rejects.toBeInstanceOf(SoldOutError);
    }
    expect(calls).toBe(0);
  });

  it("answers a retry whose first try committed with that voucher, taking no second unit", async () => {
    const campaignId = `retry-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 3, drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 4 }] });
    const [deps] = instances(1);
    const request = { residentId: "twice", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "same-key" };
    const first = await claimVoucher(request, deps!);
    const again = await claimVoucher(request, deps!);
    expect(again).toEqual(first);
    expect(await vouchersOf(db, campaignId)).toHaveLength(1);
    expect((await shardRemaining(campaignId, "d1", "100-30", 4)).reduce((a, b) => a + b, 0)).toBe(9);
  });

  it("strands, but never oversells, a unit taken by a claim that crashes before writing its voucher", async () => {
    const campaignId = `crash-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 3 }, shards: 1 }] });
    const [deps] = instances(1);
    const crashing = { ...deps!, afterTake: () => Promise.reject(new Error("injected crash")) };
    await expect(claimVoucher({ residentId: "unlucky", campaignId, dropId: "d1", voucherTypeId: "100-30" }, crashing)).rejects.toThrow("injected crash");

    const results = await Promise.allSettled(
      ["a", "b", "c"].map((sub) => claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps!)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(await vouchersOf(db, campaignId)).toHaveLength(2);
    expect(await shardRemaining(campaignId, "d1", "100-30", 1)).toEqual([0]);
  });
});
