/**
 * Payment and refund webhooks on DynamoDB Local, under real concurrency: a voucher is redeemed at
 * most once and a partner transaction applied at most once however its deliveries race; every
 * redemption and reversal has its ledger record, and the ledger's discounts are the answered ones.
 */
import { randomUUID } from "node:crypto";
import { ThrottlingException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { partnerTime } from "../support/settlement.js";
import type { Voucher } from "../../shared/domain/claim.js";
import { DomainError, ValidationError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDependencies, claimVoucher } from "../../shared/use-cases/claim.js";
import { localDate, previousPeriod } from "../../shared/domain/settlement.js";
import { reconcileCampaign } from "../../shared/use-cases/settlement-views.js";
import { runSettlement, settleStatement } from "../../shared/use-cases/settlement.js";
import type { SettlementMessage } from "../../shared/api/messages.js";
import { readLines } from "../../shared/store/statement-lines.js";
import { type PaymentDependencies, recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import type { PaymentAnswer, RefundAnswer } from "../../shared/api/payment-schemas.js";
import { answerPayment } from "../../functions/payments/record-payment.js";
import { answerRefund } from "../../functions/payments/record-refund.js";
import { partnerCall } from "../support/http-event.js";
import { campaignKey, merchantKey } from "../../shared/store/keys.js";
import { readLedger } from "../../shared/store/ledger.js";
import { redeem } from "../../shared/store/redemptions.js";
import { readTransaction } from "../../shared/store/transactions.js";
import { listVouchers, writeIssuedVoucher } from "../../shared/store/vouchers.js";
import { platform } from "../../shared/wiring/platform.js";
import type { TableDeclaration, Wiring } from "../../shared/wiring/types.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

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

let tables: PaymentDependencies["tables"] & { inventory: string; settlements: string };
let deps: PaymentDependencies;
let claims: ClaimDependencies;

beforeAll(async () => {
  const resources = await provisionTestResources(wiring, "payments");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "merchants", "redemptions", "settlements"]);
  // Transaction conflicts are expected under these races; give them room to resolve.
  deps = { db, tables, now: () => new Date(), retry: { attempts: 12, baseDelayMs: 5, maxDelayMs: 200 } };
  claims = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
});

// ---------------------------------------------------------------------------------------------

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

const at = partnerTime;

async function seedMerchant(status: "PENDING" | "APPROVED" | "SUSPENDED", sector = "supermarket"): Promise<string> {
  const id = unique("m");
  const now = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: tables.merchants,
      // Versioned, as the registry writes merchants: settlement and reconciliation read them whole.
      Item: { ...merchantKey(id), id, name: `Shop ${id}`, sector, partnerId: PARTNER, status, version: 1, createdAt: now, updatedAt: now },
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
  return claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId }, claims);
}

async function statusOf(sub: string): Promise<Record<string, string>> {
  return Object.fromEntries((await listVouchers(db, tables.vouchers, sub)).map((item) => [item.voucherId, item.status]));
}

/**
 * The webhooks' dependencies with the platform's clock `offsetMs` ahead of the real one: a partner
 * that reports a payment dated `at(offsetMs)` does so when our clock says so, since occurredAt may
 * lie at most 5 minutes after the moment we receive it.
 */
function receivedIn(offsetMs: number): PaymentDependencies {
  return { ...deps, now: () => new Date(Date.now() + offsetMs) };
}

/** The webhooks' dependencies with the platform's clock stopped at `instant`. */
function receivedAt(instant: Date): PaymentDependencies {
  return { ...deps, now: () => new Date(instant) };
}

function pay(
  body: { merchantId: string; payerId: string; amount: number; transactionId?: string; occurredAt?: string; voucherId?: string },
  with_: PaymentDependencies = deps,
) {
  const transactionId = body.transactionId ?? unique("t");
  // Through the handler's parsing, so a body it refuses (VALIDATION_FAILED) never reaches the use case.
  const call = partnerCall(PARTNER, "/partners/{partnerId}/payments", { eventId: unique("e"), occurredAt: at(), ...body, transactionId });
  return answerPayment(call, with_).then((reply) => reply.body as PaymentAnswer);
}

