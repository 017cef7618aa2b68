/**
 * The payout client against real HTTP servers on loopback (issue 10, items 7 and 8): payouts are
 * signed with every live secret of the partner, redirects are never followed, and on AWS the host
 * is resolved once, every address it resolves to is judged, and the connection goes to the
 * address judged (a second lookup would let DNS rebinding through). The resolver is injected.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifySignature } from "../../shared/domain/signature.js";
import { type PayoutRequest, type ResolveHost, createPayoutClient, postPayout } from "../../shared/payout-client.js";

const AWS = { allowHttp: false };
const LOCAL = { allowHttp: true };
const NOW = new Date("2030-06-01T10:00:00.000Z");

interface Received {
  path: string | undefined;
  host: string | undefined;
  signature: string | undefined;
  idempotencyKey: string | undefined;
  rawBody: string;
}

/** A server on 127.0.0.1 that records what it receives and answers with `answer`. */
async function server(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const received: Received[] = [];
  const instance = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        path: request.url,
        host: request.headers.host,
        signature: request.headers["x-voucher-signature"] as string | undefined,
        idempotencyKey: request.headers["idempotency-key"] as string | undefined,
        rawBody: Buffer.concat(chunks).toString("utf8"),
      });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => instance.listen(0, "127.0.0.1", resolve));
  const { port } = instance.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      instance.close(() => resolve());
      instance.closeAllConnections();
    });
  servers.push(stop);
  return { port, received };
}

const servers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of servers.splice(0)) await stop();
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (_: http.IncomingMessage, response: http.ServerResponse) => {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
};

const payout = (url: string, secrets: readonly string[] = ["secret-now"]): PayoutRequest => ({
  url,
  idempotencyKey: "c1/m1/2030-05-31",
  body: { statementId: "c1/m1/2030-05-31", campaignId: "c1", merchantId: "m1", period: "2030-05-31", amount: 12_345, currency: "CNY" },
  secrets,
  timeoutMs: 2_000,
});

/** A resolver answering `answers` in turn (the last one again after that), counting its calls. */
const resolver = (...answers: string[][]) => {
  let call = 0;
  return vi.fn<ResolveHost>(() => {
    const addresses = answers[Math.min(call++, answers.length - 1)]!;
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })));
  });
};

describe("payout requests are signed", () => {
  it("with one v1 per live secret of the partner, over the exact bytes sent, at the time of sending", async () => {
    const { port, received } = await server(json(200, { payoutId: "po-1" }));
    const post = createPayoutClient({ rules: LOCAL, now: () => NOW });
    const outcome = await post(payout(`http://127.0.0.1:${port}/payouts`, ["old-secret", "new-secret"]));
    expect(outcome).toEqual({ ok: true, payoutId: "po-1" });
    const [request] = received;
    expect(request?.idempotencyKey).toBe("c1/m1/2030-05-31");
    expect(JSON.parse(request!.rawBody)).toMatchObject({ statementId: "c1/m1/2030-05-31", amount: 12_345 });
    expect(request?.signature).toMatch(new RegExp(`^t=${NOW.getTime() / 1000},v1=[0-9a-f]{64},v1=[0-9a-f]{64}$`));
    for (const secret of ["old-secret", "new-secret"]) {
      expect(verifySignature({ header: request!.signature, rawBody: request!.rawBody, secrets: [secret], now: NOW })).toMatchObject({ ok: true });
    }
    expect(verifySignature({ header: request!.signature, rawBody: request!.rawBody, secrets: ["revoked"], now: NOW })).toEqual({ ok: false, reason: "mismatch" });
  });
});

