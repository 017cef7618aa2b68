import { createHash } from "node:crypto";
import { InMemoryWebStorage } from "oidc-client-ts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { completeSignIn, oidcClient, signInUrl } from "../../console/src/auth/oidc.js";
import { isSignInRedirect, loadSignInMode } from "../../console/src/auth/console-config.js";

const ISSUER = "https://idp.example.test/pool-1";
const settings = {
  authority: ISSUER,
  clientId: "console-client",
  redirectUri: "https://console.example.test/console/",
  metadata: { issuer: ISSUER, authorization_endpoint: `${ISSUER}/oauth2/authorize`, token_endpoint: `${ISSUER}/oauth2/token` },
};

const base64url = (bytes: Buffer) => bytes.toString("base64url");
const unsignedJwt = (claims: object) => `${base64url(Buffer.from('{"alg":"none"}'))}.${base64url(Buffer.from(JSON.stringify(claims)))}.`;

/** A token endpoint that, like a provider, answers only when the verifier hashes to the challenge it saw. */
function tokenEndpoint(challenge: () => string | undefined, nonce: () => string | undefined) {
  const calls: URLSearchParams[] = [];
  const fetch = vi.fn((input: string | URL | Request, init?: RequestInit) => {
    expect(String(input instanceof Request ? input.url : input)).toBe(settings.metadata.token_endpoint);
    const sent = init?.body;
    const form = new URLSearchParams(typeof sent === "string" || sent instanceof URLSearchParams ? sent : undefined);
    calls.push(form);
    const verified = base64url(createHash("sha256").update(form.get("code_verifier") ?? "").digest()) === challenge();
    const body = verified
      ? {
          access_token: unsignedJwt({ sub: "ops-1", "cognito:groups": ["operators"] }),
          id_token: unsignedJwt({ iss: ISSUER, aud: settings.clientId, sub: "ops-1", nonce: nonce(), iat: 0, exp: 4_000_000_000 }),
          token_type: "Bearer",
          expires_in: 3600,
        }
      : { error: "invalid_grant" };
    return Promise.resolve(new Response(JSON.stringify(body), { status: verified ? 200 : 400, headers: { "content-type": "application/json" } }));
  });
  return { fetch, calls };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the console's OIDC sign-in (authorization code with PKCE)", () => {
  it("sends the browser to the provider with an S256 challenge, and trades the code and its verifier for the access token", async () => {
    const stateStorage = new InMemoryWebStorage();
    const client = oidcClient(settings, stateStorage);
    const authorize = new URL(await signInUrl(client));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(settings.metadata.authorization_endpoint);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "console-client",
      redirect_uri: settings.redirectUri,
      scope: "openid",
      code_challenge_method: "S256",
    });
    const challenge = authorize.searchParams.get("code_challenge") ?? undefined;
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The pending request waits in the state store: the verifier never goes to the provider's page.
    expect(stateStorage.length).toBe(1);
    expect(authorize.searchParams.has("code_verifier")).toBe(false);

    const provider = tokenEndpoint(() => challenge, () => authorize.searchParams.get("nonce") ?? undefined);
    vi.stubGlobal("fetch", provider.fetch);
    const back = `${settings.redirectUri}?code=the-code&state=${authorize.searchParams.get("state")}`;
    const token = await completeSignIn(client, back);

    expect(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString())).toMatchObject({ sub: "ops-1" });
    expect(provider.calls).toHaveLength(1);
    expect(Object.fromEntries(provider.calls[0]!)).toMatchObject({ grant_type: "authorization_code", code: "the-code", client_id: "console-client", redirect_uri: settings.redirectUri });
    // Processed: the pending request (and its verifier) is gone.
    expect(stateStorage.length).toBe(0);
  });

  it("refuses an answer whose state it did not send, without calling the token endpoint", async () => {
    const client = oidcClient(settings, new InMemoryWebStorage());
    await signInUrl(client);
    const provider = tokenEndpoint(() => undefined, () => undefined);
    vi.stubGlobal("fetch", provider.fetch);
    await expect(completeSignIn(client, `${settings.redirectUri}?code=stolen&state=forged-state`)).rejects.toThrow(/state/i);
    expect(provider.calls).toHaveLength(0);
  });

  it("fails when the provider refuses the verifier", async () => {
    const client = oidcClient(settings, new InMemoryWebStorage());
    const authorize = new URL(await signInUrl(client));
    const provider = tokenEndpoint(() => "some-other-challenge", () => undefined);
    vi.stubGlobal("fetch", provider.fetch);
    await expect(completeSignIn(client, `${settings.redirectUri}?code=c&state=${authorize.searchParams.get("state")}`)).rejects.toThrow(/invalid_grant/);
  });
});

describe("how the console signs in where it runs (/console/config.json)", () => {
  const serving = (status: number, body: unknown) => () => Promise.resolve(new Response(typeof body === "string" ? body : JSON.stringify(body), { status }));
  const ORIGIN = "https://d111.cloudfront.net";

  it("signs in through the identity provider the deployment names, coming back to the console's own address", async () => {
    const file = { oidc: { authority: ISSUER, clientId: "console-client", scope: "openid email" } };
    await expect(loadSignInMode("/console/", ORIGIN, serving(200, file))).resolves.toEqual({
      kind: "oidc",
      settings: { authority: ISSUER, clientId: "console-client", scope: "openid email", redirectUri: `${ORIGIN}/console/` },
    });
  });

  it("offers the development sign-in where the local runtime says so, or where there is no file", async () => {
    await expect(loadSignInMode("/console/", ORIGIN, serving(200, { developmentSignIn: true }))).resolves.toEqual({ kind: "local" });
    await expect(loadSignInMode("/console/", ORIGIN, serving(404, "Not Found"))).resolves.toEqual({ kind: "local" });
  });

  it("refuses a malformed or unreachable configuration with its reason instead of guessing", async () => {
    await expect(loadSignInMode("/console/", ORIGIN, serving(200, { oidc: { authority: "not a url", clientId: "" } }))).rejects.toThrow(/not a valid console configuration.*authority/s);
    await expect(loadSignInMode("/console/", ORIGIN, serving(200, "<html>"))).rejects.toThrow(/not a valid console configuration/);
    await expect(loadSignInMode("/console/", ORIGIN, serving(500, "oops"))).rejects.toThrow("/console/config.json answered 500");
  });

  it("recognises the provider's redirect back, and nothing else", () => {
    expect(isSignInRedirect("?code=c1&state=s1")).toBe(true);
    expect(isSignInRedirect("?error=access_denied&state=s1")).toBe(true);
    expect(isSignInRedirect("?code=c1")).toBe(false);
    expect(isSignInRedirect("?status=OPEN")).toBe(false);
    expect(isSignInRedirect("")).toBe(false);
  });
});
