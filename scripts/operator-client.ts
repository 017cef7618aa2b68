/**
 * What the operator commands (`npm run reconcile`, `npm run report`) share: which platform they
 * ask (the one `npm start` runs, or `--url`), and one GET of an operator route of a campaign whose
 * refusals are said as an operator needs to read them.
 */
import { runningPlatform } from "../infra/local/state-file.js";

/** A problem said as it is, without a stack: nothing running, a refused token, an unknown campaign. */
export class CommandError extends Error {}

/** The base URL to ask: `url` without trailing slashes, or the local platform's. */
export async function targetPlatform(url: string | undefined): Promise<string> {
  if (url !== undefined) return url.replace(/\/+$/, "");
  const state = await runningPlatform();
  if (!state) throw new CommandError("no local platform is running: start it with npm start, or pass --url (and --token on AWS)");
  return state.url;
}

/**
 * GETs `path` (an operator route about `campaignId`) from `base` with an operator's `token` and
 * returns the body's bytes on 200; any other answer, or no answer within a minute, is a
 * CommandError naming what to do.
 */
export async function getCampaignResource(base: string, path: string, campaignId: string, token: string, accept?: string): Promise<Buffer> {
  const url = `${base}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) }, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new CommandError(`could not reach ${base}: ${cause}`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  const message = () => {
    const text = bytes.toString("utf8");
    try {
      // The platform's errors are {error: {code, message}}; the gateway's own 401 is {message}.
      const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
      const found = body.error?.message ?? body.message;
      return typeof found === "string" ? found : text.slice(0, 300);
    } catch {
      return text.slice(0, 300);
    }
  };
  switch (response.status) {
    case 200:
      return bytes;
    case 401:
      throw new CommandError(`${base} refused the token (401 ${message()}): pass an operator's --token for this platform`);
    case 403:
      throw new CommandError(`${base} refused the token (403 ${message()}): the token is not an operator's`);
    case 404:
      throw new CommandError(`no campaign ${campaignId} on ${base} (404 ${message()})`);
    default:
      throw new CommandError(`GET ${url} answered ${response.status}: ${message()}`);
  }
}
