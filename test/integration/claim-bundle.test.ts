/**
 * The claim handler's bundle, built as the CDK construct builds it (infra/constructs/bundling.ts),
 * loaded on its own in a fresh Node process as on Lambda, claims against DynamoDB Local. The
 * bundle holds zod mini only (its 300 KB budget, issue 16, test/infra/bundles.test.ts): this
 * shows it answers as the handler always has, zod's English messages included, and keeps keyed
 * claims' records without Powertools.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { unreachedModules } from "../../infra/constructs/bundling.js";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { tableEnvVar } from "../../shared/wiring/define.js";
import { claimVoucherFunction } from "../../shared/wiring/claim-function.js";
import { platform } from "../../shared/wiring/platform.js";
import { LAMBDA_BUNDLING } from "../infra/support.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let tables: { campaigns: string; inventory: string; vouchers: string; idempotency: string };
let dir: string;
let bundle: string;

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "claim-bundle");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "idempotency"]);
  dir = mkdtempSync(join(tmpdir(), "claim-bundle-"));
  bundle = join(dir, "index.mjs");
  const built = await build({ entryPoints: { claim: resolve(REPO_ROOT, claimVoucherFunction.entry) }, ...LAMBDA_BUNDLING, external: unreachedModules(claimVoucherFunction) });
  const code = built.outputFiles.find((file) => file.path.endsWith(".js"));
  if (!code) throw new Error("no bundle of the claim handler");
  writeFileSync(bundle, code.text);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Attempt {
  sub: string;
  path: { id: string; dropId: string };
  body: unknown;
  key?: string;
}

/** Runs the attempts one after the other through the bundle's handler in a fresh Node process; their answers. */
function runBundle(attempts: Attempt[]): { statusCode: number; body: unknown }[] {
  const events = attempts.map(({ sub, path, body, key }) => ({
    version: "2.0",
    routeKey: "POST /campaigns/{id}/drops/{dropId}/claims",
    rawPath: `/campaigns/${path.id}/drops/${path.dropId}/claims`,
    headers: { "content-type": "application/json", "x-vouchers-origin-secret": "from-cloudfront", ...(key ? { "idempotency-key": key } : {}) },
    pathParameters: path,
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: `r-${sub}`, authorizer: { jwt: { claims: { sub }, scopes: [] } }, http: { method: "POST", path: "/" } },
  }));
  const script = `
    const { handler } = await import(${JSON.stringify(bundle)});
    const context = { awsRequestId: "r", functionName: "claimVoucher", functionVersion: "1", memoryLimitInMB: "1024", invokedFunctionArn: "arn:aws:lambda:ap-east-1:1:function:claimVoucher", getRemainingTimeInMillis: () => 9000 };
    const answers = [];
    for (const event of ${JSON.stringify(events)}) answers.push(await handler(event, context));
    console.log("ANSWERS " + JSON.stringify(answers));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: EMULATORS_REGION,
      AWS_ACCESS_KEY_ID: EMULATORS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATORS_CREDENTIALS.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: "claimVoucher",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_NAMESPACE: "Vouchers",
      VOUCHERS_ORIGIN_SECRET: "from-cloudfront",
      VOUCHERS_DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
      ...Object.fromEntries(Object.entries(tables).map(([table, name]) => [tableEnvVar(table), name])),
    },
  });
  const line = run.stdout.split("\n").find((candidate) => candidate.startsWith("ANSWERS "));
  if (line === undefined) throw new Error(`the bundle did not answer: ${run.stderr}`);
  return (JSON.parse(line.slice("ANSWERS ".length)) as { statusCode: number; body: string }[]).map(({ statusCode, body }) => ({ statusCode, body: JSON.parse(body) as unknown }));
}

describe("the claim handler's bundle", () => {
  it("claims, answers a keyed replay from its record, and refuses with the handler's codes and zod's messages", async () => {
    const id = `bundle-${Date.now().toString(36)}`;
    await seedCampaign(db, tables, { id, perPersonLimit: 1, drops: [{ id: "d1", stock: { "100-30": 2 }, shards: 1 }] });
    const claim = { path: { id, dropId: "d1" }, body: { voucherTypeId: "100-30" } };
    const answers = runBundle([
      { ...claim, sub: "keyed", key: "k-1" },
      { ...claim, sub: "keyed", key: "k-1" },
      { ...claim, sub: "keyed", key: "k-1", body: { voucherTypeId: "200-60" } },
      { ...claim, sub: "plain" },
      { ...claim, sub: "late" },
      { ...claim, sub: "bad-path", path: { id: "not an id", dropId: "d1" } },
      { ...claim, sub: "bad-key", key: "a key" },
      { ...claim, sub: "bad-body", body: { voucherTypeId: "100-30", extra: 1 } },
    ]);

    expect(answers.map(({ statusCode }) => statusCode)).toEqual([201, 201, 422, 201, 409, 400, 400, 400]);
    const [first, replay, reused, , soldOut, badPath, badKey, badBody] = answers;
    expect(first!.body).toMatchObject({ campaignId: id, dropId: "d1", voucherTypeId: "100-30", status: "CLAIMED" });
    expect(replay!.body).toEqual(first!.body);
    expect(reused!.body).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
    expect(soldOut!.body).toMatchObject({ error: { code: "SOLD_OUT" } });
    expect(badPath!.body).toEqual({
      error: { code: "VALIDATION_FAILED", message: "The path is invalid", details: [{ path: "id", message: "Invalid string: must match pattern /^[A-Za-z0-9_-]{1,64}$/" }] },
    });
    expect(badKey!.body).toMatchObject({ error: { code: "VALIDATION_FAILED", details: [{ path: "", message: "Idempotency-Key must be 1–128 visible ASCII characters" }] } });
    expect(badBody!.body).toMatchObject({ error: { code: "VALIDATION_FAILED", details: [{ path: "", message: 'Unrecognized key: "extra"' }] } });
  });
});