function refund(transactionId: string, occurredAt = at(), with_: PaymentDependencies = deps, amount?: number) {
  const call = partnerCall(PARTNER, "/partners/{partnerId}/refunds", { eventId: unique("e"), transactionId, occurredAt, ...(amount === undefined ? {} : { amount }) });
  return answerRefund(call, with_).then((reply) => reply.body as RefundAnswer);
}

/** What `error` is, as a domain error's code, or "none" when the call succeeded. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "none",
    (error: unknown) => (error instanceof DomainError ? error.code : `not a domain error: ${String(error)}`),
  );
}

// ---------------------------------------------------------------------------------------------

describe("a payment", () => {
  it("delivered 20 times at once redeems exactly once, and all 20 get the same answer", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-dup", campaignId, "100-30");
    const body = { eventId: "evt-1", transactionId: unique("t"), merchantId, payerId: "p-dup", amount: 12_000, occurredAt: at() };

    const answers = await Promise.all(Array.from({ length: 20 }, () => recordPayment({ partnerId: PARTNER, body }, deps)));

    expect(answers[0]).toEqual({ transactionId: body.transactionId, campaignId, voucherId: voucher.voucherId, discount: 3_000, payable: 9_000 });
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
    // Reported when it happened: 8 days on by the platform's clock too.
    const answer = await pay({ merchantId, payerId: "p-expired", amount: 12_000, occurredAt: at(8 * DAY) }, receivedIn(8 * DAY));

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
    const call = partnerCall(PARTNER, "/partners/{partnerId}/payments", { transactionId, amount: -1 });
    const error: unknown = await answerPayment(call, deps).catch((caught: unknown) => caught);
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

    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(transactionId, at(3_600_000), receivedIn(3_600_000))));
    const again = await refund(transactionId, at(7_200_000), receivedIn(7_200_000));

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

    expect(await refund(first, at(3_600_000), receivedIn(3_600_000))).toEqual({ transactionId: first, reversed: true, refunded: 12_000, remaining: 0 });
    expect(await statusOf("p-restore")).toEqual({ [voucher.voucherId]: "CLAIMED" });

    expect(await pay({ merchantId, payerId: "p-restore", amount: 12_000, occurredAt: at(7_200_000) }, receivedIn(7_200_000))).toMatchObject({ voucherId: voucher.voucherId, discount: 3_000 });
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

    expect(await refund(transactionId, at(8 * DAY), receivedIn(8 * DAY))).toEqual({ transactionId, reversed: true, refunded: 12_000, remaining: 0 });

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

// ---------------------------------------------------------------------------------------------
// The partner boundary (issue 10): clocks, amounts, and which voucher a redemption marks.

const MINUTE = 60_000;

/** `instant` truncated to the whole second and written with +08:00, as a partner's clock would send it. */
function wholeSecond(instant: string): string {
  const local = new Date(Math.floor(Date.parse(instant) / 1_000) * 1_000 + 8 * 3_600_000).toISOString();
  return `${local.slice(0, 19)}+08:00`;
}

/** Everything a payment could have written: its record, its ledger, the payer's vouchers. */
async function footprint(transactionId: string, campaignId: string, merchantId: string, payerId: string) {
  return {
    record: await readTransaction(db, tables.redemptions, PARTNER, transactionId),
    ledger: await readLedger(db, tables.redemptions, campaignId, merchantId),
    vouchers: await statusOf(payerId),
  };
}

