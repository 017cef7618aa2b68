/**
 * GET /admin/campaigns/{id}/stats over the local runtime's HTTP: an operator gets the documented
 * shape (every key named by campaignStatsSchema, no other) with the figures the stream projector
 * counted from real claims, payments and a refund; residents get 403, callers without a valid
 * token 401, an unknown campaign 404 and a malformed id 400.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusal } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { gatewayMessageSchema } from "../../shared/api/schemas.js";
import { campaignStatsSchema } from "../../shared/api/stats-schemas.js";
import { localDate } from "../../shared/domain/settlement.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { platform } from "../../shared/wiring/platform.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";
import { seedMerchant } from "../support/settlement.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;
let residentToken: string;
let tables: Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "merchants", string>;

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "stats-e2e");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "redemptions", "merchants"]);
  operatorToken = await signLocalToken({ sub: "op-stats", operator: true, settings: TEST_JWT });
  residentToken = await signLocalToken({ sub: "resident-stats", settings: TEST_JWT });
});

afterAll(async () => {
  await runtime?.stop();
});

async function get(path: string, token: string | null = operatorToken) {
  const response = await fetch(`${runtime.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}


/** The keys of an object and of every object inside it, as paths, sorted. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value)
    .flatMap(([key, inner]) => [`${prefix}${key}`, ...keyPaths(inner, `${prefix}${key}.`)])
    .sort();
}

/** The programmes section when no merchant programme has approved anything. */
const NO_PROGRAMME_AWARDS = { total: { awards: 0, amount: 0, paid: 0, pending: 0 }, byKind: {}, byTier: {}, bySector: {} };

describe("GET /admin/campaigns/{id}/stats", () => {
  it("answers an operator with the documented figures, counted from claims, payments and a refund", async () => {
    const campaignId = unique("c");
    const { campaign } = await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 1, drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 2 }] });
    const supermarket = unique("m");
    const restaurant = unique("m");
    await seedMerchant(db, tables.merchants, { id: supermarket, partnerId: "bank-a", sector: "supermarket" });
    await seedMerchant(db, tables.merchants, { id: restaurant, partnerId: "bank-a", sector: "restaurant" });
    const payers = Array.from({ length: 4 }, (_, i) => `payer-${campaignId}-${i}`);
    const caches = new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 });
    for (const sub of payers) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, { db, tables, caches, now: () => new Date(), random: Math.random });
    const payments = { db, tables, now: () => new Date() };
    const occurredAt = new Date().toISOString();
    const pay = (payerId: string, merchantId: string, amount: number, transactionId = unique("t")) =>
      recordPayment({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, merchantId, payerId, amount, occurredAt } }, payments).then(() => transactionId);
    const refunded = await pay(payers[0]!, supermarket, 12_000);
    await pay(payers[1]!, supermarket, 15_000);
    await pay(payers[2]!, restaurant, 30_000);
    await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId: refunded, occurredAt } }, payments);

    const path = `/admin/campaigns/${campaignId}/stats`;
    const answer = await eventually(
      async () => {
        const answer = await get(path);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const stats = campaignStatsSchema.parse(answer.body);
        return stats.claimed === 4 && stats.redeemed === 2 && stats.reversed === 1 ? answer : undefined;
      },
      30_000,
      "the projection to count the drill",
    );
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const stats = campaignStatsSchema.parse(answer.body);
    // Exactly the documented keys, at every level: nothing the schema does not name, nothing missing.
    expect(keyPaths(answer.body)).toEqual(keyPaths(stats));
    expect(stats).toEqual(answer.body);
    const top = ["campaignId", "budget", "claimed", "redeemed", "reversed", "expired", "subsidy", "grossSales", "redemptionRate", "leverage", "remainingBudget", "instantDiscounts", "bySector", "byDay", "byMerchant", "programmes"];
    expect(Object.keys(campaignStatsSchema.shape).sort()).toEqual([...top].sort());
    expect(Object.keys(answer.body as object).sort()).toEqual([...top].sort());

    const today = localDate(new Date(occurredAt), campaign.timezone);
    expect(stats).toEqual({
      campaignId,
      // No merchant programme in this runtime: the programmes section is all zeros.
      programmes: NO_PROGRAMME_AWARDS,
      budget: campaign.budget,
      claimed: 4,
      redeemed: 2,
      reversed: 1,
      expired: 0,
      subsidy: 6_000,
      grossSales: 45_000,
      redemptionRate: 0.5,
      leverage: 7.5,
      // One voucher unspent (3,000 still usable); the refunded one is void.
      remainingBudget: campaign.budget - 6_000 - 3_000,
      // Always present: this campaign has no instant discount.
      instantDiscounts: { applied: 0, subsidy: 0, grossSales: 0 },
      bySector: {
        supermarket: { redeemed: 1, reversed: 1, subsidy: 3_000, grossSales: 15_000, leverage: 5 },
        restaurant: { redeemed: 1, reversed: 0, subsidy: 3_000, grossSales: 30_000, leverage: 10 },
      },
      byDay: { [today]: { claimed: 4, redeemed: 2, reversed: 1, expired: 0, subsidy: 6_000, grossSales: 45_000 } },
      byMerchant: {
        [supermarket]: { redeemed: 1, reversed: 1, subsidy: 3_000, grossSales: 15_000, leverage: 5 },
        [restaurant]: { redeemed: 1, reversed: 0, subsidy: 3_000, grossSales: 30_000, leverage: 10 },
      },
    });
  });

  it("answers a campaign with nothing yet counted with zeros and its whole budget", async () => {
    const campaignId = unique("quiet");
    const { campaign } = await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    const answer = await get(`/admin/campaigns/${campaignId}/stats`);
    expect(answer.status).toBe(200);
    expect(campaignStatsSchema.parse(answer.body)).toEqual({
      campaignId,
      // No merchant programme in this runtime: the programmes section is all zeros.
      programmes: NO_PROGRAMME_AWARDS,
      budget: campaign.budget,
      claimed: 0,
      redeemed: 0,
      reversed: 0,
      expired: 0,
      subsidy: 0,
      grossSales: 0,
      redemptionRate: 0,
      leverage: 0,
      remainingBudget: campaign.budget,
      instantDiscounts: { applied: 0, subsidy: 0, grossSales: 0 },
      bySector: {},
      byDay: {},
      byMerchant: {},
    });
  });

  it("refuses residents (403) and callers without a valid token (401)", async () => {
    const path = `/admin/campaigns/${unique("c")}/stats`;
    refusal(await get(path, residentToken), 403, "FORBIDDEN");
    for (const token of [null, "not-a-jwt"]) {
      const answer = await get(path, token);
      expect(answer.status, String(token)).toBe(401);
      gatewayMessageSchema.parse(answer.body);
    }
  });

  it("answers an unknown campaign 404 NOT_FOUND and a malformed id 400 VALIDATION_FAILED with the path at fault", async () => {
    refusal(await get(`/admin/campaigns/${unique("nobody")}/stats`), 404, "NOT_FOUND");
    for (const id of ["has%20space", "x".repeat(200), "%E6%B6%88%E8%B4%B9"]) {
      const error = refusal(await get(`/admin/campaigns/${id}/stats`), 400, "VALIDATION_FAILED");
      expect(error.details).toEqual([expect.objectContaining({ path: "id" })]);
    }
  });
});
