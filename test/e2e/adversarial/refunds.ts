/**
 * A hostile partner's refunds over the local runtime's HTTP, signed for real: partial refunds,
 * refunds of more than remains, refunds dated before their payment, the same event again, odd
 * amounts and concurrent refunds. Each is answered with the contract's answer or error, changes
 * nothing else, and after each the campaign's books balance to the fen (invariant 6).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../../infra/local/jwt.js";
import type { LocalRuntime } from "../../../infra/local/runtime.js";
import { voucherSchema } from "../../../shared/api/schemas.js";
import { platform } from "../../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../../integration/runtime-helpers.js";
import { seedCampaign } from "../../support/seed.js";
import { asOperator, signedPost } from "../../support/http.js";

/** Registers this section's hooks and cases in the describe that calls it. */
export function hostileRefunds(): void {
  let runtime: LocalRuntime;
  const { db } = testClients();
  let secret: string;
  let campaignId: string;
  const partnerId = `bank-${randomUUID().slice(0, 6)}`;
  const merchantId = `shop-${randomUUID().slice(0, 6)}`;

  const operator = (method: string, path: string, body?: unknown) => asOperator(runtime.url, method, path, body);

  const signed = (path: string, body: unknown) => signedPost(runtime.url, path, body, secret);

  /** The books of the campaign balance to the fen: invariant 6 holds, whatever the partner sent. */
  async function expectBalanced(): Promise<void> {
    const books = await operator("GET", `/admin/campaigns/${campaignId}/reconciliation`);
    expect(books.status).toBe(200);
    expect(books.body).toMatchObject({ balanced: true, difference: 0, problems: [] });
  }

  /** A payer with a 满100减30 voucher pays ¥120 now: the discount applies. */
  async function redeemedPayment(): Promise<{ transactionId: string; occurredAt: string; payer: string }> {
    const payer = `payer-${randomUUID().slice(0, 6)}`;
    const token = await signLocalToken({ sub: payer, settings: TEST_JWT });
    const claimed = await fetch(`${runtime.url}/campaigns/${campaignId}/drops/d1/claims`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ voucherTypeId: "100-30" }),
    });
    expect(claimed.status).toBe(201);
    voucherSchema.parse(await claimed.json());
    const transactionId = `t-${randomUUID().slice(0, 8)}`;
    const occurredAt = new Date().toISOString();
    const paid = await signed(`/partners/${partnerId}/payments`, { eventId: randomUUID(), transactionId, merchantId, payerId: payer, amount: 12_000, occurredAt });
    expect(paid).toMatchObject({ status: 200, body: { discount: 3_000, payable: 9_000 } });
    return { transactionId, occurredAt, payer };
  }

  const refundAt = () => new Date(Date.now() + 1_000).toISOString();

  beforeAll(async () => {
    runtime = await startTestRuntime(platform, "adversarial-refunds");
    const partner = await operator("POST", "/admin/partners", { id: partnerId, name: "Hostile Bank", payoutUrl: "https://payouts.hostile-bank.example/v1" });
    expect(partner.status).toBe(201);
    secret = String(partner.body.signingSecret);
    expect((await signed(`/partners/${partnerId}/merchants`, { id: merchantId, name: "惠民超市", sector: "supermarket" })).status).toBe(201);
    expect((await operator("POST", `/admin/merchants/${merchantId}/approve`)).status).toBe(200);
    campaignId = `adv-${randomUUID().slice(0, 8)}`;
    const tables = { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name };
    await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 2, drops: [{ id: "d1", stock: { "100-30": 20 }, shards: 1 }] });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  describe("a hostile partner's refunds", () => {
    it("partial, duplicate, excessive, early-dated and final refunds: each answered by the contract, the discount reversed once, the books balanced after each", async () => {
      const { transactionId, occurredAt } = await redeemedPayment();
      const refund = (body: Record<string, unknown>) => signed(`/partners/${partnerId}/refunds`, { eventId: randomUUID(), transactionId, occurredAt: refundAt(), ...body });

      const partial = { eventId: randomUUID(), transactionId, occurredAt: refundAt(), amount: 1_500 };
      const first = await signed(`/partners/${partnerId}/refunds`, partial);
      expect(first).toEqual({ status: 200, body: { transactionId, reversed: false, refunded: 1_500, remaining: 10_500 } });
      await expectBalanced();

      // The same event again, even with another amount: the same answer, nothing more refunded.
      expect(await signed(`/partners/${partnerId}/refunds`, partial)).toEqual(first);
      expect(await signed(`/partners/${partnerId}/refunds`, { ...partial, amount: 9_999 })).toEqual(first);
      await expectBalanced();

      expect(await refund({ amount: 10_501 })).toMatchObject({ status: 400, body: { error: { code: "REFUND_EXCEEDS_PAYMENT" } } });
      expect(await refund({ occurredAt: new Date(Date.parse(occurredAt) - 1_000).toISOString() })).toMatchObject({ status: 400, body: { error: { code: "REFUND_BEFORE_PAYMENT" } } });
      expect(await refund({ amount: 0 })).toMatchObject({ status: 400, body: { error: { code: "AMOUNT_OUT_OF_RANGE" } } });
      expect(await refund({ amount: 10.5 })).toMatchObject({ status: 400, body: { error: { code: "VALIDATION_FAILED" } } });
      await expectBalanced();

      // What remains falls below the ¥100 threshold: reversed, once.
      expect(await refund({ amount: 1_000 })).toEqual({ status: 200, body: { transactionId, reversed: true, refunded: 2_500, remaining: 9_500 } });
      await expectBalanced();
      expect(await refund({})).toEqual({ status: 200, body: { transactionId, reversed: true, refunded: 12_000, remaining: 0 } });
      expect(await refund({})).toEqual({ status: 200, body: { transactionId, reversed: true, refunded: 12_000, remaining: 0 } });
      expect(await refund({ amount: 1 })).toMatchObject({ status: 400, body: { error: { code: "REFUND_EXCEEDS_PAYMENT" } } });
      await expectBalanced();
    });

    it("concurrent partial refunds of one payment are all counted, none twice; the books balance", async () => {
      const { transactionId } = await redeemedPayment();
      const answers = await Promise.all(
        [100, 200, 300, 400, 500].map((amount) => signed(`/partners/${partnerId}/refunds`, { eventId: randomUUID(), transactionId, occurredAt: refundAt(), amount })),
      );
      for (const answer of answers) expect(answer.status).toBe(200);
      expect(Math.max(...answers.map((answer) => Number(answer.body.refunded)))).toBe(1_500);
      expect(await signed(`/partners/${partnerId}/refunds`, { eventId: randomUUID(), transactionId, occurredAt: refundAt(), amount: 500 })).toEqual({
        status: 200,
        body: { transactionId, reversed: false, refunded: 2_000, remaining: 10_000 },
      });
      await expectBalanced();
    });
  });
}
