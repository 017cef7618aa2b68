/**
 * Partial refunds on DynamoDB Local (API.md "Partner interface hardening"): refunded and remaining
 * per transaction, the discount reversed once when what remains falls below the threshold,
 * over-refunds refused with nothing written, each eventId answered once, concurrent refunds all
 * counted, refunds dated before their payment refused, refunds that came before their payment
 * kept; gross sales in stats drop by what was refunded and equal the recount; a settlement run
 * holds every record and reconciliation balances to the fen.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Voucher } from "../../shared/domain/claim.js";
import { localDate } from "../../shared/domain/settlement.js";
import { figuresOf, ledgerDeltas, mergeDeltas } from "../../shared/domain/stats.js";
import { ClaimCaches, type ClaimDependencies, claimVoucher } from "../../shared/use-cases/claim.js";
import { type PaymentDependencies, recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { getStatement, reconcileCampaign } from "../../shared/use-cases/settlement-views.js";
import { runSettlement, settleStatement } from "../../shared/use-cases/settlement.js";
import { getCampaignStats, projectStats, recountStats } from "../../shared/use-cases/stats.js";
import { ledgerPartition } from "../../shared/store/keys.js";
import { clawBack } from "../../shared/store/clawback.js";
import { ledgerRecordSortKey, readLedger, readRedemptionRecord } from "../../shared/store/ledger.js";
import { readTransaction } from "../../shared/store/transactions.js";
import { listVouchers } from "../../shared/store/vouchers.js";
import { platform } from "../../shared/wiring/platform.js";
import type { TableDeclaration, Wiring } from "../../shared/wiring/types.js";
import { seedCampaign } from "../support/seed.js";
import { partnerTime, seedMerchant } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";
import { RefundBeforePaymentError, RefundExceedsPaymentError } from "../../shared/errors.js";

const { db } = testClients();
const PARTNER = "bank-a";
const TZ = "Asia/Shanghai";

const pendingTables: Record<string, TableDeclaration> = {
  redemptions: { description: "Partner transactions and the ledger.", partitionKey: { name: "pk", type: "S" }, sortKey: { name: "sk", type: "S" } },
  merchants: { description: "Merchants.", partitionKey: { name: "pk", type: "S" } },
};
const wiring: Wiring = { ...platform, tables: { ...pendingTables, ...platform.tables } };

let tables: PaymentDependencies["tables"] & { inventory: string; settlements: string; stats: string; audit: string };
let deps: PaymentDependencies;
let claims: ClaimDependencies;

beforeAll(async () => {
  const resources = await provisionTestResources(wiring, "refunds");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "merchants", "redemptions", "settlements", "stats", "audit"]);
  deps = { db, tables, now: () => new Date(), retry: { attempts: 12, baseDelayMs: 5, maxDelayMs: 200 } };
  claims = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

const at = partnerTime;

/** A published campaign with one open drop of 100-30 and 200-60 vouchers (thresholds ¥100 and ¥200). */
async function campaign(): Promise<string> {
  const id = unique("c");
  await seedCampaign(db, tables, { id, perPersonLimit: 4, drops: [{ id: "d1", stock: { "100-30": 20, "200-60": 20 }, shards: 2 }] });
  return id;
}

async function merchant(): Promise<string> {
  const id = unique("m");
  await seedMerchant(db, tables.merchants, { id, partnerId: PARTNER, status: "APPROVED", sector: "supermarket" });
  return id;
}

function claim(sub: string, campaignId: string, voucherTypeId: "100-30" | "200-60"): Promise<Voucher> {
  return claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId }, claims);
}

/** A payment now (after the claims it uses). */
function pay(body: { merchantId: string; payerId: string; amount: number; transactionId: string; occurredAt?: string }) {
  return recordPayment({ partnerId: PARTNER, body: { eventId: unique("e"), occurredAt: at(), ...body } }, deps);
}

function refund(transactionId: string, options: { amount?: number; eventId?: string; occurredAt?: string } = {}) {
  // A minute after the payments: within the 5 minutes a partner's clock may run ahead.
  const { amount, eventId = unique("e"), occurredAt = at(60_000) } = options;
  return recordRefund({ partnerId: PARTNER, body: { eventId, transactionId, occurredAt, ...(amount === undefined ? {} : { amount }) } }, deps);
}

async function statusOf(sub: string): Promise<string[]> {
  return (await listVouchers(db, tables.vouchers, sub)).map((item) => item.status);
}

