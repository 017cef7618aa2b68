import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VOUCHER_STATUSES, type Voucher } from "../../shared/domain/claim.js";
import {
  type CampaignFacts,
  type ChoiceReason,
  chooseVoucher,
  excluding,
  type MerchantFacts,
  NO_DISCOUNT_REASONS,
  payable,
  type RedemptionInput,
  type VoucherChoice,
} from "../../shared/domain/redemption.js";

// A 满100减30 voucher of a November campaign at supermarkets and restaurants, and a ¥120 payment
// at an approved supermarket while it is valid.
const campaign: CampaignFacts = {
  status: "PUBLISHED",
  startsAt: "2026-11-01T00:00:00+08:00",
  endsAt: "2026-11-30T23:59:59+08:00",
  sectors: ["supermarket", "restaurant"],
};
const voucher: Voucher = {
  voucherId: "v1",
  campaignId: "c1",
  dropId: "d1",
  voucherTypeId: "100-30",
  threshold: 10_000,
  discount: 3_000,
  claimedAt: "2026-11-02T10:00:00+08:00",
  expiresAt: "2026-11-09T10:00:00+08:00",
  status: "CLAIMED",
};
const merchant: MerchantFacts = { status: "APPROVED", sector: "supermarket" };
const payment = { amount: 12_000, occurredAt: "2026-11-05T12:00:00+08:00" };

interface Overrides {
  payment?: Partial<RedemptionInput["payment"]>;
  merchant?: MerchantFacts | undefined;
  voucher?: Partial<Voucher>;
  campaign?: Partial<CampaignFacts> | "missing";
}

/** The base scenario with one voucher, changed as the case says. */
function scenario(overrides: Overrides = {}): RedemptionInput {
  const campaigns = new Map<string, CampaignFacts>();
  if (overrides.campaign !== "missing") campaigns.set("c1", { ...campaign, ...overrides.campaign });
  return {
    payment: { ...payment, ...overrides.payment },
    merchant: "merchant" in overrides ? overrides.merchant : merchant,
    vouchers: [{ ...voucher, ...overrides.voucher }],
    campaigns,
  };
}

function chosenId(choice: VoucherChoice): string | null {
  return choice.voucher === null ? null : choice.voucher.voucherId;
}

