/**
 * The merchant portal and the reviewer queue in a real browser (Debian's Chromium through
 * playwright-core) against the real local runtime, through the UI only: an operator creates an
 * event subsidy; a merchant signs in, sees its refusals next to the fields they concern, files,
 * applies with an evidence PNG uploaded from the browser; the operator sees the image inline,
 * approves a typed award and sees it PAID (the partner simulator pays it; the screen polls). Trade-in
 * records are recorded from the portal (a duplicate invoice refused under its field), masked in the
 * lists and whole, with the audit said on screen, on the single record; an application sent back
 * is changed and resubmitted.
 * Screenshots go to .cache/console/programmes-*.png; axe-core finds no serious or critical
 * violation on any of these screens.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../infra/local/console-build.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import { type LocalRuntime, REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { localDate } from "../../shared/domain/settlement.js";
import { MERCHANTS_GROUP, MERCHANT_ID_CLAIM } from "../../shared/http/caller.js";
import { platform } from "../../shared/wiring/platform.js";
import { type TestBrowser, accessibilityProblems, animationsSettled, launchBrowser } from "../support/browser.js";
import { apiCall } from "../support/http.js";
import { seedMerchant, seedPartner } from "../support/settlement.js";
import { TEST_JWT, startTestRuntime, tableNamesOf, testClients } from "../integration/runtime-helpers.js";

const SCREENSHOTS = path.join(REPOSITORY_ROOT, ".cache", "console");
const run = randomUUID().slice(0, 8);
const MERCHANT = `shop-${run}`;
const PARTNER = `bank-${run}`;
const GROWTH = `growth-${run}`;
const EVENT = `event-${run}`;
const TRADE_IN = `tradein-${run}`;
// A 1×1 PNG: the evidence image the reviewer must see rendered.
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f5e0d70000000049454e44ae426082", "hex");
const PDF = Buffer.from("%PDF-1.4\n%%EOF\n");
let runtime: LocalRuntime;
let browser: TestBrowser | undefined;
const { db } = testClients();

/** The month before this one in Shanghai: it has ended there. */
function lastMonth(): string {
  const [year, month] = localDate(new Date(), "Asia/Shanghai").slice(0, 7).split("-").map(Number) as [number, number];
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
}

