/**
 * Merchant programmes over the local runtime's HTTP: an operator defines a growth reward, records a
 * merchant's paper filing; the merchant (a token of the merchants group) applies for last month;
 * a reviewer approves; the award is paid once through the partner simulator on the payout queue
 * (PAID); the programme's books balance and the audit trail holds every step. Also the refusals a
 * caller sees: a pending merchant, a zero base year, no filing, a second approval.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCall, documented, refusal } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { applicationDetailSchema, applicationListSchema, applicationSchema, filingSchema, programmeListSchema, programmeReconciliationSchema, programmeSchema } from "../../shared/api/programme-schemas.js";
import { auditListSchema } from "../../shared/api/registry-schemas.js";
import { localDate } from "../../shared/domain/settlement.js";
import { MERCHANTS_GROUP, MERCHANT_ID_CLAIM } from "../../shared/http/caller.js";
import { platform } from "../../shared/wiring/platform.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { seedMerchant, seedPartner } from "../support/settlement.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const merchantToken = (merchantId: string) => signLocalToken({ sub: `owner-${merchantId}`, groups: [MERCHANTS_GROUP], claims: { [MERCHANT_ID_CLAIM]: merchantId }, settings: TEST_JWT });

/** The month before this one in Shanghai: it has ended there. */
function lastMonth(): string {
  const [year, month] = localDate(new Date(), "Asia/Shanghai").slice(0, 7).split("-").map(Number) as [number, number];
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
}

const PARTNER = unique("bank");
let merchantId: string;
let pendingMerchantId: string;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "programmes-e2e");
  const tables = tableNamesOf(runtime.resources, ["merchants", "partners"]);
  operatorToken = await signLocalToken({ sub: "op-programmes", operator: true, settings: TEST_JWT });
  await seedPartner(db, tables.partners, { id: PARTNER, payoutUrl: runtime.partnerSimulator.payoutUrl });
  merchantId = unique("shop");
  pendingMerchantId = unique("pending");
  await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: PARTNER, sector: "appliance" });
  await seedMerchant(db, tables.merchants, { id: pendingMerchantId, partnerId: PARTNER, status: "PENDING" });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const call = (method: string, path: string, options: { body?: unknown; token?: string | null } = {}) =>
  apiCall(runtime.url, method, path, { body: options.body, token: options.token === undefined ? operatorToken : options.token });

