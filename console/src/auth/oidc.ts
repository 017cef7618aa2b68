/**
 * The AWS sign-in: OpenID Connect's authorization-code flow with PKCE (S256) against the configured
 * identity provider (a Cognito hosted UI), through oidc-client-ts. Kept apart from the local
 * development sign-in, which the local runtime answers itself (API.md, "Console").
 *
 * What is stored where: across the redirect to the provider and back, oidc-client-ts keeps the
 * request's `state` and PKCE `code_verifier` in sessionStorage (one tab, removed when the answer
 * is processed); the tokens go to the in-memory session only (session.ts), never to storage.
 *
 * The settings come from `/console/config.json`, which the AWS deployment writes (console-config.ts);
 * main.tsx completes the redirect back before the app renders. test/unit/console-oidc.test.ts proves
 * the flow, and test/e2e/console.test.ts runs it in Chromium against a stand-in provider.
 */
import { OidcClient, WebStorageStateStore } from "oidc-client-ts";

export interface OidcSettings {
  /** The identity provider's issuer, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  authority: string;
  clientId: string;
  /** Where the provider sends the browser back: the console's own address. */
  redirectUri: string;
  /** Default "openid". */
  scope?: string;
  /** The provider's endpoints, when they should not be discovered from `authority`. */
  metadata?: { issuer: string; authorization_endpoint: string; token_endpoint: string; end_session_endpoint?: string };
}

/** Where the pending request waits: the browser passes window.sessionStorage. */
export type StateStorage = NonNullable<NonNullable<ConstructorParameters<typeof WebStorageStateStore>[0]>["store"]>;

/** A client for `settings`; `stateStorage` holds only the pending request (state, PKCE verifier). */
export function oidcClient(settings: OidcSettings, stateStorage: StateStorage): OidcClient {
  return new OidcClient({
    authority: settings.authority,
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    response_type: "code",
    scope: settings.scope ?? "openid",
    stateStore: new WebStorageStateStore({ store: stateStorage, prefix: "vouchers-console.oidc." }),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  });
}

/** Step 1: the provider's sign-in address for a new request (its state and verifier are stored first). */
export async function signInUrl(client: OidcClient): Promise<string> {
  const request = await client.createSigninRequest({});
  return request.url;
}

/**
 * Step 2, on the redirect back (`url` carries `code` and `state`): exchanges the code and the PKCE
 * verifier at the token endpoint and returns the access token the API's JWT authorizer checks.
 */
export async function completeSignIn(client: OidcClient, url: string): Promise<string> {
  const response = await client.processSigninResponse(url);
  if (!response.access_token) throw new Error("the identity provider answered without an access token");
  return response.access_token;
}
