/**
 * Partners and merchants over the local runtime's HTTP, with real signatures: an operator
 * registers a partner, the partner submits a merchant signed with its secret, an operator
 * approves and suspends it, the public list follows, and the audit trail says who, when and why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCall, signedPost } from "../support/http.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { auditListSchema, merchantListSchema, merchantSchema, partnerCreatedSchema, partnerSecretSchema } from "../../shared/api/registry-schemas.js";
import { errorBodySchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, eventually, startTestRuntime } from "../integration/runtime-helpers.js";

let runtime: LocalRuntime;
let operatorToken: string;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "merchants-e2e");
  operatorToken = await signLocalToken({ sub: "op-carol", operator: true, settings: TEST_JWT });
});

afterAll(async () => {
  await runtime?.stop();
});

const call = (method: string, path: string, options: { body?: unknown; token?: string | null } = {}) =>
  apiCall(runtime.url, method, path, { body: options.body, token: options.token === undefined ? operatorToken : options.token });

const signed = (path: string, body: unknown, secret: string, at?: number) => signedPost(runtime.url, path, body, secret, at);

const publicIds = async () => merchantListSchema.parse((await call("GET", "/merchants?limit=100", { token: null })).body).items.map((m) => m.id);

describe("a merchant's life over HTTP, with signed partner requests", () => {
  it("is submitted by its partner, approved, published, suspended with a reason, and audited", async () => {
    const registered = await call("POST", "/admin/partners", { body: { id: "e2e-bank", name: "E2E Bank", payoutUrl: "http://127.0.0.1:9/payouts" } });
    expect(registered.status).toBe(201);
    const partner = partnerCreatedSchema.parse(registered.body);

    const submitted = await signed("/partners/e2e-bank/merchants", { id: "e2e-shop", name: "小店", sector: "restaurant" }, partner.signingSecret);
    expect(submitted.status).toBe(201);
    expect(merchantSchema.parse(submitted.body)).toMatchObject({ id: "e2e-shop", partnerId: "e2e-bank", status: "PENDING" });

    const approved = await call("POST", "/admin/merchants/e2e-shop/approve");
    expect(approved.status).toBe(200);
    expect(merchantSchema.parse(approved.body).status).toBe("APPROVED");
    // The public list is served from a 2 s cache.
    await eventually(async () => ((await publicIds()).includes("e2e-shop") ? true : undefined), 10_000, "the approved merchant in GET /merchants");

    const refused = await call("POST", "/admin/merchants/e2e-shop/suspend", { body: {} });
    expect(refused.status).toBe(400);
    const suspended = await call("POST", "/admin/merchants/e2e-shop/suspend", { body: { reason: "chargebacks under review" } });
    expect(suspended.status).toBe(200);
    expect(merchantSchema.parse(suspended.body)).toMatchObject({ status: "SUSPENDED", statusReason: "chargebacks under review" });
    await eventually(async () => ((await publicIds()).includes("e2e-shop") ? undefined : true), 10_000, "the suspended merchant to leave GET /merchants");
    const listed = merchantListSchema.parse((await call("GET", "/admin/merchants?status=SUSPENDED")).body);
    expect(listed.items.map((m) => m.id)).toContain("e2e-shop");

    const again = await call("POST", "/admin/merchants/e2e-shop/approve");
    expect(again.status).toBe(409);
    expect(errorBodySchema.parse(again.body).error.code).toBe("INVALID_STATE");

    const audit = auditListSchema.parse((await call("GET", `/admin/audit?entity=${encodeURIComponent("MERCHANT#e2e-shop")}`)).body);
    expect(audit.items.map((e) => [e.action, e.who, e.reason])).toEqual([
      ["merchant.create", "partner:e2e-bank", undefined],
      ["merchant.approve", "op-carol", undefined],
      ["merchant.suspend", "op-carol", "chargebacks under review"],
    ]);
    for (const entry of audit.items) expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
    const partnerAudit = await call("GET", "/admin/audit?entity=PARTNER%23e2e-bank");
    expect(JSON.stringify(partnerAudit.body)).not.toContain(partner.signingSecret);
    expect(auditListSchema.parse(partnerAudit.body).items.map((e) => e.action)).toEqual(["partner.register"]);
  });

  it("refuses bad, stale and unknown-partner signatures with 401, creating nothing", async () => {
    const { signingSecret } = partnerCreatedSchema.parse((await call("POST", "/admin/partners", { body: { id: "e2e-bank-2", name: "Two", payoutUrl: "https://pay.example/" } })).body);
    const attempts = [
      await signed("/partners/e2e-bank-2/merchants", { id: "e2e-forged", name: "F", sector: "fuel" }, "not-the-secret"),
      await signed("/partners/e2e-bank-2/merchants", { id: "e2e-forged", name: "F", sector: "fuel" }, signingSecret, Math.floor(Date.now() / 1000) - 600),
      await signed("/partners/e2e-ghost/merchants", { id: "e2e-forged", name: "F", sector: "fuel" }, signingSecret),
    ];
    const unsigned = await fetch(`${runtime.url}/partners/e2e-bank-2/merchants`, { method: "POST", body: JSON.stringify({ id: "e2e-forged", name: "F", sector: "fuel" }) });
    expect(unsigned.status).toBe(401);
    for (const attempt of attempts) {
      expect(attempt.status).toBe(401);
      expect(errorBodySchema.parse(attempt.body).error.code).toBe("UNAUTHORIZED");
    }
    const all = merchantListSchema.parse((await call("GET", "/admin/merchants?limit=100")).body);
    expect(all.items.map((m) => m.id)).not.toContain("e2e-forged");
    expect(auditListSchema.parse((await call("GET", "/admin/audit?entity=MERCHANT%23e2e-forged")).body).items).toEqual([]);
  });

  it("accepts the old and the new secret after a rotation", async () => {
    const { signingSecret: old } = partnerCreatedSchema.parse((await call("POST", "/admin/partners", { body: { id: "e2e-bank-3", name: "Three", payoutUrl: "https://pay3.example/" } })).body);
    expect((await signed("/partners/e2e-bank-3/merchants", { id: "e2e-r1", name: "R1", sector: "hotel" }, old)).status).toBe(201);
    const rotated = await call("POST", "/admin/partners/e2e-bank-3/rotate-secret");
    expect(rotated.status).toBe(200);
    const { signingSecret: fresh } = partnerSecretSchema.parse(rotated.body);
    expect(fresh).not.toBe(old);
    // An instance that cached the partner's secrets reloads them on a mismatch at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await signed("/partners/e2e-bank-3/merchants", { id: "e2e-r2", name: "R2", sector: "hotel" }, fresh)).status).toBe(201);
    expect((await signed("/partners/e2e-bank-3/merchants", { id: "e2e-r3", name: "R3", sector: "hotel" }, old)).status).toBe(201);
    // Merchant ids are global: another partner cannot take one.
    const taken = await call("POST", "/admin/merchants", { body: { id: "e2e-r1", name: "X", sector: "fuel", partnerId: "e2e-bank-2" } });
    expect(taken.status).toBe(409);
    expect(errorBodySchema.parse(taken.body).error.code).toBe("ALREADY_EXISTS");
  });

  it("refuses a private payout URL, and an audit query without a well-formed entity", async () => {
    const privateUrl = await call("POST", "/admin/partners", { body: { id: "e2e-bank-4", name: "Four", payoutUrl: "http://10.0.0.8/" } });
    expect(privateUrl.status).toBe(400);
    expect(errorBodySchema.parse(privateUrl.body).error.details).toEqual([expect.objectContaining({ path: "payoutUrl" })]);
    expect((await call("GET", "/admin/audit?entity=merchant:m1")).status).toBe(400);
    expect((await call("GET", "/admin/audit")).status).toBe(400);
  });
});
