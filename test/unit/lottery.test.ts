/** The lottery draw (API.md, "Fair allocation"): commitment, ranks, winners, and chunked ranking equal to the whole. */
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type CampaignInput, parseCampaign } from "../../shared/domain/campaign.js";
import { type DrawEntry, chunkTopK, compareRanked, drawCommitment, mergeTopK, newSeed, rank, winners } from "../../shared/domain/lottery.js";
import { CampaignInvalidError, type CampaignIssue } from "../../shared/errors.js";
import { campaignInput } from "../fixtures/campaigns.js";

const SEED = "00".repeat(31) + "2a";
const OTHER_SEED = "00".repeat(31) + "2b";

function registrations(count: number): DrawEntry[] {
  return Array.from({ length: count }, (_, index) => ({ registrationId: `r${index}`, voucherTypeId: index % 3 === 0 ? "200-60" : "100-30" }));
}

function ids(top: Record<string, { registrationId: string }[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(top).map(([type, entries]) => [type, entries.map((entry) => entry.registrationId)]));
}

describe("commitment and rank", () => {
  it("commits to the seed bytes, not their hex text", () => {
    expect(drawCommitment(SEED)).toBe(createHash("sha256").update(Buffer.from(SEED, "hex")).digest("hex"));
    expect(drawCommitment(SEED)).not.toBe(createHash("sha256").update(SEED).digest("hex"));
  });

  it("ranks by HMAC-SHA256 keyed with the seed bytes over the UTF-8 id", () => {
    expect(rank(SEED, "登记-1")).toBe(createHmac("sha256", Buffer.from(SEED, "hex")).update(Buffer.from("登记-1", "utf8")).digest("hex"));
  });

  it("refuses a seed that is not 32 bytes of lowercase hex", () => {
    expect(() => drawCommitment("abc")).toThrow(RangeError);
    expect(() => rank(SEED.toUpperCase(), "r1")).toThrow(RangeError);
  });

  it("draws fresh seeds of 32 bytes", () => {
    const seed = newSeed();
    expect(seed).toMatch(/^[0-9a-f]{64}$/);
    expect(newSeed()).not.toBe(seed);
  });
});

describe("winners", () => {
  const stock = { "100-30": 20, "200-60": 5 };

  it("are the stock smallest ranks of each voucher type", () => {
    const all = registrations(300);
    const drawn = winners(SEED, all, stock);
    for (const [type, units] of Object.entries(stock)) {
      const expected = all
        .filter((entry) => entry.voucherTypeId === type)
        .map((entry) => ({ ...entry, rank: rank(SEED, entry.registrationId) }))
        .sort((a, b) => (a.rank < b.rank ? -1 : 1))
        .slice(0, units)
        .map((entry) => entry.registrationId);
      expect(drawn[type]!.map((entry) => entry.registrationId)).toEqual(expected);
    }
  });

  it("are the same for the same seed and ids, in any order", () => {
    const all = registrations(200);
    expect(ids(winners(SEED, [...all].reverse(), stock))).toEqual(ids(winners(SEED, all, stock)));
  });

  it("differ under another seed", () => {
    const all = registrations(200);
    expect(new Set(winners(OTHER_SEED, all, stock)["100-30"]!.map((entry) => entry.registrationId))).not.toEqual(
      new Set(winners(SEED, all, stock)["100-30"]!.map((entry) => entry.registrationId)),
    );
  });

  it("are everyone when fewer registered than the stock, and nobody for a type without stock", () => {
    const drawn = winners(SEED, [...registrations(4), { registrationId: "x", voucherTypeId: "other" }], stock);
    expect(drawn["100-30"]).toHaveLength(2);
    expect(drawn["200-60"]).toHaveLength(2);
    expect(drawn.other).toBeUndefined();
  });

  it("chunked and merged equal the whole, however the registrations are split, even with a chunk reported twice", () => {
    const all = registrations(1_000);
    const whole = ids(winners(SEED, all, stock));
    for (const chunks of [1, 3, 7, 64]) {
      const parts = Array.from({ length: chunks }, (_, chunk) => chunkTopK(SEED, all.filter((_, index) => index % chunks === chunk), stock));
      expect(ids(mergeTopK(parts, stock))).toEqual(whole);
      expect(ids(mergeTopK([...parts, parts[0]!], stock))).toEqual(whole);
    }
  });

  it("orders equal ranks by registration id", () => {
    const a = { registrationId: "a", voucherTypeId: "t", rank: "ff" };
    const b = { registrationId: "b", voucherTypeId: "t", rank: "ff" };
    expect([b, a].sort(compareRanked)).toEqual([a, b]);
    expect(compareRanked({ ...b, rank: "00" }, a)).toBeLessThan(0);
  });
});

