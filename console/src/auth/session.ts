/**
 * The signed-in operator's token, in memory only (never localStorage: a token there outlives the
 * tab and is readable by any script on the origin). The local development sign-in hands it over
 * in the URL fragment (API.md, "Console"); {@link takeTokenFromFragment} reads it and clears it.
 */

export interface Session {
  token: string;
  sub: string;
  groups: string[];
  expiresAt: Date;
}

let current: Session | undefined;
const listeners = new Set<() => void>();

/** The session, or undefined when signed out or the token expired. */
export function currentSession(): Session | undefined {
  if (current && current.expiresAt.getTime() <= Date.now()) current = undefined;
  return current;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(session: Session | undefined): void {
  current = session;
  for (const listener of listeners) listener();
}

export function signOut(): void {
  set(undefined);
}

/** The claims of a token for display; the API verifies the signature, the console only reads them. */
function sessionOf(token: string): Session | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const claims = JSON.parse(json) as { sub?: unknown; exp?: unknown; groups?: unknown; "cognito:groups"?: unknown };
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") return undefined;
    // Our own tokens carry `groups`; a stock Cognito user pool's carry `cognito:groups` (shared/http/caller.ts reads both).
    const groups = [claims.groups, claims["cognito:groups"]].flatMap((value) =>
      Array.isArray(value) ? value.filter((group): group is string => typeof group === "string") : [],
    );
    return { token, sub: claims.sub, groups, expiresAt: new Date(claims.exp * 1000) };
  } catch {
    return undefined;
  }
}

/** Starts a session with a token an identity provider issued (the OIDC sign-in); false when it cannot be read. */
export function startSession(token: string): boolean {
  const session = sessionOf(token);
  if (session) set(session);
  return session !== undefined;
}

/** Takes `#access_token=…` into memory and removes it from the address bar and history. */
export function takeTokenFromFragment(): void {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = fragment.get("access_token");
  if (token === null) return;
  window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  const session = sessionOf(token);
  if (session) set(session);
}
