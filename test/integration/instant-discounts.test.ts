/**
 * Card-swipe instant discounts on DynamoDB Local, under real concurrency: the quota is never
 * exceeded and applied exactly when demand exceeds it, per-payer limits hold, duplicates of one
 * transaction apply once and count once, daily quotas roll over by day key (and a day counter is
 * kept without a daily quota, for `usedToday`), a `restore` refund
 * gives the unit back once (a `void` one does not), and a crash between the take and the record
 * strands a unit without ever over-applying.
 *
 * Each campaign's discount lists a partner of its own, so the campaigns of one test never serve
 * the payments of another.
 */
import { randomUUID } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { type InstantDiscount, localWeekTime } from "../../shared/domain/instant-discount.js";
import { localDate } from "../../shared/domain/settlement.js";
import type { PaymentAnswer } from "../../shared/api/payment-schemas.js";
import { TOTAL_PERIOD, readQuotaTaken } from "../../shared/store/instant-quota.js";
import { campaignKey, merchantKey } from "../../shared/store/keys.js";
import { readLedger } from "../../shared/store/ledger.js";
import { readTransaction } from "../../shared/store/transactions.js";
import { listVouchers } from "../../shared/store/vouchers.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { InstantCaches, readInstantDiscountUse } from "../../shared/use-cases/instant-discounts.js";
import { type PaymentDependencies, recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const DAY = 86_400_000;

let tables: PaymentDependencies["tables"];
let deps: PaymentDependencies;

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "instant");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "merchants", "redemptions"]);
  deps = {
    db,
    tables,
    now: () => new Date(),
    // Nothing cached across payments, so every payment meets the counters as they are.
    instantCaches: new InstantCaches({ campaignIdsTtlMs: 0, soldOutTtlMs: 0 }),
    retry: { attempts: 12, baseDelayMs: 5, maxDelayMs: 200 },
  };
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

async function merchant(sector = "supermarket"): Promise<string> {
  const id = unique("m");
  const now = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: tables.merchants,
      Item: { ...merchantKey(id), id, name: `Shop ${id}`, sector, partnerId: "bank", status: "APPROVED", version: 1, createdAt: now, updatedAt: now },
    }),
  );
  return id;
}

interface Setup {
  campaignId: string;
  partnerId: string;
  merchantId: string;
}

/** A published campaign with one instant discount ("swipe", tiers 100→20 and 300→60 yuan) for a partner of its own. */
async function instantCampaign(discount: Partial<InstantDiscount> = {}, options: { refundPolicy?: "void" | "restore"; drops?: boolean } = {}): Promise<Setup> {
  const campaignId = unique("c");
  const partnerId = unique("bank");
  await seedCampaign(db, tables, {
    id: campaignId,
    refundPolicy: options.refundPolicy ?? "void",
    drops: options.drops ? [{ id: "d1", stock: { "100-30": 5, "200-60": 5 }, shards: 1 }] : [],
    instantDiscounts: [
      {
        id: "swipe",
        tiers: [
          { threshold: 10_000, discount: 2_000 },
          { threshold: 30_000, discount: 6_000 },
        ],
        quota: { total: 100 },
        partners: [partnerId],
        ...discount,
      },
    ],
  });
  return { campaignId, partnerId, merchantId: await merchant() };
}

