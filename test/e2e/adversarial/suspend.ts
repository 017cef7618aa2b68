/**
 * Concurrent suspend-and-pay over the local runtime's HTTP (issue 10, item 11): a partner posts
 * signed payments at a merchant while an operator suspends it. Payments sent after the
 * suspension answered get no discount; the redemptions that won the race (their merchant read
 * came first) are all in the merchant's statement, which the day's settlement run finishes HELD;
 * nothing is paid to the suspended merchant, and reconciliation balances to the fen.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../../infra/local/jwt.js";
import type { LocalRuntime } from "../../../infra/local/runtime.js";
import { reconciliationSchema, statementDetailSchema } from "../../../shared/api/settlement-schemas.js";
import { signPayload } from "../../../shared/domain/signature.js";
import { localDate, statementId } from "../../../shared/domain/settlement.js";
import { ClaimCaches, claimVoucher } from "../../../shared/use-cases/claim.js";
import { platform } from "../../../shared/wiring/platform.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../../integration/runtime-helpers.js";
import { seedCampaign } from "../../support/seed.js";

/** Registers this section's hooks and cases in the describe that calls it. */
export function suspendAndPay(): void {
  const { db } = testClients();
  let runtime: LocalRuntime;
  let operatorToken: string;
  let tables: Record<"campaigns" | "inventory" | "vouchers", string>;

  const ZONE = "Asia/Shanghai";
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    runtime = await startTestRuntime(platform, "adv-suspend");
    tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers"]);
    operatorToken = await signLocalToken({ sub: "op-suspend", operator: true, settings: TEST_JWT });
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${operatorToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
  }

  describe("concurrent suspend-and-pay over signed HTTP", () => {
    it("gives no discount after the suspension answered, holds every redemption that won the race, pays nothing, and balances", async () => {
      const PAYERS = 30;
      const campaignId = unique("adv");
      const merchantId = `${campaignId}-shop`;
      await seedCampaign(db, tables, {
        id: campaignId,
        startsAt: new Date(Date.now() - 5 * DAY).toISOString(),
        drops: [{ id: "d1", stock: { "100-30": PAYERS }, shards: 2, opensAt: new Date(Date.now() - 4 * DAY).toISOString(), closesAt: new Date(Date.now() + HOUR).toISOString() }],
      });
      const payers = Array.from({ length: PAYERS }, (_, i) => `${campaignId}-payer-${i}`);
      const claimedAt = new Date(Date.now() - DAY);
      const caches = new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 });
      for (const sub of payers) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, { db, tables, caches, now: () => claimedAt, random: Math.random });

      const partnerId = unique("bank");
      const registered = await call("POST", "/admin/partners", { id: partnerId, name: "Racing Bank" });
      expect(registered.status).toBe(201);
      const secret = String((registered.body as { signingSecret: string }).signingSecret);
      const signed = async (path: string, body: unknown) => {
        const raw = JSON.stringify(body);
        const response = await fetch(`${runtime.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-voucher-signature": signPayload(secret, Math.floor(Date.now() / 1000), raw) },
          body: raw,
        });
        return { status: response.status, body: (await response.json()) as { discount?: number; reason?: string; transactionId?: string } };
      };
      expect((await signed(`/partners/${partnerId}/merchants`, { id: merchantId, name: "店", sector: "restaurant" })).status).toBe(201);
      expect((await call("POST", `/admin/merchants/${merchantId}/approve`)).status).toBe(200);
      const pay = (payerId: string) =>
        signed(`/partners/${partnerId}/payments`, { eventId: unique("e"), transactionId: unique("t"), merchantId, payerId, amount: 10_200, occurredAt: new Date().toISOString() });

      // One payment before anything (so the statement has a redemption for certain), the next 19 a
      // few ms apart while the suspension is posted among them, the last 10 after it answered.
      const first = await pay(payers[0]!);
      expect(first.body).toMatchObject({ discount: 3_000 });
      const racing = payers.slice(1, 20).map(async (payerId, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 5));
        return pay(payerId);
      });
      await new Promise((resolve) => setTimeout(resolve, 40));
      const suspended = await call("POST", `/admin/merchants/${merchantId}/suspend`, { reason: "racing payments" });
      expect(suspended.status).toBe(200);
      const after = await Promise.all(payers.slice(20).map(pay));
      const raced = await Promise.all(racing);
      for (const answer of [...raced, ...after]) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      for (const answer of after) expect(answer.body).toMatchObject({ discount: 0, reason: "MERCHANT_NOT_APPROVED" });
      const discounted = [first, ...raced].filter((answer) => (answer.body.discount ?? 0) > 0);

      // The day's settlement: the statement holds every redemption that won, and is HELD.
      const period = localDate(new Date(), ZONE);
      const ran = await call("POST", "/admin/settlements/run", { period, campaignId });
      expect(ran.status, JSON.stringify(ran.body)).toBe(202);
      const held = await eventually(
        async () => {
          const answer = await call("GET", `/admin/settlements/${campaignId}/${merchantId}/${period}`);
          if (answer.status === 404) return undefined;
          const shown = statementDetailSchema.parse(answer.body);
          return shown.status === "BUILDING" ? undefined : shown;
        },
        45_000,
        `statement ${statementId(campaignId, merchantId, period)}`,
      );
      expect(held).toMatchObject({ status: "HELD", redemptionCount: discounted.length, payable: discounted.length * 3_000 });
      expect(held.redemptions.map((line) => line.transactionId).sort()).toEqual(discounted.map((answer) => answer.body.transactionId).sort());
      const books = reconciliationSchema.parse((await call("GET", `/admin/campaigns/${campaignId}/reconciliation`)).body);
      expect(books.problems).toEqual([]);
      expect(books).toMatchObject({ balanced: true, difference: 0, paid: 0 });
    }, 120_000);
  });
}