/** A payment of `amount` that redeemed a 100-30 voucher (threshold 10,000 fen, discount 3,000). */
async function redeemed(campaignId: string, merchantId: string, amount: number): Promise<{ transactionId: string; payerId: string }> {
  const payerId = unique("p");
  await claim(payerId, campaignId, "100-30");
  const transactionId = unique("t");
  expect(await pay({ merchantId, payerId, amount, transactionId })).toMatchObject({ discount: 3_000 });
  return { transactionId, payerId };
}

describe("a partial refund", () => {
  it("that leaves the threshold covered keeps the discount; the one that crosses it reverses once; later ones only count", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId, payerId } = await redeemed(campaignId, merchantId, 12_000);

    expect(await refund(transactionId, { amount: 1_500 })).toEqual({ transactionId, reversed: false, refunded: 1_500, remaining: 10_500 });
    expect(await statusOf(payerId)).toEqual(["REDEEMED"]);
    expect(await refund(transactionId, { amount: 1_000 })).toEqual({ transactionId, reversed: true, refunded: 2_500, remaining: 9_500 });
    expect(await statusOf(payerId)).toEqual(["VOID"]);
    expect(await refund(transactionId, { amount: 500 })).toEqual({ transactionId, reversed: true, refunded: 3_000, remaining: 9_000 });
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });
    // Nothing remains: a refund without amount answers the state as it is.
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });

    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => [entry.kind, entry.discount, entry.amount])).toEqual([
      ["REDEMPTION", 3_000, 12_000],
      ["PARTIAL_REFUND", 0, 1_500],
      ["REVERSAL", -3_000, 12_000],
    ]);
    expect(ledger[2]).toMatchObject({ refundedBefore: 1_500 });
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "REVERSED", refunded: 12_000 });
  });

  it("of more than remains is REFUND_EXCEEDS_PAYMENT and writes nothing", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId } = await redeemed(campaignId, merchantId, 12_000);
    await refund(transactionId, { amount: 2_000 });
    const before = await readTransaction(db, tables.redemptions, PARTNER, transactionId);

    await expect(refund(transactionId, { amount: 10_001 })).rejects.toBeInstanceOf(RefundExceedsPaymentError);

    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toEqual(before);
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toHaveLength(2);
  });

  it("delivered again with the same eventId gets the same answer, even after later refunds, and counts once", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId } = await redeemed(campaignId, merchantId, 30_000);
    const eventId = unique("e");

    const first = await refund(transactionId, { amount: 1_000, eventId });
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => refund(transactionId, { amount: 1_000, eventId })));
    await refund(transactionId, { amount: 2_000 });
    const late = await refund(transactionId, { amount: 7_777, eventId });

    for (const answer of [...concurrent, late]) expect(JSON.stringify(answer)).toBe(JSON.stringify(first));
    expect(first).toEqual({ transactionId, reversed: false, refunded: 1_000, remaining: 29_000 });
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ refunded: 3_000 });
  });

  it("racing other partial refunds of the same payment: every one is counted, none twice", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId } = await redeemed(campaignId, merchantId, 30_000);

    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => refund(transactionId, { amount: 100 * (i + 1) })));

    // 100 + 200 + … + 800 = 3,600 fen; each answer saw the refunds committed before it.
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "REDEEMED", refunded: 3_600 });
    expect(Math.max(...answers.map((answer) => answer.refunded))).toBe(3_600);
    expect(new Set(answers.map((answer) => answer.refunded)).size).toBe(8);
    for (const answer of answers) expect(answer.refunded + answer.remaining).toBe(30_000);
    const partials = (await readLedger(db, tables.redemptions, campaignId, merchantId)).filter((entry) => entry.kind === "PARTIAL_REFUND");
    expect(partials.map((entry) => entry.amount).sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
  }, 60_000);

  it("racing one that crosses the threshold reverses exactly once", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId } = await redeemed(campaignId, merchantId, 12_000);

    const answers = await Promise.all(Array.from({ length: 6 }, () => refund(transactionId, { amount: 1_000 })));

    expect(answers.filter((answer) => !answer.reversed).map((answer) => answer.refunded).sort()).toEqual([1_000, 2_000]);
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.filter((entry) => entry.kind === "REVERSAL")).toHaveLength(1);
    expect(ledger.reduce((sum, entry) => sum + entry.discount, 0)).toBe(0);
  }, 60_000);

  it("dated before its payment is REFUND_BEFORE_PAYMENT and writes nothing", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId } = await redeemed(campaignId, merchantId, 12_000);

    await expect(refund(transactionId, { amount: 100, occurredAt: at(-3_600_000) })).rejects.toBeInstanceOf(RefundBeforePaymentError);
    await expect(refund(transactionId, { occurredAt: at(-3_600_000) })).rejects.toBeInstanceOf(RefundBeforePaymentError);

    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).not.toHaveProperty("refunded");
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toHaveLength(1);
  });

  it("of a payment without discount counts refunded and remaining, never reversed, and writes no ledger record", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const transactionId = unique("t");
    expect(await pay({ merchantId, payerId: unique("p"), amount: 5_000, transactionId })).toMatchObject({ discount: 0 });

    expect(await refund(transactionId, { amount: 1_000 })).toEqual({ transactionId, reversed: false, refunded: 1_000, remaining: 4_000 });
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 5_000, remaining: 0 });
    await expect(refund(transactionId, { amount: 1 })).rejects.toBeInstanceOf(RefundExceedsPaymentError);
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "NO_DISCOUNT", refunded: 5_000 });
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toEqual([]);
  });
});

