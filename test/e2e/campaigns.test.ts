/**
 * The campaign routes over the local runtime's HTTP, as the operator console and residents call
 * them: the lifecycle, the operator check on every /admin route, and the error bodies.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { campaignDetailSchema, campaignListSchema, campaignViewSchema, errorBodySchema, voucherSchema, walletSchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { FIXTURE_BUDGET, FIXTURE_COMMITTED, campaignInput, extraDrop } from "../fixtures/campaigns.js";
import { TEST_JWT, startTestRuntime, tableNamesOf, testClients } from "../integration/runtime-helpers.js";
import { InstantCaches } from "../../shared/use-cases/instant-discounts.js";
import { recordPayment } from "../../shared/use-cases/payments.js";
import { seedMerchant } from "../support/settlement.js";

let runtime: LocalRuntime;
let operatorToken: string;
let residentToken: string;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "campaigns-e2e");
  operatorToken = await signLocalToken({ sub: "op-bob", operator: true, settings: TEST_JWT });
  residentToken = await signLocalToken({ sub: "alice", settings: TEST_JWT });
});

afterAll(async () => {
  await runtime?.stop();
});

async function call(method: string, path: string, options: { body?: unknown; token?: string } = {}) {
  const token = options.token ?? operatorToken;
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** The error body of a response, checked against the one error shape. */
function errorOf(response: { body: unknown }) {
  return errorBodySchema.parse(response.body).error;
}

describe("a campaign's life over HTTP", () => {
  it("is created, published, paused, resumed, read with its stock, and listed publicly (drafts never)", async () => {
    const created = await call("POST", "/admin/campaigns", { body: campaignInput("e2e-life") });
    expect(created.status).toBe(201);
    expect(campaignViewSchema.parse(created.body)).toMatchObject({ id: "e2e-life", status: "DRAFT" });
    expect((await call("POST", "/admin/campaigns", { body: campaignInput("e2e-draft") })).status).toBe(201);

    const published = await call("POST", "/admin/campaigns/e2e-life/publish");
    expect(published.status).toBe(200);
    expect(campaignViewSchema.parse(published.body).status).toBe("PUBLISHED");
    expect(campaignViewSchema.parse((await call("POST", "/admin/campaigns/e2e-life/pause")).body).status).toBe("PAUSED");
    expect(campaignViewSchema.parse((await call("POST", "/admin/campaigns/e2e-life/resume")).body).status).toBe("PUBLISHED");

    const read = await call("GET", "/admin/campaigns/e2e-life");
    expect(read.status).toBe(200);
    const detail = campaignDetailSchema.parse(read.body);
    expect(detail.drops.map((drop) => [drop.id, drop.shardCounts, drop.remaining])).toEqual([
      ["d1", { "100-30": 4, "200-60": 4 }, { "100-30": 101, "200-60": 50 }],
      ["d2", { "100-30": 2 }, { "100-30": 11 }],
    ]);

    const added = await call("POST", "/admin/campaigns/e2e-life/drops", { body: extraDrop("d3", 10) });
    expect(added.status).toBe(200);
    expect(campaignViewSchema.parse(added.body).drops.map((drop) => drop.id)).toEqual(["d1", "d2", "d3"]);

    // Public: no token at all.
    const listed = await fetch(`${runtime.url}/campaigns`);
    expect(listed.status).toBe(200);
    const list = campaignListSchema.parse(await listed.json());
    expect(list.items.map((item) => item.id)).toEqual(["e2e-life"]);
    expect(list.items[0]?.drops.map((drop) => drop.id)).toEqual(["d1", "d2", "d3"]);
  });
});

describe("the operator check", () => {
  it("answers 403 FORBIDDEN to a resident's token on every /admin route", async () => {
    const adminRoutes = platform.routes.filter((route) => route.path.startsWith("/admin/"));
    expect(adminRoutes.length).toBeGreaterThanOrEqual(7);
    for (const route of adminRoutes) {
      const path = route.path.replace(/\{[^}]+\}/g, "e2e-any");
      const body = route.method === "GET" ? undefined : campaignInput("e2e-any");
      const response = await call(route.method, path, { token: residentToken, body });
      expect(response.status, `${route.method} ${route.path}`).toBe(403);
      expect(errorOf(response).code).toBe("FORBIDDEN");
    }
  });
});