describe("a partner's clock", () => {
  it("reporting payments in the second of their claim, truncated to whole seconds, gets the discount every time", async () => {
    const campaignId = await campaign({ stock: 40 });
    const merchantId = await seedMerchant("APPROVED");
    const payers = Array.from({ length: 30 }, (_, i) => `skew-${i}-${campaignId}`);
    const claimed = await Promise.all(payers.map((payerId) => claim(payerId, campaignId, "100-30")));

    // Most claims land some milliseconds into their second: the payment's whole second is before claimedAt.
    const answers = await Promise.all(
      payers.map((payerId, i) => pay({ merchantId, payerId, amount: 12_000, occurredAt: wholeSecond(claimed[i]!.claimedAt) })),
    );

    expect(claimed.filter((voucher) => Date.parse(voucher.claimedAt) % 1_000 !== 0).length).toBeGreaterThan(0);
    for (const [i, answer] of answers.entries()) {
      expect(answer).toMatchObject({ voucherId: claimed[i]!.voucherId, discount: 3_000, payable: 9_000 });
    }
    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toHaveLength(payers.length);
  });

  it("5 minutes behind ours still lets a payment use a voucher claimed after its occurredAt, but not 5 minutes and 1 second", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const early = await claim("p-behind-1", campaignId, "100-30");
    const late = await claim("p-behind-2", campaignId, "100-30");
    const fiveMinutesBefore = (instant: string, extraMs = 0) => new Date(Date.parse(instant) - 5 * MINUTE - extraMs).toISOString();

    expect(await pay({ merchantId, payerId: "p-behind-1", amount: 12_000, occurredAt: fiveMinutesBefore(early.claimedAt) })).toMatchObject({
      voucherId: early.voucherId,
      discount: 3_000,
    });
    expect(await pay({ merchantId, payerId: "p-behind-2", amount: 12_000, occurredAt: fiveMinutesBefore(late.claimedAt, 1_000) })).toMatchObject({
      voucherId: null,
      reason: "NO_ELIGIBLE_VOUCHER",
    });
    expect(await statusOf("p-behind-2")).toEqual({ [late.voucherId]: "CLAIMED" });
  });

  it("5 minutes ahead of ours is accepted for a payment and a refund", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-ahead", campaignId, "100-30");
    const received = new Date();
    const transactionId = unique("t");
    const fiveMinutesAhead = new Date(received.getTime() + 5 * MINUTE).toISOString();

    expect(await pay({ merchantId, payerId: "p-ahead", amount: 12_000, transactionId, occurredAt: fiveMinutesAhead }, receivedAt(received))).toMatchObject({
      voucherId: voucher.voucherId,
      discount: 3_000,
    });
    expect(await refund(transactionId, fiveMinutesAhead, receivedAt(received))).toMatchObject({ transactionId, reversed: true });
    expect((await readLedger(db, tables.redemptions, campaignId, merchantId)).map((entry) => entry.discount)).toEqual([3_000, -3_000]);
  });

  it("more than 5 minutes ahead of ours is OCCURRED_IN_FUTURE for a payment, and nothing is written", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-future", campaignId, "100-30");
    const received = new Date();
    const transactionId = unique("t");

    for (const occurredAt of [new Date(received.getTime() + 5 * MINUTE + 1_000).toISOString(), "2099-01-01T00:00:00+08:00"]) {
      expect(await codeOf(pay({ merchantId, payerId: "p-future", amount: 12_000, transactionId, occurredAt }, receivedAt(received)))).toBe("OCCURRED_IN_FUTURE");
    }
    expect(await footprint(transactionId, campaignId, merchantId, "p-future")).toEqual({ record: undefined, ledger: [], vouchers: { [voucher.voucherId]: "CLAIMED" } });
  });

  it("more than 5 minutes ahead of ours is OCCURRED_IN_FUTURE for a refund, and the redemption stands", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-future-refund", campaignId, "100-30");
    const transactionId = unique("t");
    const paid = await pay({ merchantId, payerId: "p-future-refund", amount: 12_000, transactionId });
    const received = new Date();
    const unknown = unique("t");

    for (const occurredAt of [new Date(received.getTime() + 5 * MINUTE + 1_000).toISOString(), "2099-01-01T00:00:00+08:00"]) {
      expect(await codeOf(refund(transactionId, occurredAt, receivedAt(received)))).toBe("OCCURRED_IN_FUTURE");
      // Nor is a refund that comes before its payment recorded.
      expect(await codeOf(refund(unknown, occurredAt, receivedAt(received)))).toBe("OCCURRED_IN_FUTURE");
    }
    const after = await footprint(transactionId, campaignId, merchantId, "p-future-refund");
    expect(after.record).toMatchObject({ status: "REDEEMED", answer: paid });
    expect(after.record).not.toHaveProperty("refund");
    expect(after.ledger.map((entry) => entry.kind)).toEqual(["REDEMPTION"]);
    expect(after.vouchers).toEqual({ [voucher.voucherId]: "REDEEMED" });
    expect(await readTransaction(db, tables.redemptions, PARTNER, unknown)).toBeUndefined();
  });
});

