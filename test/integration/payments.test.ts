/**
 * Payment and refund webhooks on DynamoDB Local, under real concurrency: a voucher is redeemed at
 * most once and a partner transaction applied at most once however its deliveries race; every
 * redemption and reversal has its ledger entry, and the ledger's discounts are the answered ones.
 */
import { randomUUID } from "node:crypto";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { EMULATORS_REGION } from "../../infra/local/emulators.js";
import { provisionResources } from "../../infra/local/provision.js";
import type { Voucher } from "../../shared/domain/claim.js";
import { ValidationError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDeps, claimVoucher } from "../../shared/operations/claim.js";
import { type PaymentDeps, recordPayment, recordRefund } from "../../shared/operations/payments.js";
import { campaignKey, merchantKey } from "../../shared/store/keys.js";
import { type PaymentAnswer, readLedger, readTransaction } from "../../shared/store/redemptions.js";
import { listVouchers } from "../../shared/store/vouchers.js";
import { platform } from "../../shared/wiring/platform.js";
import type { TableDeclaration, Wiring } from "../../shared/wiring/types.js";
import { seedCampaign } from "../support/seed.js";
import { testClients, uniquePrefix } from "./runtime-helpers.js";

const { db } = testClients();
const PARTNER = "bank-a";
const DAY = 86_400_000;

/** The platform's tables, plus `redemptions` and `merchants` where the platform wiring does not declare them yet. */
const pendingTables: Record<string, TableDeclaration> = {
  redemptions: {
    description: "Partner transactions (pk TXN#<partner>#<txn>, sk #TXN) and the settlement ledger (pk LEDGER#<campaign>#<merchant>).",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
  },
  merchants: { description: "Merchants (pk MERCHANT#<id>).", partitionKey: { name: "pk", type: "S" } },
};
const wiring: Wiring = { ...platform, tables: { ...pendingTables, ...platform.tables } };

let tables: PaymentDeps["tables"] & { inventory: string };
let deps: PaymentDeps;
let claims: ClaimDeps;

beforeAll(async () => {
  const resources = await provisionResources(wiring, {
    prefix: uniquePrefix("payments"),
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    sqsEndpoint: inject("sqsEndpoint"),
    region: EMULATORS_REGION,
  });
  const name = (logical: string) => resources.tables[logical]!.name;
  tables = {
    campaigns: name("campaigns"),
    inventory: name("inventory"),
    vouchers: name("vouchers"),
    merchants: name("merchants"),
    redemptions: name("redemptions"),
  };
  // Transaction conflicts are expected under these races; give them room to resolve.
  deps = { db, tables, now: () => new Date(), retry: { attempts: 12, baseDelayMs: 5, maxDelayMs: 200 } };
  claims = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
});

// ---------------------------------------------------------------------------------------------

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** An instant `offsetMs` from now, written with a +08:00 offset as a Chinese partner would. */
function at(offsetMs = 0): string {
  const local = new Date(Date.now() + offsetMs + 8 * 3_600_000).toISOString();
  return `${local.slice(0, 23)}+08:00`;
}

async function seedMerchant(status: "PENDING" | "APPROVED" | "SUSPENDED", sector = "supermarket"): Promise<string> {
  const id = unique("m");
  const now = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: tables.merchants,
      Item: { ...merchantKey(id), id, name: `Shop ${id}`, sector, partnerId: PARTNER, status, createdAt: now, updatedAt: now },
    }),
  );
  return id;
}

/** A published campaign (supermarkets, restaurants) with one open drop of both voucher types. */
async function campaign(options: { stock?: number; perPersonLimit?: number; refundPolicy?: "void" | "restore" } = {}): Promise<string> {
  const id = unique("c");
  const stock = options.stock ?? 10;
  await seedCampaign(db, tables, { id, perPersonLimit: options.perPersonLimit ?? 2, drops: [{ id: "d1", stock: { "100-30": stock, "200-60": stock }, shards: 2 }] });
  if (options.refundPolicy === "restore") await setCampaign(id, "refundPolicy", "restore");
  return id;
}

async function setCampaign(campaignId: string, field: "status" | "refundPolicy", value: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tables.campaigns,
      Key: campaignKey(campaignId),
      UpdateExpression: "SET #field = :value",
      ExpressionAttributeNames: { "#field": field },
      ExpressionAttributeValues: { ":value": value },
    }),
  );
}

function claim(sub: string, campaignId: string, voucherTypeId: "100-30" | "200-60"): Promise<Voucher> {
  return claimVoucher({ sub, campaignId, dropId: "d1", voucherTypeId }, claims);
}