describe("error bodies", () => {
  it("400 lists every zod issue with its path", async () => {
    const input = campaignInput("e2e-bad");
    const response = await call("POST", "/admin/campaigns", {
      body: { ...input, perPersonLimit: 0, voucherTypes: [{ id: "100-30", threshold: 3_000, discount: 3_000, validDays: 7 }], surprise: 1 },
    });
    expect(response.status).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe("VALIDATION_FAILED");
    const paths = (error.details as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["perPersonLimit", "voucherTypes.0.discount", "drops.0.stock.200-60"]));
  });

  it("400 BUDGET_EXCEEDED carries the figures, on create and on a new drop", async () => {
    const tooSmall = await call("POST", "/admin/campaigns", { body: campaignInput("e2e-poor", { budget: 600_000 }) });
    expect(tooSmall.status).toBe(400);
    expect(errorOf(tooSmall)).toMatchObject({ code: "BUDGET_EXCEEDED", details: { budget: 600_000, committed: FIXTURE_COMMITTED, excess: FIXTURE_COMMITTED - 600_000 } });

    await call("POST", "/admin/campaigns", { body: campaignInput("e2e-budget") });
    await call("POST", "/admin/campaigns/e2e-budget/publish");
    const over = await call("POST", "/admin/campaigns/e2e-budget/drops", { body: extraDrop("big", 200) });
    expect(over.status).toBe(400);
    const committed = FIXTURE_COMMITTED + 200 * 3_000;
    expect(errorOf(over)).toMatchObject({ code: "BUDGET_EXCEEDED", details: { budget: FIXTURE_BUDGET, committed, excess: committed - FIXTURE_BUDGET } });
  });

  it("400 refuses a voucher type whose validUntil comes before a drop stocking it closes, on create, replace and a new drop", async () => {
    // 200-60 valid until 1 March 11:00, but d1 (which stocks it) closes at 12:00: claims between would issue expired vouchers.
    const weekly = { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 };
    const dated = [weekly, { id: "200-60", threshold: 20_000, discount: 6_000, validUntil: "2030-03-01T11:00:00+08:00" }];
    const created = await call("POST", "/admin/campaigns", { body: campaignInput("e2e-expired-type", { voucherTypes: dated }) });
    expect(created.status).toBe(400);
    expect(errorOf(created).code).toBe("VALIDATION_FAILED");
    expect((errorOf(created).details as { path: string }[]).map((issue) => issue.path)).toContain("drops.0.stock.200-60");

    expect((await call("POST", "/admin/campaigns", { body: campaignInput("e2e-expired-type") })).status).toBe(201);
    const replaced = await call("PUT", "/admin/campaigns/e2e-expired-type", { body: campaignInput("e2e-expired-type", { voucherTypes: dated }) });
    expect(replaced.status).toBe(400);
    expect(errorOf(replaced).code).toBe("VALIDATION_FAILED");

    // Valid until the end of d1's close: accepted; a new drop of that type in April is not.
    const fitting = [weekly, { id: "200-60", threshold: 20_000, discount: 6_000, validUntil: "2030-03-01T12:00:00+08:00" }];
    expect((await call("PUT", "/admin/campaigns/e2e-expired-type", { body: campaignInput("e2e-expired-type", { voucherTypes: fitting }) })).status).toBe(200);
    expect((await call("POST", "/admin/campaigns/e2e-expired-type/publish")).status).toBe(200);
    const late = await call("POST", "/admin/campaigns/e2e-expired-type/drops", { body: { ...extraDrop("april", 5), stock: { "200-60": 5 } } });
    expect(late.status).toBe(400);
    const error = errorOf(late);
    expect(error.code).toBe("VALIDATION_FAILED");
    const issues = error.details as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(["stock.200-60"]);
    expect(issues[0]?.message).toContain("must be valid at least until the drop closes");
    const detail = campaignDetailSchema.parse((await call("GET", "/admin/campaigns/e2e-expired-type")).body);
    expect(detail.drops.map((drop) => drop.id)).toEqual(["d1", "d2"]);
  });

  it("404 NOT_FOUND for an unknown campaign, on every route that names one", async () => {
    for (const [method, path] of [
      ["GET", "/admin/campaigns/e2e-nobody"],
      ["POST", "/admin/campaigns/e2e-nobody/publish"],
      ["POST", "/admin/campaigns/e2e-nobody/pause"],
    ] as const) {
      const response = await call(method, path);
      expect(response.status, path).toBe(404);
      expect(errorOf(response).code).toBe("NOT_FOUND");
    }
  });

  it("409 ALREADY_EXISTS, NOT_DRAFT and INVALID_STATE", async () => {
    expect((await call("POST", "/admin/campaigns", { body: campaignInput("e2e-conflicts") })).status).toBe(201);
    const twice = await call("POST", "/admin/campaigns", { body: campaignInput("e2e-conflicts") });
    expect(twice.status).toBe(409);
    expect(errorOf(twice).code).toBe("ALREADY_EXISTS");

    const resumeDraft = await call("POST", "/admin/campaigns/e2e-conflicts/resume");
    expect(resumeDraft.status).toBe(409);
    expect(errorOf(resumeDraft).code).toBe("INVALID_STATE");

    await call("POST", "/admin/campaigns/e2e-conflicts/publish");
    const replace = await call("PUT", "/admin/campaigns/e2e-conflicts", { body: campaignInput("e2e-conflicts", { name: "late" }) });
    expect(replace.status).toBe(409);
    expect(errorOf(replace)).toMatchObject({ code: "NOT_DRAFT" });
  });
});