describe("a partner's amount", () => {
  it.each([
    [0, "AMOUNT_OUT_OF_RANGE"],
    [-1, "AMOUNT_OUT_OF_RANGE"],
    [100_000_001, "AMOUNT_OUT_OF_RANGE"],
    [5e15, "AMOUNT_OUT_OF_RANGE"],
    [1e20, "AMOUNT_OUT_OF_RANGE"],
    [1.5, "VALIDATION_FAILED"],
    [12_000.5, "VALIDATION_FAILED"],
  ])("of %s in a payment is %s, and nothing is written", async (amount, code) => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const payerId = unique("p-amount");
    const voucher = await claim(payerId, campaignId, "100-30");
    const transactionId = unique("t");

    expect(await codeOf(pay({ merchantId, payerId, amount, transactionId }))).toBe(code);
    expect(await footprint(transactionId, campaignId, merchantId, payerId)).toEqual({ record: undefined, ledger: [], vouchers: { [voucher.voucherId]: "CLAIMED" } });
  });

  it("of exactly ¥1,000,000 (100,000,000 fen) is accepted", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-max", campaignId, "200-60");
    expect(await pay({ merchantId, payerId: "p-max", amount: 100_000_000 })).toMatchObject({ voucherId: voucher.voucherId, discount: 6_000, payable: 99_994_000 });
  });

  it("follows the configured maximum (VOUCHERS_MAX_PARTNER_AMOUNT), for payments and refunds", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const voucher = await claim("p-configured", campaignId, "100-30");
    const capped: PaymentDependencies = { ...deps, maxPartnerAmount: 50_000 };
    const refused = unique("t");

    expect(await codeOf(pay({ merchantId, payerId: "p-configured", amount: 50_001, transactionId: refused }, capped))).toBe("AMOUNT_OUT_OF_RANGE");
    expect(await readTransaction(db, tables.redemptions, PARTNER, refused)).toBeUndefined();
    const transactionId = unique("t");
    expect(await pay({ merchantId, payerId: "p-configured", amount: 50_000, transactionId }, capped)).toMatchObject({ voucherId: voucher.voucherId, discount: 3_000 });
    expect(await codeOf(refund(transactionId, at(), capped, 50_001))).toBe("AMOUNT_OUT_OF_RANGE");
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ status: "REDEEMED" });
  });

  it.each([
    [0, "AMOUNT_OUT_OF_RANGE"],
    [-1, "AMOUNT_OUT_OF_RANGE"],
    [100_000_001, "AMOUNT_OUT_OF_RANGE"],
    [5e15, "AMOUNT_OUT_OF_RANGE"],
    [1.5, "VALIDATION_FAILED"],
  ])("of %s in a refund is %s, and the redemption stands", async (amount, code) => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const payerId = unique("p-refund-amount");
    const voucher = await claim(payerId, campaignId, "100-30");
    const transactionId = unique("t");
    await pay({ merchantId, payerId, amount: 12_000, transactionId });

    expect(await codeOf(refund(transactionId, at(), deps, amount))).toBe(code);
    const after = await footprint(transactionId, campaignId, merchantId, payerId);
    expect(after.record).toMatchObject({ status: "REDEEMED" });
    expect(after.ledger.map((entry) => entry.kind)).toEqual(["REDEMPTION"]);
    expect(after.vouchers).toEqual({ [voucher.voucherId]: "REDEEMED" });
  });
});