async function statusOf(sub: string): Promise<Record<string, string>> {
  return Object.fromEntries((await listVouchers(db, tables.vouchers, sub)).map((item) => [item.voucherId, item.status]));
}

function pay(body: { merchantId: string; payerId: string; amount: number; transactionId?: string; occurredAt?: string; voucherId?: string }) {
  const transactionId = body.transactionId ?? unique("t");
  return recordPayment({ partnerId: PARTNER, body: { eventId: unique("e"), occurredAt: at(), ...body, transactionId } }, deps);
}

function refund(transactionId: string, occurredAt = at()) {
  return recordRefund({ partnerId: PARTNER, body: { eventId: unique("e"), transactionId, occurredAt } }, deps);
}

// ---------------------------------------------------------------------------------------------

describe("a payment", () => {
  it("delivered 20 times at once redeems exactly once, and all 20 get the same answer", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-dup", campaignId, "100-30");
    const body = { eventId: "evt-1", transactionId: unique("t"), merchantId, payerId: "p-dup", amount: 12_000, occurredAt: at() };

    const answers = await Promise.all(Array.from({ length: 20 }, () => recordPayment({ partnerId: PARTNER, body }, deps)));

    expect(answers[0]).toEqual({ transactionId: body.transactionId, voucherId: voucher.voucherId, discount: 3_000, payable: 9_000 });
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ kind: "REDEMPTION", transactionId: body.transactionId, voucherId: voucher.voucherId, discount: 3_000, amount: 12_000 });
    expect(await statusOf("p-dup")).toEqual({ [voucher.voucherId]: "REDEEMED" });

    // A late delivery, even with another eventId, still gets the stored answer.
    const late = await recordPayment({ partnerId: PARTNER, body: { ...body, eventId: "evt-late", amount: 99_999 } }, deps);
    expect(JSON.stringify(late)).toBe(JSON.stringify(answers[0]));
  });

  it("200 payments from 100 payers racing for their 2 vouchers each redeem no voucher twice, all in the ledger", async () => {
    const campaignId = await campaign({ stock: 100 });
    const merchantId = await seedMerchant("APPROVED");
    const payers = Array.from({ length: 100 }, (_, i) => `racer-${i}`);
    const held = new Map<string, string[]>();
    await Promise.all(
      payers.map(async (payerId) => {
        const a = await claim(payerId, campaignId, "200-60");
        const b = await claim(payerId, campaignId, "100-30");
        held.set(payerId, [a.voucherId, b.voucherId]);
      }),
    );

    const payments = payers.flatMap((payerId) => [0, 1].map(() => ({ merchantId, payerId, amount: 25_000, transactionId: unique("t") })));
    const answers = await Promise.all(payments.map((payment) => pay(payment)));

    const redeemed = answers.filter((answer): answer is Extract<PaymentAnswer, { voucherId: string }> => answer.voucherId !== null);
    expect(new Set(redeemed.map((answer) => answer.voucherId)).size).toBe(redeemed.length);
    // Each payer's two payments took the better voucher and then the next best.
    expect(redeemed).toHaveLength(200);
    for (const [payerId, vouchers] of held) {
      const got = answers.filter((_, i) => payments[i]!.payerId === payerId).map((answer) => answer.voucherId);
      expect(got.sort()).toEqual([...vouchers].sort());
      expect(Object.values(await statusOf(payerId))).toEqual(["REDEEMED", "REDEEMED"]);
    }
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger).toHaveLength(200);
    expect(new Set(ledger.map((entry) => entry.voucherId)).size).toBe(200);
    const answered = redeemed.reduce((sum, answer) => sum + answer.discount, 0);
    expect(ledger.reduce((sum, entry) => sum + entry.discount, 0)).toBe(answered);
    expect(answered).toBe(100 * (6_000 + 3_000));
  }, 180_000); // 200 racing transactions on DynamoDB Local beside the rest of the suite: room, not a speed claim.

  it("chooses the best voucher the payer holds, and one that applies to the amount", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED", "restaurant");
    const small = await claim("p-best", campaignId, "100-30");
    const big = await claim("p-best", campaignId, "200-60");

    expect(await pay({ merchantId, payerId: "p-best", amount: 15_000 })).toMatchObject({ voucherId: small.voucherId, discount: 3_000, payable: 12_000 });
    expect(await pay({ merchantId, payerId: "p-best", amount: 15_000 })).toMatchObject({ voucherId: null, reason: "BELOW_THRESHOLD", payable: 15_000 });
    expect(await pay({ merchantId, payerId: "p-best", amount: 30_000 })).toMatchObject({ voucherId: big.voucherId, discount: 6_000, payable: 24_000 });
    expect(await pay({ merchantId, payerId: "p-best", amount: 30_000 })).toMatchObject({ voucherId: null, reason: "NO_ELIGIBLE_VOUCHER" });
  });

  it("with a voucherId uses that voucher or none", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const small = await claim("p-named", campaignId, "100-30");
    const big = await claim("p-named", campaignId, "200-60");

    expect(await pay({ merchantId, payerId: "p-named", amount: 30_000, voucherId: small.voucherId })).toMatchObject({ voucherId: small.voucherId, discount: 3_000 });
    expect(await pay({ merchantId, payerId: "p-named", amount: 30_000, voucherId: small.voucherId })).toMatchObject({ voucherId: null, reason: "NO_ELIGIBLE_VOUCHER" });
    expect(await statusOf("p-named")).toEqual({ [small.voucherId]: "REDEEMED", [big.voucherId]: "CLAIMED" });
  });

  it.each(["SUSPENDED", "PENDING"] as const)("at a %s merchant gives no discount and changes no voucher", async (status) => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant(status);
    const voucher = await claim(`p-${status}`, campaignId, "100-30");
    const transactionId = unique("t");

    const answer = await pay({ merchantId, payerId: `p-${status}`, amount: 12_000, transactionId });

    expect(answer).toEqual({ transactionId, voucherId: null, discount: 0, payable: 12_000, reason: "MERCHANT_NOT_APPROVED" });
    expect(await statusOf(`p-${status}`)).toEqual({ [voucher.voucherId]: "CLAIMED" });
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toEqual([]);
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "NO_DISCOUNT", answer });
  });

  it("at an unknown merchant gives no discount", async () => {
    const campaignId = await campaign();
    await claim("p-nomerchant", campaignId, "100-30");
    expect(await pay({ merchantId: "nobody", payerId: "p-nomerchant", amount: 12_000 })).toMatchObject({ voucherId: null, reason: "MERCHANT_NOT_APPROVED" });
  });

  it("does not apply a voucher that has expired by occurredAt", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-expired", campaignId, "100-30");

    // The vouchers are valid 7 days; the campaign runs 30.
    const answer = await pay({ merchantId, payerId: "p-expired", amount: 12_000, occurredAt: at(8 * DAY) });

    expect(answer).toMatchObject({ voucherId: null, discount: 0, payable: 12_000, reason: "NO_ELIGIBLE_VOUCHER" });
    expect(await statusOf("p-expired")).toEqual({ [voucher.voucherId]: "CLAIMED" });
  });

  it("in a paused campaign applies nothing", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-paused", campaignId, "100-30");
    await setCampaign(campaignId, "status", "PAUSED");

    expect(await pay({ merchantId, payerId: "p-paused", amount: 12_000 })).toMatchObject({ voucherId: null, discount: 0, reason: "CAMPAIGN_NOT_ACTIVE" });
    expect(await statusOf("p-paused")).toEqual({ [voucher.voucherId]: "CLAIMED" });
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toEqual([]);
  });

  it("with a bad body is a ValidationError and records nothing", async () => {
    const transactionId = unique("t");
    const error: unknown = await recordPayment({ partnerId: PARTNER, body: { transactionId, amount: -1 } }, deps).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toBeUndefined();
  });
});