describe("chooseVoucher: one voucher, rule by rule", () => {
  it.each<[string, Overrides, number]>([
    ["a valid voucher at an approved merchant in an eligible sector", {}, 9_000],
    ["a payment of exactly the threshold", { payment: { amount: 10_000 } }, 7_000],
    ["a payment at the instant of the claim, written in another offset", { payment: { occurredAt: "2026-11-02T02:00:00Z" } }, 9_000],
    ["a payment 1 ms before expiry", { payment: { occurredAt: "2026-11-09T01:59:59.999Z" } }, 9_000],
    // As text "…T09:00:00+08:00" sorts after "…T02:00:00Z", but it is an hour earlier.
    ["a payment before expiry whose text sorts after it", { payment: { occurredAt: "2026-11-09T09:00:00+08:00" }, voucher: { expiresAt: "2026-11-09T02:00:00Z" } }, 9_000],
    [
      "a payment at the campaign's first instant",
      { payment: { occurredAt: "2026-10-31T16:00:00Z" }, voucher: { claimedAt: "2026-11-01T00:00:00+08:00" } },
      9_000,
    ],
    [
      "a payment at the campaign's last instant",
      { payment: { occurredAt: "2026-11-30T15:59:59Z" }, voucher: { expiresAt: "2026-12-01T00:00:00+08:00" } },
      9_000,
    ],
    ["a restaurant, the campaign's other sector", { merchant: { status: "APPROVED", sector: "restaurant" } }, 9_000],
    // Partners send whole seconds and their clocks may be 5 minutes off ours (API.md): a payment
    // reported up to 5 minutes before the claim may still use the voucher.
    ["a payment 1 ms before the claim", { payment: { occurredAt: "2026-11-02T01:59:59.999Z" } }, 9_000],
    ["a payment in the claim's second, truncated to the whole second", { payment: { occurredAt: "2026-11-02T10:00:00+08:00" }, voucher: { claimedAt: "2026-11-02T02:00:00.873Z" } }, 9_000],
    ["a payment exactly 5 min before the claim", { payment: { occurredAt: "2026-11-02T09:55:00+08:00" } }, 9_000],
  ])("applies to %s", (_, overrides, expectedPayable) => {
    const choice = chooseVoucher(scenario(overrides));
    expect(choice).toEqual({ voucher: { ...voucher, ...overrides.voucher }, payable: expectedPayable });
  });

  it.each<[string, Overrides, ChoiceReason]>([
    ["1 fen below the threshold", { payment: { amount: 9_999 } }, "BELOW_THRESHOLD"],
    ["at the instant of expiry, written in another offset", { payment: { occurredAt: "2026-11-09T02:00:00Z" } }, "NO_ELIGIBLE_VOUCHER"],
    ["after expiry", { payment: { occurredAt: "2026-11-20T12:00:00+08:00" } }, "NO_ELIGIBLE_VOUCHER"],
    // As text "…T03:00:00Z" sorts before "…T10:00:00+08:00", but it is an hour later.
    ["after an expiry whose text sorts after it", { payment: { occurredAt: "2026-11-09T03:00:00Z" } }, "NO_ELIGIBLE_VOUCHER"],
    // Partner clocks may be 5 minutes off (API.md): earlier than that is before the voucher existed.
    ["5 min + 1 ms before the claim", { payment: { occurredAt: "2026-11-02T01:54:59.999Z" } }, "NO_ELIGIBLE_VOUCHER"],
    ["a redeemed voucher", { voucher: { status: "REDEEMED" } }, "NO_ELIGIBLE_VOUCHER"],
    ["a void voucher", { voucher: { status: "VOID" } }, "NO_ELIGIBLE_VOUCHER"],
    ["an expired voucher", { voucher: { status: "EXPIRED" } }, "NO_ELIGIBLE_VOUCHER"],
    ["a corrupt voucher whose discount is not below its threshold", { voucher: { discount: 10_000 } }, "NO_ELIGIBLE_VOUCHER"],
    ["a corrupt voucher with no discount", { voucher: { discount: 0 } }, "NO_ELIGIBLE_VOUCHER"],
    ["a voucher whose expiry does not parse", { voucher: { expiresAt: "soon" } }, "NO_ELIGIBLE_VOUCHER"],
    ["a paused campaign", { campaign: { status: "PAUSED" } }, "CAMPAIGN_NOT_ACTIVE"],
    ["a draft campaign", { campaign: { status: "DRAFT" } }, "CAMPAIGN_NOT_ACTIVE"],
    ["an unknown campaign", { campaign: "missing" }, "CAMPAIGN_NOT_ACTIVE"],
    [
      "1 ms before the campaign starts",
      { payment: { occurredAt: "2026-10-31T15:59:59.999Z" }, voucher: { claimedAt: "2026-10-31T00:00:00Z" } },
      "CAMPAIGN_NOT_ACTIVE",
    ],
    [
      "1 ms after the campaign ends",
      { payment: { occurredAt: "2026-11-30T15:59:59.001Z" }, voucher: { expiresAt: "2026-12-01T00:00:00+08:00" } },
      "CAMPAIGN_NOT_ACTIVE",
    ],
    ["a campaign whose end does not parse", { campaign: { endsAt: "later" } }, "CAMPAIGN_NOT_ACTIVE"],
    ["a merchant outside the campaign's sectors", { merchant: { status: "APPROVED", sector: "hotel" } }, "SECTOR_NOT_ELIGIBLE"],
    ["an unknown merchant", { merchant: undefined }, "MERCHANT_NOT_APPROVED"],
    ["a pending merchant", { merchant: { status: "PENDING", sector: "supermarket" } }, "MERCHANT_NOT_APPROVED"],
    ["a suspended merchant", { merchant: { status: "SUSPENDED", sector: "supermarket" } }, "MERCHANT_NOT_APPROVED"],
  ])("gives nothing for %s", (_, overrides, reason) => {
    expect(chooseVoucher(scenario(overrides))).toEqual({ voucher: null, reason });
  });

  it("gives nothing to a payer without vouchers", () => {
    expect(chooseVoucher({ ...scenario(), vouchers: [] })).toEqual({ voucher: null, reason: "NO_ELIGIBLE_VOUCHER" });
  });

  it.each([0, -100, 1.5, Number.NaN, 2 ** 53])("refuses an amount of %s as a caller's bug", (amount) => {
    expect(() => chooseVoucher(scenario({ payment: { amount } }))).toThrow(RangeError);
  });

  it("refuses an occurredAt that is no instant", () => {
    expect(() => chooseVoucher(scenario({ payment: { occurredAt: "yesterday" } }))).toThrow(RangeError);
  });
});

