/**
 * A hostile partner holding a revoked secret, over the local runtime's HTTP (issue 10, items 6
 * and 7): an operator revokes the secret with `graceSeconds: 0`, and every request signed with it
 * is refused with 401 and changes nothing; the rotation is audited; a payout forged with it is
 * refused by the partner simulator, which verifies payouts as a bank would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../../infra/local/jwt.js";
import type { LocalRuntime } from "../../../infra/local/runtime.js";
import { auditListSchema, merchantListSchema, partnerCreatedSchema, partnerSecretSchema } from "../../../shared/api/registry-schemas.js";
import { errorBodySchema } from "../../../shared/api/schemas.js";
import { SIGNATURE_HEADER, signPayload } from "../../../shared/domain/signature.js";
import { platform } from "../../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime } from "../../integration/runtime-helpers.js";

/** Registers this section's hooks and cases in the describe that calls it. */
export function revokedSecret(): void {
  let runtime: LocalRuntime;
  let operatorToken: string;

  beforeAll(async () => {
    runtime = await startTestRuntime(platform, "secrets-e2e");
    operatorToken = await signLocalToken({ sub: "op-dora", operator: true, settings: TEST_JWT });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  async function call(method: string, path: string, body?: unknown, raw?: string) {
    const text = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${operatorToken}`, ...(text === undefined ? {} : { "content-type": "application/json" }) },
      ...(text === undefined ? {} : { body: text }),
    });
    const answer = await response.text();
    return { status: response.status, body: answer === "" ? undefined : (JSON.parse(answer) as unknown) };
  }

  async function signed(path: string, body: unknown, secret: string) {
    const raw = JSON.stringify(body);
    const response = await fetch(`${runtime.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signPayload(secret, Math.floor(Date.now() / 1000), raw) },
      body: raw,
    });
    await response.arrayBuffer();
    return response.status;
  }

  const submit = (partnerId: string, merchantId: string, secret: string) => signed(`/partners/${partnerId}/merchants`, { id: merchantId, name: merchantId, sector: "hotel" }, secret);
  const merchantIds = async () => merchantListSchema.parse((await call("GET", "/admin/merchants?limit=100")).body).items.map((m) => m.id);
  const rotations = async (partnerId: string) =>
    auditListSchema.parse((await call("GET", `/admin/audit?entity=PARTNER%23${partnerId}&limit=100`)).body).items.filter((e) => e.action === "partner.rotate-secret");

  describe("a hostile partner with a revoked secret", () => {
    it("is refused with 401 once the secret is revoked with graceSeconds 0, and nothing changes", async () => {
      const { signingSecret: leaked } = partnerCreatedSchema.parse((await call("POST", "/admin/partners", { id: "adv-bank", name: "Adv" })).body);
      expect(await submit("adv-bank", "adv-m1", leaked)).toBe(201); // the route now caches the leaked secret

      const rotated = await call("POST", "/admin/partners/adv-bank/rotate-secret", { graceSeconds: 0 });
      expect(rotated.status).toBe(200);
      const { signingSecret: fresh, graceSeconds } = partnerSecretSchema.parse(rotated.body);
      expect(graceSeconds).toBe(0);

      // A route that never cached the leaked secret refuses it at once.
      expect(await signed("/partners/adv-bank/payments", { transactionId: "adv-t1", merchantId: "adv-m1", payerId: "p", amount: 100, occurredAt: new Date().toISOString() }, leaked)).toBe(401);
      // The route that cached it: within 30 s at most; at once after the partner's first request with
      // the new secret (a mismatch against secrets cached for over a second reloads them).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await submit("adv-bank", "adv-m2", fresh)).toBe(201);
      const before = await merchantIds();
      expect(await submit("adv-bank", "adv-m3", leaked)).toBe(401);
      expect(await merchantIds()).toEqual(before);
      expect(before).not.toContain("adv-m3");

      expect(await rotations("adv-bank")).toEqual([expect.objectContaining({ who: "op-dora", after: expect.objectContaining({ graceSeconds: 0, secretCount: 1 }) as unknown })]);
      expect(JSON.stringify(await call("GET", "/admin/audit?entity=PARTNER%23adv-bank"))).not.toContain(leaked);
    });

    it("keeps the old secret valid under the default grace period (an empty body)", async () => {
      const { signingSecret: old } = partnerCreatedSchema.parse((await call("POST", "/admin/partners", { id: "adv-bank-2", name: "Adv 2" })).body);
      const rotated = await call("POST", "/admin/partners/adv-bank-2/rotate-secret");
      expect(partnerSecretSchema.parse(rotated.body).graceSeconds).toBe(86_400);
      expect(await submit("adv-bank-2", "adv-m4", old)).toBe(201);
    });

    it.each([[{ graceSeconds: -1 }], [{ graceSeconds: 86_401 }], [{ graceSeconds: 1.5 }], [{ graceSeconds: "0" }], [{ graceSeconds: 0, revoke: true }]])(
      "refuses the rotation body %j with 400, rotating nothing",
      async (body) => {
        const id = `adv-bank-${Math.random().toString(36).slice(2, 8)}`;
        const { signingSecret } = partnerCreatedSchema.parse((await call("POST", "/admin/partners", { id, name: "Adv" })).body);
        const refused = await call("POST", `/admin/partners/${id}/rotate-secret`, body);
        expect(refused.status).toBe(400);
        expect(errorBodySchema.parse(refused.body).error.code).toBe("VALIDATION_FAILED");
        expect(await rotations(id)).toEqual([]);
        expect(await submit(id, `${id}-m`, signingSecret)).toBe(201);
      },
    );

    it("cannot forge a payout: the partner simulator refuses it unsigned or signed with a revoked secret", async () => {
      const { signingSecret: leaked } = partnerCreatedSchema.parse((await call("POST", "/admin/partners", { id: "adv-bank-3", name: "Adv 3" })).body);
      expect(await submit("adv-bank-3", "adv-m5", leaked)).toBe(201);
      await call("POST", "/admin/partners/adv-bank-3/rotate-secret", { graceSeconds: 0 });
      const raw = JSON.stringify({ statementId: "c/adv-m5/2030-01-01", campaignId: "c", merchantId: "adv-m5", period: "2030-01-01", amount: 1_000_000, currency: "CNY" });
      const forge = (signature?: string) =>
        fetch(runtime.partnerSimulator.payoutUrl, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": "c/adv-m5/2030-01-01", ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
          body: raw,
        }).then((response) => response.status);
      expect(await forge()).toBe(401);
      expect(await forge(signPayload(leaked, Math.floor(Date.now() / 1000), raw))).toBe(401);
      expect(runtime.partnerSimulator.accepted.has("c/adv-m5/2030-01-01")).toBe(false);
    });
  });
}