describe("a fraud clawback and partial refunds", () => {
  it("a clawback decided before a partial refund landed is refused, then filed with what was refunded; later refunds write no ledger record", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const { transactionId } = await redeemed(campaignId, merchantId, 12_000);
    const stale = (await readTransaction(db, tables.redemptions, PARTNER, transactionId))!;
    const redemption = (await readRedemptionRecord(db, tables.redemptions, stale))!;
    await refund(transactionId, { amount: 1_500 });
    const at = new Date().toISOString();
    const audit = { table: tables.audit, entry: { entityType: "FRAUD_FLAG" as const, entityId: "flag-r", action: "fraud.clawback", who: "op", at, version: 1 } };

    // Its refundedBefore would be wrong: the write is conditioned on `refunded` as read.
    expect(await clawBack(db, tables.redemptions, { record: stale, redemption, flagId: "flag-r", at, audit })).toMatchObject({ outcome: "unchanged" });
    const fresh = (await readTransaction(db, tables.redemptions, PARTNER, transactionId))!;
    expect(await clawBack(db, tables.redemptions, { record: fresh, redemption, flagId: "flag-r", at, audit })).toMatchObject({ outcome: "clawed-back", clawback: { refundedBefore: 1_500 } });
    expect(await refund(transactionId, { amount: 500 })).toEqual({ transactionId, reversed: false, refunded: 2_000, remaining: 10_000 });
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });

    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => entry.kind).sort()).toEqual(["CLAWBACK", "PARTIAL_REFUND", "REDEMPTION"]);
    const figures = figuresOf(mergeDeltas(ledger.flatMap((entry) => ledgerDeltas(entry, "supermarket", TZ))).get("TOTAL") ?? {});
    expect(figures).toMatchObject({ redeemed: 0, subsidy: 0, grossSales: 0 });
  });
});

describe("a refund that arrives before its payment", () => {
  it("is kept with its amount; the payment is then answered TRANSACTION_REFUNDED when what remains is below the threshold", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const payerId = unique("p");
    await claim(payerId, campaignId, "100-30");
    const transactionId = unique("t");

    expect(await refund(transactionId, { amount: 2_500 })).toEqual({ transactionId, reversed: false, refunded: 2_500, remaining: 0 });
    expect(await refund(transactionId, { amount: 500 })).toEqual({ transactionId, reversed: false, refunded: 3_000, remaining: 0 });
    const answer = await pay({ merchantId, payerId, amount: 12_000, transactionId });

    expect(answer).toEqual({ transactionId, voucherId: null, discount: 0, payable: 12_000, reason: "TRANSACTION_REFUNDED" });
    expect(await statusOf(payerId)).toEqual(["CLAIMED"]);
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ amount: 12_000, refunded: 3_000 });
    // What remains of the payment can still be refunded, and no more.
    expect(await refund(transactionId, { amount: 9_000 })).toEqual({ transactionId, reversed: false, refunded: 12_000, remaining: 0 });
    await expect(refund(transactionId, { amount: 1 })).rejects.toBeInstanceOf(RefundExceedsPaymentError);
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toEqual([]);
  });

  it("small enough to leave the threshold covered does not block the discount; a later refund that crosses it reverses", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const payerId = unique("p");
    const voucher = await claim(payerId, campaignId, "100-30");
    const transactionId = unique("t");
    const early = unique("e");

    expect(await refund(transactionId, { amount: 1_000, eventId: early })).toEqual({ transactionId, reversed: false, refunded: 1_000, remaining: 0 });
    const answers = await Promise.all(Array.from({ length: 3 }, () => pay({ merchantId, payerId, amount: 12_000, transactionId })));

    for (const answer of answers) expect(answer).toEqual({ transactionId, campaignId, voucherId: voucher.voucherId, discount: 3_000, payable: 9_000 });
    expect(await statusOf(payerId)).toEqual(["REDEEMED"]);
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "REDEEMED", refunded: 1_000 });
    expect(await refund(transactionId, { amount: 1_000, eventId: early })).toEqual({ transactionId, reversed: false, refunded: 1_000, remaining: 0 });
    expect(await refund(transactionId, { amount: 1_500 })).toEqual({ transactionId, reversed: true, refunded: 2_500, remaining: 9_500 });

    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    // The early refunds' record is dated at the payment (they count from it on), so it sorts beside the redemption.
    expect(ledger.map((entry) => [entry.kind, entry.discount, entry.amount])).toEqual([
      ["PARTIAL_REFUND", 0, 1_000],
      ["REDEMPTION", 3_000, 12_000],
      ["REVERSAL", -3_000, 12_000],
    ]);
    expect(ledger[2]).toMatchObject({ refundedBefore: 1_000 });
    const figures = figuresOf(mergeDeltas(ledger.flatMap((entry) => ledgerDeltas(entry, "supermarket", TZ))).get("TOTAL") ?? {});
    expect(figures).toMatchObject({ redeemed: 0, subsidy: 0, grossSales: 0 });
  });

  it("without amount refunds the whole payment when it comes", async () => {
    const merchantId = await merchant();
    const transactionId = unique("t");
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 0, remaining: 0 });
    expect(await pay({ merchantId, payerId: unique("p"), amount: 8_000, transactionId })).toMatchObject({ reason: "TRANSACTION_REFUNDED" });
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 8_000, remaining: 0 });
  });
});

