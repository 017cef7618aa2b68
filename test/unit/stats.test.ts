/**
 * Campaign statistics rules (shared/domain/stats.ts): what each voucher change and ledger record
 * adds to which bucket, how deltas add up, the figures of a bucket, and what is left of the
 * budget; plus a property: however a voucher's status moves, `outstanding` ends at the discounts
 * of the vouchers that are CLAIMED at the end.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VOUCHER_STATUSES } from "../../shared/domain/claim.js";
import {
  type Counters,
  type LedgerImage,
  type StatsDelta,
  type VoucherImage,
  figuresOf,
  instantTotal,
  ledgerDeltas,
  mergeDeltas,
  remainingBudget,
  voucherDeltas,
  voucherRedemptionRate,
} from "../../shared/domain/stats.js";
import { instantDiscountsView, statsView } from "../../shared/use-cases/stats.js";
import { FenOverflowError } from "../../shared/errors.js";

const SHANGHAI = "Asia/Shanghai";

/** Claimed at 01:00 on 2 May in Shanghai (17:00 UTC the day before); expires a week later. */
const voucher = (status: string, discount = 3_000): VoucherImage => ({
  campaignId: "c1",
  discount,
  status,
  claimedAt: "2024-05-01T17:00:00.000Z",
  expiresAt: "2024-05-08T17:00:00.000Z",
});

const redemption = (overrides: Partial<LedgerImage> = {}): LedgerImage => ({
  kind: "REDEMPTION",
  merchantId: "m1",
  discount: 3_000,
  amount: 12_000,
  // 23:30 on 2 May in Shanghai.
  occurredAt: "2024-05-02T15:30:00.000Z",
  ...overrides,
});

const reversal = (overrides: Partial<LedgerImage> = {}): LedgerImage => ({
  kind: "REVERSAL",
  merchantId: "m1",
  discount: -3_000,
  amount: 12_000,
  // The refund: 09:00 on 4 May in Shanghai; the payment it reverses: 23:30 on 2 May.
  occurredAt: "2024-05-04T01:00:00.000Z",
  paymentOccurredAt: "2024-05-02T15:30:00.000Z",
  ...overrides,
});

/** Every counter of every delta added up into one bucket's counters (for totals across buckets). */
function total(deltas: readonly StatsDelta[]): Counters {
  return mergeDeltas(deltas.filter((delta) => delta.bucket === "TOTAL")).get("TOTAL") ?? {};
}

describe("voucherDeltas", () => {
  it("counts a claim on its claim day (in the campaign's zone) and in the total, where its discount is outstanding", () => {
    expect(voucherDeltas(undefined, voucher("CLAIMED"), SHANGHAI)).toEqual([
      { bucket: "DAY#2024-05-02", counters: { claimed: 1, claimedDiscount: 3_000 } },
      { bucket: "TOTAL", counters: { claimed: 1, claimedDiscount: 3_000, outstanding: 3_000 } },
    ]);
    // The same instant is still 1 May in UTC.
    expect(voucherDeltas(undefined, voucher("CLAIMED"), "UTC")[0]!.bucket).toBe("DAY#2024-05-01");
  });

  it("takes a redeemed voucher's discount out of outstanding (the ledger record counts the redemption)", () => {
    expect(voucherDeltas(voucher("CLAIMED"), voucher("REDEEMED"), SHANGHAI)).toEqual([{ bucket: "TOTAL", counters: { outstanding: -3_000 } }]);
  });

  it("adds nothing when a redeemed voucher is voided by a refund (its reversal gives the subsidy back)", () => {
    expect(voucherDeltas(voucher("REDEEMED"), voucher("VOID"), SHANGHAI)).toEqual([]);
  });

  it("takes an unspent voucher that is voided out of outstanding", () => {
    expect(voucherDeltas(voucher("CLAIMED"), voucher("VOID"), SHANGHAI)).toEqual([{ bucket: "TOTAL", counters: { outstanding: -3_000 } }]);
  });

  it("puts a restored voucher's discount back into outstanding", () => {
    expect(voucherDeltas(voucher("REDEEMED"), voucher("CLAIMED"), SHANGHAI)).toEqual([{ bucket: "TOTAL", counters: { outstanding: 3_000 } }]);
  });

  it("counts an expiry once, on the expiry day, and takes the discount out of outstanding", () => {
    expect(voucherDeltas(voucher("CLAIMED"), voucher("EXPIRED"), SHANGHAI)).toEqual([
      { bucket: "DAY#2024-05-09", counters: { expired: 1, expiredDiscount: 3_000 } },
      { bucket: "TOTAL", counters: { outstanding: -3_000, expired: 1, expiredDiscount: 3_000 } },
    ]);
    // A later change of an expired voucher that leaves it expired counts nothing more.
    expect(voucherDeltas(voucher("EXPIRED"), voucher("EXPIRED"), SHANGHAI)).toEqual([]);
  });

  it("adds nothing for a change that leaves the status as it was", () => {
    expect(voucherDeltas(voucher("CLAIMED"), { ...voucher("CLAIMED"), expiresAt: "2024-05-09T00:00:00.000Z" }, SHANGHAI)).toEqual([]);
    expect(voucherDeltas(voucher("REDEEMED"), voucher("REDEEMED"), SHANGHAI)).toEqual([]);
    expect(voucherDeltas(undefined, undefined, SHANGHAI)).toEqual([]);
  });
});

