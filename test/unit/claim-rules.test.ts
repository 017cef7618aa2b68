import { ProvisionedThroughputExceededException, TransactionCanceledException, TransactionConflictException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { assertDropOpen, issueVoucher, keyedVoucherId } from "../../shared/domain/claim.js";
import { DropNotOpenError, ThrottledError, ValidationError } from "../../shared/errors.js";
import { pageOf } from "../../shared/http/pagination.js";
import { ClaimCaches } from "../../shared/use-cases/claim.js";
import { isRetryable, withRetries } from "../../shared/store/retry.js";

const campaign = { id: "c1", status: "PUBLISHED", startsAt: "2026-11-01T00:00:00+08:00", endsAt: "2026-11-30T23:59:59+08:00" };
const drop = { id: "d1", opensAt: "2026-11-22T10:00:00+08:00", closesAt: "2026-11-22T12:00:00+08:00" };

describe("assertDropOpen", () => {
  it.each([
    ["before it opens", campaign, "2026-11-22T01:59:59Z", /opens at/],
    ["at its close", campaign, "2026-11-22T04:00:00Z", /closed at/],
    ["while paused", { ...campaign, status: "PAUSED" }, "2026-11-22T03:00:00Z", /paused/],
    ["as a draft", { ...campaign, status: "DRAFT" }, "2026-11-22T03:00:00Z", /not published/],
  ])("refuses a claim %s", (_, c, now, message) => {
    expect(() => assertDropOpen({ campaign: c, drop, now: new Date(now) })).toThrow(DropNotOpenError);
    expect(() => assertDropOpen({ campaign: c, drop, now: new Date(now) })).toThrow(message);
  });

  it("accepts a claim from the opening instant", () => {
    expect(() => assertDropOpen({ campaign, drop, now: new Date("2026-11-22T02:00:00Z") })).not.toThrow();
  });
});

describe("keyedVoucherId", () => {
  const claim = { residentId: "alice", idempotencyKey: "key-1", campaignId: "c1", dropId: "d1", voucherTypeId: "100-30" };

  it("names the same voucher for the same person, key, campaign, drop and voucher type", () => {
    expect(keyedVoucherId({ ...claim })).toBe(keyedVoucherId(claim));
    expect(keyedVoucherId(claim)).toMatch(/^k[A-Za-z0-9_-]{26}$/);
  });

  it.each([
    ["another person", { residentId: "bob" }],
    ["another key", { idempotencyKey: "key-2" }],
    ["another campaign", { campaignId: "c2" }],
    ["another drop", { dropId: "d2" }],
    ["another voucher type", { voucherTypeId: "200-60" }],
    // Parts that would run together if they were simply joined.
    ["parts shifted across a separator", { residentId: "alice\nkey-1", idempotencyKey: "" }],
  ])("names another voucher for %s", (_, change) => {
    expect(keyedVoucherId({ ...claim, ...change })).not.toBe(keyedVoucherId(claim));
  });
});

describe("issueVoucher", () => {
  it("dates validity from the claim and never past the campaign's end", () => {
    const type = { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 };
    const early = issueVoucher({ voucherId: "v1", campaign, dropId: "d1", voucherType: type, claimedAt: new Date("2026-11-02T00:00:00Z") });
    expect(early).toMatchObject({ status: "CLAIMED", discount: 3_000, expiresAt: "2026-11-09T00:00:00.000Z" });
    const late = issueVoucher({ voucherId: "v2", campaign, dropId: "d1", voucherType: type, claimedAt: new Date("2026-11-28T00:00:00Z") });
    expect(late.expiresAt).toBe(new Date(campaign.endsAt).toISOString());
  });
});

describe("withRetries", () => {
  const noSleep = { sleep: () => Promise.resolve(), random: () => 0.5 };

  // Throttling is retried by the SDK's retry strategy, not here: see dynamodb-retry.test.ts.
  it("retries conflicts the SDK does not retry, then succeeds", async () => {
    const cancelledByConflict = new TransactionCanceledException({ message: "x", $metadata: {}, CancellationReasons: [{ Code: "TransactionConflict" }, { Code: "None" }] });
    let calls = 0;
    const result = await withRetries(() => {
      calls += 1;
      if (calls === 1) return Promise.reject(new TransactionConflictException({ message: "x", $metadata: {} }));
      if (calls === 2) return Promise.reject(cancelledByConflict);
      return Promise.resolve("done");
    }, noSleep);
    expect(result).toBe("done");
    expect(calls).toBe(3);
  });

  // Throttling reaches withRetries only after the SDK has spent its tries on it (once up to 12 in all).
  it.each([
    ["persistent conflicts into THROTTLED after the bounded tries", () => new TransactionConflictException({ message: "x", $metadata: {} }), 3],
    ["throttling that outlasted the SDK's tries into THROTTLED at once, without trying again", () => new ProvisionedThroughputExceededException({ message: "x", $metadata: {} }), 1],
  ])("turns %s", async (_, fault, expectedCalls) => {
    let calls = 0;
    const error = await withRetries(() => {
      calls += 1;
      return Promise.reject(fault());
    }, { ...noSleep, attempts: 3, retryAfterSeconds: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterSeconds).toBe(2);
    expect(calls).toBe(expectedCalls);
  });

  it("waits with full jitter, growing and capped", async () => {
    const waits: number[] = [];
    await withRetries(
      () => Promise.reject(new TransactionConflictException({ message: "x", $metadata: {} })),
      { attempts: 6, baseDelayMs: 10, maxDelayMs: 50, random: () => 0.999, sleep: (ms) => (waits.push(ms), Promise.resolve()) },
    ).catch(() => undefined);
    expect(waits).toEqual([9, 19, 39, 49, 49]);
  });

  it("rethrows anything else at once", async () => {
    let calls = 0;
    await expect(withRetries(() => ((calls += 1), Promise.reject(new Error("boom"))), noSleep)).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });

  it("retries a cancelled transaction only when no item failed its own condition", () => {
    const cancelled = (codes: string[]) => new TransactionCanceledException({ message: "x", $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
    expect(isRetryable(cancelled(["TransactionConflict", "None"]))).toBe(true);
    expect(isRetryable(cancelled(["ConditionalCheckFailed", "TransactionConflict"]))).toBe(false);
    expect(isRetryable(cancelled(["None", "None"]))).toBe(false);
    // The SDK never sends a cancelled transaction again, whatever cancelled it.
    expect(isRetryable(cancelled(["ThrottlingError", "None"]))).toBe(true);
    expect(isRetryable(new ProvisionedThroughputExceededException({ message: "x", $metadata: {} }))).toBe(false);
  });
});

describe("ClaimCaches", () => {
  it("reads a campaign once per TTL however many claims ask at once", async () => {
    const caches = new ClaimCaches({ campaignTtlMs: 1_000, soldOutTtlMs: 5_000 });
    let loads = 0;
    const load = () => ((loads += 1), Promise.resolve(undefined));
    await Promise.all(Array.from({ length: 50 }, () => caches.campaign("c1", 0, load)));
    expect(loads).toBe(1);
    await caches.campaign("c1", 1_001, load);
    expect(loads).toBe(2);
  });

  it("forgets a failed read at once", async () => {
    const caches = new ClaimCaches();
    await expect(caches.campaign("c1", 0, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await expect(caches.campaign("c1", 1, () => Promise.resolve(undefined))).resolves.toBeUndefined();
  });

  it("remembers sold-out and empty shards for a while, and forgets them when a unit returns", () => {
    const caches = new ClaimCaches({ campaignTtlMs: 1_000, soldOutTtlMs: 5_000 });
    caches.rememberSoldOut("k", 0);
    caches.rememberEmpty("k", [1, 2], 0);
    expect(caches.isSoldOut("k", 4_999)).toBe(true);
    expect(caches.isSoldOut("k", 5_000)).toBe(false);
    expect([...caches.knownEmpty("k", 10)]).toEqual([1, 2]);
    caches.unitReturned("k", 1);
    expect(caches.isSoldOut("k", 10)).toBe(false);
    expect([...caches.knownEmpty("k", 10)]).toEqual([2]);
  });
});

describe("pageOf", () => {
  it("pages with an opaque token and refuses a forged one", () => {
    const items = Array.from({ length: 5 }, (_, i) => i);
    const first = pageOf(items, { limit: 2 });
    expect(first.items).toEqual([0, 1]);
    const second = pageOf(items, { limit: 2, nextToken: first.nextToken });
    expect(second.items).toEqual([2, 3]);
    const last = pageOf(items, { limit: 2, nextToken: second.nextToken });
    expect(last).toEqual({ items: [4] });
    expect(() => pageOf(items, { limit: 2, nextToken: "bogus" })).toThrow(ValidationError);
  });
});
