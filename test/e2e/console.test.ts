/**
 * The operator console in a real browser (Debian's Chromium through playwright-core) against the
 * real local runtime, through the UI only: sign in as an operator, see the overview with a
 * campaign's real figures, switch the language to en and back. Screenshots go to .cache/console/;
 * axe-core finds no serious or critical violation on any screen.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../infra/local/console-build.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import { type LocalRuntime, REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { campaignStatsSchema } from "../../shared/api/stats-schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { type TestBrowser, axeViolations, launchBrowser, seriousOrCritical } from "../support/browser.js";
import { seedCampaign } from "../support/seed.js";
import { asOperator, signedPost } from "../support/http.js";
import { TEST_JWT, eventually, startTestRuntime, tableNamesOf, testClients } from "../integration/runtime-helpers.js";

const SCREENSHOTS = path.join(REPOSITORY_ROOT, ".cache", "console");
const campaignId = `console-${Date.now().toString(36)}`;
const PARTNER = `${campaignId}-bank`;
let runtime: LocalRuntime;
let browser: TestBrowser | undefined;
const { db } = testClients();

beforeAll(async () => {
  // The first run after a change of console/ builds it, as npm start would.
  await ensureConsoleBuilt(() => undefined);
  runtime = await startTestRuntime(platform, "console-ui");
  const tables = tableNamesOf(runtime.resources, ["campaigns", "inventory"]);
  await seedCampaign(db, tables, {
    id: campaignId,
    drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 2 }],
    // A card-swipe discount for a partner of this test only, so the overview shows its quota in use.
    instantDiscounts: [
      {
        id: "swipe",
        tiers: [{ threshold: 10_000, discount: 2_000 }, { threshold: 30_000, discount: 6_000 }],
        quota: { total: 500, daily: 50 },
        perPayer: { daily: 1 },
        window: { daysOfWeek: [1, 2, 3, 4, 5, 6, 7] },
        partners: [PARTNER],
      },
    ],
  });
  // One claim over HTTP, so the overview has a figure of today to show.
  const resident = await signLocalToken({ sub: "alice", settings: TEST_JWT });
  const claim = await fetch(`${runtime.url}/campaigns/${campaignId}/drops/d1/claims`, {
    method: "POST",
    headers: { authorization: `Bearer ${resident}`, "content-type": "application/json" },
    body: JSON.stringify({ voucherTypeId: "100-30" }),
  });
  expect(claim.status).toBe(201);
  const operator = await signLocalToken({ sub: "ops", operator: true, settings: TEST_JWT });
  // One card payment through the partner's signed webhook takes one unit of the instant discount.
  const partner = await asOperator(runtime.url, "POST", "/admin/partners", { id: PARTNER, name: "Console Bank" });
  const secret = String(partner.body.signingSecret);
  const merchantId = `${campaignId}-shop`;
  expect((await signedPost(runtime.url, `/partners/${PARTNER}/merchants`, { id: merchantId, name: "总览超市", sector: "supermarket" }, secret)).status).toBe(201);
  expect((await asOperator(runtime.url, "POST", `/admin/merchants/${merchantId}/approve`)).status).toBe(200);
  const payment = { eventId: `${campaignId}-e1`, transactionId: `${campaignId}-t1`, merchantId, payerId: "card-1", amount: 12_000, occurredAt: new Date().toISOString() };
  const paid = await signedPost(runtime.url, `/partners/${PARTNER}/payments`, payment, secret);
  expect(paid.body).toMatchObject({ instantDiscountId: "swipe", discount: 2_000 });
  await eventually(
    async () => {
      const answer = await fetch(`${runtime.url}/admin/campaigns/${campaignId}/stats`, { headers: { authorization: `Bearer ${operator}` } });
      const stats = answer.ok ? campaignStatsSchema.parse(await answer.json()) : undefined;
      return stats?.claimed === 1 && stats.subsidy === 2_000 ? true : undefined;
    },
    30_000,
    "the stats projection to count the claim and the instant discount",
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  // Each step on its own: a failed close must not keep the runtime up, nor the other way round.
  try {
    await browser?.close();
  } finally {
    await runtime?.stop();
  }
});

afterEach(() => {
  // Every screen ran without an uncaught error or a console error.
  expect(browser?.errors ?? []).toEqual([]);
});

async function expectAccessible(screen: string): Promise<void> {
  const violations = seriousOrCritical(await axeViolations(browser!.page));
  const described = violations.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  expect(described, described.join("\n")).toEqual([]);
}

describe("the operator console in Chromium", () => {
  it("signs an operator in through the development sign-in, keeping the token out of the address bar and storage", async () => {
    const { page } = browser!;
    await page.goto(`${runtime.url}/console/`);
    await page.getByRole("heading", { name: "登录" }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in.png") });
    await expectAccessible("sign-in");

    await page.getByLabel("用户标识").fill("ops-1");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { name: "总览" }).waitFor();
    expect(page.url()).toBe(`${runtime.url}/console/`);
    await expect(page.getByTestId("signed-in-as").textContent()).resolves.toBe("ops-1");
    const stored: unknown = await page.evaluate("JSON.stringify([Object.keys(localStorage), Object.keys(sessionStorage), document.cookie])");
    expect(stored).toBe('[[],[],""]');
  });

  it("shows the overview with the seeded campaign's budget gauges, today's claim and the alerts", async () => {
    const { page } = browser!;
    const card = page.getByTestId(`campaign-${campaignId}`);
    await card.getByText(`Test campaign ${campaignId}`).waitFor();
    await expect(card.getByText("¥10,000,000.00").count()).resolves.toBe(1);
    // One claimed 100-30 voucher commits 30 yuan of the budget.
    await card.getByRole("img", { name: "已承诺 ¥30.00" }).waitFor();
    // The card payment's instant discount spent 20 yuan.
    await card.getByRole("img", { name: "已核销补贴 ¥20.00" }).waitFor();
    await card.getByRole("img", { name: "剩余 ¥9,999,950.00" }).waitFor();
    const today = card.locator(".ant-statistic").filter({ hasText: "今日领取" });
    await expect(today.locator(".ant-statistic-content").textContent()).resolves.toBe("1");
    // The instant discount: its quota in use (one card payment), today's use against the daily quota, its definition.
    const instant = card.getByTestId("instant-swipe");
    await instant.getByRole("img", { name: "已用额度 1 / 500" }).waitFor();
    await expect(instant.locator(".ant-statistic").filter({ hasText: "剩余额度" }).locator(".ant-statistic-content").textContent()).resolves.toBe("499");
    await expect(instant.locator(".ant-statistic").filter({ hasText: "今日已用" }).locator(".ant-statistic-content").textContent()).resolves.toBe("1/ 50");
    await instant.getByText("满¥100.00减¥20.00; 满¥300.00减¥60.00").waitFor();
    await instant.getByText("每天 1 次").waitFor();
    await expect(card.locator("canvas").count()).resolves.toBe(4);
    await page.getByText("待审风控标记").waitFor();
    await page.getByText("死信队列积压").waitFor();
    await page.getByText("正常").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "overview-zh-CN.png"), fullPage: true });
    await expectAccessible("overview (zh-CN)");
  });

  it("switches the language to en and back", async () => {
    const { page } = browser!;
    await page.getByText("English", { exact: true }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByRole("img", { name: "Committed ¥30.00" }).waitFor();
    await page.getByText("Open fraud flags").waitFor();
    await expect(page.evaluate("document.documentElement.lang")).resolves.toBe("en");
    await page.screenshot({ path: path.join(SCREENSHOTS, "overview-en.png"), fullPage: true });
    await expectAccessible("overview (en)");

    await page.getByText("中文", { exact: true }).click();
    await page.getByRole("heading", { name: "总览" }).waitFor();
    await expect(page.evaluate("document.documentElement.lang")).resolves.toBe("zh-CN");
  });

  it("forgets the token on a reload (memory only): a deep link opens the app at its sign-in page", async () => {
    const { page } = browser!;
    const response = await page.goto(`${runtime.url}/console/campaigns/${campaignId}`);
    expect(response?.status()).toBe(200);
    await page.getByRole("heading", { name: "登录" }).waitFor();
  });

  it("shows the API's own refusal where data cannot be loaded: a resident signed in sees the operators-only message", async () => {
    const { page } = browser!;
    await page.getByLabel("用户标识").fill("alice");
    await page.getByLabel("角色").click();
    await page.getByTitle("居民").click();
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { name: "总览" }).waitFor();
    await expect(page.getByTestId("signed-in-as").textContent()).resolves.toBe("alice");
    // The public campaign list loads; every operator route answers 403 with its message, shown as is.
    await page.getByTestId(`campaign-${campaignId}`).waitFor();
    const refusals = page.getByText("This route is for bureau operators only");
    await refusals.nth(2).waitFor();
    await expect(refusals.count()).resolves.toBe(3);
    await expect(page.getByText("加载失败").count()).resolves.toBe(3);
    await page.screenshot({ path: path.join(SCREENSHOTS, "overview-errors.png"), fullPage: true });
    await expectAccessible("overview (errors)");
    // Chromium logs each refused request; those, and only those, are expected here.
    expect(browser!.errors.filter((error) => !/status of 403/.test(error))).toEqual([]);
    browser!.errors.length = 0;
  });

  it("takes a token from the fragment, and signs out when the API refuses it (401)", async () => {
    const { page } = browser!;
    const forged = await signLocalToken({ sub: "mallory", operator: true, settings: { secret: "not-the-runtime-secret" } });
    // A fresh document, as after the sign-in's redirect (from /console/ itself it would only change the fragment).
    await page.goto("about:blank");
    browser!.errors.length = 0;
    await page.goto(`${runtime.url}/console/#access_token=${forged}`);
    // The fragment is read and cleared at once; the first refused call ends the session.
    await page.getByRole("heading", { name: "登录" }).waitFor();
    expect(page.url()).toBe(`${runtime.url}/console/`);
    // It was taken and used: the API refused it (Chromium logs each 401), nothing else went wrong.
    expect(browser!.errors.length).toBeGreaterThan(0);
    expect(browser!.errors.filter((error) => !/status of 401/.test(error))).toEqual([]);
    browser!.errors.length = 0;
  });

  it("signs in through the identity provider where config.json names one (AWS): authorization code with PKCE, the token in memory only", async () => {
    const { page, context } = browser!;
    const IDP = "https://idp.example.test/pool-1";
    const cors = { "access-control-allow-origin": runtime.url };
    const token = await signLocalToken({ sub: "ops-oidc", operator: true, settings: TEST_JWT });
    const seen: { challenge?: string | null; nonce?: string | null; redirect?: string | null; verified?: boolean } = {};
    // What the AWS deployment serves, and a stand-in provider: the console's own code does the rest.
    await context.route(`${runtime.url}/console/config.json`, (route) => route.fulfill({ json: { oidc: { authority: IDP, clientId: "console-client", scope: "openid" } } }));
    await context.route(`${IDP}/.well-known/openid-configuration`, (route) =>
      route.fulfill({ json: { issuer: IDP, authorization_endpoint: `${IDP}/oauth2/authorize`, token_endpoint: `${IDP}/oauth2/token` }, headers: cors }),
    );
    await context.route(`${IDP}/oauth2/authorize**`, (route) => {
      const asked = new URL(route.request().url()).searchParams;
      Object.assign(seen, { challenge: asked.get("code_challenge"), nonce: asked.get("nonce"), redirect: asked.get("redirect_uri") });
      return route.fulfill({ status: 302, headers: { location: `${runtime.url}/console/?code=code-1&state=${asked.get("state") ?? ""}` } });
    });
    await context.route(`${IDP}/oauth2/token`, (route) => {
      const form = new URLSearchParams(route.request().postData() ?? "");
      seen.verified = form.get("code") === "code-1" && createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url") === seen.challenge;
      if (!seen.verified) return route.fulfill({ status: 400, json: { error: "invalid_grant" }, headers: cors });
      const idToken = [{ alg: "none" }, { iss: IDP, aud: "console-client", sub: "ops-oidc", nonce: seen.nonce, iat: 0, exp: 4_000_000_000 }]
        .map((part) => Buffer.from(JSON.stringify(part)).toString("base64url"))
        .join(".");
      return route.fulfill({ json: { access_token: token, id_token: `${idToken}.`, token_type: "Bearer", expires_in: 3_600 }, headers: cors });
    });
    try {
      await page.goto(`${runtime.url}/console/`);
      const button = page.getByRole("button", { name: "前往统一身份认证登录" });
      await button.waitFor();
      await expect(page.getByLabel("用户标识").count()).resolves.toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in-provider.png") });
      await expectAccessible("sign-in (identity provider)");
      await button.click();
      await page.getByRole("heading", { name: "总览" }).waitFor();
      await expect(page.getByTestId("signed-in-as").textContent()).resolves.toBe("ops-oidc");
      expect(seen).toMatchObject({ redirect: `${runtime.url}/console/`, verified: true });
      expect(seen.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The code is off the address bar; no token (nor the PKCE request) is left in any storage.
      expect(page.url()).toBe(`${runtime.url}/console/`);
      const stored: unknown = await page.evaluate("JSON.stringify([Object.keys(localStorage), Object.keys(sessionStorage), document.cookie])");
      expect(stored).toBe('[[],[],""]');
    } finally {
      await context.unrouteAll();
    }
  });
});