/** An ISO instant with the Shanghai offset, as a partner sends it. */
const partnerInstant = (at: Date) => `${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

function pay(setup: Setup, input: { payerId?: string; transactionId?: string; amount?: number; at?: Date; eventId?: string }, over: Partial<PaymentDependencies> = {}): Promise<PaymentAnswer> {
  const at = input.at ?? new Date();
  return recordPayment(
    {
      partnerId: setup.partnerId,
      body: {
        eventId: input.eventId ?? unique("evt"),
        transactionId: input.transactionId ?? unique("txn"),
        merchantId: setup.merchantId,
        payerId: input.payerId ?? unique("card"),
        amount: input.amount ?? 12_000,
        occurredAt: partnerInstant(at),
      },
    },
    // A cache of its own: these payments' clocks jump days back and forth.
    { ...deps, instantCaches: new InstantCaches({ campaignIdsTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(at.getTime() + 1_000), ...over },
  );
}

const applied = (answers: readonly PaymentAnswer[]) => answers.filter((answer) => "instantDiscountId" in answer);
const reasons = (answers: readonly PaymentAnswer[]) => answers.map((answer) => ("reason" in answer ? answer.reason : "APPLIED"));

async function used(setup: Setup, period = TOTAL_PERIOD, units = 100): Promise<number> {
  return readQuotaTaken(db, tables.inventory, { campaignId: setup.campaignId, instantDiscountId: "swipe", period }, units);
}

describe("an instant discount at a payment", () => {
  it("applies the highest tier the amount reaches, answers what applied, and files the redemption with the discount's id", async () => {
    const setup = await instantCampaign();
    const transactionId = unique("txn");
    const answer = await pay(setup, { transactionId, amount: 35_000, payerId: "card-1" });
    expect(answer).toEqual({ transactionId, campaignId: setup.campaignId, instantDiscountId: "swipe", voucherId: null, discount: 6_000, payable: 29_000 });
    const record = await readTransaction(db, tables.redemptions, setup.partnerId, transactionId);
    expect(record).toMatchObject({ status: "REDEEMED", campaignId: setup.campaignId, instantDiscountId: "swipe", discount: 6_000 });
    const ledger = await readLedger(db, tables.redemptions, setup.campaignId, setup.merchantId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ kind: "REDEMPTION", instantDiscountId: "swipe", discount: 6_000, amount: 35_000, threshold: 30_000 });
    expect(ledger[0]?.voucherId).toBeUndefined();
    expect(await used(setup)).toBe(1);
  });

  it("answers BELOW_THRESHOLD under every tier, NO_ELIGIBLE_VOUCHER outside the window or for another partner, and nothing is taken", async () => {
    const now = new Date();
    const { weekday } = localWeekTime(now, "Asia/Shanghai");
    const closedToday = await instantCampaign({ window: { daysOfWeek: [(weekday % 7) + 1] } });
    const open = await instantCampaign();
    expect(reasons([await pay(open, { amount: 9_999 })])).toEqual(["BELOW_THRESHOLD"]);
    expect(reasons([await pay(closedToday, { at: now })])).toEqual(["NO_ELIGIBLE_VOUCHER"]);
    expect(reasons([await pay({ ...open, partnerId: unique("other-bank") }, {})])).toEqual(["NO_ELIGIBLE_VOUCHER"]);
    expect(await used(open)).toBe(0);
    expect(await used(closedToday)).toBe(0);
  });

  it("never applies beyond the quota however many payments race, and applies exactly the quota when demand exceeds it", async () => {
    const setup = await instantCampaign({ quota: { total: 25 } });
    const answers = await Promise.all(Array.from({ length: 80 }, () => pay(setup, {})));
    expect(applied(answers)).toHaveLength(25);
    expect(new Set(reasons(answers))).toEqual(new Set(["APPLIED", "QUOTA_EXHAUSTED"]));
    expect(await used(setup, TOTAL_PERIOD, 25)).toBe(25);
    const ledger = await readLedger(db, tables.redemptions, setup.campaignId, setup.merchantId);
    expect(ledger.filter((record) => record.kind === "REDEMPTION")).toHaveLength(25);
  });

  it("applies a transaction once, and counts it once, however its deliveries race", async () => {
    const setup = await instantCampaign({ quota: { total: 10 }, perPayer: { daily: 1 } });
    const transactionId = unique("txn");
    const at = new Date();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => pay(setup, { transactionId, payerId: "card-dup", at, eventId: `evt-${index}` })));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toMatchObject({ instantDiscountId: "swipe", discount: 2_000 });
    expect(await used(setup, TOTAL_PERIOD, 10)).toBe(1);
    // The payer's one daily slot is the transaction's: another payment by the card is refused.
    expect(reasons([await pay(setup, { payerId: "card-dup", at })])).toEqual(["PAYER_LIMIT_REACHED"]);
  });

  it("holds the per-payer limits under concurrent payments by one card, and tells the limit apart from the quota", async () => {
    const setup = await instantCampaign({ quota: { total: 50 }, perPayer: { total: 2, daily: 1 } });
    const today = new Date();
    const first = await Promise.all(Array.from({ length: 10 }, () => pay(setup, { payerId: "card-9", at: today })));
    expect(applied(first)).toHaveLength(1);
    expect(reasons(first).filter((reason) => reason === "PAYER_LIMIT_REACHED")).toHaveLength(9);
    const tomorrow = new Date(today.getTime() + DAY);
    const second = await Promise.all(Array.from({ length: 10 }, () => pay(setup, { payerId: "card-9", at: tomorrow })));
    expect(applied(second)).toHaveLength(1);
    const third = await pay(setup, { payerId: "card-9", at: new Date(today.getTime() + 2 * DAY) });
    expect(reasons([third])).toEqual(["PAYER_LIMIT_REACHED"]);
    expect(await used(setup, TOTAL_PERIOD, 50)).toBe(2);
    // Another card counts apart.
    expect(applied([await pay(setup, { payerId: "card-other", at: today })])).toHaveLength(1);
  });

  it("rolls the daily quota over at local midnight by day key: a new day has its quota, the total still holds", async () => {
    const setup = await instantCampaign({ quota: { total: 5, daily: 3 } });
    const today = new Date();
    const day1 = await Promise.all(Array.from({ length: 8 }, () => pay(setup, { at: today })));
    expect(applied(day1)).toHaveLength(3);
    expect(new Set(reasons(day1))).toEqual(new Set(["APPLIED", "QUOTA_EXHAUSTED"]));
    const tomorrow = new Date(today.getTime() + DAY);
    const day2 = await Promise.all(Array.from({ length: 8 }, () => pay(setup, { at: tomorrow })));
    // 3 more would fit the day, but only 2 are left of the total.
    expect(applied(day2)).toHaveLength(2);
    expect(await used(setup, localDate(today, "Asia/Shanghai"), 3)).toBe(3);
    expect(await used(setup, localDate(tomorrow, "Asia/Shanghai"), 3)).toBe(2);
    expect(await used(setup, TOTAL_PERIOD, 5)).toBe(5);
  });

  it("keeps a day counter without a daily quota, which never refuses: used, remaining and usedToday per local day", async () => {
    const setup = await instantCampaign({ quota: { total: 6 } }, { refundPolicy: "restore" });
    const today = new Date();
    const tomorrow = new Date(today.getTime() + DAY);
    const first = unique("txn");
    const todays = await Promise.all([first, unique("txn"), unique("txn")].map((transactionId) => pay(setup, { transactionId, at: today })));
    const tomorrows = await Promise.all(Array.from({ length: 5 }, () => pay(setup, { at: tomorrow })));
    // The day counter's share is the total: 3 today, then only the 3 units left of the total tomorrow.
    expect(applied(todays)).toHaveLength(3);
    expect(applied(tomorrows)).toHaveLength(3);
    expect(reasons(tomorrows).filter((reason) => reason === "QUOTA_EXHAUSTED")).toHaveLength(2);
    const campaign = { id: setup.campaignId, timezone: "Asia/Shanghai", instantDiscounts: [{ id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 6 } }] };
    expect((await readInstantDiscountUse({ db, tables }, campaign, today)).get("swipe")).toEqual({ used: 6, remaining: 0, usedToday: 3 });
    expect((await readInstantDiscountUse({ db, tables }, campaign, tomorrow)).get("swipe")).toEqual({ used: 6, remaining: 0, usedToday: 3 });
    // A restore refund of today's first payment gives its unit back to today's counter and the total.
    const refund = { eventId: unique("refund"), transactionId: first, occurredAt: partnerInstant(new Date(today.getTime() + 2_000)) };
    expect((await recordRefund({ partnerId: setup.partnerId, body: refund }, { ...deps, now: () => new Date(today.getTime() + 3_000) })).reversed).toBe(true);
    expect((await readInstantDiscountUse({ db, tables }, campaign, today)).get("swipe")).toEqual({ used: 5, remaining: 1, usedToday: 2 });
    expect((await readInstantDiscountUse({ db, tables }, campaign, new Date(today.getTime() + 2 * DAY))).get("swipe")).toEqual({ used: 5, remaining: 1, usedToday: 0 });
  });

  it("reads usedToday from the daily quota's counter when there is one", async () => {
    const setup = await instantCampaign({ quota: { total: 10, daily: 2 } });
    const today = new Date();
    expect(applied(await Promise.all(Array.from({ length: 4 }, () => pay(setup, { at: today }))))).toHaveLength(2);
    const campaign = { id: setup.campaignId, timezone: "Asia/Shanghai", instantDiscounts: [{ id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 10, daily: 2 } }] };
    expect((await readInstantDiscountUse({ db, tables }, campaign, today)).get("swipe")).toEqual({ used: 2, remaining: 8, usedToday: 2 });
  });

  it("prefers the payer's eligible voucher: the two never stack", async () => {
    const setup = await instantCampaign({}, { drops: true });
    const resident = unique("resident");
    await claimVoucher({ residentId: resident, campaignId: setup.campaignId, dropId: "d1", voucherTypeId: "100-30" }, { db, tables, caches: new ClaimCaches(), now: () => new Date(), random: Math.random });
    const answer = await pay(setup, { payerId: resident, amount: 35_000 });
    expect(answer).toMatchObject({ campaignId: setup.campaignId, discount: 3_000 });
    expect(answer.voucherId).not.toBeNull();
    expect(await used(setup)).toBe(0);
  });

  it("applies to a payer whose vouchers do not serve the payment (a 满200减60 voucher and ¥120), and the voucher stays claimed", async () => {
    const setup = await instantCampaign({}, { drops: true });
    const resident = unique("resident");
    const voucher = await claimVoucher(
      { residentId: resident, campaignId: setup.campaignId, dropId: "d1", voucherTypeId: "200-60" },
      { db, tables, caches: new ClaimCaches(), now: () => new Date(), random: Math.random },
    );
    const answer = await pay(setup, { payerId: resident, amount: 12_000 });
    expect(answer).toMatchObject({ campaignId: setup.campaignId, instantDiscountId: "swipe", voucherId: null, discount: 2_000 });
    expect((await listVouchers(db, tables.vouchers, resident)).map((item) => [item.voucherId, item.status])).toEqual([[voucher.voucherId, "CLAIMED"]]);
    // Neither applies: the voucher's reason comes before the instant discount's (API.md's order).
    expect(reasons([await pay(setup, { payerId: resident, amount: 9_000 })])).toEqual(["BELOW_THRESHOLD"]);
  });

  it("takes the largest discount across campaigns", async () => {
    const small = await instantCampaign({ tiers: [{ threshold: 10_000, discount: 1_000 }] });
    const large = await instantCampaign({ tiers: [{ threshold: 10_000, discount: 1_500 }], partners: [small.partnerId] });
    const answer = await pay(small, {});
    expect(answer).toMatchObject({ campaignId: large.campaignId, discount: 1_500 });
  });

  it("skips a paused campaign at once", async () => {
    const setup = await instantCampaign();
    await db.send(new UpdateCommand({ TableName: tables.campaigns, Key: campaignKey(setup.campaignId), UpdateExpression: "SET #s = :p", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":p": "PAUSED" } }));
    expect(reasons([await pay(setup, {})])).toEqual(["NO_ELIGIBLE_VOUCHER"]);
  });
});

describe("a refund of an instant discount", () => {
  async function payAndRefund(policy: "void" | "restore"): Promise<{ setup: Setup; transactionId: string }> {
    const setup = await instantCampaign({ quota: { total: 3 }, perPayer: { total: 1 } }, { refundPolicy: policy });
    const transactionId = unique("txn");
    const at = new Date();
    await pay(setup, { transactionId, payerId: "card-r", at });
    const refund = { eventId: unique("refund"), transactionId, occurredAt: partnerInstant(new Date(at.getTime() + 1_000)) };
    // The same refund delivered twice, at once: the unit goes back once.
    const answers = await Promise.all([0, 1].map(() => recordRefund({ partnerId: setup.partnerId, body: refund }, { ...deps, now: () => new Date(at.getTime() + 2_000) })));
    expect(answers.every((answer) => answer.reversed)).toBe(true);
    return { setup, transactionId };
  }

  it("under restore gives the unit back to the quota and the payer's counter, once", async () => {
    const { setup } = await payAndRefund("restore");
    expect(await used(setup, TOTAL_PERIOD, 3)).toBe(0);
    expect(applied([await pay(setup, { payerId: "card-r" })])).toHaveLength(1);
    const ledger = await readLedger(db, tables.redemptions, setup.campaignId, setup.merchantId);
    expect(ledger.map((record) => record.kind).sort()).toEqual(["REDEMPTION", "REDEMPTION", "REVERSAL"]);
    expect(ledger.find((record) => record.kind === "REVERSAL")).toMatchObject({ instantDiscountId: "swipe", discount: -2_000 });
  });

  it("under void keeps the unit used and the payer's slot taken", async () => {
    const { setup } = await payAndRefund("void");
    expect(await used(setup, TOTAL_PERIOD, 3)).toBe(1);
    expect(reasons([await pay(setup, { payerId: "card-r" })])).toEqual(["PAYER_LIMIT_REACHED"]);
  });
});

describe("a crash between the quota take and the record (the drill of the crash analysis in use-cases/instant-discounts.ts)", () => {
  it("strands the unit and never applies twice: the redelivery applies once, counting the payer once", async () => {
    const setup = await instantCampaign({ quota: { total: 5 }, perPayer: { total: 1 } });
    const transactionId = unique("txn");
    const at = new Date();
    const crash = { afterInstantTake: () => Promise.reject(new Error("the function died here")) };
    await expect(pay(setup, { transactionId, payerId: "card-c", at }, crash)).rejects.toThrow("the function died here");
    expect(await readTransaction(db, tables.redemptions, setup.partnerId, transactionId)).toBeUndefined();
    expect(await used(setup, TOTAL_PERIOD, 5)).toBe(1);
    // The partner delivers it again: the payer's slot names this transaction, so it counts nothing again.
    const answer = await pay(setup, { transactionId, payerId: "card-c", at });
    expect(answer).toMatchObject({ instantDiscountId: "swipe", discount: 2_000 });
    expect(await pay(setup, { transactionId, payerId: "card-c", at })).toEqual(answer);
    // One unit stranded (under-use), one applied; never more applied than the quota.
    expect(await used(setup, TOTAL_PERIOD, 5)).toBe(2);
    expect((await readLedger(db, tables.redemptions, setup.campaignId, setup.merchantId)).filter((record) => record.kind === "REDEMPTION")).toHaveLength(1);
  });
});

describe("a crash between a restore refund's reversal and its give-back (the second drill of use-cases/instant-discounts.ts)", () => {
  it("strands the unit (used, never counted back twice): the reversal stands once and the refund's redelivery answers it", async () => {
    const setup = await instantCampaign({ quota: { total: 3 } }, { refundPolicy: "restore" });
    const transactionId = unique("txn");
    const at = new Date();
    await pay(setup, { transactionId, at });
    // The function dies as it gives the unit back: the quota's give-back never reaches DynamoDB.
    const dying = Object.create(db) as typeof db;
    dying.send = ((command: { input?: { Key?: { pk?: unknown } } }) => {
      const pk = command.input?.Key?.pk;
      if (command instanceof UpdateCommand && typeof pk === "string" && pk.startsWith("QUOTA#")) return Promise.reject(new Error("the function died here"));
      return db.send(command as never);
    }) as typeof db.send;
    const refund = { eventId: unique("refund"), transactionId, occurredAt: partnerInstant(new Date(at.getTime() + 1_000)) };
    const refundDeps = { ...deps, now: () => new Date(at.getTime() + 2_000) };
    await expect(recordRefund({ partnerId: setup.partnerId, body: refund }, { ...refundDeps, db: dying })).rejects.toThrow("the function died here");

    // The partner delivers the refund again: the stored answer, nothing reversed or given back twice.
    expect(await recordRefund({ partnerId: setup.partnerId, body: refund }, refundDeps)).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });
    expect(await readTransaction(db, tables.redemptions, setup.partnerId, transactionId)).toMatchObject({ status: "REVERSED" });
    const ledger = await readLedger(db, tables.redemptions, setup.campaignId, setup.merchantId);
    expect(ledger.map((record) => record.kind).sort()).toEqual(["REDEMPTION", "REVERSAL"]);
    // The unit stays used: the quota is under-used by one, never over.
    expect(await used(setup, TOTAL_PERIOD, 3)).toBe(1);
  });
});
