/**
 * The console's campaign screens in a real browser (Debian's Chromium through playwright-core)
 * against the real local runtime, through the UI only: an operator signs in, creates a campaign
 * whose budget is too small, sees the API's refusal at the budget field, fixes it and publishes;
 * adds a drop, pauses and resumes; watches the drop-day view's units fall and the drop sell out
 * while the test claims over HTTP; draws a lottery drop and sees its result. axe-core finds no
 * serious or critical violation on any of these screens; screenshots go to .cache/console-screens/.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../infra/local/console-build.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import { type LocalRuntime, REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { zonedTimestamp } from "../../shared/domain/settlement.js";
import { platform } from "../../shared/wiring/platform.js";
import { type TestBrowser, launchBrowser } from "../support/browser.js";
import { expectAccessible, expectNoPageErrors, stopBrowserAndRuntime } from "../support/console-browser-suite.js";
import { apiCall, asOperator } from "../support/http.js";
import { TEST_JWT, startTestRuntime } from "../integration/runtime-helpers.js";

const SCREENSHOTS = path.join(REPOSITORY_ROOT, ".cache", "console-screens");
const ZONE = "Asia/Shanghai";
const suffix = Date.now().toString(36);
const campaignId = `editor-${suffix}`;
const lotteryId = `lottery-${suffix}`;
let runtime: LocalRuntime;
let browser: TestBrowser | undefined;

/** An instant `offsetMs` from now as the console's local-time fields take it, in Shanghai time. */
const local = (offsetMs: number) => zonedTimestamp(new Date(Date.now() + offsetMs), ZONE).text.slice(0, 16);
const MINUTE = 60_000;
const DAY = 86_400_000;

async function claim(campaign: string, dropId: string, resident: string): Promise<number> {
  const token = await signLocalToken({ sub: resident, settings: TEST_JWT });
  return (await apiCall(runtime.url, "POST", `/campaigns/${campaign}/drops/${dropId}/claims`, { token, body: { voucherTypeId: "100-30" } })).status;
}

