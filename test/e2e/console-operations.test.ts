/**
 * The console's operations screens in a real browser (Debian's Chromium through playwright-core)
 * against the real local runtime, through the UI only: register a partner and rotate its secret
 * (each shown once, and each one signs); approve merchants that a partner submitted over HTTP, one
 * and in bulk, search and filter, suspend one with a reason; review a fraud flag with its evidence
 * and confirm it; run settlement and see the statements PAID and the books balanced; open the
 * report and see both charts drawn (pixels on their canvases) and download the CSV; read the audit
 * trail; switch to en and back. axe-core finds no serious or critical violation on any screen;
 * a screenshot of each screen goes to .cache/console-screens/<screen>.png.
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../infra/local/console-build.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import { type LocalRuntime, REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { campaignStatsSchema } from "../../shared/api/stats-schemas.js";
import { localDate } from "../../shared/domain/settlement.js";
import { createFlag } from "../../shared/store/fraud-flags.js";
import { platform } from "../../shared/wiring/platform.js";
import { type TestBrowser, accessibilityProblems, animationsSettled, launchBrowser } from "../support/browser.js";
import { asOperator, signedPost } from "../support/http.js";
import { seedCampaign } from "../support/seed.js";
import { TEST_JWT, eventually, startTestRuntime, tableNamesOf, testClients } from "../integration/runtime-helpers.js";

const SCREENSHOTS = path.join(REPOSITORY_ROOT, ".cache", "console-screens");
const run = Date.now().toString(36);
const campaignId = `ops-${run}`;
const PARTNER = `${campaignId}-bank`;
/** The merchant residents pay at (approved with its own button), two approved in bulk, one of them then suspended. */
const SHOP = `${campaignId}-shop`;
const DINER = `${campaignId}-diner`;
const GRILL = `${campaignId}-grill`;
const FLAG = `flag-${run}`;
const ZONE = "Asia/Shanghai";
let runtime: LocalRuntime;
let browser: TestBrowser | undefined;
let partnerSecret: string;
const { db } = testClients();

beforeAll(async () => {
  await ensureConsoleBuilt(() => undefined);
  runtime = await startTestRuntime(platform, "console-ops");
  const tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "fraud"]);
  await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 1 }] });
  // The partner that submits the merchants over HTTP, as a bank would.
  const partner = await asOperator(runtime.url, "POST", "/admin/partners", { id: PARTNER, name: "运营银行" });
  partnerSecret = String(partner.body.signingSecret);
  for (const [id, name, sector] of [
    [SHOP, "运营超市", "supermarket"],
    [DINER, "运营餐厅", "restaurant"],
    [GRILL, "运营烧烤", "restaurant"],
  ] as const) {
    expect((await signedPost(runtime.url, `/partners/${PARTNER}/merchants`, { id, name, sector }, partnerSecret)).status).toBe(201);
  }
  // A flag as the detector raises it, against the diner, for the review screen.
  const at = new Date().toISOString();
  await createFlag(db, tables.fraud, {
    id: FLAG,
    campaignId,
    rule: "merchant-velocity",
    severity: "high",
    merchantId: DINER,
    window: at,
    evidence: { transactions: [{ partnerId: PARTNER, transactionId: `${run}-x1` }], redemptions: 42, baseline: 3 },
    status: "OPEN",
    createdAt: at,
    updatedAt: at,
    lastHitAt: at,
    version: 0,
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchBrowser();
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: runtime.url });
}, 180_000);

afterAll(async () => {
  try {
    await browser?.close();
  } finally {
    await runtime?.stop();
  }
});

afterEach(() => {
  expect(browser?.errors ?? []).toEqual([]);
});

/** Chromium logs each answer of status `status` as a console error: those, and only those, were expected. */
function expectOnlyRefusals(status: number) {
  expect(browser!.errors.filter((error) => !error.includes(`status of ${status}`))).toEqual([]);
  browser!.errors.length = 0;
}

async function screen(name: string): Promise<void> {
  const { page } = browser!;
  // Not over a button: a hovered primary button is lighter than at rest (and than AA).
  await page.mouse.move(0, 0);
  await animationsSettled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const problems = await accessibilityProblems(page, name);
  expect(problems, problems.join("\n")).toEqual([]);
}

async function openScreen(menu: string, heading: string): Promise<void> {
  const { page } = browser!;
  await page.getByRole("menuitem", { name: menu, exact: true }).click();
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
}