describe("the books after partial refunds", () => {
  it("gross sales drop by what was refunded (to 0 for a reversed redemption, not below), equal to the recount; a settlement run balances to the fen", async () => {
    const campaignId = await campaign();
    const merchantId = await merchant();
    const a = await redeemed(campaignId, merchantId, 12_000); // 1,500 refunded, kept
    const b = await redeemed(campaignId, merchantId, 12_000); // 1,500 then 1,000: reversed
    const c = await redeemed(campaignId, merchantId, 20_000); // untouched
    // Dated now, so that a run of today (cut off now) settles them with their redemptions.
    await refund(a.transactionId, { amount: 1_500, occurredAt: at() });
    await refund(b.transactionId, { amount: 1_500, occurredAt: at() });
    await refund(b.transactionId, { amount: 1_000, occurredAt: at() });
    await refund(b.transactionId, { amount: 500, occurredAt: at() });

    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    const projected = figuresOf(mergeDeltas(ledger.flatMap((entry) => ledgerDeltas(entry, "supermarket", TZ))).get("TOTAL") ?? {});
    expect(projected).toMatchObject({ redeemed: 2, reversed: 1, subsidy: 6_000, grossSales: 12_000 - 1_500 + 20_000 });
    const recount = figuresOf((await recountStats({ db, tables, campaignId })).get("TOTAL") ?? {});
    expect(recount).toMatchObject({ redeemed: 2, subsidy: 6_000, grossSales: 30_500 });
    // The projector, fed each ledger record as its stream INSERT (twice: a redelivery counts once), shows the same.
    const changes = ledger.map((entry, index) => ({
      eventId: `${campaignId}-${index}`,
      eventName: "INSERT" as const,
      newImage: { pk: ledgerPartition(campaignId, merchantId), sk: ledgerRecordSortKey(entry), ...entry },
    }));
    await projectStats({ db, tables, now: () => new Date(), changes: [...changes, ...changes] });
    expect(await getCampaignStats({ db, tables, campaignId })).toMatchObject({ redeemed: 2, reversed: 1, subsidy: 6_000, grossSales: 30_500 });

    const period = localDate(new Date(), TZ);
    const now = () => new Date();
    await runSettlement({
      db,
      tables,
      now,
      period,
      campaignId,
      operator: "op-1",
      send: async (messages) => {
        for (const message of messages) await settleStatement({ db, tables, now, message, sendPayout: async () => {} });
      },
    });
    const statement = await getStatement({ db, tables, key: { campaignId, merchantId, period } });
    expect(statement).toMatchObject({ redemptionCount: 2, subsidy: 6_000, grossSales: 30_500, cancelledCount: 1, net: 6_000, payable: 6_000 });
    expect(statement.refunds.map((line) => [line.transactionId, line.amount, line.discount])).toEqual(
      expect.arrayContaining([
        [a.transactionId, 1_500, 0],
        [b.transactionId, 1_500, 0],
      ]),
    );
    const books = await reconcileCampaign({ db, tables, campaignId });
    expect(books).toMatchObject({ balanced: true, difference: 0, problems: [], redeemed: 9_000, reversed: 3_000, inStatements: 6_000, unsettled: 0 });

    // A partial refund after settlement waits, unsettled, for the next statement; the books still balance.
    await refund(c.transactionId, { amount: 1_000 });
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, difference: 0 });
  }, 60_000);
});
