/**
 * The bureau's report over a local runtime's HTTP, after real traffic (claims, payments and a
 * refund through the use cases, counted by the stats projector from the streams): the JSON
 * report's figures are the stats route's; the CSV route answers UTF-8 with a BOM that parses back
 * to the same figures; `npm run report`, in its own process, writes the very bytes of the CSV
 * route; and the route refuses residents (403), missing tokens (401), unknown campaigns (404) and
 * formats other than csv and json (400).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documented } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import { type LocalRuntime, REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { campaignReportSchema } from "../../shared/api/report-schemas.js";
import { errorBodySchema, gatewayMessageSchema } from "../../shared/api/schemas.js";
import { campaignStatsSchema } from "../../shared/api/stats-schemas.js";
import { formatYuan } from "../../shared/domain/money.js";
import { REPORT_HEADERS, parseCsv } from "../../shared/domain/report.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { platform } from "../../shared/wiring/platform.js";
import type * as z from "../../shared/zod.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";
import { seedMerchant } from "../support/settlement.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;
let residentToken: string;
let tables: Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "merchants" | "stats", string>;
let scratch: string;

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const HOUR = 3_600_000;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "reports-e2e");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "redemptions", "merchants", "stats"]);
  operatorToken = await signLocalToken({ sub: "op-report", operator: true, settings: TEST_JWT });
  residentToken = await signLocalToken({ sub: "resident-report", settings: TEST_JWT });
  scratch = await mkdtemp(join(tmpdir(), "report-e2e-"));
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function get(path: string, token: string | null = operatorToken) {
  const response = await fetch(`${runtime.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

const json = (bytes: Buffer) => JSON.parse(bytes.toString("utf8")) as unknown;


/** `npm run report` in one process (no npm wrapper); stdout kept as bytes. */
function report(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/report.ts", ...args], {
      cwd: REPOSITORY_ROOT,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

describe("the campaign report", () => {
  const campaignId = unique("rep");
  const restaurant = unique("rep-eat");
  const supermarket = unique("rep-shop");
  let stats: z.infer<typeof campaignStatsSchema>;
  let budget: number;

  beforeAll(async () => {
    const seeded = await seedCampaign(db, tables, {
      id: campaignId,
      perPersonLimit: 2,
      drops: [
        { id: "d1", stock: { "100-30": 20, "200-60": 10 }, shards: 2 },
        // Opens tomorrow: scheduled, not held; its units are not issued yet.
        { id: "d2", stock: { "100-30": 50 }, shards: 1, opensAt: new Date(Date.now() + 24 * HOUR).toISOString(), closesAt: new Date(Date.now() + 25 * HOUR).toISOString() },
      ],
    });
    budget = seeded.campaign.budget;
    await seedMerchant(db, tables.merchants, { id: restaurant, partnerId: "bank-a", sector: "restaurant" });
    await seedMerchant(db, tables.merchants, { id: supermarket, partnerId: "bank-a", sector: "supermarket" });
    const claims = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
    const payers = Array.from({ length: 6 }, (_, i) => `payer-${campaignId}-${i}`);
    for (const sub of payers) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, claims);
    const payments = { db, tables, now: () => new Date() };
    const pay = async (payerId: string, merchantId: string, amount: number) => {
      const transactionId = unique("t");
      await recordPayment({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, merchantId, payerId, amount, occurredAt: new Date().toISOString() } }, payments);
      return transactionId;
    };
    await pay(payers[0]!, restaurant, 15_000);
    await pay(payers[1]!, restaurant, 12_345);
    await pay(payers[2]!, restaurant, 10_001);
    const refunded = await pay(payers[3]!, supermarket, 20_000);
    await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId: refunded, occurredAt: new Date().toISOString() } }, payments);

    stats = await eventually(
      async () => {
        const answer = await get(`/admin/campaigns/${campaignId}/stats`);
        const view = campaignStatsSchema.parse(json(answer.bytes));
        return view.claimed === 6 && view.redeemed === 3 && view.reversed === 1 ? view : undefined;
      },
      30_000,
      "the projection to catch up",
    );
    expect(stats).toMatchObject({ subsidy: 9_000, grossSales: 37_346 });
  }, 90_000);

  it("answers JSON by default with the stats route's figures", async () => {
    const answer = await get(`/admin/reports/campaigns/${campaignId}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = documented(campaignReportSchema, json(answer.bytes));
    expect(await get(`/admin/reports/campaigns/${campaignId}?format=json`).then((again) => json(again.bytes))).toEqual(body);

    expect(body.campaign).toMatchObject({ id: campaignId, budget, status: "PUBLISHED", timezone: "Asia/Shanghai" });
    const { summary } = body;
    for (const figure of ["budget", "claimed", "redeemed", "reversed", "expired", "subsidy", "grossSales", "redemptionRate", "leverage", "remainingBudget"] as const) {
      expect(summary[figure], figure).toBe(stats[figure]);
    }
    expect(summary.subsidyYuan).toBe(formatYuan(stats.subsidy));
    expect(summary.grossSalesYuan).toBe("¥373.46");
    expect(summary.remainingBudgetYuan).toBe(formatYuan(stats.remainingBudget));
    // One drop of two has opened; it put up 20 + 10 units.
    expect(summary).toMatchObject({ dropsHeld: 1, dropsScheduled: 2, vouchersIssued: 30 });
    // The supermarket's only redemption was refunded: it does not take part.
    expect(summary.participatingMerchants).toBe(1);
    expect(Object.entries(stats.byMerchant).filter(([, merchant]) => merchant.redeemed >= 1).map(([id]) => id)).toEqual([restaurant]);

    expect(Object.fromEntries(body.bySector.map(({ sector, redeemed, reversed, subsidy, grossSales, leverage }) => [sector, { redeemed, reversed, subsidy, grossSales, leverage }]))).toEqual(
      stats.bySector,
    );
    expect(body.bySector.map((row) => [row.sector, row.sectorName])).toEqual([
      ["supermarket", "超市"],
      ["restaurant", "餐饮"],
    ]);
    expect(Object.fromEntries(body.byDay.map(({ date, claimed, redeemed, reversed, expired, subsidy, grossSales }) => [date, { claimed, redeemed, reversed, expired, subsidy, grossSales }]))).toEqual(
      stats.byDay,
    );
  });

  it("answers CSV in UTF-8 with a BOM, as an attachment, that parses back to the stats route's figures", async () => {
    const answer = await get(`/admin/reports/campaigns/${campaignId}?format=csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(answer.headers.get("content-disposition")).toBe(`attachment; filename="${campaignId}-report.csv"`);
    expect([...answer.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = answer.bytes.toString("utf8");
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);

    const rows = parseCsv(text);
    const blanks = rows.flatMap((row, index) => (row.length === 0 ? [index] : []));
    // Five sections: the instant-discount one (empty here: the campaign has none), then the merchant programmes' (no award in this runtime).
    expect(blanks).toHaveLength(4);
    const summary = rows.slice(0, blanks[0]);
    const sectors = rows.slice(blanks[0]! + 1, blanks[1]);
    const days = rows.slice(blanks[1]! + 1, blanks[2]);
    expect(rows.slice(blanks[3]! + 1)).toEqual([
      [REPORT_HEADERS.programmesTitle],
      [REPORT_HEADERS.dimension, REPORT_HEADERS.group, REPORT_HEADERS.awards, REPORT_HEADERS.awardAmount, REPORT_HEADERS.paid, REPORT_HEADERS.pending],
      ["total", "", "0", "0", "0", "0"],
    ]);
    expect(rows.slice(blanks[2]! + 1, blanks[3])).toEqual([[REPORT_HEADERS.instantTitle], [expect.stringMatching(/Instant discount ID$/), expect.any(String), expect.any(String), expect.any(String), REPORT_HEADERS.subsidy, REPORT_HEADERS.subsidyYuan, REPORT_HEADERS.grossSales, REPORT_HEADERS.grossSalesYuan]]);
    expect(summary.slice(0, 2)).toEqual([["汇总 Summary"], ["指标 Figure", "数值 Value", "金额(元) Amount (yuan)"]]);
    const figure = (label: string) => summary.find((row) => row[0] === label)!.slice(1);
    expect(figure(REPORT_HEADERS.campaignId)).toEqual([campaignId, ""]);
    expect(figure(REPORT_HEADERS.claimed)).toEqual([String(stats.claimed), ""]);
    expect(figure(REPORT_HEADERS.redeemed)).toEqual([String(stats.redeemed), ""]);
    expect(figure(REPORT_HEADERS.reversed)).toEqual([String(stats.reversed), ""]);
    expect(figure(REPORT_HEADERS.expired)).toEqual([String(stats.expired), ""]);
    expect(figure(REPORT_HEADERS.redemptionRate)).toEqual([String(stats.redemptionRate), ""]);
    expect(figure(REPORT_HEADERS.leverage)).toEqual([String(stats.leverage), ""]);
    expect(figure(REPORT_HEADERS.budget)).toEqual([String(stats.budget), formatYuan(stats.budget)]);
    expect(figure(REPORT_HEADERS.subsidy)).toEqual([String(stats.subsidy), formatYuan(stats.subsidy)]);
    expect(figure(REPORT_HEADERS.grossSales)).toEqual([String(stats.grossSales), formatYuan(stats.grossSales)]);
    expect(figure(REPORT_HEADERS.remainingBudget)).toEqual([String(stats.remainingBudget), formatYuan(stats.remainingBudget)]);
    expect(figure(REPORT_HEADERS.participatingMerchants)).toEqual(["1", ""]);
    expect(figure(REPORT_HEADERS.dropsHeld)).toEqual(["1", ""]);
    expect(figure(REPORT_HEADERS.vouchersIssued)).toEqual(["30", ""]);

    expect(sectors[0]).toEqual([REPORT_HEADERS.sectorTitle]);
    expect(Object.fromEntries(sectors.slice(2).map((row) => [row[0], { redeemed: Number(row[2]), reversed: Number(row[3]), subsidy: Number(row[4]), grossSales: Number(row[6]), leverage: Number(row[8]) }]))).toEqual(
      stats.bySector,
    );
    expect(days[0]).toEqual([REPORT_HEADERS.dayTitle]);
    expect(
      Object.fromEntries(
        days.slice(2).map((row) => [row[0], { claimed: Number(row[1]), redeemed: Number(row[2]), reversed: Number(row[3]), expired: Number(row[4]), subsidy: Number(row[5]), grossSales: Number(row[7]) }]),
      ),
    ).toEqual(stats.byDay);
  });

  it("npm run report writes the CSV route's bytes to --out and to stdout, with a summary on stderr", async () => {
    const route = await get(`/admin/reports/campaigns/${campaignId}?format=csv`);
    const out = join(scratch, "report.csv");
    const written = await report(["--campaign", campaignId, "--url", runtime.url, "--token", operatorToken, "--out", out]);
    expect(written.stderr).toContain(`campaign ${campaignId} on ${runtime.url}: csv report, ${route.bytes.length} bytes, written to ${out}`);
    expect(written.code).toBe(0);
    expect(written.stdout.length).toBe(0);
    expect((await readFile(out)).equals(route.bytes)).toBe(true);
    expect(written.stderr).toContain("drops held 1, participating merchants 1");
    expect(written.stderr).toContain(`vouchers issued 30, claimed ${stats.claimed}, redeemed ${stats.redeemed}`);
    expect(written.stderr).toContain(`subsidy ${stats.subsidy} fen (${formatYuan(stats.subsidy)}), sales driven ${stats.grossSales} fen (${formatYuan(stats.grossSales)}), leverage ${stats.leverage}`);

    const piped = await report(["--campaign", campaignId, "--url", runtime.url, "--token", operatorToken]);
    expect(piped.code).toBe(0);
    expect(piped.stdout.equals(route.bytes)).toBe(true);

    const asJson = await report(["--campaign", campaignId, "--url", runtime.url, "--token", operatorToken, "--format", "json"]);
    expect(asJson.code).toBe(0);
    const body = campaignReportSchema.parse(json(asJson.stdout));
    expect(body.summary).toMatchObject({ claimed: stats.claimed, redeemed: stats.redeemed, subsidy: stats.subsidy, grossSales: stats.grossSales, leverage: stats.leverage });
  }, 60_000);

  it("npm run report says plainly when the campaign is unknown, the token is refused or an argument is bad", async () => {
    const missing = await report(["--campaign", "no-such-campaign", "--url", runtime.url, "--token", operatorToken]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no campaign no-such-campaign on ${runtime.url} (404`);
    expect(missing.stdout.length).toBe(0);

    const forbidden = await report(["--campaign", campaignId, "--url", runtime.url, "--token", residentToken]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("the token is not an operator's");

    const badFormat = await report(["--campaign", campaignId, "--url", runtime.url, "--format", "xlsx"]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain("--format: must be csv or json");
  }, 60_000);

  it("refuses residents (403), a missing token (401), an unknown campaign (404) and a bad format (400)", async () => {
    const resident = await get(`/admin/reports/campaigns/${campaignId}?format=csv`, residentToken);
    expect(resident.status).toBe(403);
    expect(errorBodySchema.parse(json(resident.bytes)).error.code).toBe("FORBIDDEN");

    const anonymous = await get(`/admin/reports/campaigns/${campaignId}`, null);
    expect(anonymous.status).toBe(401);
    gatewayMessageSchema.parse(json(anonymous.bytes));

    const unknown = await get(`/admin/reports/campaigns/${unique("none")}?format=csv`);
    expect(unknown.status).toBe(404);
    expect(errorBodySchema.parse(json(unknown.bytes)).error.code).toBe("NOT_FOUND");

    const bad = await get(`/admin/reports/campaigns/${campaignId}?format=xml`);
    expect(bad.status).toBe(400);
    const error = errorBodySchema.parse(json(bad.bytes)).error;
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(error.details)).toContain("format");

    const badId = await get(`/admin/reports/campaigns/${encodeURIComponent("bad id!")}`);
    expect(badId.status).toBe(400);
  });
});
