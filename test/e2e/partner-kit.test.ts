/**
 * The partner kit and the integration guide against a local runtime's HTTP, as a bank would use
 * them: `npm run partner -- send` (its own process) submits a merchant, a payment and a refund that
 * really land, and the guide's Node example (and its curl example, where openssl and curl exist),
 * cut out of docs/partners.md and run as they are, are answered and applied.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import { type LocalRuntime, REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { merchantListSchema, merchantSchema, partnerCreatedSchema } from "../../shared/api/registry-schemas.js";
import { walletSchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";
import { type ProcessRun, runProcess, runScript } from "../support/process.js";
import { seedCampaign } from "../support/seed.js";

const { db } = testClients();
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const partnerId = unique("kit-bank");
let runtime: LocalRuntime;
let secret: string;
let campaignId: string;
let workDir: string;

/** `npm run partner -- …` without the npm wrapper, aimed at the test runtime. */
const kit = (args: string[]) => runScript("scripts/partner.ts", [...args, "--url", runtime.url], { PARTNER_SECRET: secret });

/** The status line and the JSON answer `send` prints. */
function answerOf(result: ProcessRun): { status: string; body: unknown } {
  const [status = "", ...rest] = result.stdout.trim().split("\n");
  return { status, body: JSON.parse(rest.join("\n")) as unknown };
}

async function asOperator(method: string, path: string, body?: unknown) {
  const token = await signLocalToken({ sub: "op-kit", operator: true, settings: TEST_JWT });
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** A resident who claimed one voucher of the seeded drop, and a look at their wallet. */
async function residentWith(voucherTypeId: string) {
  const payer = unique("payer");
  const token = await signLocalToken({ sub: payer, settings: TEST_JWT });
  const claimed = await fetch(`${runtime.url}/campaigns/${campaignId}/drops/d1/claims`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ voucherTypeId }),
  });
  expect(claimed.status).toBe(201);
  const wallet = async () => walletSchema.parse(await (await fetch(`${runtime.url}/me/vouchers`, { headers: { authorization: `Bearer ${token}` } })).json()).items;
  return { payer, wallet };
}

/** An approved merchant of the partner, submitted over signed HTTP by the kit. */
async function approvedMerchant(): Promise<string> {
  const merchantId = unique("kit-shop");
  const submitted = await kit(["send", "merchant", "--partner", partnerId, "--merchant", merchantId, "--name", "惠民超市", "--sector", "supermarket"]);
  expect(submitted.code, submitted.stderr).toBe(0);
  const answer = answerOf(submitted);
  expect(answer.status).toBe("201 Created");
  expect(merchantSchema.parse(answer.body)).toMatchObject({ id: merchantId, partnerId, status: "PENDING", sector: "supermarket" });
  const pending = merchantListSchema.parse((await asOperator("GET", "/admin/merchants?status=PENDING&limit=100")).body);
  expect(pending.items.find((merchant) => merchant.id === merchantId)).toMatchObject({ partnerId, name: "惠民超市" });
  expect(await asOperator("POST", `/admin/merchants/${merchantId}/approve`)).toMatchObject({ status: 200, body: { status: "APPROVED" } });
  return merchantId;
}

