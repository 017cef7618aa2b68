import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { callerFromClaims, isOperator } from "../../shared/http/caller.js";
import { DEFAULT_LOCAL_JWT_SECRET, defaultSecretExposure, jwtSettingsFromEnv, signLocalToken, verifyBearer } from "../../infra/local/jwt.js";

const settings = { secret: "unit-secret" };

describe("the local JWT authorizer", () => {
  it("accepts its own token and hands claims on as strings", async () => {
    const token = await signLocalToken({ sub: "alice", operator: true, settings });
    const verified = await verifyBearer(`Bearer ${token}`, settings);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.claims.sub).toBe("alice");
    expect(verified.claims.groups).toBe("[operators]");
    expect(verified.claims.exp).toMatch(/^\d+$/);
  });

  it.each([
    ["no header", undefined],
    ["a non-bearer scheme", "Basic YWxpY2U6cHc="],
    ["garbage", "Bearer abc.def.ghi"],
  ])("refuses %s", async (_, header) => {
    expect((await verifyBearer(header, settings)).ok).toBe(false);
  });

  it("refuses an expired token and one signed with another secret", async () => {
    const expired = await signLocalToken({ sub: "alice", expiresInSeconds: -10, settings });
    const forged = await signLocalToken({ sub: "alice", settings: { secret: "other" } });
    expect(await verifyBearer(`Bearer ${expired}`, settings)).toMatchObject({ ok: false });
    expect(await verifyBearer(`Bearer ${forged}`, settings)).toMatchObject({ ok: false });
  });

  it("checks issuer and audience only when configured", async () => {
    const strict = { secret: "unit-secret", issuer: "https://idp.example", audience: "vouchers" };
    const plain = await signLocalToken({ sub: "alice", settings });
    const proper = await signLocalToken({ sub: "alice", settings: strict });
    expect((await verifyBearer(`Bearer ${plain}`, settings)).ok).toBe(true);
    expect((await verifyBearer(`Bearer ${plain}`, strict)).ok).toBe(false);
    expect((await verifyBearer(`Bearer ${proper}`, strict)).ok).toBe(true);
  });

  it("reads its settings from the environment with the documented default", () => {
    expect(jwtSettingsFromEnv({}).secret).toBe("local-dev-secret");
    expect(jwtSettingsFromEnv({ VOUCHERS_LOCAL_JWT_SECRET: "s", VOUCHERS_LOCAL_JWT_AUDIENCE: "a" })).toEqual({ secret: "s", issuer: undefined, audience: "a" });
  });

  it("hands a Cognito-style cognito:groups array on as API Gateway does, and the caller is an operator", async () => {
    const token = await new SignJWT({ "cognito:groups": ["merchants", "operators"] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("carol")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(settings.secret));
    const verified = await verifyBearer(`Bearer ${token}`, settings);
    if (!verified.ok) throw new Error(verified.reason);
    expect(verified.claims["cognito:groups"]).toBe("[merchants operators]");
    expect(isOperator(callerFromClaims(verified.claims)!)).toBe(true);
  });
});

describe("binding with the default secret", () => {
  it.each(["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "example.com", ""])("refuses non-loopback HOST %j while the default secret is in use", (host) => {
    const problem = defaultSecretExposure(host, jwtSettingsFromEnv({}));
    expect(problem).toMatch(/default JWT secret/);
    expect(problem).toMatch(/VOUCHERS_LOCAL_JWT_SECRET/);
    expect(defaultSecretExposure(host, jwtSettingsFromEnv({ VOUCHERS_LOCAL_JWT_SECRET: DEFAULT_LOCAL_JWT_SECRET }))).toBeDefined();
  });

  it.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])("allows loopback HOST %s with the default secret", (host) => {
    expect(defaultSecretExposure(host, jwtSettingsFromEnv({}))).toBeUndefined();
  });

  it("allows any HOST with a secret of one's own", () => {
    expect(defaultSecretExposure("0.0.0.0", jwtSettingsFromEnv({ VOUCHERS_LOCAL_JWT_SECRET: "a-long-random-secret" }))).toBeUndefined();
  });
});
