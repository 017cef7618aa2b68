/**
 * How the console signs in where it runs. On AWS the deployment writes `/console/config.json` with
 * the identity provider's settings (docs/deploy.md); the local runtime answers it with
 * `{developmentSignIn: true}` (a missing file means the same, e.g. a bare static server), so the
 * console offers the development sign-in. The file is parsed with zod like every other boundary: a
 * malformed one is an error shown on the sign-in page, not a silent local mode.
 */
import * as z from "zod";
import type { OidcSettings } from "./oidc.js";

/** On AWS the deployment's `{oidc}`; the local runtime answers `{developmentSignIn: true}`. */
const consoleConfigSchema = z.union([
  z.object({
    oidc: z.object({
      authority: z.url(),
      clientId: z.string().min(1),
      scope: z.string().min(1).optional(),
    }),
  }),
  z.object({ developmentSignIn: z.literal(true) }),
]);

/** Where the console runs: locally (development sign-in) or behind an identity provider (OIDC with PKCE). */
export type SignInMode = { kind: "local" } | { kind: "oidc"; settings: OidcSettings };

/**
 * Reads `<base>config.json` (base = the console's own path, `/console/`) and answers how to sign
 * in; the redirect URI is the console's own address at `origin`.
 *
 * @throws Error when the file exists but is not a valid configuration, or cannot be fetched.
 */
export async function loadSignInMode(base: string, origin: string, fetchFile: typeof fetch = fetch): Promise<SignInMode> {
  const answer = await fetchFile(`${base}config.json`);
  if (answer.status === 404) return { kind: "local" };
  if (!answer.ok) throw new Error(`${base}config.json answered ${answer.status}`);
  const parsed = consoleConfigSchema.safeParse(await answer.json().catch(() => undefined));
  if (!parsed.success) throw new Error(`${base}config.json is not a valid console configuration: ${z.prettifyError(parsed.error)}`);
  if (!("oidc" in parsed.data)) return { kind: "local" };
  const { oidc } = parsed.data;
  return {
    kind: "oidc",
    settings: { authority: oidc.authority, clientId: oidc.clientId, redirectUri: new URL(base, origin).href, ...(oidc.scope ? { scope: oidc.scope } : {}) },
  };
}

/** Whether the address is the identity provider's redirect back (it carries `code` and `state`, or `error`). */
export function isSignInRedirect(search: string): boolean {
  const query = new URLSearchParams(search);
  return (query.has("code") && query.has("state")) || query.has("error");
}