describe("a lottery drop", () => {
  const lottery = {
    id: "draw1",
    opensAt: "2030-03-01T10:00:00+08:00",
    closesAt: "2030-03-05T12:00:00+08:00",
    stock: { "100-30": 100 },
    shards: 2,
    allocation: "lottery" as const,
    registration: { opensAt: "2030-03-01T10:00:00+08:00", closesAt: "2030-03-03T10:00:00+08:00" },
    drawAt: "2030-03-03T12:00:00+08:00",
  };

  function issuesOf(drop: Record<string, unknown>): CampaignIssue[] {
    try {
      parseCampaign(campaignInput("lottery", { drops: [drop as CampaignInput["drops"][number]] }));
    } catch (error) {
      if (error instanceof CampaignInvalidError) return error.details;
      throw error;
    }
    return [];
  }

  it("is valid with a registration window inside the drop and the draw before it closes", () => {
    expect(issuesOf(lottery)).toEqual([]);
    expect(parseCampaign(campaignInput("lottery", { drops: [lottery] })).drops[0]).toMatchObject({ allocation: "lottery", drawAt: lottery.drawAt });
  });

  it("needs a registration window and drawAt", () => {
    const { registration: _r, drawAt: _d, ...bare } = lottery;
    expect(issuesOf(bare).map((issue) => issue.path)).toEqual(["drops.0.registration", "drops.0.drawAt"]);
  });

  it("refuses a draw before registration closes, registration before the drop opens, and a close before the draw", () => {
    expect(issuesOf({ ...lottery, drawAt: "2030-03-03T09:00:00+08:00" }).map((issue) => issue.path)).toEqual(["drops.0.drawAt"]);
    expect(issuesOf({ ...lottery, registration: { ...lottery.registration, opensAt: "2030-03-01T09:00:00+08:00" } }).map((issue) => issue.path)).toEqual([
      "drops.0.registration.opensAt",
    ]);
    expect(issuesOf({ ...lottery, closesAt: "2030-03-03T11:00:00+08:00" }).map((issue) => issue.path)).toEqual(["drops.0.closesAt"]);
    expect(issuesOf({ ...lottery, registration: { opensAt: lottery.registration.closesAt, closesAt: lottery.registration.opensAt } }).map((issue) => issue.path)).toContain(
      "drops.0.registration.closesAt",
    );
  });

  it("cannot repeat, and a drop that is no lottery carries no registration or drawAt", () => {
    expect(issuesOf({ ...lottery, repeat: { every: "P1W", times: 2 } }).map((issue) => issue.path)).toContain("drops.0.repeat");
    const { allocation: _a, ...firstCome } = lottery;
    expect(issuesOf(firstCome).map((issue) => issue.path)).toEqual(["drops.0.registration", "drops.0.drawAt"]);
  });

  it("counts against the budget as any drop", () => {
    expect(() => parseCampaign(campaignInput("lottery", { budget: 100 * 3_000 - 1, drops: [lottery] }))).toThrow(/budget/i);
  });
});