describe("a growth reward from filing to PAID award", () => {
  it("files, applies, approves and pays once, with the books balanced and every step audited", async () => {
    const programmeId = unique("growth");
    const created = await call("POST", "/admin/programmes", {
      body: {
        id: programmeId,
        name: "Hongsibu growth",
        kind: "growth_reward",
        budget: 5_000_000,
        period: { from: "2020-01-01", to: "2099-12-31" },
        tiers: [
          { minGrowthPercent: 5, award: 500_000 },
          { minGrowthPercent: 10, award: 1_000_000 },
          { minGrowthPercent: 20, award: 2_000_000 },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(documented(programmeSchema, created.body)).toMatchObject({ id: programmeId, timezone: "Asia/Shanghai", committed: 0, remaining: 5_000_000 });

    const shop = await merchantToken(merchantId);
    const open = documented(programmeListSchema, (await call("GET", "/merchant/programmes", { token: shop })).body);
    expect(open.items.map((item) => item.id)).toContain(programmeId);
    refusal(await call("GET", "/merchant/programmes", { token: await merchantToken(pendingMerchantId) }), 403, "FORBIDDEN");
    refusal(await call("GET", "/admin/programmes", { token: shop }), 403, "FORBIDDEN");

    const month = lastMonth();
    refusal(
      await call("POST", `/merchant/programmes/${programmeId}/applications`, { token: shop, body: { month, sales: { current: 1, lastYear: 1, previousMonth: 1 }, summary: "x" } }),
      409,
      "NOT_FILED",
    );
    const paper = { merchantId, plan: "Appliance week", filedAt: "2020-01-02T00:00:00Z" };
    const filed = await call("POST", `/admin/programmes/${programmeId}/filings`, { body: paper });
    expect(filed.status).toBe(201);
    expect(documented(filingSchema, filed.body)).toMatchObject({ merchantId, paper: true, filedAt: "2020-01-02T00:00:00.000Z", recordedBy: "op-programmes" });
    expect((await call("POST", `/merchant/programmes/${programmeId}/filings`, { token: shop, body: { plan: "again" } })).status).toBe(200);

    const noBase = await call("POST", `/merchant/programmes/${programmeId}/applications`, { token: shop, body: { month, sales: { current: 100, lastYear: 0, previousMonth: 1 }, summary: "x" } });
    refusal(noBase, 400, "NO_BASE_YEAR_SALES");
    expect((noBase.body as { error: { message: string } }).error.message).toMatch(/lastYear/);
    // A figure no merchant's month reaches, or not a whole number of fen: refused at the field.
    for (const current of [10_000_000_000_001, 2 ** 60, 10.5]) {
      const absurd = await call("POST", `/merchant/programmes/${programmeId}/applications`, { token: shop, body: { month, sales: { current, lastYear: 1, previousMonth: 1 }, summary: "x" } });
      refusal(absurd, 400, "VALIDATION_FAILED");
      expect((absurd.body as { error: { details: { path: string }[] } }).error.details.map((issue) => issue.path)).toEqual(expect.arrayContaining(["sales.current"]));
      expect(new Set((absurd.body as { error: { details: { path: string }[] } }).error.details.map((issue) => issue.path)).size).toBe(1);
    }

    // The sales table as evidence, uploaded through a presigned PUT (the object's size and type are checked when the application references it).
    const salesTable = Buffer.from("%PDF-1.7\nsales table\n%%EOF\n");
    const declared = await call("POST", "/merchant/attachments", { token: shop, body: { fileName: "sales.pdf", contentType: "application/pdf", size: salesTable.length } });
    const { attachmentId, uploadUrl } = declared.body as { attachmentId: string; uploadUrl: string };
    expect((await fetch(uploadUrl, { method: "PUT", body: salesTable, headers: { "content-type": "application/pdf" } })).status).toBe(200);
    const applied = await call("POST", `/merchant/programmes/${programmeId}/applications`, {
      token: shop,
      body: { month, sales: { current: 10_500_000, lastYear: 10_000_000, previousMonth: 9_000_000 }, summary: "Grew 5 %", attachments: [attachmentId] },
    });
    expect(applied.status).toBe(201);
    const application = documented(applicationSchema, applied.body);
    expect(application).toMatchObject({ status: "SUBMITTED", proposedAward: 500_000, growthPercent: 5, month });
    refusal(
      await call("POST", `/merchant/programmes/${programmeId}/applications`, { token: shop, body: { month, sales: { current: 1, lastYear: 1, previousMonth: 1 }, summary: "again" } }),
      409,
      "ALREADY_APPLIED",
    );
    expect(documented(applicationListSchema, (await call("GET", "/merchant/applications", { token: shop })).body).items.map((item) => item.id)).toContain(application.id);
    await eventually(async () => {
      const listed = documented(applicationListSchema, (await call("GET", `/admin/programmes/${programmeId}/applications?status=SUBMITTED`)).body);
      return listed.items.some((item) => item.id === application.id) ? true : undefined;
    });

    const approved = await call("POST", `/admin/applications/${application.id}/approve`, { body: { note: "Checked the sales table" } });
    expect(approved.status).toBe(200);
    expect(documented(applicationSchema, approved.body)).toMatchObject({ status: "APPROVED", award: 500_000, note: "Checked the sales table" });
    refusal(await call("POST", `/admin/applications/${application.id}/approve`, {}), 409, "NOT_SUBMITTED");

    const paid = await eventually(async () => {
      const detail = documented(applicationDetailSchema, (await call("GET", `/admin/applications/${application.id}`)).body);
      return detail.status === "PAID" ? detail : undefined;
    }, 30_000, "the award PAID");
    expect(paid.payoutId).toBeDefined();
    const payouts = runtime.partnerSimulator.received.filter((request) => request.idempotencyKey === `application/${application.id}`);
    expect(payouts.filter((request) => request.outcome === "accepted")).toHaveLength(1);
    expect(runtime.partnerSimulator.accepted.get(`application/${application.id}`)?.body).toEqual({
      kind: "award",
      payableId: `application/${application.id}`,
      payable: "application",
      programmeId,
      merchantId,
      amount: 500_000,
      currency: "CNY",
    });

    const books = await eventually(async () => {
      const answer = documented(programmeReconciliationSchema, (await call("GET", `/admin/programmes/${programmeId}/reconciliation`)).body);
      return answer.paidTotal === 500_000 ? answer : undefined;
    });
    expect(books).toMatchObject({ committed: 500_000, paid: 500_000, approvedTotal: 500_000, paidTotal: 500_000, pending: 0, balanced: true, problems: [] });

    const trail = documented(auditListSchema, (await call("GET", `/admin/audit?entity=APPLICATION%23${application.id}`)).body);
    expect(trail.items.map((item) => item.action)).toEqual(["application.submit", "application.approve", "application.paid"]);
    expect(trail.items[0]!.who).toBe(`merchant:${merchantId}`);
    const programmeTrail = documented(auditListSchema, (await call("GET", `/admin/audit?entity=PROGRAMME%23${programmeId}`)).body);
    expect(programmeTrail.items.map((item) => item.action)).toEqual(["programme.create"]);
    const filingTrail = documented(auditListSchema, (await call("GET", `/admin/audit?entity=FILING%23${programmeId}%2F${merchantId}`)).body);
    expect(filingTrail.items.map((item) => item.action)).toEqual(["filing.paper"]);
  }, 90_000);
});