describe("chooseVoucher: partner clocks", () => {
  // The voucher was claimed at 2026-11-02T02:00:00Z.
  it("refuses a voucher claimed after the payment was received, however the partner dated it", () => {
    const input = { ...scenario({ payment: { occurredAt: "2026-11-02T01:59:00Z" } }), receivedAt: "2026-11-02T01:59:59.999Z" };
    expect(chooseVoucher(input)).toEqual({ voucher: null, reason: "NO_ELIGIBLE_VOUCHER" });
  });

  it("takes a voucher claimed before the payment was received, up to 5 minutes after its occurredAt", () => {
    const input = { ...scenario({ payment: { occurredAt: "2026-11-02T01:55:00Z" } }), receivedAt: "2026-11-02T02:00:00Z" };
    expect(chooseVoucher(input)).toEqual({ voucher, payable: 9_000 });
  });
});

describe("chooseVoucher: vouchers that share a voucherId", () => {
  // Voucher ids of different campaigns once collided (issue 10, item 9): the choice must hand back
  // the very voucher that applies, so that the caller redeems that one and not its namesake.
  const restaurants: CampaignFacts = { ...campaign, sectors: ["restaurant"] };
  const inA: Voucher = { ...voucher, campaignId: "a", voucherTypeId: "200-60", threshold: 20_000, discount: 6_000, claimedAt: "2026-11-01T10:00:00+08:00" };
  const inB: Voucher = { ...voucher, campaignId: "b" };
  const campaigns = new Map([
    ["a", restaurants],
    ["b", campaign],
  ]);

  it.each([
    ["A listed first", [inA, inB]],
    ["B listed first", [inB, inA]],
  ])("chooses the item of the campaign that applies (%s)", (_, vouchers) => {
    const choice = chooseVoucher({ payment: { amount: 15_000, occurredAt: payment.occurredAt }, merchant, vouchers, campaigns });
    expect(choice.voucher).toBe(inB);
    expect(choice).toMatchObject({ payable: 12_000 });
  });
});

describe("chooseVoucher: which reason when nothing is eligible", () => {
  const paused: CampaignFacts = { ...campaign, status: "PAUSED" };
  const hotels: CampaignFacts = { ...campaign, sectors: ["hotel"] };
  const campaigns = new Map([
    ["c1", campaign],
    ["paused", paused],
    ["hotels", hotels],
  ]);
  const expired: Voucher = { ...voucher, voucherId: "expired", expiresAt: "2026-11-04T00:00:00+08:00" };
  const inPaused: Voucher = { ...voucher, voucherId: "in-paused", campaignId: "paused" };
  const inHotels: Voucher = { ...voucher, voucherId: "in-hotels", campaignId: "hotels" };
  const inHotelsCheap: Voucher = { ...inHotels, voucherId: "in-hotels-cheap", threshold: 1_000, discount: 100 };
  const tooBig: Voucher = { ...voucher, voucherId: "too-big", threshold: 20_000, discount: 6_000 };

  it.each<[string, Voucher[], MerchantFacts | undefined, ChoiceReason]>([
    ["the merchant comes first, even with no vouchers", [], { status: "SUSPENDED", sector: "supermarket" }, "MERCHANT_NOT_APPROVED"],
    ["the merchant comes first, even with an eligible voucher", [voucher], undefined, "MERCHANT_NOT_APPROVED"],
    ["only expired and used vouchers", [expired, { ...voucher, status: "REDEEMED" }], merchant, "NO_ELIGIBLE_VOUCHER"],
    ["an expired voucher does not count as one with an inactive campaign", [expired, inPaused], merchant, "CAMPAIGN_NOT_ACTIVE"],
    ["an inactive campaign does not count as one in another sector", [inPaused, inHotels], merchant, "SECTOR_NOT_ELIGIBLE"],
    ["the sector comes before the threshold", [inHotels], merchant, "SECTOR_NOT_ELIGIBLE"],
    ["a voucher in another sector does not count as one below the threshold", [inHotelsCheap, tooBig], merchant, "BELOW_THRESHOLD"],
  ])("%s", (_, vouchers, m, reason) => {
    expect(chooseVoucher({ payment, merchant: m, vouchers, campaigns })).toEqual({ voucher: null, reason });
  });
});

