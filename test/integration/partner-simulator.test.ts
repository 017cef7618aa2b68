/**
 * The partner simulator that local partners are paid through by default: it accepts payouts once
 * per idempotency key, and fails or hangs a share of calls for drills.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type PartnerSimulator, startPartnerSimulator } from "../../infra/local/partner-simulator.js";

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
});