describe("ledgerDeltas", () => {
  it("counts a redemption in the total, the payment's day, the merchant's sector and the merchant", () => {
    const counters = { redemptions: 1, redemptionDiscount: 3_000, redemptionAmount: 12_000 };
    expect(ledgerDeltas(redemption(), "restaurant", SHANGHAI)).toEqual([
      { bucket: "TOTAL", counters },
      { bucket: "DAY#2024-05-02", counters },
      { bucket: "SECTOR#restaurant", counters },
      { bucket: "MERCHANT#m1", counters },
    ]);
  });

  it("counts a reversal against the day of the payment it reverses, with its discount positive", () => {
    const counters = { reversals: 1, reversalDiscount: 3_000, reversalAmount: 12_000 };
    expect(ledgerDeltas(reversal(), "restaurant", SHANGHAI)).toEqual([
      { bucket: "TOTAL", counters },
      { bucket: "DAY#2024-05-02", counters },
      { bucket: "SECTOR#restaurant", counters },
      { bucket: "MERCHANT#m1", counters },
    ]);
    // Without the payment's instant it falls back to its own.
    expect(ledgerDeltas(reversal({ paymentOccurredAt: undefined }), "restaurant", SHANGHAI)[1]!.bucket).toBe("DAY#2024-05-04");
  });

  it("counts a fraud clawback as a reversal, against the day of the payment it claws back", () => {
    const clawback = ledgerDeltas(reversal({ kind: "CLAWBACK", occurredAt: "2024-05-10T01:00:00.000Z" }), "restaurant", SHANGHAI);
    expect(clawback).toEqual(ledgerDeltas(reversal(), "restaurant", SHANGHAI));
  });

  it("cancels a redemption and its reversal out in every bucket they share", () => {
    const merged = mergeDeltas([...ledgerDeltas(redemption(), "supermarket", SHANGHAI), ...ledgerDeltas(reversal(), "supermarket", SHANGHAI)]);
    expect([...merged.keys()]).toEqual(["TOTAL", "DAY#2024-05-02", "SECTOR#supermarket", "MERCHANT#m1"]);
    for (const counters of merged.values()) {
      expect(figuresOf(counters)).toMatchObject({ redeemed: 0, reversed: 1, subsidy: 0, grossSales: 0, leverage: 0 });
    }
  });
});

