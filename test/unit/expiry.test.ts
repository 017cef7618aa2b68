import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type VoucherType, voucherExpiry } from "../../shared/domain/campaign.js";
import { CLAIM_IN_FLIGHT_MS, EXPIRY_GRACE_MS, dropExpiryWindow, dropSweepPlan, expiryLimit, isDueForExpiry } from "../../shared/domain/expiry.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("isDueForExpiry", () => {
  const expiresAt = "2026-11-22T04:00:00.000Z";
  const at = (ms: number) => new Date(Date.parse(expiresAt) + ms);

  it("keeps a CLAIMED voucher through the grace period after its expiry", () => {
    expect(EXPIRY_GRACE_MS).toBe(DAY);
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(-1))).toBe(false);
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(0))).toBe(false);
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(DAY - 1))).toBe(false);
  });

  it("is due from expiresAt + grace on", () => {
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(DAY))).toBe(true);
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(30 * DAY))).toBe(true);
  });

  it.each(["REDEEMED", "VOID", "EXPIRED"])("never expires a %s voucher", (status) => {
    expect(isDueForExpiry({ status, expiresAt }, at(30 * DAY))).toBe(false);
  });

  it("reads expiresAt with any offset", () => {
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt: "2026-11-22T12:00:00+08:00" }, at(DAY))).toBe(true);
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt: "2026-11-22T12:00:00+08:00" }, at(DAY - 1))).toBe(false);
  });

  it("takes another grace period", () => {
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(HOUR), HOUR)).toBe(true);
    expect(isDueForExpiry({ status: "CLAIMED", expiresAt }, at(HOUR - 1), HOUR)).toBe(false);
  });

  it("refuses an expiry that is no instant", () => {
    expect(() => isDueForExpiry({ status: "CLAIMED", expiresAt: "soon" }, at(0))).toThrow(RangeError);
  });

  it("agrees with the store's condition expiresAt <= expiryLimit(now) on stored (UTC ISO) expiries", () => {
    const base = Date.parse("2026-01-01T00:00:00.000Z");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * DAY }), fc.integer({ min: 0, max: 400 * DAY }), (expiry, now) => {
        const stored = new Date(base + expiry).toISOString();
        const clock = new Date(base + now);
        expect(isDueForExpiry({ status: "CLAIMED", expiresAt: stored }, clock)).toBe(stored <= expiryLimit(clock));
      }),
    );
  });
});

describe("dropSweepPlan", () => {
  const days7: VoucherType = { id: "7d", threshold: 10_000, discount: 3_000, validDays: 7 };
  const until: VoucherType = { id: "until", threshold: 20_000, discount: 6_000, validUntil: "2026-12-10T00:00:00Z" };
  const campaign = { endsAt: "2026-12-31T16:00:00Z", voucherTypes: [days7, until] };
  const drop = { id: "d1", opensAt: "2026-11-20T02:00:00Z", closesAt: "2026-11-20T04:00:00Z", voucherTypeIds: ["7d"], closedAt: "2026-11-20T04:01:00Z" };
  const opens = Date.parse(drop.opensAt);
  const closes = Date.parse(drop.closesAt);

  it("reads nothing before the first voucher the drop can hold is due", () => {
    expect(dropSweepPlan(campaign, drop, new Date(opens + 7 * DAY + DAY - 1))).toBe("not-due");
  });

  it("sweeps from the earliest possible expiry + grace", () => {
    expect(dropSweepPlan(campaign, drop, new Date(opens + 8 * DAY))).toBe("sweep");
  });

  it("is final once the latest possible expiry (a claim at the close, plus claims in flight) + grace has passed", () => {
    const final = closes + CLAIM_IN_FLIGHT_MS + 7 * DAY + EXPIRY_GRACE_MS;
    expect(dropSweepPlan(campaign, drop, new Date(final - 1))).toBe("sweep");
    expect(dropSweepPlan(campaign, drop, new Date(final))).toBe("final");
  });

  it("is never final before drop close has run", () => {
    const { closedAt: _closedAt, ...open } = drop;
    expect(dropSweepPlan(campaign, open, new Date(closes + 60 * DAY))).toBe("sweep");
  });

  it("takes the latest of the drop's voucher types, validUntil included", () => {
    const both = { ...drop, voucherTypeIds: ["7d", "until"] };
    expect(dropExpiryWindow(campaign, both)).toEqual({
      earliest: new Date(opens + 7 * DAY),
      latest: new Date("2026-12-10T00:00:00Z"),
    });
    expect(dropSweepPlan(campaign, both, new Date(Date.parse("2026-12-11T00:00:00Z") - 1))).toBe("sweep");
    expect(dropSweepPlan(campaign, both, new Date("2026-12-11T00:00:00Z"))).toBe("final");
  });

  it("caps every expiry at the campaign's end", () => {
    const short = { ...campaign, endsAt: "2026-11-21T00:00:00Z" };
    expect(dropExpiryWindow(short, drop)).toEqual({ earliest: new Date("2026-11-21T00:00:00Z"), latest: new Date("2026-11-21T00:00:00Z") });
    expect(dropSweepPlan(short, drop, new Date("2026-11-22T00:00:00Z"))).toBe("final");
  });

  it("reads nothing of a drop without provisioned voucher types", () => {
    expect(dropExpiryWindow(campaign, { ...drop, voucherTypeIds: [] })).toBeUndefined();
    expect(dropSweepPlan(campaign, { ...drop, voucherTypeIds: [] }, new Date(closes + 60 * DAY))).toBe("not-due");
  });

  it("refuses a voucher type the campaign does not define", () => {
    expect(() => dropSweepPlan(campaign, { ...drop, voucherTypeIds: ["nope"] }, new Date(closes + 60 * DAY))).toThrow(/nope/);
  });

  it("never calls a drop final while a voucher it can hold is not yet due", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 2 * HOUR }),
        fc.integer({ min: 0, max: 90 * DAY }),
        (validDays, claimOffset, sinceClose) => {
          const type: VoucherType = { id: "t", threshold: 10_000, discount: 1_000, validDays };
          const c = { endsAt: "2027-01-31T00:00:00Z", voucherTypes: [type] };
          const d = { ...drop, voucherTypeIds: ["t"] };
          // A claim at any time in the drop's window, or in flight at its close.
          const claimedAt = new Date(opens + claimOffset + (claimOffset === 2 * HOUR ? CLAIM_IN_FLIGHT_MS : 0));
          const voucher = { status: "CLAIMED", expiresAt: voucherExpiry(c, type, claimedAt).toISOString() };
          const now = new Date(closes + sinceClose);
          if (dropSweepPlan(c, d, now) === "final") expect(isDueForExpiry(voucher, now)).toBe(true);
          if (isDueForExpiry(voucher, now)) expect(dropSweepPlan(c, d, now)).not.toBe("not-due");
        },
      ),
    );
  });
});
