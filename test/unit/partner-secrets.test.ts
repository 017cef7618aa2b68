/**
 * Revoking a partner's secret (issue 10, item 6): the rotation's grace period, its body, and the
 * bound on how long a revoked secret can still verify from an instance's cache.
 */
import { GetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { secretRotationSchema } from "../../shared/api/registry-schemas.js";
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, liveSecrets, rotateSecrets } from "../../shared/domain/partner.js";
import { SIGNATURE_HEADER, signPayload } from "../../shared/domain/signature.js";
import { PARTNER_CACHE_MS, type PartnerLoader, partnerRoute } from "../../shared/http/partner-route.js";
import type { HttpEvent } from "../../shared/http/route.js";
import { type PartnerCredentials, loadPartnerCredentials } from "../../shared/use-cases/partners.js";

const t0 = new Date("2030-01-01T00:00:00.000Z");
const later = (ms: number) => new Date(t0.getTime() + ms);

describe("rotating a secret with a grace period", () => {
  const original = [{ secret: "a", createdAt: t0.toISOString() }];

  it("defaults to 24 h", () => {
    expect(DEFAULT_GRACE_SECONDS).toBe(86_400);
    expect(MAX_GRACE_SECONDS).toBe(86_400);
    const rotated = rotateSecrets(original, "b", later(1_000));
    expect(liveSecrets(rotated, later(1_000 + 86_400_000 - 1))).toEqual(["a", "b"]);
    expect(liveSecrets(rotated, later(1_000 + 86_400_000))).toEqual(["b"]);
  });

  it("with graceSeconds 0 revokes every earlier secret at once and keeps none of them", () => {
    const once = rotateSecrets(original, "b", later(1_000), 3_600);
    const revoked = rotateSecrets(once, "c", later(2_000), 0);
    expect(revoked).toEqual([{ secret: "c", createdAt: later(2_000).toISOString() }]);
    expect(liveSecrets(revoked, later(2_000))).toEqual(["c"]);
  });

  it("shortens earlier grace periods to its own and never lengthens them", () => {
    const long = rotateSecrets(original, "b", t0, 86_400);
    const short = rotateSecrets(long, "c", later(60_000), 600);
    expect(short.map((s) => [s.secret, s.retiresAt])).toEqual([
      ["a", later(60_000 + 600_000).toISOString()],
      ["b", later(60_000 + 600_000).toISOString()],
      ["c", undefined],
    ]);
    const longAgain = rotateSecrets(short, "d", later(120_000), 86_400);
    expect(longAgain.map((s) => [s.secret, s.retiresAt])).toEqual([
      ["a", later(60_000 + 600_000).toISOString()],
      ["b", later(60_000 + 600_000).toISOString()],
      ["c", later(120_000 + 86_400_000).toISOString()],
      ["d", undefined],
    ]);
  });

  it("refuses a grace period outside 0 … 86400 whole seconds", () => {
    for (const grace of [-1, 86_401, 1.5, Number.NaN]) expect(() => rotateSecrets(original, "b", t0, grace)).toThrow(RangeError);
  });
});

describe("the rotate-secret body", () => {
  it("is optional and strict: graceSeconds an integer 0 … 86400, 86400 by default", () => {
    expect(secretRotationSchema.parse({})).toEqual({ graceSeconds: 86_400 });
    expect(secretRotationSchema.parse({ graceSeconds: 0 })).toEqual({ graceSeconds: 0 });
    expect(secretRotationSchema.parse({ graceSeconds: 86_400 })).toEqual({ graceSeconds: 86_400 });
    for (const bad of [{ graceSeconds: -1 }, { graceSeconds: 86_401 }, { graceSeconds: 1.5 }, { graceSeconds: "0" }, { graceSeconds: null }, { grace: 0 }, null, []]) {
      expect(secretRotationSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("a revoked secret still in an instance's cache", () => {
  const context = { awsRequestId: "req-1", functionName: "probe", getRemainingTimeInMillis: () => 1000 } as unknown as Context;
  const BODY = JSON.stringify({ id: "m1", name: "Shop", sector: "restaurant" });
  const request = (header: string): HttpEvent =>
    ({
      version: "2.0",
      routeKey: "POST /partners/{partnerId}/merchants",
      rawPath: "/partners/bank/merchants",
      rawQueryString: "",
      headers: { [SIGNATURE_HEADER]: header },
      pathParameters: { partnerId: "bank" },
      isBase64Encoded: false,
      body: BODY,
      requestContext: { requestId: "req-1", http: { method: "POST", path: "/partners/bank/merchants" } },
    }) as unknown as HttpEvent;
  const bank = (secrets: PartnerCredentials["secrets"]): PartnerCredentials => ({ partner: { id: "bank", name: "Bank" }, secrets });

  function setup() {
    let now = t0;
    const partners: Record<string, PartnerCredentials> = { bank: bank([{ secret: "old", createdAt: t0.toISOString() }]) };
    const load = vi.fn<PartnerLoader>((id) => Promise.resolve(partners[id]));
    const route = partnerRoute(() => ({ status: 201 }), { load, now: () => now });
    const call = async (secret: string) => (await route.run(request(signPayload(secret, Math.floor(now.getTime() / 1000), BODY)), context)).statusCode;
    const revoke = () => {
      partners.bank = bank([{ secret: "new", createdAt: now.toISOString() }]);
    };
    return { call, revoke, load, at: (ms: number) => void (now = later(ms)) };
  }

  it("stops verifying at the latest PARTNER_CACHE_MS (30 s) after the secrets were read", async () => {
    expect(PARTNER_CACHE_MS).toBe(30_000);
    const { call, revoke, at } = setup();
    expect(await call("old")).toBe(201); // read and cached at t0
    revoke();
    at(PARTNER_CACHE_MS - 1);
    expect(await call("old")).toBe(201); // the documented window
    at(PARTNER_CACHE_MS);
    expect(await call("old")).toBe(401);
    expect(await call("new")).toBe(201);
  });

  it("stops verifying at once on this instance once the new secret has been seen", async () => {
    const { call, revoke, at, load } = setup();
    expect(await call("old")).toBe(201);
    revoke();
    at(5_000);
    expect(await call("new")).toBe(201); // a mismatch against the cache reloads
    expect(load).toHaveBeenCalledTimes(2);
    at(5_001);
    expect(await call("old")).toBe(401);
  });
});

describe("the secrets the partner route checks against", () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  afterEach(() => ddb.reset());

  it("are read strongly consistent, so a revocation is seen by the first read after it commits", async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: "PARTNER#bank", id: "bank", name: "Bank", payoutUrl: "https://p.example/", secrets: [], version: 1, createdAt: "x", updatedAt: "x", createdBy: "op" },
    });
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
    await loadPartnerCredentials({ db, tables: { partners: "partners" } }, "bank");
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });
});