describe("from a new campaign to a resident's wallet, over HTTP", () => {
  it("is created and published by an operator, claimed by residents, and stopped by a pause", async () => {
    const now = Date.now();
    const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
    const input = campaignInput("e2e-open-now", {
      startsAt: iso(-86_400_000),
      endsAt: iso(30 * 86_400_000),
      perPersonLimit: 1,
      drops: [{ id: "now", opensAt: iso(-60_000), closesAt: iso(3_600_000), stock: { "100-30": 3 }, shards: 2 }],
    });
    expect((await call("POST", "/admin/campaigns", { body: input })).status).toBe(201);
    // A draft takes no claims.
    const claimPath = "/campaigns/e2e-open-now/drops/now/claims";
    expect(errorOf(await call("POST", claimPath, { body: { voucherTypeId: "100-30" }, token: residentToken })).code).toBe("NOT_FOUND");
    expect((await call("POST", "/admin/campaigns/e2e-open-now/publish")).status).toBe(200);
    // Claim instances read a campaign at most once a second, so they see the publish within one.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const claimed = await call("POST", claimPath, { body: { voucherTypeId: "100-30" }, token: residentToken });
    expect(claimed.status).toBe(201);
    const voucher = voucherSchema.parse(claimed.body);
    const wallet = walletSchema.parse((await call("GET", "/me/vouchers", { token: residentToken })).body);
    expect(wallet.items.map((v) => v.voucherId)).toContain(voucher.voucherId);
    expect(errorOf(await call("POST", claimPath, { body: { voucherTypeId: "100-30" }, token: residentToken })).code).toBe("LIMIT_REACHED");

    const detail = campaignDetailSchema.parse((await call("GET", "/admin/campaigns/e2e-open-now")).body);
    expect(detail.drops[0]?.remaining).toEqual({ "100-30": 2 });

    expect((await call("POST", "/admin/campaigns/e2e-open-now/pause")).status).toBe(200);
    // Instances cache the campaign for a second: after that, the pause holds everywhere.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const carol = await signLocalToken({ sub: "carol", settings: TEST_JWT });
    const refused = await call("POST", claimPath, { body: { voucherTypeId: "100-30" }, token: carol });
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: "DROP_NOT_OPEN", message: expect.stringMatching(/paused/) as string });
  });
});