describe("chooseVoucher: the best of several", () => {
  const campaigns = new Map([["c1", campaign]]);
  const choose = (vouchers: Voucher[], amount = payment.amount) => chooseVoucher({ payment: { ...payment, amount }, merchant, vouchers, campaigns });

  it("prefers the highest discount, even if it expires later", () => {
    const small = { ...voucher, voucherId: "small", discount: 1_000, expiresAt: "2026-11-06T00:00:00+08:00" };
    const large = { ...voucher, voucherId: "large", discount: 3_000, expiresAt: "2026-11-20T00:00:00+08:00" };
    expect(chosenId(choose([small, large]))).toBe("large");
    expect(chosenId(choose([large, small]))).toBe("large");
  });

  it("passes over a higher discount whose threshold the payment does not reach", () => {
    const small = { ...voucher, voucherId: "small", threshold: 5_000, discount: 1_000 };
    const large = { ...voucher, voucherId: "large", threshold: 20_000, discount: 6_000 };
    expect(choose([large, small])).toEqual({ voucher: small, payable: 11_000 });
  });

  it("among equal discounts, prefers the earliest expiry, compared as instants", () => {
    // "…T10:00:00+08:00" is 02:00Z: earlier than "…T03:00:00Z" although its text sorts after it.
    const sooner = { ...voucher, voucherId: "sooner", expiresAt: "2026-11-09T10:00:00+08:00" };
    const later = { ...voucher, voucherId: "later", expiresAt: "2026-11-09T03:00:00Z" };
    expect(chosenId(choose([later, sooner]))).toBe("sooner");
    expect(chosenId(choose([sooner, later]))).toBe("sooner");
  });

  it("among equal discounts and expiries, prefers the oldest claim", () => {
    const older = { ...voucher, voucherId: "z-older", claimedAt: "2026-11-02T09:00:00+08:00" };
    const newer = { ...voucher, voucherId: "a-newer", claimedAt: "2026-11-02T01:30:00Z" };
    expect(chosenId(choose([newer, older]))).toBe("z-older");
    expect(chosenId(choose([older, newer]))).toBe("z-older");
  });

  it("among otherwise equal vouchers, takes the smallest voucherId", () => {
    // The same instants in different offsets are equal.
    const b = { ...voucher, voucherId: "b", claimedAt: "2026-11-02T02:00:00Z", expiresAt: "2026-11-09T02:00:00.000Z" };
    const a = { ...voucher, voucherId: "a" };
    expect(chosenId(choose([b, a]))).toBe("a");
    expect(chosenId(choose([a, b]))).toBe("a");
  });
});

