/**
 * Stream images decoded in the store (shared/store/stream-images.ts): which changes of the vouchers
 * and redemptions tables count for statistics and the fraud detector, and what they carry; and the
 * stats buckets sorted by kind (shared/domain/stats.ts), so no use case reads key formats.
 */
import { describe, expect, it } from "vitest";
import { bucketsByKind } from "../../shared/domain/stats.js";
import { issuedVoucherKey, ledgerPartition, transactionKey, unsettledPartition, claimCounterKey } from "../../shared/store/keys.js";
import { ledgerRecordInserted, statsSourceChange } from "../../shared/store/stream-images.js";
import type { StreamChange } from "../../shared/streams/changes.js";

const voucher = { campaignId: "c", discount: 3_000, status: "CLAIMED", claimedAt: "2026-01-01T00:00:00.000Z", expiresAt: "2026-02-01T00:00:00.000Z" };
const redemption = {
  kind: "REDEMPTION",
  campaignId: "c",
  merchantId: "m",
  partnerId: "bank-a",
  transactionId: "t1",
  voucherId: "v1",
  payerId: "u1",
  amount: 12_000,
  discount: 3_000,
  occurredAt: "2026-01-02T00:00:00.000Z",
  recordedAt: "2026-01-02T00:00:01.000Z",
};
const ledgerKey = { pk: ledgerPartition("c", "m"), sk: "2026-01-02T00:00:00.000Z#bank-a#t1#R" };
const change = (eventName: StreamChange["eventName"], images: Pick<StreamChange, "oldImage" | "newImage">): StreamChange => ({ eventId: "e1", eventName, ...images });

describe("a vouchers-table change", () => {
  it("of a voucher is the voucher's images before and after, with its campaign", () => {
    const item = { ...issuedVoucherKey("c", "d", "vt", 0, "v1"), ...voucher, owner: "u1" };
    expect(statsSourceChange(change("INSERT", { newImage: item }))).toEqual({ kind: "voucher", campaignId: "c", old: undefined, new: voucher });
    expect(statsSourceChange(change("MODIFY", { oldImage: item, newImage: { ...item, status: "REDEEMED" } }))).toEqual({
      kind: "voucher",
      campaignId: "c",
      old: voucher,
      new: { ...voucher, status: "REDEEMED" },
    });
  });

  it("of a claim counter counts for nothing", () => {
    expect(statsSourceChange(change("INSERT", { newImage: { ...claimCounterKey("u1", "c"), campaignId: "c", claimed: 1 } }))).toBeUndefined();
  });
});

describe("a redemptions-table change", () => {
  it("inserting a ledger record is that record, for statistics and (validated, with its key) for the detector", () => {
    const inserted = change("INSERT", { newImage: { ...ledgerKey, ...redemption } });
    expect(statsSourceChange(inserted)).toMatchObject({ kind: "ledgerRecordInserted", campaignId: "c", record: redemption });
    expect(ledgerRecordInserted(inserted)).toEqual({ kind: "ledgerRecordInserted", record: redemption, key: ledgerKey });
  });

  it("updating or removing a ledger record, a marker or a transaction record counts for nothing", () => {
    const image = { ...ledgerKey, ...redemption };
    for (const ignored of [
      change("MODIFY", { oldImage: image, newImage: { ...image, statementId: "s" } }),
      change("REMOVE", { oldImage: image }),
      change("INSERT", { newImage: { ...image, pk: unsettledPartition("c", "m") } }),
      change("INSERT", { newImage: { ...transactionKey("bank-a", "t1"), campaignId: "c", status: "REDEEMED" } }),
    ]) {
      expect(statsSourceChange(ignored)).toBeUndefined();
      expect(ledgerRecordInserted(ignored)).toBeUndefined();
    }
  });

  it("inserting a ledger record that does not parse is nothing to the detector", () => {
    expect(ledgerRecordInserted(change("INSERT", { newImage: { ...ledgerKey, ...redemption, discount: -1 } }))).toBeUndefined();
  });
});

describe("a campaign's stats buckets", () => {
  it("sort by kind, each kind's keys in order", () => {
    const grouped = bucketsByKind(
      new Map([
        ["MERCHANT#m2", { redemptions: 2 }],
        ["TOTAL", { redemptions: 3 }],
        ["DAY#2026-01-02", { redemptions: 3 }],
        ["SECTOR#food", { redemptions: 3 }],
        ["MERCHANT#m1", { redemptions: 1 }],
      ] as const),
    );
    expect(grouped.total).toEqual({ redemptions: 3 });
    expect([...grouped.byDay]).toEqual([["2026-01-02", { redemptions: 3 }]]);
    expect([...grouped.bySector]).toEqual([["food", { redemptions: 3 }]]);
    expect([...grouped.byMerchant]).toEqual([
      ["m1", { redemptions: 1 }],
      ["m2", { redemptions: 2 }],
    ]);
  });
});