describe("mergeDeltas", () => {
  it("adds counters per bucket, exactly, keeping buckets apart", () => {
    const merged = mergeDeltas([
      { bucket: "TOTAL", counters: { claimed: 1, outstanding: 3_000 } },
      { bucket: "DAY#2024-05-02", counters: { claimed: 1 } },
      { bucket: "TOTAL", counters: { claimed: 1, outstanding: -3_000, expired: 1 } },
      { bucket: "TOTAL", counters: {} },
    ]);
    expect(merged).toEqual(
      new Map([
        ["TOTAL", { claimed: 2, outstanding: 0, expired: 1 }],
        ["DAY#2024-05-02", { claimed: 1 }],
      ]),
    );
    expect(mergeDeltas([])).toEqual(new Map());
  });

  it("keeps a sum beyond 2^53 − 1 exact, as a BigInt, rather than rounding or failing the batch; figures refuse it by name", () => {
    const merged = mergeDeltas([{ bucket: "TOTAL", counters: { redemptionAmount: Number.MAX_SAFE_INTEGER } }, { bucket: "TOTAL", counters: { redemptionAmount: 1 } }]);
    expect(merged.get("TOTAL")).toEqual({ redemptionAmount: 2n ** 53n });
    expect(() => figuresOf(merged.get("TOTAL")!)).toThrow(FenOverflowError);
    expect(figuresOf({ redemptionAmount: 2n ** 53n, reversalAmount: 2n ** 53n - 5n, redemptionDiscount: 10 })).toMatchObject({ grossSales: 5, subsidy: 10 });
  });

  it("a partial refund lowers gross sales by what it refunded; the reversal after it by the rest, so the sale comes to 0", () => {
    const at = "2026-11-05T02:00:00.000Z";
    const deltas = [
      ...ledgerDeltas({ kind: "REDEMPTION", merchantId: "m1", discount: 3_000, amount: 12_000, occurredAt: at }, "supermarket", "Asia/Shanghai"),
      ...ledgerDeltas({ kind: "PARTIAL_REFUND", merchantId: "m1", discount: 0, amount: 1_500, occurredAt: at, paymentOccurredAt: at }, "supermarket", "Asia/Shanghai"),
    ];
    expect(figuresOf(mergeDeltas(deltas).get("TOTAL")!)).toMatchObject({ redeemed: 1, subsidy: 3_000, grossSales: 10_500 });
    deltas.push(...ledgerDeltas({ kind: "REVERSAL", merchantId: "m1", discount: -3_000, amount: 12_000, occurredAt: at, paymentOccurredAt: at, refundedBefore: 1_500 }, "supermarket", "Asia/Shanghai"));
    const merged = mergeDeltas(deltas);
    for (const bucket of ["TOTAL", "DAY#2026-11-05", "SECTOR#supermarket", "MERCHANT#m1"] as const) {
      expect(figuresOf(merged.get(bucket)!)).toMatchObject({ redeemed: 0, reversed: 1, subsidy: 0, grossSales: 0 });
    }
  });

  it("gives the same sums in any order (property)", () => {
    const delta = fc.record({
      bucket: fc.constantFrom("TOTAL" as const, "DAY#2024-05-02" as const, "SECTOR#fuel" as const, "MERCHANT#m1" as const),
      counters: fc.record({ claimed: fc.integer({ min: -5, max: 5 }), outstanding: fc.integer({ min: -1e9, max: 1e9 }) }, { requiredKeys: [] }),
    });
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 40 }).chain((deltas) => fc.tuple(fc.constant(deltas), fc.shuffledSubarray(deltas, { minLength: deltas.length }))), ([deltas, shuffled]) => {
        const a = mergeDeltas(deltas);
        const b = mergeDeltas(shuffled);
        expect(new Map([...b].sort(([x], [y]) => x.localeCompare(y)))).toEqual(new Map([...a].sort(([x], [y]) => x.localeCompare(y))));
      }),
    );
  });
});