describe("chooseVoucher with a named voucherId", () => {
  const campaigns = new Map([
    ["c1", campaign],
    ["paused", { ...campaign, status: "PAUSED" as const }],
    ["hotels", { ...campaign, sectors: ["hotel" as const] }],
  ]);
  const best: Voucher = { ...voucher, voucherId: "best", discount: 5_000 };
  const lesser: Voucher = { ...voucher, voucherId: "lesser", discount: 1_000, threshold: 2_000 };
  const big: Voucher = { ...voucher, voucherId: "big", threshold: 50_000, discount: 9_000 };
  const expired: Voucher = { ...voucher, voucherId: "expired", expiresAt: "2026-11-04T00:00:00+08:00" };
  const inPaused: Voucher = { ...voucher, voucherId: "in-paused", campaignId: "paused" };
  const inHotels: Voucher = { ...voucher, voucherId: "in-hotels", campaignId: "hotels" };
  const vouchers = [best, lesser, big, expired, inPaused, inHotels];
  const choose = (voucherId: string, m: MerchantFacts | undefined = merchant) =>
    chooseVoucher({ payment: { ...payment, voucherId }, merchant: m, vouchers, campaigns });

  it("uses it when eligible, even when another is better", () => {
    expect(chooseVoucher({ payment, merchant, vouchers, campaigns })).toEqual({ voucher: best, payable: 7_000 });
    expect(choose("lesser")).toEqual({ voucher: lesser, payable: 11_000 });
  });

  it.each<[string, string, MerchantFacts | undefined, ChoiceReason]>([
    ["below its threshold", "big", merchant, "BELOW_THRESHOLD"],
    ["expired", "expired", merchant, "NO_ELIGIBLE_VOUCHER"],
    ["in a paused campaign", "in-paused", merchant, "CAMPAIGN_NOT_ACTIVE"],
    ["in another sector", "in-hotels", merchant, "SECTOR_NOT_ELIGIBLE"],
    ["not the payer's", "someone-elses", merchant, "NO_ELIGIBLE_VOUCHER"],
    ["eligible but at a suspended merchant", "lesser", { status: "SUSPENDED", sector: "supermarket" }, "MERCHANT_NOT_APPROVED"],
  ])("gives none, never another, when it is %s", (_, voucherId, m, reason) => {
    expect(choose(voucherId, m)).toEqual({ voucher: null, reason });
  });

  it("gives none once it was lost to a race", () => {
    expect(chooseVoucher({ payment: { ...payment, voucherId: "lesser" }, merchant, vouchers: excluding(vouchers, ["lesser"]), campaigns })).toEqual({
      voucher: null,
      reason: "NO_ELIGIBLE_VOUCHER",
    });
  });
});

describe("excluding", () => {
  const a = { ...voucher, voucherId: "a" };
  const b = { ...voucher, voucherId: "b" };
  const c = { ...voucher, voucherId: "c" };

  it("drops the given ids, keeps the order, and leaves its input alone", () => {
    const vouchers = [c, a, b];
    expect(excluding(vouchers, ["a"])).toEqual([c, b]);
    expect(excluding(vouchers, new Set(["c", "b", "unknown"]))).toEqual([a]);
    expect(excluding(vouchers, [])).toEqual([c, a, b]);
    expect(vouchers).toEqual([c, a, b]);
  });

  it("lets a redemption that lost its voucher to a race take the next best, then none", () => {
    const campaigns = new Map([["c1", campaign]]);
    const next = { ...b, discount: 2_000 };
    const first = chooseVoucher({ payment, merchant, vouchers: [next, a], campaigns });
    expect(chosenId(first)).toBe("a");
    const second = chooseVoucher({ payment, merchant, vouchers: excluding([next, a], ["a"]), campaigns });
    expect(second).toEqual({ voucher: next, payable: 10_000 });
    expect(chooseVoucher({ payment, merchant, vouchers: excluding([next, a], ["a", "b"]), campaigns })).toEqual({
      voucher: null,
      reason: "NO_ELIGIBLE_VOUCHER",
    });
  });
});

describe("payable", () => {
  it.each([
    [12_000, 3_000, 9_000],
    [10_000, 3_000, 7_000],
    [5_000, 0, 5_000],
    [3_000, 3_000, 0],
  ])("pays %i − %i = %i fen", (amount, discount, expected) => {
    expect(payable(amount, discount)).toBe(expected);
  });

  it.each([
    [1_000, 1_001],
    [1_000, -1],
    [1_000, 0.5],
    [1.5, 1],
    [2 ** 53, 1],
  ])("refuses amount %s with discount %s", (amount, discount) => {
    expect(() => payable(amount, discount)).toThrow(RangeError);
  });
});