describe("vouchers of two campaigns sharing one voucherId", () => {
  /** A voucher written as the claim path writes it (counter and item), with the id and claim time given. */
  async function putVoucher(owner: string, campaignId: string, voucherTypeId: "100-30" | "200-60", voucherId: string, claimedAt: number): Promise<void> {
    const [threshold, discount] = voucherTypeId === "100-30" ? [10_000, 3_000] : [20_000, 6_000];
    const voucher: Voucher = {
      voucherId,
      campaignId,
      dropId: "d1",
      voucherTypeId,
      threshold,
      discount,
      claimedAt: new Date(claimedAt).toISOString(),
      expiresAt: new Date(claimedAt + 7 * DAY).toISOString(),
      status: "CLAIMED",
    };
    expect(await writeIssuedVoucher(db, tables.vouchers, { residentId: owner, perPersonLimit: 2, voucher, shard: 0, attempt: `seed-${voucher.campaignId}` })).toMatchObject({ outcome: "issued" });
  }

  it("redeem the one chosen (campaign B's, the only one that applies), never its namesake in campaign A", async () => {
    // A: restaurants only, 满200减60, claimed first. B: supermarkets too, 满100减30, claimed later.
    const campaignA = unique("c-a");
    await seedCampaign(db, tables, { id: campaignA, sectors: ["restaurant"], perPersonLimit: 2, drops: [{ id: "d1", stock: { "200-60": 5 }, shards: 1 }] });
    const campaignB = await campaign();
    const merchantId = await seedMerchant("APPROVED", "supermarket");
    const payerId = unique("p-collide");
    const voucherId = unique("v-shared");
    await putVoucher(payerId, campaignA, "200-60", voucherId, Date.now() - 2 * 3_600_000);
    await putVoucher(payerId, campaignB, "100-30", voucherId, Date.now() - 3_600_000);
    const transactionId = unique("t");

    const answer = await pay({ merchantId, payerId, amount: 15_000, transactionId });

    expect(answer).toEqual({ transactionId, campaignId: campaignB, voucherId, discount: 3_000, payable: 12_000 });
    const wallet = await listVouchers(db, tables.vouchers, payerId);
    expect(wallet.map((item) => [item.campaignId, item.status]).sort()).toEqual([
      [campaignA, "CLAIMED"],
      [campaignB, "REDEEMED"],
    ].sort());
    expect(await readTransaction(db, tables.redemptions, PARTNER, transactionId)).toMatchObject({ campaignId: campaignB, discount: 3_000, voucher: { voucherTypeId: "100-30" } });
    expect(await readLedger(db, tables.redemptions, campaignA, merchantId)).toEqual([]);
    expect(await readLedger(db, tables.redemptions, campaignB, merchantId)).toMatchObject([{ kind: "REDEMPTION", voucherId, discount: 3_000, threshold: 10_000 }]);
  });

  it("the redeem write refuses a voucher that is not as chosen (other figures under the same key), writing nothing", async () => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const payerId = unique("p-figures");
    await claim(payerId, campaignId, "100-30");
    const [stored] = await listVouchers(db, tables.vouchers, payerId);
    const transactionId = unique("t");
    const payment = { partnerId: PARTNER, transactionId, eventId: unique("e"), merchantId, payerId, amount: 25_000, occurredAt: new Date().toISOString(), recordedAt: new Date().toISOString() };

    for (const chosen of [
      { ...stored!, discount: 6_000 },
      { ...stored!, threshold: 20_000 },
      { ...stored!, campaignId: unique("c-other") },
    ]) {
      const answer = { transactionId, campaignId: chosen.campaignId, voucherId: chosen.voucherId, discount: chosen.discount, payable: 25_000 - chosen.discount };
      expect(await redeem(db, tables, { payment, benefit: { kind: "voucher", voucher: chosen }, answer })).toEqual({ outcome: "voucher-taken" });
    }
    expect(await footprint(transactionId, campaignId, merchantId, payerId)).toEqual({ record: undefined, ledger: [], vouchers: { [stored!.voucherId]: "CLAIMED" } });
  });
});