describe("figuresOf", () => {
  it("derives redeemed, subsidy and gross sales net of reversals", () => {
    const figures = figuresOf({
      claimed: 6,
      expired: 1,
      redemptions: 4,
      redemptionDiscount: 12_000,
      redemptionAmount: 60_000,
      reversals: 1,
      reversalDiscount: 3_000,
      reversalAmount: 15_000,
    });
    expect(figures).toEqual({ claimed: 6, redeemed: 3, reversed: 1, expired: 1, subsidy: 9_000, grossSales: 45_000, redemptionRate: 0.5, leverage: 5 });
  });

  it("rounds the redemption rate to 4 decimals and the leverage to 2", () => {
    const figures = figuresOf({ claimed: 3, redemptions: 1, redemptionDiscount: 3_000, redemptionAmount: 20_000 });
    expect(figures.redemptionRate).toBe(0.3333);
    expect(figures.leverage).toBe(6.67);
    expect(figuresOf({ claimed: 7, redemptions: 2, redemptionDiscount: 3_000, redemptionAmount: 10_000 })).toMatchObject({ redemptionRate: 0.2857, leverage: 3.33 });
    // Half-way rounds up.
    expect(figuresOf({ redemptions: 1, redemptionDiscount: 8, redemptionAmount: 9 }).leverage).toBe(1.13);
  });

  it("is 0 where a ratio has nothing to divide by", () => {
    expect(figuresOf({})).toEqual({ claimed: 0, redeemed: 0, reversed: 0, expired: 0, subsidy: 0, grossSales: 0, redemptionRate: 0, leverage: 0 });
    // A sector or merchant bucket has sales but no claims.
    expect(figuresOf({ redemptions: 1, redemptionDiscount: 3_000, redemptionAmount: 12_000 })).toMatchObject({ redemptionRate: 0, leverage: 4 });
    // Every redemption reversed: no subsidy, no leverage.
    expect(figuresOf({ claimed: 1, redemptions: 1, redemptionDiscount: 3_000, redemptionAmount: 12_000, reversals: 1, reversalDiscount: 3_000, reversalAmount: 12_000 })).toMatchObject({
      redeemed: 0,
      subsidy: 0,
      grossSales: 0,
      redemptionRate: 0,
      leverage: 0,
    });
  });
});

describe("remainingBudget", () => {
  const BUDGET = 1_000_000;
  /** The budget left once every delta so far is counted. */
  const left = (deltas: readonly StatsDelta[]) => remainingBudget(BUDGET, total(deltas));

  it("is the whole budget before anything happens", () => {
    expect(remainingBudget(BUDGET, {})).toBe(BUDGET);
  });

  it("follows a voucher through claim, redemption, refund under `void`", () => {
    const deltas: StatsDelta[] = [...voucherDeltas(undefined, voucher("CLAIMED"), SHANGHAI)];
    expect(left(deltas)).toBe(BUDGET - 3_000);
    deltas.push(...voucherDeltas(voucher("CLAIMED"), voucher("REDEEMED"), SHANGHAI), ...ledgerDeltas(redemption(), "fuel", SHANGHAI));
    // Spent instead of outstanding: the same amount is committed.
    expect(left(deltas)).toBe(BUDGET - 3_000);
    deltas.push(...voucherDeltas(voucher("REDEEMED"), voucher("VOID"), SHANGHAI), ...ledgerDeltas(reversal(), "fuel", SHANGHAI));
    // A void gives the discount back.
    expect(left(deltas)).toBe(BUDGET);
  });

  it("follows a voucher through refund under `restore`, a second redemption, and an expiry", () => {
    const deltas: StatsDelta[] = [
      ...voucherDeltas(undefined, voucher("CLAIMED", 6_000), SHANGHAI),
      ...voucherDeltas(voucher("CLAIMED", 6_000), voucher("REDEEMED", 6_000), SHANGHAI),
      ...ledgerDeltas(redemption({ discount: 6_000, amount: 20_000 }), "fuel", SHANGHAI),
      ...voucherDeltas(voucher("REDEEMED", 6_000), voucher("CLAIMED", 6_000), SHANGHAI),
      ...ledgerDeltas(reversal({ discount: -6_000, amount: 20_000 }), "fuel", SHANGHAI),
    ];
    // Restored: the discount is committed again, as outstanding.
    expect(total(deltas)).toMatchObject({ outstanding: 6_000 });
    expect(left(deltas)).toBe(BUDGET - 6_000);
    const expired = [...deltas, ...voucherDeltas(voucher("CLAIMED", 6_000), voucher("EXPIRED", 6_000), SHANGHAI)];
    // Expiry gives it back.
    expect(left(expired)).toBe(BUDGET);
    expect(figuresOf(total(expired))).toMatchObject({ claimed: 1, redeemed: 0, reversed: 1, expired: 1, subsidy: 0 });
    // Spent again instead: committed as subsidy.
    const spent = [
      ...deltas,
      ...voucherDeltas(voucher("CLAIMED", 6_000), voucher("REDEEMED", 6_000), SHANGHAI),
      ...ledgerDeltas(redemption({ discount: 6_000, amount: 25_000, occurredAt: "2024-05-05T02:00:00.000Z" }), "fuel", SHANGHAI),
    ];
    expect(left(spent)).toBe(BUDGET - 6_000);
    expect(figuresOf(total(spent))).toMatchObject({ redeemed: 1, reversed: 1, subsidy: 6_000, grossSales: 25_000 });
  });

  it("counts the whole subsidy and every usable voucher against the budget", () => {
    expect(remainingBudget(BUDGET, { outstanding: 9_000, redemptionDiscount: 12_000, reversalDiscount: 3_000 })).toBe(BUDGET - 9_000 - 9_000);
  });
});