describe("an instant discount's use on GET /admin/campaigns/{id}", () => {
  it("shows used, remaining and usedToday per instant discount, counted from the payments that took it", async () => {
    const now = Date.now();
    const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
    const id = `e2e-instant-${randomUUID().slice(0, 8)}`;
    // A partner of its own, listed by the discounts, so no other payment meets them.
    const partnerId = `bank-${id}`;
    const tiers = [
      { threshold: 10_000, discount: 2_000 },
      { threshold: 30_000, discount: 6_000 },
    ];
    const input = campaignInput(id, {
      startsAt: iso(-86_400_000),
      endsAt: iso(30 * 86_400_000),
      drops: [{ id: "now", opensAt: iso(-60_000), closesAt: iso(3_600_000), stock: { "100-30": 3 }, shards: 1 }],
      instantDiscounts: [
        { id: "swipe", tiers, quota: { total: 5 }, partners: [partnerId] },
        { id: "capped", tiers: [{ threshold: 50_000, discount: 8_000 }], quota: { total: 4, daily: 2 }, partners: [partnerId] },
      ],
    });
    expect((await call("POST", "/admin/campaigns", { body: input })).status).toBe(201);
    const before = campaignDetailSchema.parse((await call("GET", `/admin/campaigns/${id}`)).body);
    expect(before.instantDiscounts?.map(({ id, used, remaining, usedToday }) => ({ id, used, remaining, usedToday }))).toEqual([
      { id: "swipe", used: 0, remaining: 5, usedToday: 0 },
      { id: "capped", used: 0, remaining: 4, usedToday: 0 },
    ]);
    expect((await call("POST", `/admin/campaigns/${id}/publish`)).status).toBe(200);

    const { db } = testClients();
    const tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "merchants", "redemptions"]);
    const merchantId = `m-${id}`;
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId, sector: "supermarket" });
    const deps = { db, tables, now: () => new Date(), instantCaches: new InstantCaches({ campaignIdsTtlMs: 0, soldOutTtlMs: 0 }) };
    const pay = (amount: number) =>
      recordPayment(
        { partnerId, body: { eventId: randomUUID(), transactionId: randomUUID(), merchantId, payerId: `card-${randomUUID()}`, amount, occurredAt: new Date().toISOString() } },
        deps,
      );
    // Two payments take "swipe" (20 or 60 off); three of 600 yuan take "capped" (80 off, the larger) until its daily quota of 2 is gone, then "swipe" serves the third.
    const answers = [await pay(12_000), await pay(35_000), await pay(60_000), await pay(60_000), await pay(60_000)];
    expect(answers.map((answer) => ("instantDiscountId" in answer ? answer.instantDiscountId : "reason" in answer ? answer.reason : answer.voucherId))).toEqual(["swipe", "swipe", "capped", "capped", "swipe"]);

    const read = await call("GET", `/admin/campaigns/${id}`);
    expect(read.status).toBe(200);
    const detail = campaignDetailSchema.parse(read.body);
    expect(detail.instantDiscounts).toEqual([
      { id: "swipe", tiers, quota: { total: 5 }, partners: [partnerId], used: 3, remaining: 2, usedToday: 3 },
      { id: "capped", tiers: [{ threshold: 50_000, discount: 8_000 }], quota: { total: 4, daily: 2 }, partners: [partnerId], used: 2, remaining: 2, usedToday: 2 },
    ]);
    // The public view carries the definition only.
    const listed = campaignListSchema.parse(await (await fetch(`${runtime.url}/campaigns`)).json());
    expect(listed.items.find((item) => item.id === id)?.instantDiscounts?.[0]).not.toHaveProperty("used");
  });
});

describe("the audit trail of campaigns", () => {
  it("records every operator write of a campaign: who, when and what", async () => {
    const id = `e2e-audited-${Date.now().toString(36)}`;
    expect((await call("POST", "/admin/campaigns", { body: campaignInput(id) })).status).toBe(201);
    expect((await call("PUT", `/admin/campaigns/${id}`, { body: campaignInput(id, { name: "改名" }) })).status).toBe(200);
    expect((await call("POST", `/admin/campaigns/${id}/publish`)).status).toBe(200);
    expect((await call("POST", `/admin/campaigns/${id}/pause`)).status).toBe(200);
    expect((await call("POST", `/admin/campaigns/${id}/resume`)).status).toBe(200);
    expect((await call("POST", `/admin/campaigns/${id}/drops`, { body: extraDrop("d9", 5, 9) })).status).toBe(200);

    const trail = await call("GET", `/admin/audit?entity=CAMPAIGN%23${id}`);
    expect(trail.status).toBe(200);
    const items = (trail.body as { items: { action: string; who: string; at: string }[] }).items;
    expect(items.map((item) => item.action)).toEqual([
      "campaign.create",
      "campaign.replace",
      "campaign.publish",
      "campaign.pause",
      "campaign.resume",
      "campaign.add-drop",
    ]);
    expect(new Set(items.map((item) => item.who))).toEqual(new Set(["op-bob"]));
    expect(items.every((item) => !Number.isNaN(Date.parse(item.at)))).toBe(true);
  });
});