describe("invariant 6 under hostile dates (issue 10, item 3)", () => {
  it("after future-dated and far-past payments and refunds and a settlement run, the books balance and every accepted reversal is in a statement", async () => {
    // The platform's clock stands at noon yesterday in Shanghai for every webhook; settlement runs a day later.
    const period = previousPeriod(localDate(new Date(), "Asia/Shanghai"));
    const noon = Date.parse(`${period}T12:00:00+08:00`);
    const iso = (ms: number) => new Date(ms).toISOString();
    const campaignId = unique("c-dates");
    await seedCampaign(db, tables, {
      id: campaignId,
      perPersonLimit: 2,
      startsAt: iso(noon - 2 * DAY),
      endsAt: iso(noon + 30 * DAY),
      drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 1, opensAt: iso(noon - 3_600_000), closesAt: iso(noon + 3_600_000) }],
    });
    const merchantId = await seedMerchant("APPROVED");
    const atNoon = receivedAt(new Date(noon));
    const claimAtNoon = { ...claims, now: () => new Date(noon) };
    const payers = Array.from({ length: 5 }, (_, i) => `dates-${i}-${campaignId}`);
    for (const sub of payers) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, claimAtNoon);
    const paid = async (payerId: string, occurredAt = iso(noon)) => {
      const transactionId = unique("t");
      const answer = await pay({ merchantId, payerId, amount: 12_000, transactionId, occurredAt }, atNoon);
      return { transactionId, answer };
    };
    const reversals: string[] = [];
    const refundAt = async (transactionId: string, occurredAt: string) => {
      const answer: unknown = await refund(transactionId, occurredAt, atNoon).catch((error: unknown) => error);
      if (!(answer instanceof Error) && (answer as { reversed: boolean }).reversed) reversals.push(transactionId);
      return answer;
    };

    // A refund 4 min 59 s ahead of our clock: accepted, its reversal dated then.
    const a = await paid(payers[0]!);
    expect(a.answer.discount).toBe(3_000);
    expect(await refundAt(a.transactionId, iso(noon + 5 * MINUTE - 1_000))).toMatchObject({ transactionId: a.transactionId, reversed: true, remaining: 0 });
    // Refunds 5 min + 1 s ahead and in 2099: refused, the redemption stands (and is settled as one).
    const b = await paid(payers[1]!);
    for (const occurredAt of [iso(noon + 5 * MINUTE + 1_000), "2099-12-31T23:59:59+08:00"]) {
      expect(await refundAt(b.transactionId, occurredAt)).toMatchObject({ code: "OCCURRED_IN_FUTURE" });
    }
    // A payment dated 2099: refused; one dated 2020: before any claim, so no discount, and its refund reverses nothing.
    expect(await codeOf(paid(payers[2]!, "2099-01-01T00:00:00+08:00"))).toBe("OCCURRED_IN_FUTURE");
    const c = await paid(payers[2]!, "2020-01-01T00:00:00+08:00");
    expect(c.answer).toMatchObject({ discount: 0, reason: "NO_ELIGIBLE_VOUCHER" });
    expect(await refundAt(c.transactionId, "2020-01-01T00:10:00+08:00")).toMatchObject({ transactionId: c.transactionId, reversed: false, remaining: 0 });
    // A refund dated years before its payment: refused (REFUND_BEFORE_PAYMENT); the books still balance.
    const d = await paid(payers[3]!);
    expect(await refundAt(d.transactionId, "2020-01-01T00:00:00+08:00")).toMatchObject({ code: "REFUND_BEFORE_PAYMENT" });
    // Refunds of unknown transactions: 2099 refused, 2020 recorded without a reversal.
    expect(await refundAt(unique("t"), "2099-01-01T00:00:00+08:00")).toMatchObject({ code: "OCCURRED_IN_FUTURE" });
    expect(await refundAt(unique("t"), "2020-06-01T00:00:00+08:00")).toMatchObject({ reversed: false });
    // One plain redemption besides.
    expect((await paid(payers[4]!)).answer.discount).toBe(3_000);

    const dayLater = () => new Date(noon + DAY);
    const messages: SettlementMessage[] = [];
    await runSettlement({ db, tables, now: dayLater, period, campaignId, operator: "op-dates", send: (batch) => Promise.resolve(void messages.push(...batch)) });
    expect(messages.map((message) => message.merchantId)).toEqual([merchantId]);
    for (const message of messages) await settleStatement({ db, tables, now: dayLater, message, sendPayout: () => Promise.resolve() });

    const books = await reconcileCampaign({ db, tables, campaignId });
    expect(books).toMatchObject({ balanced: true, difference: 0, unsettled: 0, problems: [] });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.filter((entry) => entry.statementId === undefined)).toEqual([]);
    expect(ledger.filter((entry) => entry.kind === "REVERSAL").map((entry) => entry.transactionId).sort()).toEqual([...reversals].sort());
    expect(ledger.filter((entry) => entry.kind === "REVERSAL").every((entry) => Date.parse(entry.occurredAt) < noon + DAY)).toBe(true);
    // The merchant is charged back every accepted reversal in the period's statement.
    const lines = await readLines(db, tables.settlements, { campaignId, merchantId, period });
    expect(lines.records.filter((line) => line.kind === "REVERSAL").map((line) => line.transactionId).sort()).toEqual([...reversals].sort());
    expect(books.inStatements).toBe(4 * 3_000 - reversals.length * 3_000);
  });
});