beforeAll(async () => {
  await ensureConsoleBuilt(() => undefined);
  runtime = await startTestRuntime(platform, "console-programmes");
  const tables = tableNamesOf(runtime.resources, ["merchants", "partners"]);
  await seedPartner(db, tables.partners, { id: PARTNER, payoutUrl: runtime.partnerSimulator.payoutUrl });
  await seedMerchant(db, tables.merchants, { id: MERCHANT, partnerId: PARTNER, sector: "appliance" });
  // What the journeys start from, set up over HTTP: a growth reward the merchant filed for on paper
  // long ago (so it may apply for last month), and a trade-in programme with one record.
  const operator = await signLocalToken({ sub: "ops-setup", operator: true, settings: TEST_JWT });
  const shop = await signLocalToken({ sub: `owner-${MERCHANT}`, groups: [MERCHANTS_GROUP], claims: { [MERCHANT_ID_CLAIM]: MERCHANT }, settings: TEST_JWT });
  const ok = async (answer: Promise<{ status: number; body: unknown }>, status: number) => {
    const { status: got, body } = await answer;
    expect(got, JSON.stringify(body)).toBe(status);
    return body as Record<string, unknown>;
  };
  const period = { from: "2020-01-01", to: "2099-12-31" };
  const tiers = [
    { minGrowthPercent: 5, award: 500_000 },
    { minGrowthPercent: 10, award: 1_000_000 },
  ];
  await ok(apiCall(runtime.url, "POST", "/admin/programmes", { token: operator, body: { id: GROWTH, name: `增长奖励 ${run}`, kind: "growth_reward", budget: 5_000_000, period, tiers } }), 201);
  await ok(apiCall(runtime.url, "POST", `/admin/programmes/${GROWTH}/filings`, { token: operator, body: { merchantId: MERCHANT, plan: "Paper", filedAt: "2020-01-02T00:00:00Z" } }), 201);
  await ok(
    apiCall(runtime.url, "POST", "/admin/programmes", { token: operator, body: { id: TRADE_IN, name: `以旧换新 ${run}`, kind: "trade_in", budget: 1_000_000, period, rule: { percent: 15, maxPerItem: 200_000 } } }),
    201,
  );
  const slot = await ok(apiCall(runtime.url, "POST", "/merchant/attachments", { token: shop, body: { fileName: "发票.pdf", contentType: "application/pdf", size: PDF.length } }), 201);
  expect((await fetch(String(slot.uploadUrl), { method: "PUT", body: PDF, headers: { "content-type": "application/pdf" } })).status).toBe(200);
  await ok(
    apiCall(runtime.url, "POST", `/merchant/programmes/${TRADE_IN}/trade-ins`, {
      token: shop,
      body: {
        buyer: { name: "张三丰", phone: "13800138000" },
        newProduct: { category: "家电/冰箱", model: "BCD-520", price: 500_000 },
        oldProduct: { category: "家电/冰箱", description: "2009 年购入的双门冰箱" },
        invoiceNumber: `INV-${run}`,
        attachments: [slot.attachmentId],
      },
    }),
    201,
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  // The browser closed even when the runtime's stop fails, and the other way round.
  await Promise.allSettled([browser?.close(), runtime?.stop()]).then((results) => {
    for (const result of results) if (result.status === "rejected") throw result.reason;
  });
});

// Every screen ran without an uncaught error or a console error.
afterEach(() => expect(browser?.errors ?? []).toEqual([]));

/** Waits until the last dialog has closed, so the next one's fields are not its closing predecessor's. */
async function noDialogOpen(): Promise<void> {
  await expect.poll(() => browser!.page.getByRole("dialog").count(), { timeout: 5_000 }).toBe(0);
}

async function check(screen: string): Promise<void> {
  const { page } = browser!;
  // The screen at rest: no button left in its hover colour by the last click.
  await page.mouse.move(0, 0);
  await animationsSettled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `programmes-${screen}.png`), fullPage: true });
  const described = await accessibilityProblems(page, screen);
  expect(described, described.join("\n")).toEqual([]);
}

async function signIn(sub: string, merchant?: string): Promise<void> {
  const { page } = browser!;
  await page.goto(`${runtime.url}/console/`);
  await page.getByLabel("用户标识").fill(sub);
  if (merchant) {
    await page.getByLabel("角色").click();
    await page.getByTitle("商户").click();
    await page.getByLabel("商户编号").fill(merchant);
  }
  await page.getByRole("button", { name: "登录" }).click();
  await page.getByTestId("signed-in-as").waitFor();
}

/** The error antd shows under the form field labelled `label`. */
function fieldError(label: string) {
  return browser!.page.locator(".ant-form-item").filter({ has: browser!.page.getByText(label, { exact: true }) }).locator(".ant-form-item-explain-error");
}

