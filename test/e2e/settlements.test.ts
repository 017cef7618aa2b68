/**
 * Settlement over the local runtime's HTTP, as an operator drives it: a run of yesterday settles
 * seeded ledger records into one statement per merchant, paid through the partner simulator;
 * the statements are listed a page at a time and read one by one; the campaign's books balance;
 * a failed payout is retried; and the routes refuse bad input, unknown statements, residents and
 * callers without a token. Ledger records are seeded with the store's own keys (test/support):
 * the signed payment path that writes them is covered by payments.test.ts.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCall, documented, refusal } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import {
  reconciliationSchema,
  settlementRunSchema,
  statementDetailSchema,
  statementListSchema,
  statementSchema,
} from "../../shared/api/settlement-schemas.js";
import { gatewayMessageSchema } from "../../shared/api/schemas.js";
import { localDate, previousPeriod, startOfPeriod, statementId } from "../../shared/domain/settlement.js";
import { recordPayoutFailure } from "../../shared/use-cases/settlement.js";
import type { LedgerRecord } from "../../shared/domain/ledger.js";
import { platform } from "../../shared/wiring/platform.js";
import type * as z from "../../shared/zod.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";
import { ledgerRecord, seedLedger, seedMerchant, seedPartner } from "../support/settlement.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;
let residentToken: string;
let tables: Record<"campaigns" | "inventory" | "redemptions" | "settlements" | "merchants" | "partners", string>;

const ZONE = "Asia/Shanghai";
const DAY = 86_400_000;
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const today = () => localDate(new Date(), ZONE);

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "settlements-e2e");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "redemptions", "settlements", "merchants", "partners"]);
  operatorToken = await signLocalToken({ sub: "op-settle", operator: true, settings: TEST_JWT });
  residentToken = await signLocalToken({ sub: "resident-settle", settings: TEST_JWT });
});

afterAll(async () => {
  await runtime?.stop();
});

const call = (method: string, path: string, options: { body?: unknown; token?: string | null } = {}) =>
  apiCall(runtime.url, method, path, { body: options.body, token: options.token === undefined ? operatorToken : options.token });



/** Every page of a period's statements, `limit` at a time. */
async function allPages(period: string, limit: number) {
  const pages: z.infer<typeof statementListSchema>[] = [];
  let nextToken: string | undefined;
  do {
    const answer = await call("GET", `/admin/settlements?period=${period}&limit=${limit}${nextToken ? `&nextToken=${nextToken}` : ""}`);
    expect(answer.status).toBe(200);
    const page = documented(statementListSchema, answer.body);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken && pages.length < 20);
  expect(nextToken).toBeUndefined();
  return pages;
}

const line = (record: LedgerRecord) => ({
  partnerId: record.partnerId,
  transactionId: record.transactionId,
  voucherId: record.voucherId,
  payerId: record.payerId,
  amount: record.amount,
  discount: record.discount,
  occurredAt: record.occurredAt,
  recordedAt: record.recordedAt,
  ...(record.kind === "REVERSAL" ? { paymentOccurredAt: record.paymentOccurredAt, eventId: record.eventId } : {}),
});
const byTransaction = (a: { transactionId: string }, b: { transactionId: string }) => a.transactionId.localeCompare(b.transactionId);

