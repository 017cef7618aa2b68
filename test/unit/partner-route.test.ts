import type { Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { SIGNATURE_HEADER, signPayload } from "../../shared/domain/signature.js";
import { PARTNER_CACHE_MS, type PartnerLoader, partnerRoute } from "../../shared/http/partner-route.js";
import type { HttpEvent } from "../../shared/http/route.js";
import type { PartnerCredentials } from "../../shared/use-cases/partners.js";

const context = { awsRequestId: "req-1", functionName: "probe", getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const NOW = new Date("2030-05-01T12:00:00.000Z");
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const BODY = JSON.stringify({ id: "m1", name: "Shop 一号", sector: "restaurant" });

function event(options: { partnerId?: string; body?: string; header?: string; base64?: boolean }): HttpEvent {
  const body = options.body ?? BODY;
  return {
    version: "2.0",
    routeKey: "POST /partners/{partnerId}/merchants",
    rawPath: `/partners/${options.partnerId ?? "bank"}/merchants`,
    rawQueryString: "",
    headers: options.header === undefined ? {} : { [SIGNATURE_HEADER]: options.header },
    pathParameters: { partnerId: options.partnerId ?? "bank" },
    isBase64Encoded: options.base64 ?? false,
    body: options.base64 ? Buffer.from(body, "utf8").toString("base64") : body,
    requestContext: {
      accountId: "0",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: "POST", path: "/partners/bank/merchants", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: "POST /partners/{partnerId}/merchants",
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
  };
}

const bank = (secrets: PartnerCredentials["secrets"]): PartnerCredentials => ({ partner: { id: "bank", name: "Bank" }, secrets });
const current = { secret: "new-secret", createdAt: "2030-05-01T00:00:00.000Z" };

/** A route whose use case records what it saw; the loader is a fake over `partners`. */
function setup(partners: Record<string, PartnerCredentials>, now: () => Date = () => NOW) {
  const seen: { partner: unknown; body: string | undefined }[] = [];
  const load = vi.fn<PartnerLoader>((id) => Promise.resolve(partners[id]));
  const route = partnerRoute(
    ({ event, partner }) => {
      seen.push({ partner, body: event.body });
      return { status: 201, body: { ok: true } };
    },
    { load, now },
  );
  return { seen, load, call: (e: HttpEvent) => route.run(e, context) };
}

const errorCode = (result: { body?: string }) => (JSON.parse(result.body ?? "{}") as { error?: { code: string } }).error?.code;

describe("partnerRoute", () => {
  it("passes a request signed with the partner's secret on, with the partner and no secret", async () => {
    const { seen, call } = setup({ bank: bank([current]) });
    const result = await call(event({ header: signPayload("new-secret", nowSeconds, BODY) }));
    expect(result.statusCode).toBe(201);
    expect(seen).toEqual([{ partner: { id: "bank", name: "Bank" }, body: BODY }]);
  });

  it("verifies the raw bytes of a base64-encoded body", async () => {
    const { seen, call } = setup({ bank: bank([current]) });
    const result = await call(event({ base64: true, header: signPayload("new-secret", nowSeconds, Buffer.from(BODY, "utf8")) }));
    expect(result.statusCode).toBe(201);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ["no signature", undefined],
    ["a malformed header", "t=1,v1=zz"],
    ["a wrong secret", signPayload("guessed", nowSeconds, BODY)],
    ["a stale timestamp", signPayload("new-secret", nowSeconds - 301, BODY)],
    ["a timestamp from the future", signPayload("new-secret", nowSeconds + 301, BODY)],
    ["another body", signPayload("new-secret", nowSeconds, `${BODY} `)],
  ])("answers 401 UNAUTHORIZED and runs nothing for %s", async (_label, header) => {
    const { seen, call } = setup({ bank: bank([current]) });
    const result = await call(event({ ...(header === undefined ? {} : { header }) }));
    expect(result.statusCode).toBe(401);
    expect(errorCode(result)).toBe("UNAUTHORIZED");
    expect(seen).toEqual([]);
  });

  it("answers an unknown partner exactly as a bad signature, and an invalid partner id too", async () => {
    const { seen, call } = setup({ bank: bank([current]) });
    const unknown = await call(event({ partnerId: "ghost", header: signPayload("new-secret", nowSeconds, BODY) }));
    const wrong = await call(event({ header: signPayload("guessed", nowSeconds, BODY) }));
    const invalid = await call(event({ partnerId: "no/such id", header: signPayload("new-secret", nowSeconds, BODY) }));
    expect(unknown).toEqual(wrong);
    expect(invalid).toEqual(wrong);
    expect(seen).toEqual([]);
  });

  it("accepts the old secret during its grace period, and not after it", async () => {
    const old = { secret: "old-secret", createdAt: "2030-04-01T00:00:00.000Z", retiresAt: "2030-05-02T00:00:00.000Z" };
    let now = NOW;
    const { call } = setup({ bank: bank([old, current]) }, () => now);
    expect((await call(event({ header: signPayload("old-secret", nowSeconds, BODY) }))).statusCode).toBe(201);
    expect((await call(event({ header: signPayload("new-secret", nowSeconds, BODY) }))).statusCode).toBe(201);
    now = new Date("2030-05-02T00:00:00.000Z");
    const at = Math.floor(now.getTime() / 1000);
    expect((await call(event({ header: signPayload("old-secret", at, BODY) }))).statusCode).toBe(401);
    expect((await call(event({ header: signPayload("new-secret", at, BODY) }))).statusCode).toBe(201);
  });

  it("caches a partner's secrets for at most 30 s, and reloads them once when a signature does not match", async () => {
    let now = NOW;
    const partners = { bank: bank([current]) };
    const { load, call } = setup(partners, () => now);
    const signed = (secret: string) => event({ header: signPayload(secret, Math.floor(now.getTime() / 1000), BODY) });
    await call(signed("new-secret"));
    await call(signed("new-secret"));
    expect(load).toHaveBeenCalledTimes(1);

    // Rotated elsewhere: the first request with the newer secret reloads (after 1 s), once.
    partners.bank = bank([{ ...current, retiresAt: "2030-05-02T12:00:00.000Z" }, { secret: "newer", createdAt: NOW.toISOString() }]);
    now = new Date(NOW.getTime() + 2_000);
    expect((await call(signed("newer"))).statusCode).toBe(201);
    expect(load).toHaveBeenCalledTimes(2);
    expect((await call(signed("newer"))).statusCode).toBe(201);
    expect(load).toHaveBeenCalledTimes(2);

    now = new Date(NOW.getTime() + 2_000 + PARTNER_CACHE_MS);
    await call(signed("newer"));
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("does not remember unknown partners, so one registered later is accepted at once", async () => {
    const partners: Record<string, PartnerCredentials> = {};
    const { call } = setup(partners);
    const request = event({ header: signPayload("new-secret", nowSeconds, BODY) });
    expect((await call(request)).statusCode).toBe(401);
    partners.bank = bank([current]);
    expect((await call(request)).statusCode).toBe(201);
  });

  it("maps a failing loader to a 500 that leaks nothing", async () => {
    const route = partnerRoute(() => ({ status: 200 }), { load: () => Promise.reject(new Error("table gone: secret=abc")), now: () => NOW });
    const result = await route.run(event({ header: signPayload("new-secret", nowSeconds, BODY) }), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain("secret=abc");
  });
});