describe("merchant programmes in the console", () => {
  it("an operator creates an event subsidy in the reviewer queue", async () => {
    const { page } = browser!;
    await signIn("ops-1");
    await page.getByRole("menuitem", { name: "项目审核" }).click();
    await page.getByRole("heading", { name: "项目审核" }).waitFor();
    await page.getByRole("link", { name: `增长奖励 ${run}` }).waitFor();
    await page.getByRole("button", { name: "新建项目" }).click();
    const drawer = page.locator(".ant-drawer");
    await drawer.getByLabel("项目编号").fill(EVENT);
    await drawer.getByLabel("项目名称").fill(`展销会补贴 ${run}`);
    // Less than the most an award may be: an approval can overspend it.
    await drawer.getByLabel("预算（元）").fill("10000");
    await drawer.getByLabel("开始日期（YYYY-MM-DD）").fill("2020-01-01");
    await drawer.getByLabel("结束日期（YYYY-MM-DD）").fill("2099-12-31");
    await drawer.getByLabel("最高奖励（元）").fill("20000.5");
    await check("create");
    await drawer.getByRole("button", { name: "提交" }).click();
    await drawer.waitFor({ state: "hidden" });
    const row = page.getByRole("row").filter({ hasText: `展销会补贴 ${run}` });
    await row.getByText("活动补贴").waitFor();
    // Its budget, and all of it remaining.
    await expect(row.getByText("¥10,000.00").count()).resolves.toBe(2);
    await check("list");
    await page.getByRole("button", { name: "退出" }).click();
  });

  it("a merchant sees only its portal, its refusals next to the fields, files and applies with an evidence PNG uploaded from the browser", async () => {
    const { page } = browser!;
    await signIn(`owner-${MERCHANT}`, MERCHANT);
    await page.getByRole("heading", { name: "商户门户" }).waitFor();
    await expect(page.getByRole("menuitem").allTextContents()).resolves.toEqual(["商户门户"]);
    await page.getByRole("button", { name: `申请 增长奖励 ${run}` }).waitFor();
    await check("portal");

    // A growth reward: a zero base year is refused next to its field; then growth and award as the API computes them.
    await page.getByRole("button", { name: `申请 增长奖励 ${run}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("月份（YYYY-MM）").fill(lastMonth());
    await dialog.getByLabel("本月销售额（元）").fill("105000");
    await dialog.getByLabel("去年同月销售额（元）").fill("0");
    await dialog.getByLabel("上月销售额（元）").fill("90000");
    await dialog.getByLabel("说明").fill("同比增长");
    await dialog.getByRole("button", { name: "提交" }).click();
    await expect(fieldError("去年同月销售额（元）").textContent()).resolves.toMatch(/lastYear/);
    await dialog.getByLabel("去年同月销售额（元）").fill("100,000.00");
    await dialog.getByRole("button", { name: "提交" }).click();
    await dialog.getByText("已提交：同比增长 5.00%，拟奖励 ¥5,000.00").waitFor();
    await check("apply");
    await dialog.getByRole("button", { name: "Close" }).or(dialog.getByRole("button", { name: "取消" })).first().click();
    await noDialogOpen();

    // An event subsidy: not filed yet, the API says so; after filing, the application with its evidence.
    await page.getByRole("button", { name: `申请 展销会补贴 ${run}` }).click();
    await dialog.getByLabel("说明").fill("展销会三天，客流两万");
    await dialog.getByRole("button", { name: "提交" }).click();
    await dialog.getByRole("alert").filter({ hasText: "操作未完成" }).waitFor();
    await dialog.getByRole("button", { name: "取消" }).click();
    await noDialogOpen();
    await page.getByRole("button", { name: `备案 展销会补贴 ${run}` }).click();
    await dialog.getByLabel("活动计划").fill("十二月展销会");
    await dialog.getByRole("button", { name: "提交" }).click();
    await page.getByTestId(`filed-${EVENT}`).waitFor();
    await page.getByRole("button", { name: `申请 展销会补贴 ${run}` }).click();
    await dialog.getByLabel("说明").fill("展销会三天，客流两万");
    await dialog.locator("input[type=file]").setInputFiles({ name: "evidence.png", mimeType: "image/png", buffer: PNG });
    await dialog.locator(".ant-upload-list-item-done").filter({ hasText: "evidence.png" }).waitFor();
    await dialog.getByRole("button", { name: "提交" }).click();
    await dialog.getByText("已提交：拟奖励 ¥20,000.50").waitFor();
    await dialog.getByRole("button", { name: "取消" }).click();
    await noDialogOpen();
    const mine = page.getByTestId(`application-${EVENT}`);
    await mine.getByText("待审核").waitFor();
    await expect(page.getByTestId(`application-${GROWTH}`).getByText("5.00%").count()).resolves.toBe(1);

    // A trade-in: an invoice already recorded is refused under its field; a new one answers its subsidy.
    await page.getByRole("button", { name: "以旧换新登记" }).click();
    await dialog.getByText("张** 138****8000").waitFor();
    await dialog.getByLabel("购买人姓名").fill("李四");
    await dialog.getByLabel("购买人电话").fill("13900139000");
    await dialog.getByLabel("发票号").fill(`INV-${run}`);
    await dialog.getByLabel("新品类别").fill("家电/洗衣机");
    await dialog.getByLabel("新品型号").fill("XQG100");
    await dialog.getByLabel("成交价（元）").fill("3999.90");
    await dialog.getByLabel("旧品类别").fill("家电/洗衣机");
    await dialog.getByLabel("旧品描述").fill("2012 年的波轮洗衣机");
    await dialog.locator("input[type=file]").setInputFiles({ name: "发票.pdf", mimeType: "application/pdf", buffer: PDF });
    await dialog.locator(".ant-upload-list-item-done").waitFor();
    await dialog.getByRole("button", { name: "提交" }).click();
    await expect(fieldError("发票号").textContent()).resolves.toMatch(`Invoice INV-${run} is recorded already`);
    await check("portal-trade-in");
    await dialog.getByLabel("发票号").fill(`NEW-${run}`);
    await dialog.getByRole("button", { name: "提交" }).click();
    // 15 % of ¥3,999.90, rounded down to the fen.
    await dialog.getByText("已登记：补贴 ¥599.98").waitFor();
    await dialog.getByText("李* 139****9000").waitFor();
    await dialog.getByRole("button", { name: "取消" }).click();
    await noDialogOpen();

    // Chromium logs each refused request (the zero base year, the missing filing, the invoice again); those, and only those, are expected here.
    expect(browser!.errors.filter((error) => !/status of (400|409)/.test(error))).toEqual([]);
    expect(browser!.errors).toHaveLength(3);
    browser!.errors.length = 0;
    await page.getByRole("button", { name: "退出" }).click();
  });

  it("the operator sees the evidence inline, approves a typed award and sees it PAID", async () => {
    const { page } = browser!;
    await signIn("ops-1");
    await page.getByRole("menuitem", { name: "项目审核" }).click();
    await page.getByRole("link", { name: `展销会补贴 ${run}` }).click();
    await page.getByRole("link", { name: `查看 ${MERCHANT}` }).click();
    const image = page.getByRole("img", { name: "证明材料：evidence.png" });
    await image.waitFor();
    // Rendered from its presigned GET, not merely named.
    await expect(page.evaluate(`(() => { const image = document.querySelector('img[alt="证明材料：evidence.png"]'); return image.complete && image.naturalWidth; })()`)).resolves.toBe(1);
    await check("application");
    await page.getByRole("button", { name: "批准" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByLabel("奖励（元） ≤ ¥20,000.50").inputValue()).resolves.toBe("20000.50");
    await dialog.getByLabel("奖励（元） ≤ ¥20,000.50").fill("30000");
    await dialog.getByRole("button", { name: "批准" }).click();
    await expect(fieldError("奖励（元） ≤ ¥20,000.50").textContent()).resolves.toBe("≤ ¥20,000.50");
    // Within maxAward, beyond the programme's budget: the API refuses, the dialog says why plainly.
    await dialog.getByLabel("奖励（元） ≤ ¥20,000.50").fill("15000");
    await dialog.getByRole("button", { name: "批准" }).click();
    const refusal = dialog.getByRole("alert").filter({ hasText: "项目预算不足" });
    await refusal.waitFor();
    await expect(refusal.getAttribute("data-code")).resolves.toBe("PROGRAMME_BUDGET_EXCEEDED");
    expect(browser!.errors.filter((error) => !/status of 409/.test(error))).toEqual([]);
    browser!.errors.length = 0;
    await dialog.getByLabel("奖励（元） ≤ ¥20,000.50").fill("9000");
    await dialog.getByText("批准后将通过商户的收单合作方支付 ¥9,000.00，不可撤销。").waitFor();
    await check("approve");
    await dialog.getByRole("button", { name: "批准" }).click();
    await page.getByTestId("application-status").getByText("已支付").waitFor({ timeout: 30_000 });
    await expect(page.getByText("¥9,000.00").count()).resolves.toBe(1);
    expect(runtime.partnerSimulator.accepted.get(`application/${page.url().split("/").pop()}`)?.body).toMatchObject({ amount: 900_000, merchantId: MERCHANT });
  });

  it("trade-ins are masked in the list, whole on the record with the audit said on screen, and approved in a batch", async () => {
    const { page } = browser!;
    await page.getByRole("menuitem", { name: "项目审核" }).click();
    await page.getByRole("link", { name: `以旧换新 ${run}` }).click();
    const row = page.getByRole("row").filter({ hasText: `INV-${run}` });
    await row.getByText("张** 138****8000").waitFor();
    await expect(page.getByText("张三丰").count()).resolves.toBe(0);
    await check("trade-ins");
    await row.getByRole("link", { name: `查看 INV-${run}` }).click();
    await page.getByTestId("audited-notice").getByText("本次查看已记入审计日志").waitFor();
    await page.getByText("张三丰").waitFor();
    await page.getByText("13800138000").waitFor();
    await page.getByRole("link", { name: "发票.pdf (application/pdf)" }).waitFor();
    await check("trade-in");
    await page.getByRole("link", { name: "返回" }).click();
    await page.getByRole("checkbox", { name: `INV-${run}` }).check();
    await page.getByRole("button", { name: /批量批准/ }).click();
    await page.getByRole("button", { name: "OK" }).or(page.getByRole("button", { name: "确定" })).first().click();
    await page.getByText("已批准 1 条，未批准 0 条").waitFor();
  });

  it("the operator sends the growth application back with a reason; the merchant changes and resubmits it, and sees the other PAID", async () => {
    const { page } = browser!;
    await page.getByRole("menuitem", { name: "项目审核" }).click();
    await page.getByRole("link", { name: `增长奖励 ${run}` }).click();
    await page.getByRole("link", { name: `查看 ${MERCHANT}` }).click();
    await page.getByText("¥105,000.00").waitFor();
    await page.getByRole("button", { name: "要求修改" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "要求修改" }).click();
    await expect(fieldError("原因").textContent()).resolves.toBe("必填");
    await dialog.getByLabel("原因").fill("请按发票更正本月销售额");
    await dialog.getByRole("button", { name: "要求修改" }).click();
    await page.getByTestId("application-status").getByText("需修改").waitFor();
    await page.getByRole("button", { name: "退出" }).click();

    await signIn(`owner-${MERCHANT}`, MERCHANT);
    const growth = page.getByTestId(`application-${GROWTH}`);
    await growth.getByText("请按发票更正本月销售额").waitFor();
    await page.getByTestId(`application-${EVENT}`).getByText("已支付").waitFor();
    await growth.getByRole("button", { name: "修改并重新提交" }).click();
    await expect(dialog.getByLabel("去年同月销售额（元）").inputValue()).resolves.toBe("100000.00");
    await dialog.getByLabel("本月销售额（元）").fill("110000");
    await dialog.getByRole("button", { name: "提交" }).click();
    await dialog.getByText("已提交：同比增长 10.00%，拟奖励 ¥10,000.00").waitFor();
    await dialog.getByRole("button", { name: "取消" }).click();
    await noDialogOpen();
    await growth.getByText("待审核").waitFor();

    // The portal in English too.
    await page.getByText("English", { exact: true }).click();
    await page.getByRole("heading", { name: "Merchant portal" }).waitFor();
    await page.getByTestId(`application-${EVENT}`).getByText("Paid").waitFor();
    await growth.getByText("10.00%").waitFor();
    await check("portal-en");
  });
});