describe("a day's settlement over HTTP", () => {
  it("runs yesterday, pays every merchant through its partner, lists and shows the statements, and balances", async () => {
    const yesterday = previousPeriod(today());
    const campaignId = unique("settle");
    const partnerId = unique("bank");
    await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 5 * DAY).toISOString() });
    await seedPartner(db, tables.partners, { id: partnerId, payoutUrl: runtime.partnerSimulator.payoutUrl });
    const [m1, m2, m3] = ["a", "b", "c"].map((suffix) => `${campaignId}-${suffix}`) as [string, string, string];
    for (const merchantId of [m1, m2, m3]) await seedMerchant(db, tables.merchants, { id: merchantId, partnerId });

    const at = (time: string) => `${yesterday}T${time}+08:00`;
    const record = (merchantId: string, spec: Partial<Parameters<typeof ledgerRecord>[0]> & { occurredAt: string }) =>
      ledgerRecord({ campaignId, merchantId, partnerId, ...spec });
    // m1: three redemptions, one refunded the same day (a reversal its statement holds with it).
    const refunded = record(m1, { occurredAt: at("09:00:00"), transactionId: unique("t") });
    const m1Redemptions = [refunded, record(m1, { occurredAt: at("10:30:00") }), record(m1, { occurredAt: at("23:59:59") })];
    const m1Reversal = record(m1, {
      kind: "REVERSAL",
      transactionId: refunded.transactionId,
      occurredAt: at("11:00:00"),
      paymentOccurredAt: at("09:00:00"),
    });
    // m2: two 满200减60 redemptions; m3: one redemption just after the day began.
    const m2Redemptions = [0, 1].map((i) => record(m2, { occurredAt: at(`1${i}:00:00`), discount: 6_000, amount: 25_000 }));
    const m3Redemptions = [record(m3, { occurredAt: at("00:00:00") })];
    // Today's record is not yesterday's: it stays unsettled.
    const later = record(m3, { occurredAt: `${today()}T00:00:01+08:00` });
    await seedLedger(db, tables.redemptions, [...m1Redemptions, m1Reversal, ...m2Redemptions, ...m3Redemptions, later]);

    const ran = await call("POST", "/admin/settlements/run", { body: { period: yesterday } });
    expect(ran.status, JSON.stringify(ran.body)).toBe(202);
    expect(documented(settlementRunSchema, ran.body)).toEqual({
      period: yesterday,
      runs: [{ campaignId, period: yesterday, cutoff: startOfPeriod(today(), ZONE).toISOString(), firstRun: true, pairs: 3 }],
    });

    const paid = await eventually(
      async () => {
        const answer = await call("GET", `/admin/settlements?period=${yesterday}`);
        const list = statementListSchema.parse(answer.body);
        return list.items.length === 3 && list.items.every((statement) => statement.status === "PAID") ? list : undefined;
      },
      60_000,
      "three PAID statements",
    );
    expect(paid.nextToken).toBeUndefined();
    const expected = {
      [m1]: { redemptionCount: 2, subsidy: 6_000, grossSales: 24_000, cancelledCount: 1, clawback: 0, net: 6_000, payable: 6_000 },
      [m2]: { redemptionCount: 2, subsidy: 12_000, grossSales: 50_000, cancelledCount: 0, clawback: 0, net: 12_000, payable: 12_000 },
      [m3]: { redemptionCount: 1, subsidy: 3_000, grossSales: 12_000, cancelledCount: 0, clawback: 0, net: 3_000, payable: 3_000 },
    };
    // By campaign, then merchant.
    expect(paid.items.map((statement) => statement.merchantId)).toEqual([m1, m2, m3]);
    for (const statement of paid.items) {
      expect(statement).toMatchObject({
        statementId: statementId(campaignId, statement.merchantId, yesterday),
        campaignId,
        merchantId: statement.merchantId,
        period: yesterday,
        status: "PAID",
        partnerId,
        carriedIn: 0,
        ...expected[statement.merchantId],
      });
      expect(runtime.partnerSimulator.accepted.get(statement.statementId)?.body).toEqual({
        statementId: statement.statementId,
        campaignId,
        merchantId: statement.merchantId,
        period: yesterday,
        amount: expected[statement.merchantId]!.payable,
        currency: "CNY",
      });
      expect(statement.payoutId).toBe(runtime.partnerSimulator.accepted.get(statement.statementId)?.payoutId);
    }

    // A page at a time: the same statements, in the same order.
    const pages = await allPages(yesterday, 1);
    expect(pages.flatMap((page) => page.items)).toEqual(paid.items);
    expect(pages[0]!.items).toHaveLength(1);
    expect(pages[0]!.nextToken).toBeDefined();
    // A page token is for its period only, and only one this API issued.
    refusal(await call("GET", `/admin/settlements?period=${today()}&nextToken=${pages[0]!.nextToken!}`), 400, "VALIDATION_FAILED");
    refusal(await call("GET", `/admin/settlements?period=${yesterday}&nextToken=bm90LWEtdG9rZW4`), 400, "VALIDATION_FAILED");
    refusal(await call("GET", `/admin/settlements?period=${yesterday}&limit=0`), 400, "VALIDATION_FAILED");
    // Another day has nothing.
    expect(documented(statementListSchema, (await call("GET", `/admin/settlements?period=${previousPeriod(yesterday)}`)).body)).toEqual({ items: [] });

    // One statement, with exactly the records seeded for it.
    const shown = await call("GET", `/admin/settlements/${campaignId}/${m1}/${yesterday}`);
    expect(shown.status).toBe(200);
    const m1Statement = documented(statementDetailSchema, shown.body);
    expect(m1Statement).toMatchObject({ ...paid.items[0], carried: [] });
    expect([...m1Statement.redemptions].sort(byTransaction)).toEqual(m1Redemptions.map(line).sort(byTransaction));
    expect(m1Statement.reversals).toEqual([line(m1Reversal)]);
    expect(m1Statement.reversals[0]!.discount).toBe(-3_000);
    const m2Statement = documented(statementDetailSchema, (await call("GET", `/admin/settlements/${campaignId}/${m2}/${yesterday}`)).body);
    expect([...m2Statement.redemptions].sort(byTransaction)).toEqual(m2Redemptions.map(line).sort(byTransaction));
    expect(m2Statement.reversals).toEqual([]);
    const m3Statement = documented(statementDetailSchema, (await call("GET", `/admin/settlements/${campaignId}/${m3}/${yesterday}`)).body);
    expect(m3Statement.redemptions).toEqual(m3Redemptions.map(line));

    // The books: every fen redeemed is in a statement or, for today's record, still unsettled.
    const reconciled = await call("GET", `/admin/campaigns/${campaignId}/reconciliation`);
    expect(reconciled.status).toBe(200);
    expect(documented(reconciliationSchema, reconciled.body)).toMatchObject({
      campaignId,
      balanced: true,
      difference: 0,
      problems: [],
      redeemed: 3 * 3_000 + 2 * 6_000 + 3_000 + 3_000,
      reversed: 3_000,
      inStatements: 21_000,
      unsettled: 3_000,
      paid: 21_000,
      records: 8,
      statements: { BUILDING: 0, PENDING: 0, PAID: 3, HELD: 0, FAILED: 0, CARRIED: 0 },
    });

    // Running the day again settles nothing twice; only a FAILED payout can be retried.
    const again = await call("POST", "/admin/settlements/run", { body: { period: yesterday, campaignId } });
    expect(again.status).toBe(202);
    expect(documented(settlementRunSchema, again.body).runs).toEqual([expect.objectContaining({ campaignId, firstRun: false, pairs: 0 })]);
    const retried = refusal(await call("POST", `/admin/settlements/${campaignId}/${m2}/${yesterday}/retry-payout`), 409, "INVALID_STATE");
    expect(retried.message).toContain("PAID");
    expect(documented(statementDetailSchema, (await call("GET", `/admin/settlements/${campaignId}/${m2}/${yesterday}`)).body).status).toBe("PAID");
  }, 90_000);

  it("retries a payout that gave up once the partner answers again, and pays it once", async () => {
    const yesterday = previousPeriod(today());
    const campaignId = unique("retry");
    const partnerId = unique("bank");
    const merchantId = `${campaignId}-shop`;
    await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 5 * DAY).toISOString() });
    await seedPartner(db, tables.partners, { id: partnerId, payoutUrl: runtime.partnerSimulator.payoutUrl });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId });
    await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, partnerId, occurredAt: `${yesterday}T15:00:00+08:00` })]);
    const path = `/admin/settlements/${campaignId}/${merchantId}/${yesterday}`;
    const id = statementId(campaignId, merchantId, yesterday);

    runtime.partnerSimulator.configure({ failShare: 1 });
    try {
      const ran = await call("POST", "/admin/settlements/run", { body: { period: yesterday, campaignId } });
      expect(ran.status).toBe(202);
      expect(documented(settlementRunSchema, ran.body).runs).toEqual([expect.objectContaining({ campaignId, firstRun: true, pairs: 1 })]);
      const failing = await eventually(
        async () => {
          // 404 until the worker has created the statement.
          const answer = await call("GET", path);
          if (answer.status === 404) return undefined;
          const statement = statementDetailSchema.parse(answer.body);
          return statement.status === "PENDING" && (statement.payoutAttempts ?? 0) > 0 ? statement : undefined;
        },
        30_000,
        "a payout attempt that failed",
      );
      expect(failing.lastPayoutError).toContain("503");
      // SQS gives up after maxReceiveCount deliveries (minutes here); the payouts DLQ's handler then records FAILED.
      expect(await recordPayoutFailure({ db, tables, now: () => new Date(), message: { campaignId, merchantId, period: yesterday } })).toMatchObject({
        status: "FAILED",
        failedNow: true,
      });
    } finally {
      runtime.partnerSimulator.configure({ failShare: 0 });
    }
    const failed = documented(statementDetailSchema, (await call("GET", path)).body);
    expect(failed.status).toBe("FAILED");
    expect(failed.lastPayoutError).toContain("503");
    expect(runtime.partnerSimulator.accepted.has(id)).toBe(false);

    refusal(await call("POST", `${path}/retry-payout`, { token: residentToken }), 403, "FORBIDDEN");
    const retried = await call("POST", `${path}/retry-payout`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect(documented(statementSchema, retried.body)).toMatchObject({ statementId: id, status: "PENDING" });
    const paid = await eventually(
      async () => {
        const statement = statementDetailSchema.parse((await call("GET", path)).body);
        return statement.status === "PAID" ? statement : undefined;
      },
      30_000,
      "the retried payout to be PAID",
    );
    expect(paid.payoutId).toBe(runtime.partnerSimulator.accepted.get(id)?.payoutId);
    expect(runtime.partnerSimulator.accepted.get(id)?.body).toMatchObject({ statementId: id, amount: 3_000 });
    refusal(await call("POST", `${path}/retry-payout`), 409, "INVALID_STATE");
    // The retry is attributable (invariant 8): the statement's audit trail names the operator.
    const trail = await call("GET", `/admin/audit?entity=${encodeURIComponent(`STATEMENT#${id}`)}`);
    expect(trail.status, JSON.stringify(trail.body)).toBe(200);
    expect((trail.body as { items: { action: string; who: string; before?: unknown; after?: unknown }[] }).items).toEqual([
      expect.objectContaining({ action: "statement.retry-payout", who: "op-settle", before: { status: "FAILED" }, after: { status: "PENDING" } }),
    ]);
    expect(documented(reconciliationSchema, (await call("GET", `/admin/campaigns/${campaignId}/reconciliation`)).body)).toMatchObject({
      balanced: true,
      difference: 0,
      paid: 3_000,
      statements: { PAID: 1, FAILED: 0, PENDING: 0 },
    });
  }, 90_000);
});

