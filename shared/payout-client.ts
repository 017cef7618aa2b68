/**
 * The call to a partner's payout endpoint: POST `payoutUrl` with the statement id as
 * `Idempotency-Key`, so however often it is repeated the partner pays once (invariant 5). It
 * never throws: every outcome, a timeout included, comes back as a value the caller decides on.
 *
 * - Signed: `X-Voucher-Signature: t=…,v1=…` over the exact bytes sent, one `v1` per secret of the
 *   partner still valid, the scheme partners sign their requests to us with (docs/partners.md).
 * - No redirect is followed: a 3xx is a failed payout, so a partner's endpoint cannot send the
 *   platform's POST on to another host.
 * - The host is resolved once. On AWS (`allowHttp` false) every address it resolves to must be
 *   public (shared/domain/payout-url.ts), and the connection goes to an address judged, through a
 *   `lookup` that answers only those addresses, with TLS SNI and `Host` still the name as written:
 *   a second DNS lookup at connect time would let a rebinding name through to an internal address.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupAddress, LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type PayoutRequestBody, payoutAcceptedSchema } from "./api/payout-schemas.js";
import { config } from "./config.js";
import { type PayoutUrlRules, payoutAddressProblem, payoutUrlProblem } from "./domain/payout-url.js";
import { SIGNATURE_HEADER, signPayloadWithSecrets } from "./domain/signature.js";

export interface PayoutRequest {
  url: string;
  idempotencyKey: string;
  /** Documented in docs/openapi.json's `webhooks`. */
  body: PayoutRequestBody;
  /** The partner's secrets still valid: the request carries one signature per secret. */
  secrets: readonly string[];
  timeoutMs: number;
}

export type PayoutResponse =
  | { ok: true; payoutId: string | undefined }
  /** retryable: a timeout, a network fault, 429 or 5xx; otherwise the partner refused the request itself, or the platform refused to send it. */
  | { ok: false; retryable: boolean; error: string };

export type PostPayout = (request: PayoutRequest) => Promise<PayoutResponse>;

/** Every address a host name resolves to. */
export type ResolveHost = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export interface PayoutClientOptions {
  /** `allowHttp` false (AWS): https only, and every resolved address must be public. */
  rules: PayoutUrlRules;
  /** Defaults to the system resolver (getaddrinfo, every address). */
  resolve?: ResolveHost;
  /** The signing clock. */
  now?: () => Date;
}

/** Longest answer read from a partner; the rest is dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A payout client under the given rules (see the module comment). */
export function createPayoutClient(options: PayoutClientOptions): PostPayout {
  const resolve = options.resolve ?? systemResolve;
  const now = options.now ?? (() => new Date());
  return async (request) => {
    const refused = (error: string): PayoutResponse => ({ ok: false, retryable: false, error: `payout URL refused: ${error}` });
    // Judged again at every payout: the registration rules may have been looser when it was stored.
    const urlProblem = payoutUrlProblem(request.url, options.rules);
    if (urlProblem !== undefined) return refused(urlProblem);
    const url = new URL(request.url);
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      let targets: readonly { address: string; family: number }[];
      if (isIP(hostname) !== 0) {
        targets = [{ address: hostname, family: isIP(hostname) }];
      } else {
        const addresses = await abortable(resolve(hostname), controller.signal);
        if (addresses.length === 0) return { ok: false, retryable: true, error: `unreachable: ${hostname} resolves to no address` };
        // Any address that is not acceptable refuses the host, whichever one a connection would pick.
        for (const { address } of addresses) {
          const problem = payoutAddressProblem(address, options.rules);
          if (problem !== undefined) return refused(`${hostname} ${problem}`);
        }
        targets = addresses;
      }
      for (const { address } of targets) {
        const problem = payoutAddressProblem(address, options.rules);
        if (problem !== undefined) return refused(`${hostname} ${problem}`);
      }

      const rawBody = JSON.stringify(request.body);
      const signature = signPayloadWithSecrets(request.secrets, Math.floor(now().getTime() / 1000), rawBody);
      const answer = await send(url, targets, {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(rawBody)),
        "idempotency-key": request.idempotencyKey,
        [SIGNATURE_HEADER]: signature,
      }, rawBody, controller.signal);
      return outcomeOf(answer);
    } catch (error) {
      if (controller.signal.aborted) return { ok: false, retryable: true, error: `no answer within ${request.timeoutMs} ms` };
      return { ok: false, retryable: true, error: `unreachable: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The deployment's payout client: the address check is on unless local http payout URLs are allowed. */
export const postPayout: PostPayout = (request) => createPayoutClient({ rules: { allowHttp: config().VOUCHERS_ALLOW_HTTP_PAYOUT_URLS } })(request);

function outcomeOf(answer: { status: number; text: string }): PayoutResponse {
  const { status, text } = answer;
  if (status >= 200 && status < 300) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    const accepted = payoutAcceptedSchema.safeParse(parsed);
    return { ok: true, payoutId: accepted.success ? accepted.data.payoutId : undefined };
  }
  if (status >= 300 && status < 400) return { ok: false, retryable: false, error: `HTTP ${status}: the payout endpoint answered a redirect, which is never followed` };
  return { ok: false, retryable: status === 429 || status >= 500, error: `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}` };
}

/** POSTs to `url` over a new connection to one of `targets` (no pooled socket), with SNI and Host the URL's own. */
function send(url: URL, targets: readonly { address: string; family: number }[], headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
  // Whatever the socket layer asks for (one address, or all of them to race the families), it
  // gets only the addresses judged, never a fresh answer from DNS.
  const pinned = (_hostname: string, lookupOptions: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    const [first] = targets;
    if (lookupOptions.all) callback(null, targets.map(({ address, family }) => ({ address, family })));
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error("no address to connect to"), { code: "ENOTFOUND" }), "", 0);
  };
  const common: http.RequestOptions = {
    method: "POST",
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, host: url.host },
    lookup: pinned,
    agent: false,
    signal,
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8").slice(0, MAX_ANSWER_BYTES) }));
      response.on("error", reject);
    };
    const client =
      url.protocol === "https:"
        ? https.request({ ...common, ...(isIP(common.hostname ?? "") === 0 ? { servername: common.hostname ?? undefined } : {}) }, onResponse)
        : http.request(common, onResponse);
    client.on("error", reject);
    client.end(body);
  });
}

/** `promise`, or a rejection when `signal` aborts first (a resolver cannot be cancelled, only abandoned). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