describe("a refund", () => {
  it("that arrives before its payment is recorded; the payment then gets TRANSACTION_REFUNDED and no discount", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-early", campaignId, "100-30");
    const transactionId = unique("t");

    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 0, remaining: 0 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => pay({ merchantId, payerId: "p-early", amount: 12_000, transactionId })));

    expect(answers[0]).toEqual({ transactionId, voucherId: null, discount: 0, payable: 12_000, reason: "TRANSACTION_REFUNDED" });
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(await statusOf("p-early")).toEqual({ [voucher.voucherId]: "CLAIMED" });
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toEqual([]);
    // The early refund named no amount: the whole payment stands refunded.
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 12_000, remaining: 0 });
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "REFUNDED_BEFORE_PAYMENT", answer: answers[0] });
  });

  it("delivered twice (and concurrently) reverses once: one reversal entry, the voucher VOID, the same answer", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-twice", campaignId, "100-30");
    const transactionId = unique("t");
    const paid = await pay({ merchantId, payerId: "p-twice", amount: 12_000, transactionId });

    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(transactionId, at(3_600_000))));
    const again = await refund(transactionId, at(7_200_000));

    for (const answer of [...answers, again]) expect(answer).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => [entry.kind, entry.discount])).toEqual([
      ["REDEMPTION", 3_000],
      ["REVERSAL", -3_000],
    ]);
    expect(ledger[1]).toMatchObject({ paymentOccurredAt: ledger[0]!.occurredAt, voucherId: voucher.voucherId });
    expect(await statusOf("p-twice")).toEqual({ [voucher.voucherId]: "VOID" });
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "REVERSED" });
    // The payment delivered again still gets its first answer, and nothing is applied.
    expect(await pay({ merchantId, payerId: "p-twice", amount: 12_000, transactionId })).toEqual(paid);
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toHaveLength(2);
  });

  it("under `restore` gives the voucher back while it is valid, so it can be used again", async () => {
    const campaignId = await campaign({ refundPolicy: "restore" });
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-restore", campaignId, "100-30");
    const first = unique("t");
    await pay({ merchantId, payerId: "p-restore", amount: 12_000, transactionId: first });

    expect(await refund(first, at(3_600_000))).toEqual({ transactionId: first, reversed: true, refunded: 12_000, remaining: 0 });
    expect(await statusOf("p-restore")).toEqual({ [voucher.voucherId]: "CLAIMED" });

    expect(await pay({ merchantId, payerId: "p-restore", amount: 12_000, occurredAt: at(7_200_000) })).toMatchObject({ voucherId: voucher.voucherId, discount: 3_000 });
    expect(await statusOf("p-restore")).toEqual({ [voucher.voucherId]: "REDEEMED" });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => entry.discount)).toEqual([3_000, -3_000, 3_000]);
  });

  it("under `restore` voids a voucher that has expired by the refund", async () => {
    const campaignId = await campaign({ refundPolicy: "restore" });
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-late-refund", campaignId, "100-30");
    const transactionId = unique("t");
    await pay({ merchantId, payerId: "p-late-refund", amount: 12_000, transactionId });

    expect(await refund(transactionId, at(8 * DAY))).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });

    expect(await statusOf("p-late-refund")).toEqual({ [voucher.voucherId]: "VOID" });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => entry.discount)).toEqual([3_000, -3_000]);
  });

  it("under `restore` voids a voucher whose refund, dated before the expiry, is reported after it", async () => {
    const campaignId = await campaign({ refundPolicy: "restore" });
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-late-report", campaignId, "100-30");
    const transactionId = unique("t");
    await pay({ merchantId, payerId: "p-late-report", amount: 12_000, transactionId });

    // The refund happened an hour later, but the partner reports it eight days on: nobody could spend the voucher now.
    const reportedLate = { ...deps, now: () => new Date(Date.now() + 8 * DAY) };
    expect(await recordRefund({ partnerId: PARTNER, body: { eventId: unique("e"), transactionId, occurredAt: at(3_600_000) } }, reportedLate)).toEqual({
      transactionId,
      reversed: true,
      refunded: 12_000,
      remaining: 0,
    });
    expect(await statusOf("p-late-report")).toEqual({ [voucher.voucherId]: "VOID" });
  });

  it("of a payment that got no discount reverses nothing, recorded, and answers the same again", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    await claim("p-nodiscount", campaignId, "100-30");
    const transactionId = unique("t");
    expect(await pay({ merchantId, payerId: "p-nodiscount", amount: 5_000, transactionId })).toMatchObject({ reason: "BELOW_THRESHOLD" });

    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 5_000, remaining: 0 });
    expect(await refund(transactionId)).toEqual({ transactionId, reversed: false, refunded: 5_000, remaining: 0 });
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "NO_DISCOUNT", refunded: 5_000 });
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toEqual([]);
  });

  it("racing its own payment either reverses the redemption or makes the payment TRANSACTION_REFUNDED, never neither", async () => {
    const campaignId = await campaign({ stock: 20 });
    const merchantId = await seedMerchant("APPROVED");
    for (let i = 0; i < 10; i += 1) {
      const payerId = `p-race-${i}`;
      const voucher = await claim(payerId, campaignId, "100-30");
      const transactionId = unique("t");
      const [paid, refunded] = await Promise.all([pay({ merchantId, payerId, amount: 12_000, transactionId }), refund(transactionId)]);
      if (refunded.reversed) {
        expect(paid).toMatchObject({ voucherId: voucher.voucherId, discount: 3_000 });
        expect(await statusOf(payerId)).toEqual({ [voucher.voucherId]: "VOID" });
      } else {
        expect(paid).toMatchObject({ voucherId: null, reason: "TRANSACTION_REFUNDED" });
        expect(await statusOf(payerId)).toEqual({ [voucher.voucherId]: "CLAIMED" });
      }
    }
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.reduce((sum, entry) => sum + entry.discount, 0)).toBe(0);
  });
});
