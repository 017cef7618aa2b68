/**
 * The redirect back from the identity provider (`/console/?code=…&state=…`): exchanges the code
 * for the access token, keeps it in memory and clears the query from the address bar and history,
 * before the app renders. A failure is kept for the sign-in page to show.
 */
import { isSignInRedirect, loadSignInMode } from "./console-config";
import { type StateStorage, completeSignIn, oidcClient } from "./oidc";
import { startSession } from "./session";

let failure: string | undefined;

/** Where the pending sign-in request (state, PKCE verifier) waits: this tab's session storage. */
export function browserStateStorage(): StateStorage {
  return window.sessionStorage;
}

/** Why the last sign-in through the identity provider failed, if it did. */
export function signInFailure(): string | undefined {
  return failure;
}

/** Completes a pending OIDC sign-in when the address is its redirect back; does nothing otherwise. */
export async function completePendingSignIn(): Promise<void> {
  if (!isSignInRedirect(window.location.search)) return;
  const url = window.location.href;
  // The code is single-use: off the address bar and history whatever happens next.
  window.history.replaceState(window.history.state, "", window.location.pathname);
  try {
    const mode = await loadSignInMode(import.meta.env.BASE_URL, window.location.origin);
    if (mode.kind !== "oidc") throw new Error("this console has no identity provider configured");
    const token = await completeSignIn(oidcClient(mode.settings, browserStateStorage()), url);
    if (!startSession(token)) throw new Error("the identity provider's access token cannot be read");
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
}