describe("the settlement routes refuse", () => {
  const period = "2026-01-15";
  const routes: [method: string, path: string, body?: unknown][] = [
    ["POST", "/admin/settlements/run", { period }],
    ["GET", `/admin/settlements?period=${period}`],
    ["GET", `/admin/settlements/c1/m1/${period}`],
    ["POST", `/admin/settlements/c1/m1/${period}/retry-payout`],
    ["GET", "/admin/campaigns/c1/reconciliation"],
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

  it("a malformed, missing or not yet begun period, and a malformed path, with VALIDATION_FAILED and the path at fault", async () => {
    // Something for the not-begun check to find: a published campaign.
    await seedCampaign(db, tables, { id: unique("future"), drops: [] });
    const details = (answer: { status: number; body: unknown }) => refusal(answer, 400, "VALIDATION_FAILED").details;

    expect(details(await call("POST", "/admin/settlements/run", { body: { period: "2026-13-01" } }))).toEqual([expect.objectContaining({ path: "period" })]);
    expect(details(await call("POST", "/admin/settlements/run", { body: {} }))).toEqual([expect.objectContaining({ path: "period" })]);
    const extra = details(await call("POST", "/admin/settlements/run", { body: { period: "2026-01-15", extra: 1 } }));
    expect(extra).toEqual([expect.objectContaining({ path: "" })]);
    expect(JSON.stringify(extra)).toContain("extra");
    expect(details(await call("POST", "/admin/settlements/run"))).toEqual([expect.objectContaining({ path: "" })]);
    const future = `${Number(today().slice(0, 4)) + 50}-01-01`;
    expect(details(await call("POST", "/admin/settlements/run", { body: { period: future } }))).toEqual([
      { path: "period", message: `${future} has not begun in any time zone` },
    ]);
    expect(details(await call("POST", "/admin/settlements/run", { body: { period: "2026-01-15", campaignId: "no-such-campaign" } }))).toEqual([
      expect.objectContaining({ path: "campaignId" }),
    ]);

    expect(details(await call("GET", "/admin/settlements"))).toEqual([expect.objectContaining({ path: "period" })]);
    expect(details(await call("GET", "/admin/settlements?period=2026-13-01"))).toEqual([expect.objectContaining({ path: "period" })]);

    for (const suffix of ["", "/retry-payout"]) {
      const method = suffix === "" ? "GET" : "POST";
      expect(details(await call(method, `/admin/settlements/c1/m1/2026-13-01${suffix}`))).toEqual([expect.objectContaining({ path: "period" })]);
      expect(details(await call(method, `/admin/settlements/c1/m1/yesterday${suffix}`))).toEqual([expect.objectContaining({ path: "period" })]);
      expect(details(await call(method, `/admin/settlements/bad.id/m1/2026-01-15${suffix}`))).toEqual([expect.objectContaining({ path: "campaignId" })]);
      expect(details(await call(method, `/admin/settlements/c1/${"m".repeat(65)}/2026-01-15${suffix}`))).toEqual([
        expect.objectContaining({ path: "merchantId" }),
      ]);
    }
    expect(details(await call("GET", "/admin/campaigns/bad.id/reconciliation"))).toEqual([expect.objectContaining({ path: "id" })]);
  });

  it("an unknown statement or campaign with 404 NOT_FOUND", async () => {
    const yesterday = previousPeriod(today());
    refusal(await call("GET", `/admin/settlements/no-campaign/no-merchant/${yesterday}`), 404, "NOT_FOUND");
    refusal(await call("POST", `/admin/settlements/no-campaign/no-merchant/${yesterday}/retry-payout`), 404, "NOT_FOUND");
    refusal(await call("GET", "/admin/campaigns/no-campaign/reconciliation"), 404, "NOT_FOUND");
  });
});