describe("payout redirects", () => {
  it("are never followed: a 302 is a failed payout, not retried, and its target never hears of it", async () => {
    const target = await server(json(200, { payoutId: "po-stolen" }));
    const { port, received } = await server(json(302, {}, { location: `http://127.0.0.1:${target.port}/steal` }));
    const outcome = await createPayoutClient({ rules: LOCAL })(payout(`http://127.0.0.1:${port}/payouts`));
    expect(outcome).toEqual({ ok: false, retryable: false, error: expect.stringMatching(/HTTP 302.*redirect/) as string });
    expect(received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
  });

  it.each([301, 303, 307, 308])("%i is a failed payout too", async (status) => {
    const { port } = await server(json(status, {}, { location: "https://elsewhere.example/" }));
    const outcome = await createPayoutClient({ rules: LOCAL })(payout(`http://127.0.0.1:${port}/payouts`));
    expect(outcome).toMatchObject({ ok: false, retryable: false });
  });
});

describe("payout hosts, with the address check on (AWS)", () => {
  it.each([["127.0.0.1"], ["169.254.169.254"], ["::ffff:127.0.0.1"], ["10.0.0.5"], ["fd00:ec2::254"], ["100.64.1.1"]])(
    "a host resolving to %s is refused without connecting",
    async (address) => {
      const { port, received } = await server(json(200, { payoutId: "po-x" }));
      const resolve = resolver([address]);
      const outcome = await createPayoutClient({ rules: AWS, resolve })(payout(`https://payouts.bank.test:${port}/payouts`));
      expect(outcome).toEqual({ ok: false, retryable: false, error: expect.stringContaining(address) as string });
      expect(received).toHaveLength(0);
    },
  );

  it("a host resolving to a public and a private address is refused", async () => {
    const outcome = await createPayoutClient({ rules: AWS, resolve: resolver(["203.0.113.7", "127.0.0.1"]) })(payout("https://payouts.bank.test/payouts"));
    expect(outcome).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("127.0.0.1") as string });
  });

  it("an address literal is judged too, and plain http is refused", async () => {
    const post = createPayoutClient({ rules: AWS, resolve: resolver(["203.0.113.7"]) });
    expect(await post(payout("https://[::ffff:a9fe:a9fe]/payouts"))).toMatchObject({ ok: false, retryable: false });
    expect(await post(payout("https://127.0.0.1/payouts"))).toMatchObject({ ok: false, retryable: false });
    expect(await post(payout("http://payouts.bank.test/payouts"))).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/https/) as string });
  });

  it("a host that resolves to a public address, then to loopback (DNS rebinding), is resolved once and connected at the public address", async () => {
    const { port, received } = await server(json(200, { payoutId: "po-rebound" }));
    const resolve = resolver(["203.0.113.7"], ["127.0.0.1"]);
    const post = createPayoutClient({ rules: AWS, resolve });
    const outcome = await post({ ...payout(`https://payouts.bank.test:${port}/payouts`), timeoutMs: 500 });
    // 203.0.113.7 (TEST-NET-3) answers nothing here: the loopback server must not hear of it.
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(received).toHaveLength(0);
  });
});

describe("the deployment's payout client (the payout worker's)", () => {
  it("checks addresses unless VOUCHERS_ALLOW_HTTP_PAYOUT_URLS is true (unset here, as on AWS)", async () => {
    expect(process.env.VOUCHERS_ALLOW_HTTP_PAYOUT_URLS).toBeUndefined();
    const { port, received } = await server(json(200, { payoutId: "po-x" }));
    expect(await postPayout(payout(`http://127.0.0.1:${port}/payouts`))).toMatchObject({ ok: false, retryable: false });
    expect(await postPayout(payout(`https://127.0.0.1:${port}/payouts`))).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("loopback") as string });
    expect(received).toHaveLength(0);
  });
});

describe("payout hosts, with the address check off (local)", () => {
  it("are resolved once and connected at that address, with Host the name as written", async () => {
    const { port, received } = await server(json(200, { payoutId: "po-local" }));
    // A second lookup would answer an address where nothing listens.
    const resolve = resolver(["127.0.0.1"], ["10.255.255.1"]);
    const outcome = await createPayoutClient({ rules: LOCAL, resolve })(payout(`http://payouts.bank.test:${port}/payouts`));
    expect(outcome).toEqual({ ok: true, payoutId: "po-local" });
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(resolve).toHaveBeenCalledWith("payouts.bank.test");
    expect(received.map((r) => [r.host, r.path])).toEqual([[`payouts.bank.test:${port}`, "/payouts"]]);
  });

  it("localhost reaches a partner on loopback, whichever family the resolver answers first", async () => {
    const { port, received } = await server(json(200, { payoutId: "po-localhost" }));
    expect(await createPayoutClient({ rules: LOCAL })(payout(`http://localhost:${port}/payouts`))).toEqual({ ok: true, payoutId: "po-localhost" });
    expect(received).toHaveLength(1);
  });

  it("a 503 is retryable, a 400 is not, and a silent partner is a retryable timeout", async () => {
    const unavailable = await server(json(503, { message: "down" }));
    const refused = await server(json(400, { message: "bad" }));
    const silent = await server(() => undefined);
    const post = createPayoutClient({ rules: LOCAL });
    expect(await post(payout(`http://127.0.0.1:${unavailable.port}/payouts`))).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining("HTTP 503") as string });
    expect(await post(payout(`http://127.0.0.1:${refused.port}/payouts`))).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("HTTP 400") as string });
    expect(await post({ ...payout(`http://127.0.0.1:${silent.port}/payouts`), timeoutMs: 300 })).toEqual({ ok: false, retryable: true, error: "no answer within 300 ms" });
  });
});