beforeAll(async () => {
  await ensureConsoleBuilt(() => undefined);
  runtime = await startTestRuntime(platform, "console-campaigns");
  // A lottery campaign whose registration closes a few seconds from now, with three registrations over HTTP.
  const now = Date.now();
  const at = (ms: number) => new Date(now + ms).toISOString();
  const lottery = {
    id: lotteryId,
    name: "摇号消费券",
    budget: 10_000_000,
    startsAt: at(-MINUTE),
    endsAt: at(DAY),
    perPersonLimit: 1,
    sectors: ["supermarket"],
    refundPolicy: "void",
    voucherTypes: [{ id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 }],
    drops: [
      {
        id: "draw1",
        opensAt: at(0),
        closesAt: at(2 * 3_600_000),
        stock: { "100-30": 2 },
        shards: 1,
        allocation: "lottery",
        registration: { opensAt: at(0), closesAt: at(8_000) },
        drawAt: at(3_600_000),
      },
    ],
  };
  expect((await asOperator(runtime.url, "POST", "/admin/campaigns", lottery)).status).toBe(201);
  expect((await asOperator(runtime.url, "POST", `/admin/campaigns/${lotteryId}/publish`)).status).toBe(200);
  for (const resident of ["lot-a", "lot-b", "lot-c"]) {
    const token = await signLocalToken({ sub: resident, settings: TEST_JWT });
    const registered = await apiCall(runtime.url, "POST", `/campaigns/${lotteryId}/drops/draw1/registrations`, { token, body: { voucherTypeId: "100-30" } });
    expect(registered.status).toBe(201);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchBrowser();
}, 180_000);

afterAll(() => stopBrowserAndRuntime(browser, runtime));

afterEach(() => expectNoPageErrors(browser));

describe("the campaign screens in Chromium", () => {
  it("creates a campaign: a validation error and the budget error each at its field, fixed, saved as a draft, then published after a confirmation", async () => {
    const { page } = browser!;
    await page.goto(`${runtime.url}/console/`);
    await page.getByLabel("用户标识").fill("ops-campaigns");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { name: "总览" }).waitFor();

    await page.getByRole("menuitem", { name: "活动编辑" }).click();
    await page.getByRole("heading", { name: "活动", exact: true }).waitFor();
    await page.getByRole("button", { name: "新建活动" }).click();
    await page.getByRole("heading", { name: "新建活动" }).waitFor();

    await page.getByLabel("活动编号").fill(campaignId);
    await page.getByLabel("名称").fill("直播测试消费券");
    await page.getByLabel("活动开始").fill(local(-DAY));
    await page.getByLabel("活动结束").fill(local(30 * DAY));
    await page.getByLabel("开抢时间").fill(local(-MINUTE));
    await page.getByLabel("本场结束").fill(local(3_600_000));
    await page.getByLabel("100-30 库存（张）").fill("20");
    await page.getByLabel("分片数").fill("2");
    // 20 units × ¥30 = ¥600 against a budget of ¥100: the live arithmetic says so before saving.
    await page.getByLabel("预算（元）").fill("100");
    const arithmetic = page.getByTestId("budget-arithmetic");
    await arithmetic.getByText("超出预算 ¥500.00").waitFor();
    await arithmetic.getByText("¥600.00").waitFor();

    // First a drop that closes before it opens: the API's VALIDATION_FAILED names drops.0.closesAt, shown at that field.
    await page.getByLabel("本场结束").fill(local(-2 * MINUTE));
    await page.getByRole("button", { name: "保存草稿" }).click();
    const closesItem = page.locator(".ant-form-item", { has: page.getByLabel("本场结束") });
    await closesItem.locator(".ant-form-item-explain-error").getByText("must be after opensAt").waitFor();
    await page.getByLabel("本场结束").fill(local(3_600_000));
    await closesItem.locator(".ant-form-item-explain-error").waitFor({ state: "detached" });

    await page.getByRole("button", { name: "保存草稿" }).click();
    // The API's BUDGET_EXCEEDED, at the budget field.
    const budgetItem = page.locator(".ant-form-item", { has: page.getByLabel("预算（元）") });
    await budgetItem.locator(".ant-form-item-explain-error").getByText("over the budget of ¥100.00").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "editor.png"), fullPage: true });
    await expectAccessible(browser!, "campaign editor (budget error)");
    // Chromium logs the refused request (400); that, and only that, is expected here.
    expect(browser!.errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    browser!.errors.length = 0;

    await page.getByLabel("预算（元）").fill("1000");
    await arithmetic.getByText("¥400.00").waitFor();
    // The edit clears the API's error from the field (its exit animation may take a moment).
    await budgetItem.locator(".ant-form-item-explain-error").waitFor({ state: "detached" });
    await page.getByRole("button", { name: "保存草稿" }).click();
    await page.getByRole("heading", { name: "活动：直播测试消费券" }).waitFor();
    expect(page.url()).toBe(`${runtime.url}/console/campaigns/${campaignId}`);
    await expect(page.getByTestId("campaign-status").textContent()).resolves.toBe("草稿");

    await page.getByRole("button", { name: "发布" }).click();
    const dialog = page.getByRole("dialog", { name: "发布活动？" });
    await dialog.getByText("已发布的活动不能再修改").waitFor();
    await dialog.getByRole("button", { name: "确认" }).click();
    await page.getByTestId("campaign-status").getByText("已发布").waitFor();
    await page.getByText("已发布的活动不可修改，可以追加场次。").waitFor();
  });

  it("adds a drop to the published campaign, and pauses and resumes it after confirmations", async () => {
    const { page } = browser!;
    const addDrop = page.locator(".ant-card", { has: page.getByText("追加场次", { exact: true }) });
    await addDrop.getByLabel("场次编号").fill("d2");
    await addDrop.getByLabel("开抢时间").fill(local(DAY));
    await addDrop.getByLabel("本场结束").fill(local(DAY + 3_600_000));
    await addDrop.getByLabel("100-30 库存（张）").fill("10");
    // 10 × ¥30 more: ¥900 of ¥1,000 committed.
    await addDrop.getByTestId("add-drop-budget").getByText("本场补贴 ¥300.00，追加后承诺 ¥900.00 / 预算 ¥1,000.00").waitFor();
    await addDrop.getByRole("button", { name: "添加场次" }).click();
    await page.getByText("场次 2").waitFor();

    await page.getByRole("button", { name: "暂停" }).click();
    await page.getByRole("dialog", { name: "暂停活动？" }).getByRole("button", { name: "确认" }).click();
    await page.getByTestId("campaign-status").getByText("已暂停").waitFor();
    await page.getByRole("button", { name: "恢复" }).click();
    await page.getByRole("dialog", { name: "恢复活动？" }).getByRole("button", { name: "确认" }).click();
    await page.getByTestId("campaign-status").getByText("已发布").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "editor-published.png"), fullPage: true });
    await expectAccessible(browser!, "campaign editor (published)");

    // The list, filtered to published campaigns, shows it.
    await page.getByRole("menuitem", { name: "活动编辑" }).click();
    await page.getByText("已发布", { exact: true }).first().click();
    await page.getByRole("link", { name: "直播测试消费券" }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "campaigns.png"), fullPage: true });
    await expectAccessible(browser!, "campaign list");
  });

  it("shows drop day live: units falling while residents claim over HTTP, the shards, the sold-out moment and the next drop's countdown", async () => {
    const { page } = browser!;
    await page.getByRole("menuitem", { name: "抢券直播" }).click();
    await page.getByLabel("选择活动").click();
    await page.getByTitle(`直播测试消费券 (${campaignId})`).click();
    const remaining = page.getByTestId("remaining-d1-100-30");
    await remaining.getByText("20", { exact: true }).waitFor();
    await page.getByTestId("next-drop").getByText("d2").waitFor();

    for (let n = 0; n < 5; n++) expect(await claim(campaignId, "d1", `resident-${n}`)).toBe(201);
    await remaining.getByText("15", { exact: true }).waitFor();
    const claims = await Promise.all(Array.from({ length: 16 }, (_, n) => claim(campaignId, "d1", `resident-${n + 5}`)));
    expect(claims.filter((status) => status === 201)).toHaveLength(15);
    expect(claims.filter((status) => status === 409)).toHaveLength(1);
    await remaining.getByText("0", { exact: true }).waitFor();
    await page.getByTestId("sold-out-d1-100-30").getByText(`(${ZONE})`).waitFor();
    await expect(page.getByTestId("shards-d1-100-30").textContent()).resolves.toBe("#0 0#1 0");
    // One chart per drop and voucher type, drawn (a canvas) and kept across polls.
    await expect(page.getByTestId("live-d1-100-30").locator("canvas").count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, "drop-day.png"), fullPage: true });
    await expectAccessible(browser!, "drop day");
  });

  it("draws a lottery drop once registration closed, after a confirmation, and shows the published result", async () => {
    const { page } = browser!;
    await page.getByLabel("选择活动").click();
    await page.getByTitle(`摇号消费券 (${lotteryId})`).click();
    const lottery = page.getByTestId("lottery-draw1");
    await lottery.locator(".ant-statistic").filter({ hasText: "报名人数" }).getByText("3").waitFor();
    // The button appears once the registration window has closed (8 s after the campaign was made).
    await lottery.getByRole("button", { name: "开奖" }).click({ timeout: 20_000 });
    await page.getByRole("dialog", { name: "现在开奖？" }).getByRole("button", { name: "确认" }).click();
    const result = page.getByTestId("draw-result-draw1");
    await result.waitFor({ timeout: 30_000 });
    await result.getByText(/^[0-9a-f]{64}$/).first().waitFor();
    await expect(result.locator(".ant-table-row").first().textContent()).resolves.toBe("100-30222");
    await page.screenshot({ path: path.join(SCREENSHOTS, "lottery.png"), fullPage: true });
    await expectAccessible(browser!, "lottery");
  });
});