/** Chooses `option` (its title) in the select labelled `label`. */
async function choose(label: string, option: string): Promise<void> {
  const { page } = browser!;
  const dropdown = page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)");
  // A click that lands while the select's last dropdown is still closing leaves it closed: click again.
  for (let attempt = 1; ; attempt++) {
    await page.getByLabel(label, { exact: true }).click();
    try {
      await dropdown.getByTitle(option, { exact: true }).click({ timeout: 3_000 });
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  await dropdown.waitFor({ state: "detached" });
}

const row = (key: string) => browser!.page.locator(`tr[data-row-key="${key}"]`);

describe("the console's operations screens in Chromium", () => {
  it("signs an operator in", async () => {
    const { page } = browser!;
    await page.goto(`${runtime.url}/console/`);
    await page.getByLabel("用户标识").fill("ops-2");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { name: "总览" }).waitFor();
  });

  it("registers a partner and rotates its secret: each secret shown once, with a warning and a copy button; the first signs, and keeps signing in its grace period", async () => {
    const { page } = browser!;
    await openScreen("合作方", "合作方");
    await row(PARTNER).waitFor();
    const partnerId = `${campaignId}-pay`;
    await page.getByLabel("编号", { exact: true }).fill(partnerId);
    await page.getByLabel("名称", { exact: true }).fill("新支付");
    await page.getByRole("button", { name: "登记", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("签名密钥只显示这一次").waitFor();
    const secret = await dialog.getByTestId("signing-secret").inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Chromium writes to the clipboard only from a focused page.
    await page.bringToFront();
    await dialog.getByRole("button", { name: "复制" }).click();
    await dialog.getByRole("button", { name: "已复制" }).waitFor();
    // The copy is asynchronous: wait for the clipboard to hold it.
    await expect.poll(() => page.evaluate("navigator.clipboard.readText()"), { timeout: 5_000 }).toBe(secret);
    await screen("partners-secret");
    await dialog.getByRole("button", { name: "关闭" }).first().click();
    await dialog.waitFor({ state: "hidden" });
    // The secret shown is the partner's: a submission signed with it is accepted.
    expect((await signedPost(runtime.url, `/partners/${partnerId}/merchants`, { id: `${partnerId}-m`, name: "签名验证", sector: "other" }, secret)).status).toBe(201);

    await row(partnerId).getByRole("button", { name: `轮换密钥 ${partnerId}` }).click();
    await page.getByRole("dialog").getByText("宽限期内旧密钥仍然有效").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "轮换密钥", exact: true }).click();
    const rotated = await page.getByRole("dialog").getByTestId("signing-secret").inputValue();
    expect(rotated).not.toBe(secret);
    // A clipboard that refuses: the operator is told, and the secret is selected to copy by hand.
    await page.evaluate("navigator.clipboard.writeText = () => Promise.reject(new DOMException('Document is not focused.', 'NotAllowedError'))");
    await page.getByRole("dialog").getByRole("button", { name: "复制" }).click();
    await page.getByRole("dialog").getByRole("alert").getByText("无法写入剪贴板：密钥已选中，请按 Ctrl+C（或 ⌘C）复制。").waitFor();
    await expect(page.evaluate("[document.activeElement?.dataset.testid, document.activeElement?.selectionStart, document.activeElement?.selectionEnd]")).resolves.toEqual(["signing-secret", 0, rotated.length]);
    await expect(page.getByRole("dialog").getByRole("button", { name: "已复制" }).count()).resolves.toBe(0);
    await page.getByRole("dialog").getByRole("button", { name: "关闭" }).first().click();
    // The old one still verifies during the 24-hour grace period, and the list says when it retires.
    // (The new one verifies once the runtime's 30-second partner cache lets it see the rotation:
    // test/integration/registry.test.ts proves that, not worth half a minute here.)
    await row(partnerId).getByText(/^旧密钥，.+ \(Asia\/Shanghai\) 失效$/).waitFor();
    await row(partnerId).getByText(/^当前密钥，/).waitFor();
    expect((await signedPost(runtime.url, `/partners/${partnerId}/merchants`, { id: `${partnerId}-r`, name: "宽限期", sector: "other" }, secret)).status).toBe(201);
    await screen("partners");
  });

  it("approves merchants a partner submitted over HTTP, one and in bulk; searches, filters, and suspends one with a reason", async () => {
    const { page } = browser!;
    await openScreen("商户", "商户");
    // The pending queue, searched down to this test's merchants.
    await page.getByLabel("搜索").fill(campaignId);
    for (const id of [SHOP, DINER, GRILL]) await row(id).waitFor();
    await screen("merchants");
    await choose("行业", "餐饮");
    await row(SHOP).waitFor({ state: "detached" });
    await choose("行业", "全部行业");
    await row(SHOP).getByRole("button", { name: `批准 ${SHOP}` }).click();
    await row(SHOP).waitFor({ state: "detached" });
    await row(DINER).getByRole("checkbox").check();
    await row(GRILL).getByRole("checkbox").check();
    await page.getByRole("button", { name: "批量批准（2）" }).click();
    await row(DINER).waitFor({ state: "detached" });
    await row(GRILL).waitFor({ state: "detached" });

    await choose("状态", "已批准");
    await row(GRILL).getByRole("button", { name: `暂停 ${GRILL}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("暂停后该商户退出公开名单").waitFor();
    // No reason: the API's own message, at the reason field.
    await dialog.getByRole("button", { name: "暂停", exact: true }).click();
    await dialog.locator(".ant-form-item-explain-error").waitFor();
    expectOnlyRefusals(400);
    await dialog.getByLabel("原因").fill("营业执照过期");
    // Until its leave motion ends, the spinner of the refused attempt still names the button "loading 暂停".
    await dialog.getByRole("button", { name: /^(loading )?暂停$/ }).click();
    await row(GRILL).waitFor({ state: "detached" });
    await choose("状态", "已暂停");
    await row(GRILL).getByText("营业执照过期").waitFor();

    // Residents see the approved ones, not the suspended one.
    await page.getByRole("tab", { name: "居民看到的商户名单" }).click();
    const residents = page.getByRole("tabpanel", { name: "居民看到的商户名单" });
    const listed = (id: string) => residents.locator(`tr[data-row-key="${id}"]`);
    await listed(SHOP).waitFor();
    await listed(DINER).waitFor();
    // The public list may be 2 s behind the suspension; the screen refreshes it.
    await listed(GRILL).waitFor({ state: "detached" });
    await screen("merchants-public");
  });

  it("reviews a fraud flag with its evidence and the rule that fired, and confirms it after reading the consequences", async () => {
    const { page } = browser!;
    await openScreen("风控审核", "风控审核");
    const card = page.getByTestId(`flag-${FLAG}`);
    await card.getByText("merchant-velocity").first().waitFor();
    await card.getByText(`${PARTNER}/${run}-x1`).waitFor();
    await card.getByText("redemptions", { exact: true }).waitFor();
    await expect(card.locator("tr").filter({ hasText: "redemptions" }).textContent()).resolves.toContain("42");
    await screen("fraud");
    await card.getByRole("button", { name: "确认违规" }).click();
    const dialog = page.getByRole("dialog");
    const consequences = dialog.getByTestId("consequences");
    await consequences.getByText(`暂停商户 ${DINER}`).waitFor();
    await consequences.getByText("永不付款").waitFor();
    await consequences.getByText("追回").waitFor();
    await dialog.getByLabel("原因").fill("同一付款人短时间内大量核销");
    await dialog.getByRole("button", { name: "确认违规" }).click();
    await card.waitFor({ state: "detached" });
    await page.getByText("已确认", { exact: true }).click();
    await card.getByText("处罚结果").waitFor();
    await card.getByText(/ops-2 于 .+ 决定：同一付款人短时间内大量核销/).waitFor();
  });

  it("runs settlement and sees the statement PAID with its lines and the campaign's books balanced", async () => {
    const { page } = browser!;
    // A resident claims and pays at the shop over HTTP: one redemption to settle today.
    const resident = await signLocalToken({ sub: `ops-resident-${run}`, settings: TEST_JWT });
    const claim = await fetch(`${runtime.url}/campaigns/${campaignId}/drops/d1/claims`, {
      method: "POST",
      headers: { authorization: `Bearer ${resident}`, "content-type": "application/json" },
      body: JSON.stringify({ voucherTypeId: "100-30" }),
    });
    expect(claim.status).toBe(201);
    const voucher = (await claim.json()) as { id: string };
    const payment = { eventId: `${run}-e1`, transactionId: `${run}-t1`, merchantId: SHOP, payerId: `ops-resident-${run}`, voucherId: voucher.id, amount: 12_000, occurredAt: new Date(Date.now() - 2_000).toISOString() };
    const paid = await signedPost(runtime.url, `/partners/${PARTNER}/payments`, payment, partnerSecret);
    expect(paid.body, JSON.stringify(paid.body)).toMatchObject({ discount: 3_000 });

    await openScreen("结算", "结算");
    await page.getByRole("button", { name: "执行", exact: true }).click();
    await page.getByText(/^已安排 \d{4}-\d{2}-\d{2} 的结算/).waitFor();
    const statement = row(`${campaignId}/${SHOP}/${localDate(new Date(), ZONE)}`);
    await statement.getByText("已付款").waitFor({ timeout: 30_000 });
    await expect(statement.textContent()).resolves.toContain("¥30.00");
    await statement.getByRole("button", { name: /展开|Expand/ }).click();
    await page.getByTestId(`lines-${campaignId}/${SHOP}/${localDate(new Date(), ZONE)}`).getByText(`${PARTNER}/${run}-t1`).waitFor();

    // Across periods: the PAID statements, whatever their day.
    await page.getByLabel("按结算日", { exact: true }).fill("");
    await choose("结算单状态", "已付款");
    await statement.waitFor();

    await choose("选择活动", `Test campaign ${campaignId} (${campaignId})`);
    const books = page.getByTestId("reconciliation");
    await books.getByText("平衡", { exact: true }).waitFor();
    await expect(books.getByTestId("reconciliation-difference").textContent()).resolves.toBe("差额: ¥0.00");
    await screen("settlement");
  });

  it("opens the report with both charts drawn and downloads the bureau's CSV", async () => {
    const { page } = browser!;
    const operator = await signLocalToken({ sub: "ops-2", operator: true, settings: TEST_JWT });
    await eventually(
      async () => {
        const answer = await fetch(`${runtime.url}/admin/campaigns/${campaignId}/stats`, { headers: { authorization: `Bearer ${operator}` } });
        const stats = answer.ok ? campaignStatsSchema.parse(await answer.json()) : undefined;
        return stats?.claimed === 1 && stats.redeemed === 1 ? true : undefined;
      },
      30_000,
      "the stats projection to count the claim and the redemption",
    );
    await openScreen("报表", "报表");
    await choose("选择活动", `Test campaign ${campaignId} (${campaignId})`);
    await page.getByText("杠杆率").waitFor();
    await expect(page.locator(".ant-statistic").filter({ hasText: "杠杆率" }).locator(".ant-statistic-content").textContent()).resolves.toBe("4.00 倍");
    for (const chart of ["按日：领取、核销与补贴", "按行业：补贴与带动消费"]) {
      const canvas = page.getByRole("img", { name: chart }).locator("canvas");
      await canvas.waitFor();
      // Pixels drawn: a blank canvas has none that are not transparent.
      const drawn = await canvas.evaluate((element) => {
        type Canvas = { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
        const canvas = element as unknown as Canvas;
        const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
        let opaque = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) opaque++;
        return opaque;
      });
      expect(drawn, chart).toBeGreaterThan(1_000);
    }
    await screen("reports");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "下载局报表（CSV）" }).click()]);
    expect(download.suggestedFilename()).toBe(`${campaignId}-report.csv`);
    const csv = readFileSync((await download.path()), "utf8");
    expect(csv.startsWith("\uFEFF")).toBe(true);
    expect(csv).toContain("汇总");
    expect(csv).toContain(campaignId);
  });

  it("shows a merchant's audit trail: who approved it, and who suspended it and why", async () => {
    const { page } = browser!;
    await openScreen("审计", "审计");
    await page.getByLabel("对象编号").fill(GRILL);
    await page.getByRole("button", { name: "查询" }).click();
    await page.getByRole("cell", { name: "merchant.approve" }).waitFor();
    const suspended = page.getByRole("row").filter({ hasText: "merchant.suspend" });
    await suspended.getByText("营业执照过期").first().waitFor();
    await expect(suspended.textContent()).resolves.toContain("ops-2");
    await screen("audit");
  });

  it("switches the language to en and back", async () => {
    const { page } = browser!;
    await page.getByText("English", { exact: true }).click();
    await page.getByRole("heading", { name: "Audit", level: 1 }).waitFor();
    await page.getByRole("columnheader", { name: "Action" }).waitFor();
    await openScreen("Settlement", "Settlement");
    await page.getByText("Run settlement").waitFor();
    await screen("settlement-en");
    await page.getByText("中文", { exact: true }).click();
    await page.getByRole("heading", { name: "结算", level: 1 }).waitFor();
  });
});
