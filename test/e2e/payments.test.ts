/**
 * Partner webhooks over the local runtime's HTTP, signed for real: a payment redeems the payer's
 * best voucher once however often it is delivered, a refund reverses it once, and a bad
 * signature changes nothing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asOperator, signedPost } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { voucherSchema, walletSchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";

let runtime: LocalRuntime;
const { db } = testClients();
let secret: string;
const partnerId = `bank-${randomUUID().slice(0, 6)}`;
const merchantId = `shop-${randomUUID().slice(0, 6)}`;

const operator = (method: string, path: string, body?: unknown) => asOperator(runtime.url, method, path, body);

const signed = (path: string, body: unknown, key = secret, at?: number) => signedPost(runtime.url, path, body, key, at);

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "payments-e2e");
  const partner = await operator("POST", "/admin/partners", { id: partnerId, name: "E2E Bank", payoutUrl: "https://payouts.e2e-bank.example/v1" });
  expect(partner.status).toBe(201);
  secret = String(partner.body.signingSecret);
  expect((await signed(`/partners/${partnerId}/merchants`, { id: merchantId, name: "惠民超市", sector: "supermarket" })).status).toBe(201);
  expect((await operator("POST", `/admin/merchants/${merchantId}/approve`)).status).toBe(200);
});

afterAll(async () => {
  await runtime?.stop();
});

describe("partner registration", () => {
  it("pays a partner registered without a payoutUrl through the local partner simulator", async () => {
    const registered = await operator("POST", "/admin/partners", { id: `sim-${randomUUID().slice(0, 6)}`, name: "Simulated Bank" });
    expect(registered.status).toBe(201);
    expect(registered.body.payoutUrl).toBe(runtime.partnerSimulator.payoutUrl);
  });
});

describe("partner webhooks", () => {
  it("redeem the best voucher once per transaction, and a refund reverses it once", async () => {
    const campaignId = `pay-${randomUUID().slice(0, 8)}`;
    const tables = { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name };
    await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 2, drops: [{ id: "d1", stock: { "100-30": 5, "200-60": 5 }, shards: 1 }] });
    const payer = `payer-${randomUUID().slice(0, 6)}`;
    const token = await signLocalToken({ sub: payer, settings: TEST_JWT });
    for (const voucherTypeId of ["100-30", "200-60"]) {
      const claimed = await fetch(`${runtime.url}/campaigns/${campaignId}/drops/d1/claims`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ voucherTypeId }),
      });
      expect(claimed.status).toBe(201);
      voucherSchema.parse(await claimed.json());
    }

    const payment = { eventId: randomUUID(), transactionId: `t-${randomUUID().slice(0, 8)}`, merchantId, payerId: payer, amount: 25_000, occurredAt: new Date().toISOString() };
    const answers = await Promise.all(Array.from({ length: 5 }, () => signed(`/partners/${partnerId}/payments`, payment)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(200);
    // The 满200减60 voucher is the best for 250 yuan.
    expect(answers[0]!.body).toMatchObject({ transactionId: payment.transactionId, discount: 6_000, payable: 19_000 });

    const wallet = walletSchema.parse(await (await fetch(`${runtime.url}/me/vouchers`, { headers: { authorization: `Bearer ${token}` } })).json());
    expect(wallet.items.filter((v) => v.status === "REDEEMED").map((v) => v.voucherTypeId)).toEqual(["200-60"]);

    const refund = { eventId: randomUUID(), transactionId: payment.transactionId, occurredAt: new Date().toISOString() };
    const first = await signed(`/partners/${partnerId}/refunds`, refund);
    const again = await signed(`/partners/${partnerId}/refunds`, refund);
    expect(first).toEqual({ status: 200, body: { transactionId: payment.transactionId, reversed: true, refunded: payment.amount, remaining: 0 } });
    expect(again).toEqual(first);
  });

  it("answers 401 to a missing, forged or stale signature, and applies nothing", async () => {
    const payment = { eventId: randomUUID(), transactionId: `t-${randomUUID().slice(0, 8)}`, merchantId, payerId: "nobody", amount: 25_000, occurredAt: new Date().toISOString() };
    const unsigned = await fetch(`${runtime.url}/partners/${partnerId}/payments`, { method: "POST", body: JSON.stringify(payment) });
    expect(unsigned.status).toBe(401);
    expect((await signed(`/partners/${partnerId}/payments`, payment, "not-the-secret")).status).toBe(401);
    expect((await signed(`/partners/${partnerId}/payments`, payment, secret, Math.floor(Date.now() / 1000) - 301)).status).toBe(401);
    // The same transaction id, now signed properly, is processed for the first time.
    const real = await signed(`/partners/${partnerId}/payments`, payment);
    expect(real.status).toBe(200);
    expect(real.body).toMatchObject({ voucherId: null, discount: 0, reason: "NO_ELIGIBLE_VOUCHER" });
  });
});