describe("outstanding over any history (property)", () => {
  const statuses = fc.constantFrom(...VOUCHER_STATUSES);
  const history = fc.record({
    discount: fc.integer({ min: 1, max: 100_000 }),
    // Every voucher is inserted CLAIMED, then changes (or is modified without a change) any number of times.
    changes: fc.array(statuses, { maxLength: 12 }),
  });

  it("Σ outstanding equals the discounts of the vouchers CLAIMED at the end; claims and expiries count once each", () => {
    fc.assert(
      fc.property(fc.array(history, { maxLength: 30 }), (vouchers) => {
        const deltas: StatsDelta[] = [];
        let expiries = 0;
        for (const { discount, changes } of vouchers) {
          let previous: VoucherImage | undefined;
          for (const status of ["CLAIMED", ...changes]) {
            const next = voucher(status, discount);
            if (previous && previous.status !== "EXPIRED" && status === "EXPIRED") expiries += 1;
            deltas.push(...voucherDeltas(previous, next, SHANGHAI));
            previous = next;
          }
        }
        const counters = total(deltas);
        const finalStatus = (changes: readonly string[]) => changes.at(-1) ?? "CLAIMED";
        const usable = vouchers.filter(({ changes }) => finalStatus(changes) === "CLAIMED").reduce((sum, { discount }) => sum + discount, 0);
        expect(counters.outstanding ?? 0).toBe(usable);
        expect(counters.claimed ?? 0).toBe(vouchers.length);
        expect(counters.expired ?? 0).toBe(expiries);
        expect(remainingBudget(10_000_000, counters)).toBe(10_000_000 - usable);
        // The recount's shortcut (claimed, then straight to the final status) gives the same outstanding.
        const recount = vouchers.flatMap(({ discount, changes }) => [
          ...voucherDeltas(undefined, voucher("CLAIMED", discount), SHANGHAI),
          ...voucherDeltas(voucher("CLAIMED", discount), voucher(finalStatus(changes), discount), SHANGHAI),
        ]);
        expect(total(recount).outstanding ?? 0).toBe(usable);
      }),
    );
  });
});