describe("NO_DISCOUNT_REASONS", () => {
  it("lists the webhook's codes, TRANSACTION_REFUNDED included", () => {
    expect([...NO_DISCOUNT_REASONS].sort()).toEqual(
      ["BELOW_THRESHOLD", "CAMPAIGN_NOT_ACTIVE", "MERCHANT_NOT_APPROVED", "NO_ELIGIBLE_VOUCHER", "PAYER_LIMIT_REACHED", "QUOTA_EXHAUSTED", "SECTOR_NOT_ELIGIBLE", "TRANSACTION_REFUNDED"].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties. Instants come from a few hours around 2026-11-10, written in several offsets, so
// that boundaries (claim = payment, payment = expiry, payment = campaign start or end) and ties
// come up often; discounts and thresholds come from small sets for the same reason.

const BASE = Date.parse("2026-11-10T00:00:00Z");
const HOUR = 60 * 60 * 1000;
const OFFSETS = [0, 8 * 60, -5 * 60, 5 * 60 + 30];
const CAMPAIGN_IDS = ["c0", "c1", "c2", "c3"];
const SOME_SECTORS = ["supermarket", "restaurant", "hotel"] as const;

/** `ms` as ISO-8601 in the given offset, e.g. "2026-11-10T08:00:00.000+08:00" or "…Z". */
function isoAt(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.trunc(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * An instant `min`–`max` hours after BASE, sometimes 1 ms off the hour, in any of the offsets.
 * Each field gets its own range: overlapping enough that vouchers are often eligible and that
 * every boundary is hit, yet not always.
 */
const instantArb = (min: number, max: number) =>
  fc
    .tuple(fc.integer({ min, max }), fc.constantFrom(0, 0, 0, 1, -1), fc.constantFrom(...OFFSETS))
    .map(([hours, ms, offset]) => isoAt(BASE + hours * HOUR + ms, offset));

const figuresArb = fc.oneof(
  { weight: 19, arbitrary: fc.tuple(fc.constantFrom(1_000, 2_000, 3_000, 5_000), fc.constantFrom(100, 300, 500, 900)) },
  // Corrupt figures, which must never be applied.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1_000, 2_000), fc.constantFrom(0, 1_000, 2_000, 3_000)) },
);

const voucherArb: fc.Arbitrary<Voucher> = fc
  .record({
    voucherId: fc.constantFrom("v0", "v1", "v2", "v3", "v4", "v5", "v6"),
    campaignId: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...CAMPAIGN_IDS) }, { weight: 1, arbitrary: fc.constant("gone") }),
    figures: figuresArb,
    claimedAt: instantArb(0, 4),
    expiresAt: instantArb(4, 9),
    status: fc.oneof({ weight: 3, arbitrary: fc.constant("CLAIMED" as const) }, { weight: 1, arbitrary: fc.constantFrom(...VOUCHER_STATUSES) }),
  })
  .map(({ voucherId, campaignId, figures: [threshold, discount], claimedAt, expiresAt, status }) => ({
    voucherId,
    campaignId,
    dropId: "d",
    voucherTypeId: `${threshold}-${discount}`,
    threshold,
    discount,
    claimedAt,
    expiresAt,
    status,
  }));

const vouchersArb: fc.Arbitrary<readonly Voucher[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<readonly Voucher[]>([]) },
  { weight: 9, arbitrary: fc.uniqueArray(voucherArb, { minLength: 1, maxLength: 7, selector: (v) => v.voucherId }) },
);

const campaignArb: fc.Arbitrary<CampaignFacts> = fc.record({
  status: fc.oneof({ weight: 6, arbitrary: fc.constant("PUBLISHED" as const) }, { weight: 1, arbitrary: fc.constantFrom("DRAFT" as const, "PAUSED" as const) }),
  startsAt: instantArb(0, 2),
  endsAt: instantArb(4, 8),
  sectors: fc.subarray([...SOME_SECTORS], { minLength: 1 }),
});

const campaignsArb: fc.Arbitrary<Map<string, CampaignFacts>> = fc
  .tuple(...CAMPAIGN_IDS.map((id) => fc.option(campaignArb.map((c) => [id, c] as const), { freq: 10 })))
  .map((entries) => new Map(entries.filter((entry) => entry !== null)));

const merchantArb: fc.Arbitrary<MerchantFacts | undefined> = fc.option(
  fc.record({
    status: fc.oneof({ weight: 8, arbitrary: fc.constant("APPROVED" as const) }, { weight: 1, arbitrary: fc.constantFrom("PENDING" as const, "SUSPENDED" as const) }),
    sector: fc.constantFrom(...SOME_SECTORS),
  }),
  { freq: 15, nil: undefined },
);

/** A payment; mostly naming no voucher, sometimes one of the payer's, sometimes one they lack (v10 never exists). */
const paymentArb = (vouchers: readonly Voucher[]) =>
  fc.record({
    amount: fc.constantFrom(999, 1_000, 2_000, 2_999, 3_000, 5_000, 8_000),
    occurredAt: instantArb(2, 5),
    voucherId: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("v10", ...vouchers.map((v) => v.voucherId)) },
    ),
  });

const inputArb: fc.Arbitrary<RedemptionInput> = vouchersArb.chain((vouchers) =>
  fc.record({
    payment: paymentArb(vouchers),
    merchant: merchantArb,
    vouchers: fc.constant(vouchers),
    campaigns: campaignsArb,
  }),
);

// An independent statement of the rule, written plainly from the specification, with Date objects.

const t = (text: string) => new Date(text).getTime();

function validInTime(v: Voucher, at: number): boolean {
  const sane = Number.isInteger(v.discount) && Number.isInteger(v.threshold) && 0 < v.discount && v.discount < v.threshold;
  // A partner's clock may be up to 5 minutes behind ours: claimedAt − 5 min ≤ at.
  return v.status === "CLAIMED" && sane && t(v.claimedAt) - 5 * 60_000 <= at && at < t(v.expiresAt);
}

function activeCampaign(input: RedemptionInput, v: Voucher, at: number): boolean {
  const c = input.campaigns.get(v.campaignId);
  return c !== undefined && c.status === "PUBLISHED" && t(c.startsAt) <= at && at <= t(c.endsAt);
}

function sectorOk(input: RedemptionInput, v: Voucher): boolean {
  const c = input.campaigns.get(v.campaignId);
  return c !== undefined && input.merchant !== undefined && c.sectors.includes(input.merchant.sector);
}

function considered(input: RedemptionInput): Voucher[] {
  const named = input.payment.voucherId;
  return named === undefined ? [...input.vouchers] : input.vouchers.filter((v) => v.voucherId === named);
}

function isEligible(input: RedemptionInput, v: Voucher): boolean {
  const at = t(input.payment.occurredAt);
  return (
    input.merchant?.status === "APPROVED" &&
    validInTime(v, at) &&
    activeCampaign(input, v, at) &&
    sectorOk(input, v) &&
    v.threshold <= input.payment.amount
  );
}

/** Eligible vouchers, best first. */
function ranked(input: RedemptionInput): Voucher[] {
  return considered(input)
    .filter((v) => isEligible(input, v))
    .sort(
      (a, b) =>
        b.discount - a.discount ||
        t(a.expiresAt) - t(b.expiresAt) ||
        t(a.claimedAt) - t(b.claimedAt) ||
        (a.voucherId < b.voucherId ? -1 : a.voucherId > b.voucherId ? 1 : 0),
    );
}

function expectedReason(input: RedemptionInput): ChoiceReason {
  const at = t(input.payment.occurredAt);
  if (input.merchant?.status !== "APPROVED") return "MERCHANT_NOT_APPROVED";
  const valid = considered(input).filter((v) => validInTime(v, at));
  if (valid.length === 0) return "NO_ELIGIBLE_VOUCHER";
  const active = valid.filter((v) => activeCampaign(input, v, at));
  if (active.length === 0) return "CAMPAIGN_NOT_ACTIVE";
  if (!active.some((v) => sectorOk(input, v))) return "SECTOR_NOT_ELIGIBLE";
  return "BELOW_THRESHOLD";
}

describe("chooseVoucher properties", () => {
  const runs = { numRuns: 3_000 };

  it("(1) chooses only an eligible voucher of the payer, the named one if any", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const choice = chooseVoucher(input);
        if (choice.voucher === null) return;
        expect(input.vouchers).toContain(choice.voucher);
        expect(isEligible(input, choice.voucher)).toBe(true);
        if (input.payment.voucherId !== undefined) expect(choice.voucher.voucherId).toBe(input.payment.voucherId);
      }),
      runs,
    );
  });

  it("(2) chooses a voucher no eligible one beats on discount, then expiry, then claim", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const choice = chooseVoucher(input);
        if (choice.voucher === null) return;
        const chosen = choice.voucher;
        for (const other of considered(input).filter((v) => isEligible(input, v))) {
          expect(other.discount).toBeLessThanOrEqual(chosen.discount);
          if (other.discount !== chosen.discount) continue;
          expect(t(other.expiresAt)).toBeGreaterThanOrEqual(t(chosen.expiresAt));
          if (t(other.expiresAt) !== t(chosen.expiresAt)) continue;
          expect(t(other.claimedAt)).toBeGreaterThanOrEqual(t(chosen.claimedAt));
        }
        expect(chosen).toBe(ranked(input)[0]);
      }),
      runs,
    );
  });

  it("(3) chooses none only when none is eligible, and names the reason of the cascade", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const choice = chooseVoucher(input);
        if (choice.voucher !== null) return;
        expect(considered(input).filter((v) => isEligible(input, v))).toEqual([]);
        expect(choice.reason).toBe(expectedReason(input));
      }),
      runs,
    );
  });

  it("(4) answers payable = amount − discount, with 0 < discount < threshold ≤ amount", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const choice = chooseVoucher(input);
        if (choice.voucher === null) return;
        const { discount, threshold } = choice.voucher;
        expect(choice.payable).toBe(input.payment.amount - discount);
        expect(0 < discount && discount < threshold && threshold <= input.payment.amount).toBe(true);
        expect(choice.payable).toBeGreaterThan(0);
      }),
      runs,
    );
  });

  it("(5) does not depend on the order of the vouchers", () => {
    const withShuffle = inputArb.chain((input) =>
      fc.tuple(fc.constant(input), fc.shuffledSubarray([...input.vouchers], { minLength: input.vouchers.length, maxLength: input.vouchers.length })),
    );
    fc.assert(
      fc.property(withShuffle, ([input, shuffled]) => {
        expect(chooseVoucher({ ...input, vouchers: shuffled })).toEqual(chooseVoucher(input));
        expect(chooseVoucher({ ...input, vouchers: [...input.vouchers].reverse() })).toEqual(chooseVoucher(input));
      }),
      runs,
    );
  });

  it("(6) chooses the next best or none when the choice is excluded, never the excluded one", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = chooseVoucher(input);
        if (first.voucher === null) return;
        const lost = first.voucher.voucherId;
        const again = chooseVoucher({ ...input, vouchers: excluding(input.vouchers, [lost]) });
        expect(chosenId(again)).not.toBe(lost);
        expect(again.voucher).toBe(ranked(input)[1] ?? null);
        if (input.payment.voucherId !== undefined) expect(again).toEqual({ voucher: null, reason: "NO_ELIGIBLE_VOUCHER" });
      }),
      runs,
    );
  });

  it("generates every outcome often enough to mean something", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(inputArb, (input) => {
        const choice = chooseVoucher(input);
        const key = choice.voucher === null ? choice.reason : input.payment.voucherId === undefined ? "best" : "named";
        seen.set(key, (seen.get(key) ?? 0) + 1);
        // Several eligible vouchers, so that ordering and choosing again are really exercised.
        if (ranked(input).length >= 2) seen.set("several", (seen.get("several") ?? 0) + 1);
      }),
      { numRuns: 2_000, seed: 42 },
    );
    for (const key of ["best", "named", "several", "MERCHANT_NOT_APPROVED", "NO_ELIGIBLE_VOUCHER", "CAMPAIGN_NOT_ACTIVE", "SECTOR_NOT_ELIGIBLE", "BELOW_THRESHOLD"]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    }
  });
});
