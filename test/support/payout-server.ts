/**
 * A partner payout endpoint for tests: node:http on 127.0.0.1, a free port. Each call is answered
 * by the policy of its idempotency key (accept, or fail with 503), so a test scripts "fails twice
 * then succeeds" or "always fails" per statement. Like a real partner it pays a key once: a key
 * accepted before is answered with the same payoutId, whatever the policy says now.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Whether the `call`-th call (1-based) of `key` is accepted. */
export type PayoutPolicy = (key: string, call: number) => boolean;

export interface PayoutServer {
  /** The partner's payoutUrl. */
  readonly payoutUrl: string;
  /** Calls received, by idempotency key (repeats of accepted keys included). */
  readonly calls: ReadonlyMap<string, number>;
  /** Payouts accepted, by idempotency key: what was paid, under which payoutId. */
  readonly accepted: ReadonlyMap<string, { payoutId: string; amount: number }>;
  /** The policy for keys starting with `prefix` (the longest matching prefix wins); others are accepted. */
  when(prefix: string, policy: PayoutPolicy): void;
  stop(): Promise<void>;
}

export const failTimes =
  (failures: number): PayoutPolicy =>
  (_key, call) =>
    call > failures;
export const alwaysFail: PayoutPolicy = () => false;

export async function startPayoutServer(): Promise<PayoutServer> {
  const calls = new Map<string, number>();
  const accepted = new Map<string, { payoutId: string; amount: number }>();
  const policies = new Map<string, PayoutPolicy>();
  const policyOf = (key: string): PayoutPolicy => {
    let best: [string, PayoutPolicy] | undefined;
    for (const entry of policies) if (key.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
    return best?.[1] ?? (() => true);
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const key = request.headers["idempotency-key"];
      if (request.method !== "POST" || typeof key !== "string" || key === "") return reply(400, { message: "POST with an Idempotency-Key" });
      const call = (calls.get(key) ?? 0) + 1;
      calls.set(key, call);
      const known = accepted.get(key);
      if (known) return reply(200, { payoutId: known.payoutId, repeated: true });
      if (!policyOf(key)(key, call)) return reply(503, { message: "scripted outage" });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { amount: number };
      const payoutId = `po_${randomUUID()}`;
      accepted.set(key, { payoutId, amount: body.amount });
      return reply(200, { payoutId });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    payoutUrl: `http://127.0.0.1:${port}/payouts`,
    calls,
    accepted,
    when: (prefix, policy) => void policies.set(prefix, policy),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