describe("instant discounts in the figures", () => {
  const instant = (overrides: Partial<LedgerImage> = {}) => ({ instantDiscountId: "swipe", ...overrides });
  const campaign = { id: "c1", budget: 1_000_000 };

  it("counts an instant-discount record in every bucket a voucher's goes to, and again in its own INSTANT bucket", () => {
    const counters = { redemptions: 1, redemptionDiscount: 3_000, redemptionAmount: 12_000 };
    expect(ledgerDeltas(redemption(instant()), "restaurant", SHANGHAI)).toEqual([
      { bucket: "TOTAL", counters },
      { bucket: "DAY#2024-05-02", counters },
      { bucket: "SECTOR#restaurant", counters },
      { bucket: "MERCHANT#m1", counters },
      { bucket: "INSTANT#swipe", counters },
    ]);
    const clawback = ledgerDeltas(reversal(instant({ kind: "CLAWBACK" })), "restaurant", SHANGHAI);
    expect(clawback.at(-1)).toEqual({ bucket: "INSTANT#swipe", counters: { reversals: 1, reversalDiscount: 3_000, reversalAmount: 12_000 } });
  });

  it("shows the instant part apart: applied less reversals, subsidy and gross sales net, inside the top-level figures", () => {
    const deltas = [
      // One voucher claimed and redeemed (30 off 120) …
      ...voucherDeltas(undefined, voucher("CLAIMED"), SHANGHAI),
      ...voucherDeltas(voucher("CLAIMED"), voucher("REDEEMED"), SHANGHAI),
      ...ledgerDeltas(redemption(), "restaurant", SHANGHAI),
      // … three instant discounts applied at two ids (20 off 100, 60 off 300, 20 off 150), the 300 one reversed,
      ...ledgerDeltas(redemption(instant({ discount: 2_000, amount: 10_000 })), "restaurant", SHANGHAI),
      ...ledgerDeltas(redemption(instant({ discount: 6_000, amount: 30_000, merchantId: "m2" })), "supermarket", SHANGHAI),
      ...ledgerDeltas(reversal(instant({ discount: -6_000, amount: 30_000, merchantId: "m2" })), "supermarket", SHANGHAI),
      ...ledgerDeltas(redemption(instant({ instantDiscountId: "weekend", discount: 2_000, amount: 15_000 })), "restaurant", SHANGHAI),
      // … and a partial refund of 5,000 on the 150 one, leaving its discount standing.
      ...ledgerDeltas({ ...reversal(instant({ instantDiscountId: "weekend" })), kind: "PARTIAL_REFUND", discount: 0, amount: 5_000 }, "restaurant", SHANGHAI),
    ];
    const stats = statsView(campaign, mergeDeltas(deltas));
    expect(stats.instantDiscounts).toEqual({ applied: 2, subsidy: 4_000, grossSales: 10_000 + 15_000 - 5_000 });
    // The top-level figures cover both kinds of benefit.
    expect(stats).toMatchObject({ redeemed: 3, reversed: 1, subsidy: 7_000, grossSales: 12_000 + 20_000, remainingBudget: 1_000_000 - 7_000 });
    expect(stats.leverage).toBe(Math.round((32_000 / 7_000) * 100) / 100);
    // The rate is of vouchers: one claimed, one redeemed; instant discounts need no claim.
    expect(stats.redemptionRate).toBe(1);
    expect(instantDiscountsView(mergeDeltas(deltas))).toEqual({
      swipe: { applied: 1, reversed: 1, subsidy: 2_000, grossSales: 10_000 },
      weekend: { applied: 1, reversed: 0, subsidy: 2_000, grossSales: 10_000 },
    });
  });

  it("is present with zeros when there are none", () => {
    const stats = statsView(campaign, mergeDeltas([...ledgerDeltas(redemption(), "restaurant", SHANGHAI)]));
    expect(stats.instantDiscounts).toEqual({ applied: 0, subsidy: 0, grossSales: 0 });
    expect(statsView(campaign, new Map()).instantDiscounts).toEqual({ applied: 0, subsidy: 0, grossSales: 0 });
  });

  it("adds the instant buckets up exactly", () => {
    const byInstantDiscount = new Map([
      ["a", { redemptions: 2, redemptionDiscount: 4_000 }],
      ["b", { redemptions: 1, redemptionDiscount: Number.MAX_SAFE_INTEGER }],
    ]);
    expect(instantTotal(byInstantDiscount)).toEqual({ redemptions: 3, redemptionDiscount: BigInt(Number.MAX_SAFE_INTEGER) + 4_000n });
    expect(voucherRedemptionRate({ claimed: 4, redemptions: 5, reversals: 1 }, { redemptions: 2 })).toBe(0.5);
    expect(voucherRedemptionRate({ redemptions: 5 }, { redemptions: 5 })).toBe(0);
  });
});
