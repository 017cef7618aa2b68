/**
 * Fraud review over the local runtime's HTTP, as a partner and an operator drive it. Signed
 * payments at a merchant raise a flag through the redemptions stream; confirming it suspends the
 * merchant, so the next settlement run's statement is HELD; the named redemption that was already
 * paid is clawed back in the merchant's next statement after its reinstatement; the books balance
 * throughout. With forfeit, an auto-suspended merchant's HELD statement is FORFEITED and never
 * paid, even after reinstatement. The routes refuse residents, callers without a token, unknown
 * flags and campaigns, bad input, and decisions on flags that are not OPEN.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCall, documented, refusal } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { flagListSchema, flagSchema, fraudRulesSchema } from "../../shared/api/fraud-schemas.js";
import { auditListSchema, merchantListSchema } from "../../shared/api/registry-schemas.js";
import { gatewayMessageSchema } from "../../shared/api/schemas.js";
import { reconciliationSchema, statementDetailSchema } from "../../shared/api/settlement-schemas.js";
import { DEFAULT_FRAUD_CONFIG } from "../../shared/domain/fraud.js";
import { signPayload } from "../../shared/domain/signature.js";
import { localDate, previousPeriod, statementId } from "../../shared/domain/settlement.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { platform } from "../../shared/wiring/platform.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;
let residentToken: string;
let tables: Record<"campaigns" | "inventory" | "vouchers", string>;

const ZONE = "Asia/Shanghai";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const today = () => localDate(new Date(), ZONE);

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "fraud-e2e");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers"]);
  operatorToken = await signLocalToken({ sub: "op-fraud", operator: true, settings: TEST_JWT });
  residentToken = await signLocalToken({ sub: "resident-fraud", settings: TEST_JWT });
});

afterAll(async () => {
  await runtime?.stop();
});

const call = (method: string, path: string, options: { body?: unknown; token?: string | null } = {}) =>
  apiCall(runtime.url, method, path, { body: options.body, token: options.token === undefined ? operatorToken : options.token });



/** A partner (paid through the partner simulator) with its signing secret, and a merchant it signed up, approved by the operator. */
async function partnerWithMerchants(...merchantIds: string[]) {
  const partnerId = unique("bank");
  const registered = await call("POST", "/admin/partners", { body: { id: partnerId, name: "Fraud Bank" } });
  expect(registered.status).toBe(201);
  const secret = String((registered.body as { signingSecret: string }).signingSecret);
  const signed = async (path: string, body: unknown) => {
    const raw = JSON.stringify(body);
    const response = await fetch(`${runtime.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-voucher-signature": signPayload(secret, Math.floor(Date.now() / 1000), raw) },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  for (const merchantId of merchantIds) {
    expect((await signed(`/partners/${partnerId}/merchants`, { id: merchantId, name: `店 ${merchantId}`, sector: "restaurant" })).status).toBe(201);
    expect((await call("POST", `/admin/merchants/${merchantId}/approve`)).status).toBe(200);
  }
  const pay = async (merchantId: string, payerId: string, amount: number, occurredAt: string) => {
    const transactionId = unique("t");
    const answer = await signed(`/partners/${partnerId}/payments`, { eventId: unique("e"), transactionId, merchantId, payerId, amount, occurredAt });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return { transactionId, partnerId, answer: answer.body };
  };
  return { partnerId, pay };
}

/** A published campaign that began five days ago, with a drop open since four days ago. */
async function campaign() {
  const id = unique("fraud");
  await seedCampaign(db, tables, {
    id,
    perPersonLimit: 10,
    startsAt: new Date(Date.now() - 5 * DAY).toISOString(),
    drops: [{ id: "d1", stock: { "100-30": 40, "200-60": 10 }, shards: 1, opensAt: new Date(Date.now() - 4 * DAY).toISOString(), closesAt: new Date(Date.now() + HOUR).toISOString() }],
  });
  return id;
}

/** Vouchers claimed three days ago (valid seven days), so payments of the last two days can redeem them. */
async function claim(campaignId: string, sub: string, voucherTypeId: "100-30" | "200-60", count = 1) {
  const threeDaysAgo = new Date(Date.now() - 3 * DAY);
  const deps = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => threeDaysAgo, random: Math.random };
  for (let i = 0; i < count; i++) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId }, deps);
}

async function openFlag(campaignId: string, rule: string, transactions: number) {
  return eventually(
    async () => {
      const answer = await call("GET", `/admin/fraud/flags?campaignId=${campaignId}`);
      expect(answer.status).toBe(200);
      const list = documented(flagListSchema, answer.body);
      return list.items.find((flag) => flag.rule === rule && flag.evidence.transactions.length === transactions);
    },
    30_000,
    `an OPEN ${rule} flag with ${transactions} transactions`,
  );
}

async function statement(campaignId: string, merchantId: string, period: string, statuses: string[]) {
  return eventually(
    async () => {
      const answer = await call("GET", `/admin/settlements/${campaignId}/${merchantId}/${period}`);
      if (answer.status === 404) return undefined;
      const shown = documented(statementDetailSchema, answer.body);
      return statuses.includes(shown.status) ? shown : undefined;
    },
    45_000,
    `statement ${statementId(campaignId, merchantId, period)} ${statuses.join(" or ")}`,
  );
}

async function run(period: string, campaignId: string) {
  const ran = await call("POST", "/admin/settlements/run", { body: { period, campaignId } });
  expect(ran.status, JSON.stringify(ran.body)).toBe(202);
}

async function books(campaignId: string) {
  const answer = await call("GET", `/admin/campaigns/${campaignId}/reconciliation`);
  expect(answer.status).toBe(200);
  const reconciliation = documented(reconciliationSchema, answer.body);
  expect(reconciliation.problems).toEqual([]);
  expect(reconciliation).toMatchObject({ balanced: true, difference: 0 });
  return reconciliation;
}

async function trail(entity: string) {
  const answer = await call("GET", `/admin/audit?entity=${encodeURIComponent(entity)}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return auditListSchema.parse(answer.body).items;
}

const ref = (payment: { partnerId: string; transactionId: string }) => ({ partnerId: payment.partnerId, transactionId: payment.transactionId });
const sortRefs = <T extends { transactionId: string }>(list: readonly T[]) => [...list].sort((a, b) => a.transactionId.localeCompare(b.transactionId));

describe("confirming a flag", () => {
  it("suspends the merchant, holds its next statement, and claws back the paid redemption after reinstatement, with balanced books throughout", async () => {
    const campaignId = await campaign();
    const shop = `${campaignId}-shop`;
    const { partnerId, pay } = await partnerWithMerchants(shop);
    const d1 = previousPeriod(today());
    const d2 = previousPeriod(d1);
    await claim(campaignId, "ring-1", "100-30", 4);
    await claim(campaignId, "regular-1", "100-30");
    await claim(campaignId, "regular-2", "200-60");

    // A regular at lunch two days ago; a cash-out account late that evening and just after midnight.
    const regular = await pay(shop, "regular-1", 12_000, `${d2}T12:00:00+08:00`);
    const ring = [
      await pay(shop, "ring-1", 10_200, `${d2}T23:50:00+08:00`),
      await pay(shop, "ring-1", 10_100, `${d1}T00:05:00+08:00`),
      await pay(shop, "ring-1", 10_300, `${d1}T00:10:00+08:00`),
      await pay(shop, "ring-1", 10_050, `${d1}T00:15:00+08:00`),
    ];
    for (const payment of [regular, ...ring]) expect(payment.answer).toMatchObject({ discount: 3_000 });

    // The stream brings the payments to the detector: the fourth at one shop within a day is a hit.
    const flag = await openFlag(campaignId, "repeat-payer", 4);
    expect(flag).toMatchObject({ campaignId, merchantId: shop, payerId: "ring-1", severity: "medium", status: "OPEN", evidence: { redemptions: 4, windowHours: 24 } });
    expect(sortRefs(flag.evidence.transactions)).toEqual(sortRefs(ring.map(ref)));

    // Two days ago is settled and paid before anyone looks: the regular and the first ring payment.
    await run(d2, campaignId);
    const paidBefore = await statement(campaignId, shop, d2, ["PAID"]);
    expect(paidBefore).toMatchObject({ redemptionCount: 2, payable: 6_000, partnerId });
    await books(campaignId);

    const confirmed = await call("POST", `/admin/fraud/flags/${flag.id}/confirm`, { body: { reason: "cash-out ring" } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    const decided = documented(flagSchema, confirmed.body);
    expect(decided).toMatchObject({ id: flag.id, status: "CONFIRMED", decidedBy: "op-fraud", reason: "cash-out ring", forfeit: false });
    // The first ring payment was paid: clawed back. The other three are not paid yet: withheld.
    expect(decided.enforcement).toMatchObject({ forfeited: [], clawedBack: [ref(ring[0]!)], pending: [], notApplicable: [] });
    expect(sortRefs(decided.enforcement!.withheld)).toEqual(sortRefs(ring.slice(1).map(ref)));
    refusal(await call("POST", `/admin/fraud/flags/${flag.id}/confirm`, { body: { reason: "again" } }), 409, "INVALID_STATE");
    refusal(await call("POST", `/admin/fraud/flags/${flag.id}/dismiss`, { body: { reason: "changed my mind" } }), 409, "INVALID_STATE");
    const listed = documented(flagListSchema, (await call("GET", `/admin/fraud/flags?status=CONFIRMED&campaignId=${campaignId}`)).body);
    expect(listed.items.map((item) => item.id)).toEqual([flag.id]);
    expect(documented(flagListSchema, (await call("GET", `/admin/fraud/flags?campaignId=${campaignId}`)).body).items).toEqual([]);

    // The merchant is suspended, with the flag in its reason, and gets no discount (invariant 7).
    const suspended = documented(merchantListSchema, (await call("GET", "/admin/merchants?status=SUSPENDED&limit=100")).body).items.find((m) => m.id === shop);
    expect(suspended).toMatchObject({ status: "SUSPENDED", statusReason: `fraud flag ${flag.id}: cash-out ring` });
    expect((await pay(shop, "regular-2", 25_000, new Date().toISOString())).answer).toMatchObject({ discount: 0, reason: "MERCHANT_NOT_APPROVED" });

    // Yesterday's run: the rest of the ring is HELD, not paid.
    await run(d1, campaignId);
    const held = await statement(campaignId, shop, d1, ["HELD", "PENDING", "PAID"]);
    expect(held).toMatchObject({ status: "HELD", redemptionCount: 3, payable: 9_000 });
    expect(runtime.partnerSimulator.accepted.has(held.statementId)).toBe(false);
    // 15,000 redeemed; 6,000 paid; 9,000 held; the 3,000 clawback waits for the next statement.
    expect(await books(campaignId)).toMatchObject({ redeemed: 15_000, reversed: 3_000, inStatements: 15_000, unsettled: -3_000, paid: 6_000, statements: { PAID: 1, HELD: 1 } });

    // Reinstated (the operator decided to pay what was held): the held statement is paid.
    expect((await call("POST", `/admin/merchants/${shop}/reinstate`)).status).toBe(200);
    await statement(campaignId, shop, d1, ["PAID"]);
    // A new payment today, and today's run: the clawback comes off what the merchant is paid.
    const later = await pay(shop, "regular-2", 25_000, new Date().toISOString());
    expect(later.answer).toMatchObject({ discount: 6_000 });
    await run(today(), campaignId);
    const next = await statement(campaignId, shop, today(), ["PAID"]);
    expect(next).toMatchObject({ redemptionCount: 1, subsidy: 6_000, clawbackCount: 1, clawback: 3_000, net: 3_000, payable: 3_000 });
    expect(next.clawbacks).toEqual([expect.objectContaining({ ...ref(ring[0]!), discount: -3_000, flagId: flag.id, paymentOccurredAt: new Date(`${d2}T23:50:00+08:00`).toISOString() })]);
    expect(runtime.partnerSimulator.accepted.get(next.statementId)?.body).toMatchObject({ amount: 3_000 });
    expect(await books(campaignId)).toMatchObject({ redeemed: 21_000, reversed: 3_000, inStatements: 18_000, unsettled: 0, paid: 18_000, statements: { PAID: 3 } });

    // Attributable: the decision, the suspension and the clawback, each by the operator.
    expect((await trail(`FRAUD_FLAG#${flag.id}`)).map((entry) => [entry.action, entry.who])).toEqual([
      ["fraud.confirm", "op-fraud"],
      ["fraud.clawback", "op-fraud"],
    ]);
    expect((await trail(`MERCHANT#${shop}`)).map((entry) => [entry.action, entry.who, entry.reason])).toEqual([
      ["merchant.create", `partner:${partnerId}`, undefined],
      ["merchant.approve", "op-fraud", undefined],
      ["merchant.suspend", "op-fraud", `fraud flag ${flag.id}: cash-out ring`],
      ["merchant.reinstate", "op-fraud", undefined],
    ]);
  }, 180_000);

  it("with forfeit, has an auto-suspended merchant's HELD statement FORFEITED, never paid, even after reinstatement", async () => {
    const campaignId = await campaign();
    const shop = `${campaignId}-shop`;
    const { pay } = await partnerWithMerchants(shop);
    const d1 = previousPeriod(today());
    // The campaign's rules: repeat payers are high severity here, and high severity suspends at once.
    const rules = await call("PUT", `/admin/campaigns/${campaignId}/fraud-rules`, { body: { autoSuspend: true, rules: { "repeat-payer": { severity: "high" } } } });
    expect(rules.status, JSON.stringify(rules.body)).toBe(200);
    expect(documented(fraudRulesSchema, rules.body)).toMatchObject({ campaignId, source: "campaign", updatedBy: "op-fraud", config: { autoSuspend: true } });
    expect(documented(fraudRulesSchema, (await call("GET", `/admin/campaigns/${campaignId}/fraud-rules`)).body).config.rules["repeat-payer"]).toEqual({
      ...DEFAULT_FRAUD_CONFIG.rules["repeat-payer"],
      severity: "high",
    });
    await claim(campaignId, "ring-2", "100-30", 4);
    const ring = [];
    for (const minute of ["10", "20", "30", "40"]) ring.push(await pay(shop, "ring-2", 10_500, `${d1}T10:${minute}:00+08:00`));

    const flag = await openFlag(campaignId, "repeat-payer", 4);
    expect(flag).toMatchObject({ severity: "high", status: "OPEN" });
    const autoSuspended = await eventually(
      async () => {
        const found = documented(merchantListSchema, (await call("GET", "/admin/merchants?status=SUSPENDED&limit=100")).body).items.find((m) => m.id === shop);
        return found;
      },
      15_000,
      "the merchant auto-suspended",
    );
    expect(autoSuspended.statusReason).toBe(`fraud flag ${flag.id}: suspended automatically for a high-severity repeat-payer hit`);
    expect((await trail(`MERCHANT#${shop}`)).at(-1)).toMatchObject({ action: "merchant.suspend", who: "fraud-detector" });
    // The flag may have been read before the detector noted the suspension on it: read it again.
    const suspendedFlag = await eventually(
      async () => {
        const found = await openFlag(campaignId, "repeat-payer", 4);
        return found.autoSuspendedAt === undefined ? undefined : found;
      },
      15_000,
      "the flag to note the automatic suspension",
    );

    await run(d1, campaignId);
    const held = await statement(campaignId, shop, d1, ["HELD", "PENDING", "PAID"]);
    expect(held).toMatchObject({ status: "HELD", payable: 12_000 });

    const confirmed = await call("POST", `/admin/fraud/flags/${flag.id}/confirm`, { body: { reason: "cash-out ring", forfeit: true } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    const decided = documented(flagSchema, confirmed.body);
    expect(decided).toMatchObject({ status: "CONFIRMED", forfeit: true, autoSuspendedAt: suspendedFlag.autoSuspendedAt, enforcement: { forfeited: [held.statementId], clawedBack: [], pending: [] } });
    expect(sortRefs(decided.enforcement!.withheld)).toEqual(sortRefs(ring.map(ref)));
    const forfeited = documented(statementDetailSchema, (await call("GET", `/admin/settlements/${campaignId}/${shop}/${d1}`)).body);
    expect(forfeited).toMatchObject({ status: "FORFEITED", forfeitReason: `fraud flag ${flag.id}: cash-out ring`, payable: 12_000 });
    expect((await trail(`STATEMENT#${held.statementId}`)).map((entry) => [entry.action, entry.who, entry.before, entry.after])).toEqual([
      ["statement.forfeit", "op-fraud", { status: "HELD" }, { status: "FORFEITED" }],
    ]);
    expect((await trail(`FRAUD_FLAG#${flag.id}`)).map((entry) => entry.action)).toEqual(["fraud.auto-suspend", "fraud.confirm"]);

    // Enforcing again changes nothing; a reinstatement releases nothing forfeited.
    const enforced = await call("POST", `/admin/fraud/flags/${flag.id}/enforce`);
    expect(enforced.status).toBe(200);
    expect(documented(flagSchema, enforced.body).enforcement).toMatchObject({ forfeited: [held.statementId], clawedBack: [] });
    expect((await call("POST", `/admin/merchants/${shop}/reinstate`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(documented(statementDetailSchema, (await call("GET", `/admin/settlements/${campaignId}/${shop}/${d1}`)).body).status).toBe("FORFEITED");
    expect(runtime.partnerSimulator.accepted.has(held.statementId)).toBe(false);
    // A forfeited statement's net stays in the books, not in what was paid.
    expect(await books(campaignId)).toMatchObject({ redeemed: 12_000, inStatements: 12_000, unsettled: 0, paid: 0, statements: { FORFEITED: 1, HELD: 0, PAID: 0 } });
  }, 180_000);
});

describe("the fraud routes refuse", () => {
  const routes: [method: string, path: string, body?: unknown][] = [
    ["GET", "/admin/fraud/flags"],
    ["POST", "/admin/fraud/flags/flag-x/dismiss", { reason: "r" }],
    ["POST", "/admin/fraud/flags/flag-x/confirm", { reason: "r" }],
    ["POST", "/admin/fraud/flags/flag-x/enforce"],
    ["GET", "/admin/campaigns/c1/fraud-rules"],
    ["PUT", "/admin/campaigns/c1/fraud-rules", {}],
  ];

  it("residents (403) and callers without a valid token (401) on every route", async () => {
    for (const [method, path, body] of routes) {
      refusal(await call(method, path, { body, token: residentToken }), 403, "FORBIDDEN");
      for (const token of [null, "not-a-jwt"]) {
        const answer = await call(method, path, { body, token });
        expect(answer.status, `${method} ${path}`).toBe(401);
        gatewayMessageSchema.parse(answer.body);
      }
    }
  });

  it("unknown flags and campaigns with 404 NOT_FOUND", async () => {
    refusal(await call("POST", "/admin/fraud/flags/flag-none/dismiss", { body: { reason: "r" } }), 404, "NOT_FOUND");
    refusal(await call("POST", "/admin/fraud/flags/flag-none/confirm", { body: { reason: "r", forfeit: true } }), 404, "NOT_FOUND");
    refusal(await call("POST", "/admin/fraud/flags/flag-none/enforce"), 404, "NOT_FOUND");
    refusal(await call("GET", "/admin/campaigns/no-such-campaign/fraud-rules"), 404, "NOT_FOUND");
    refusal(await call("PUT", "/admin/campaigns/no-such-campaign/fraud-rules", { body: {} }), 404, "NOT_FOUND");
  });

  it("bad bodies, queries and paths with 400 VALIDATION_FAILED and the path at fault", async () => {
    const details = (answer: { status: number; body: unknown }) => refusal(answer, 400, "VALIDATION_FAILED").details;
    expect(details(await call("POST", "/admin/fraud/flags/flag-x/dismiss", { body: {} }))).toEqual([expect.objectContaining({ path: "reason" })]);
    expect(details(await call("POST", "/admin/fraud/flags/flag-x/dismiss", { body: { reason: "  " } }))).toEqual([expect.objectContaining({ path: "reason" })]);
    expect(details(await call("POST", "/admin/fraud/flags/flag-x/confirm", { body: { reason: "r", forfeit: "yes" } }))).toEqual([expect.objectContaining({ path: "forfeit" })]);
    expect(details(await call("POST", "/admin/fraud/flags/flag-x/confirm", { body: { reason: "r", extra: 1 } }))).toEqual([expect.objectContaining({ path: "" })]);
    expect(details(await call("POST", "/admin/fraud/flags/flag-x/confirm"))).toEqual([expect.objectContaining({ path: "" })]);
    expect(details(await call("POST", "/admin/fraud/flags/bad.id/confirm", { body: { reason: "r" } }))).toEqual([expect.objectContaining({ path: "id" })]);
    expect(details(await call("GET", "/admin/fraud/flags?status=MAYBE"))).toEqual([expect.objectContaining({ path: "status" })]);
    expect(details(await call("GET", "/admin/fraud/flags?limit=0"))).toEqual([expect.objectContaining({ path: "limit" })]);
    expect(details(await call("GET", "/admin/fraud/flags?campaignId=bad.id"))).toEqual([expect.objectContaining({ path: "campaignId" })]);
    refusal(await call("GET", "/admin/fraud/flags?nextToken=bm90LWEtdG9rZW4"), 400, "VALIDATION_FAILED");

    const campaignId = await campaign();
    expect(details(await call("PUT", `/admin/campaigns/${campaignId}/fraud-rules`, { body: { rules: { "repeat-payer": { maxRedemptions: 0 } } } }))).toEqual([
      expect.objectContaining({ path: "rules.repeat-payer.maxRedemptions" }),
    ]);
    expect(details(await call("PUT", `/admin/campaigns/${campaignId}/fraud-rules`, { body: { rules: { "no-such-rule": {} } } }))).toEqual([expect.objectContaining({ path: "rules" })]);
    // Nothing was stored: the campaign still runs on the defaults.
    expect(documented(fraudRulesSchema, (await call("GET", `/admin/campaigns/${campaignId}/fraud-rules`)).body)).toEqual({ campaignId, source: "default", config: DEFAULT_FRAUD_CONFIG });
    expect(details(await call("GET", "/admin/campaigns/bad.id/fraud-rules"))).toEqual([expect.objectContaining({ path: "id" })]);
  });
});