/** The fenced code block that follows `<!-- example: NAME -->` in docs/partners.md. */
async function guideExample(name: string): Promise<string> {
  const guide = await readFile(path.join(REPOSITORY_ROOT, "docs/partners.md"), "utf8");
  const found = new RegExp(`<!-- example: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(guide);
  if (!found?.[1]) throw new Error(`docs/partners.md has no example ${name}`);
  return found[1];
}

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "partner-kit-e2e");
  workDir = await mkdtemp(path.join(tmpdir(), "partner-kit-"));
  const registered = await asOperator("POST", "/admin/partners", { id: partnerId, name: "Kit Bank" });
  expect(registered.status).toBe(201);
  secret = partnerCreatedSchema.parse(registered.body).signingSecret;
  campaignId = unique("kit");
  await seedCampaign(db, { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name }, {
    id: campaignId,
    drops: [{ id: "d1", stock: { "100-30": 5, "200-60": 5 }, shards: 1 }],
  });
});

afterAll(async () => {
  await runtime?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("npm run partner -- send", () => {
  it("submits a merchant, then a payment and its refund, which land: answered and applied", async () => {
    const merchantId = await approvedMerchant();
    const { payer, wallet } = await residentWith("100-30");
    const transactionId = unique("txn");

    const paid = await kit(["send", "payment", "--partner", partnerId, "--merchant", merchantId, "--payer", payer, "--amount", "12000", "--transaction", transactionId]);
    expect(paid.code, paid.stderr).toBe(0);
    const payment = answerOf(paid);
    expect(payment.status).toBe("200 OK");
    expect(payment.body).toMatchObject({ transactionId, discount: 3_000, payable: 9_000 });
    const [voucher] = await wallet();
    expect(voucher).toMatchObject({ voucherId: (payment.body as { voucherId: string }).voucherId, status: "REDEEMED" });

    const refunded = await kit(["send", "refund", "--partner", partnerId, "--transaction", transactionId]);
    expect(refunded.code, refunded.stderr).toBe(0);
    expect(answerOf(refunded)).toEqual({ status: "200 OK", body: { transactionId, reversed: true, refunded: 12_000, remaining: 0 } });
    expect((await wallet())[0]).toMatchObject({ voucherId: voucher!.voucherId, status: "VOID" });

    // A wrong secret is the platform's 401, and the kit's exit 1.
    const forged = await runScript("scripts/partner.ts", ["send", "refund", "--partner", partnerId, "--secret", "not-the-secret", "--transaction", transactionId, "--url", runtime.url]);
    expect(forged.code).toBe(1);
    expect(answerOf(forged)).toMatchObject({ status: "401 Unauthorized", body: { error: { code: "UNAUTHORIZED" } } });
  });
});

describe("the guide's examples, run as they are", () => {
  it("the Node example pays at an approved merchant, and its retry gets the same answer", async () => {
    const merchantId = await approvedMerchant();
    const { payer, wallet } = await residentWith("200-60");
    const file = path.join(workDir, "payment.mjs");
    await writeFile(file, await guideExample("node-payment"));
    const transactionId = unique("txn");
    const env = { URL: runtime.url, PARTNER_ID: partnerId, SECRET: secret, MERCHANT_ID: merchantId, PAYER_ID: payer, AMOUNT: "25000", TRANSACTION_ID: transactionId };

    const first = await runProcess(process.execPath, [file], env);
    expect(first.code, first.stderr).toBe(0);
    const [status, json] = first.stdout.trim().split(/ (.*)/s);
    expect(status).toBe("200");
    const answer = JSON.parse(json ?? "") as unknown;
    expect(answer).toMatchObject({ transactionId, discount: 6_000, payable: 19_000 });
    expect((await wallet())[0]).toMatchObject({ voucherId: (answer as { voucherId: string }).voucherId, status: "REDEEMED" });

    const again = await runProcess(process.execPath, [file], env);
    expect(again).toMatchObject({ code: 0, stdout: first.stdout });
  });

  const hasTools = [["openssl", "version"], ["curl", "--version"]].every(([tool, ...args]) => spawnSync(tool!, args, { stdio: "ignore" }).status === 0);
  it.runIf(hasTools)("the curl example's signature, computed by openssl, submits a merchant", async () => {
    const submitted = await runProcess("bash", ["-c", await guideExample("curl-merchant")], { URL: runtime.url, PARTNER_ID: partnerId, SECRET: secret });
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(merchantSchema.parse(JSON.parse(submitted.stdout))).toMatchObject({ id: "shop-42", partnerId, status: "PENDING" });
  });
});