describe("a redemption whose commit answer is lost", () => {
  /** A client that lets the first TransactWriteItems commit and then fails it with `error`. */
  function losingFirstCommit(error: Error): DynamoDBDocumentClient {
    let lost = false;
    return {
      send: async (command: unknown) => {
        const result: unknown = await db.send(command as never);
        if (!lost && command instanceof TransactWriteCommand) {
          lost = true;
          throw error;
        }
        return result;
      },
    } as unknown as DynamoDBDocumentClient;
  }

  // Throttling reaches the use case only after the SDK's own tries (which resend the committed
  // transaction with its token), so it is not tried again: 429, and the partner delivers again.
  it.each([
    ["a network error (the delivery fails; the partner delivers again)", () => Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), { message: "socket hang up" }],
    ["throttling to the end (429 THROTTLED; the partner delivers again)", () => new ThrottlingException({ message: "Rate exceeded", $metadata: {} }), { code: "THROTTLED", status: 429 }],
  ])("after %s answers what was committed, and applies it once", async (_, error, firstFailure) => {
    const campaignId = await campaign();
    const merchantId = await seedMerchant("APPROVED");
    const payerId = unique("p-lost");
    const voucher = await claim(payerId, campaignId, "100-30");
    const body = { eventId: unique("e"), transactionId: unique("t"), merchantId, payerId, amount: 12_000, occurredAt: at() };
    const committed = { transactionId: body.transactionId, campaignId, voucherId: voucher.voucherId, discount: 3_000, payable: 9_000 };

    const first = await recordPayment({ partnerId: PARTNER, body }, { ...deps, db: losingFirstCommit(error()) }).then(
      (answer) => answer,
      (caught: unknown) => caught,
    );
    expect(first).toMatchObject(firstFailure);
    expect(await recordPayment({ partnerId: PARTNER, body }, deps)).toEqual(committed);

    expect(await readLedger(db, tables.redemptions, campaignId, merchantId)).toHaveLength(1);
    expect(await statusOf(payerId)).toEqual({ [voucher.voucherId]: "REDEEMED" });
    expect(await readTransaction(db, tables.redemptions, PARTNER, body.transactionId)).toMatchObject({ status: "REDEEMED", answer: committed });
  });
});
