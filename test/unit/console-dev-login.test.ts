import { describe, expect, it } from "vitest";
import { devLogin } from "../../infra/local/console-server.js";
import { verifyBearer } from "../../infra/local/jwt.js";
import { callerFromClaims, isOperator } from "../../shared/http/caller.js";

const jwt = { secret: "unit-secret" };
const query = (text: string) => new URLSearchParams(text);

/** The token a 302 carries in its fragment. */
function tokenOf(location: string | undefined): string {
  const found = /^\/console\/#access_token=([^&]+)$/.exec(location ?? "");
  expect(found, location).not.toBeNull();
  return found![1]!;
}

describe("the console's development sign-in", () => {
  it.each(["0.0.0.0", "::", "10.0.0.5", "192.168.1.20", "example.com"])("answers 403 when the runtime listens on %s, a non-loopback address", async (host) => {
    const answer = await devLogin(query("sub=ops&role=operator"), { host, jwt });
    expect(answer.status).toBe(403);
    expect(answer.headers.location).toBeUndefined();
    expect(answer.body).toContain("loopback");
  });

  it.each(["127.0.0.1", "localhost", "::1"])("on %s answers 302 to /console/ with an operator token in the fragment", async (host) => {
    const answer = await devLogin(query("sub=ops-1&role=operator"), { host, jwt });
    expect(answer.status).toBe(302);
    expect(answer.headers["cache-control"]).toBe("no-store");
    const verified = await verifyBearer(`Bearer ${tokenOf(answer.headers.location)}`, jwt);
    expect(verified.ok).toBe(true);
    const caller = verified.ok ? callerFromClaims(verified.claims) : undefined;
    expect(caller?.sub).toBe("ops-1");
    expect(caller && isOperator(caller)).toBe(true);
  });

  it("signs a resident without the operators group, and a merchant with its merchant id", async () => {
    const resident = await devLogin(query("sub=alice&role=resident"), { host: "127.0.0.1", jwt });
    const residentClaims = await verifyBearer(`Bearer ${tokenOf(resident.headers.location)}`, jwt);
    expect(residentClaims.ok && isOperator(callerFromClaims(residentClaims.claims)!)).toBe(false);

    const merchant = await devLogin(query("sub=shop-owner&role=merchant&merchant=m-42"), { host: "127.0.0.1", jwt });
    const merchantClaims = await verifyBearer(`Bearer ${tokenOf(merchant.headers.location)}`, jwt);
    expect(merchantClaims.ok ? merchantClaims.claims : undefined).toMatchObject({ sub: "shop-owner", "custom:merchant_id": "m-42", groups: "[merchants]" });
  });

  it.each([
    ["no sub", "role=operator", /sub/],
    ["an unknown role", "sub=a&role=admin", /role/],
    ["a merchant without its id", "sub=a&role=merchant", /merchant/],
    ["a sub that is not an id", "sub=a%20b&role=operator", /sub must be/],
  ])("answers 400 for %s", async (_, text, reason) => {
    const answer = await devLogin(query(text), { host: "127.0.0.1", jwt });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(reason);
  });
});
