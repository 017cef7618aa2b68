/**
 * The partner simulator that local partners are paid through by default: it accepts payouts once
 * per idempotency key, and fails or hangs a share of calls for drills.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type PartnerSimulator, startPartnerSimulator } from "../../infra/local/partner-simulator.js";
import { SIGNATURE_HEADER, signPayload, signPayloadWithSecrets } from "../../shared/domain/signature.js";

let simulator: PartnerSimulator | undefined;
afterEach(async () => {
  await simulator?.stop();
});

const pay = (url: string, key: string | undefined, body: unknown = { statementId: key, amount: 1_000 }, signal?: AbortSignal) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });

describe("the partner simulator", () => {
  it("accepts a payout once per idempotency key and answers a repeat as the first", async () => {
    simulator = await startPartnerSimulator();
    const first = await pay(simulator.payoutUrl, "s-1");
    const again = await pay(simulator.payoutUrl, "s-1");
    expect(first.status).toBe(200);
    const { payoutId } = (await first.json()) as { payoutId: string };
    expect(await again.json()).toEqual({ payoutId, status: "ACCEPTED", repeated: true });
    expect(simulator.accepted.size).toBe(1);
    expect((await pay(simulator.payoutUrl, undefined)).status).toBe(400);
  });

  it("fails and hangs the configured shares of calls, for drills", async () => {
    const rolls = [0.05, 0.3, 0.9];
    simulator = await startPartnerSimulator({ timeoutShare: 0.1, failShare: 0.4, random: () => rolls.shift() ?? 0.9 });
    const hung = await pay(simulator.payoutUrl, "a", undefined, AbortSignal.timeout(300)).catch((error: unknown) => error);
    expect(hung).toBeInstanceOf(Error);
    expect((await pay(simulator.payoutUrl, "b")).status).toBe(503);
    expect((await pay(simulator.payoutUrl, "c")).status).toBe(200);
    simulator.configure({ failShare: 1, timeoutShare: 0 });
    expect((await pay(simulator.payoutUrl, "d")).status).toBe(503);
  });

  it("lists every payout it received at GET /payouts, with its statement and outcome, and tells of each fault it injected", async () => {
    const rolls = [0.9, 0.1, 0.9];
    const faults: string[] = [];
    simulator = await startPartnerSimulator({ failShare: 0.5, random: () => rolls.shift() ?? 0.9, onFault: (kind) => faults.push(kind) });
    await pay(simulator.payoutUrl, "s-1");
    await pay(simulator.payoutUrl, "s-2");
    await pay(simulator.payoutUrl, "s-2");
    await pay(simulator.payoutUrl, "s-1");
    const listed = (await (await fetch(simulator.payoutUrl)).json()) as { items: { statementId: string; outcome: string; payoutId?: string }[] };
    expect(listed.items.map((item) => [item.statementId, item.outcome])).toEqual([
      ["s-1", "accepted"],
      ["s-2", "failed"],
      ["s-2", "accepted"],
      ["s-1", "repeated"],
    ]);
    expect(listed.items[3]!.payoutId).toBe(listed.items[0]!.payoutId);
    expect(faults).toEqual(["fail"]);
  });

  describe("when it knows the partners' secrets (as the local runtime starts it)", () => {
    const secrets: Record<string, string[]> = { m1: ["old", "new"] };
    const start = () => startPartnerSimulator({ secretsFor: ({ merchantId }) => Promise.resolve(secrets[merchantId]) });
    const body = (merchantId: string, key: string) => JSON.stringify({ statementId: key, campaignId: "c1", merchantId, period: "2030-01-01", amount: 1_000, currency: "CNY" });
    const send = (raw: string, key: string, signature?: string) =>
      fetch(simulator!.payoutUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key, ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
        body: raw,
      });
    const now = () => Math.floor(Date.now() / 1000);

    it("refuses an unsigned, badly signed, stale or unknown merchant's payout with 401 and pays nothing", async () => {
      simulator = await start();
      const raw = body("m1", "k-1");
      expect((await send(raw, "k-1")).status).toBe(401);
      expect((await send(raw, "k-1", signPayload("revoked", now(), raw))).status).toBe(401);
      expect((await send(raw, "k-1", signPayload("new", now() - 3_600, raw))).status).toBe(401);
      expect((await send(raw, "k-1", signPayload("new", now(), raw.replace("1000", "9000")))).status).toBe(401);
      const stranger = body("m-unknown", "k-2");
      expect((await send(stranger, "k-2", signPayload("new", now(), stranger))).status).toBe(401);
      expect(simulator.accepted.size).toBe(0);
      expect(simulator.refused).toBe(5);
    });

    it("accepts a payout signed with any live secret of the merchant's partner, once per key", async () => {
      simulator = await start();
      const raw = body("m1", "k-3");
      const first = await send(raw, "k-3", signPayloadWithSecrets(["revoked-long-ago", "new"], now(), raw));
      expect(first.status).toBe(200);
      expect((await send(raw, "k-3", signPayload("old", now(), raw))).status).toBe(200);
      expect(simulator.accepted.size).toBe(1);
      expect(simulator.refused).toBe(0);
    });
  });
});
