/**
 * Partner webhook signatures (API.md, "Partners"): every request a bank or payment network sends
 * carries
 *
 *     X-Voucher-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>
 *
 * The timestamp is inside the MAC, so a captured request cannot be replayed with a fresh `t`, and
 * requests more than {@link SIGNATURE_TOLERANCE_SECONDS} off the platform clock are refused, so a
 * captured request cannot be replayed later either. Pure: no I/O, and the clock is an argument.
 * The partner middleware answers 401 on any failure, before anything else happens.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header carrying the signature, lower-cased as Node and API Gateway deliver header names. */
export const SIGNATURE_HEADER = "x-voucher-signature";

/**
 * How far, in seconds, a signed timestamp may be from the platform clock, in the past or the
 * future. Long enough for partner clock skew and retries in flight, short enough to bound the
 * window in which a captured request could be replayed (the transaction id makes a replay inside
 * it harmless anyway).
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Longer headers are refused unread: even with a few signatures a real one is under 400 chars. */
const MAX_HEADER_LENGTH = 4096;

/** A positive integer without a leading zero, so the number prints back as the text that was signed. */
const TIMESTAMP_PATTERN = /^[1-9][0-9]{0,9}$/;

const V1_PATTERN = /^[0-9a-fA-F]{64}$/;

/** A header split into its parts: the signed timestamp and every `v1` signature, in lowercase hex. */
export interface ParsedSignatureHeader {
  timestamp: number;
  signatures: string[];
}

/** Why a signature was refused. Each one becomes the same 401; the reason is for logs and tests. */
export type SignatureFailureReason = "missing" | "malformed" | "stale" | "mismatch";

/** The outcome of {@link verifySignature}: the signed timestamp, or why the request is refused. */
export type SignatureVerification = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailureReason };

/**
 * Splits an `X-Voucher-Signature` value into its timestamp and `v1` signatures.
 *
 * Parts are separated by commas and may have whitespace around them and around `=`. There may be
 * several `v1` parts: during a secret rotation a partner may sign with both its old and its new
 * secret. Parts with another scheme (`v0=…`) are ignored, so a new scheme can be added later
 * without breaking partners that already send it. `t` must appear once, as a positive integer of at
 * most 10 digits without a leading zero; each `v1` must be 64 hex digits (returned in lowercase).
 *
 * Never throws: any other input, however long or strange, gives `{ error }`.
 */
export function parseSignatureHeader(header: string | undefined): ParsedSignatureHeader | { error: string } {
  if (typeof header !== "string" || header.trim() === "") return { error: "no signature header" };
  if (header.length > MAX_HEADER_LENGTH) return { error: `longer than ${MAX_HEADER_LENGTH} characters` };

  let timestamp: number | undefined;
  const signatures = new Set<string>();
  for (const rawPart of header.split(",")) {
    const part = rawPart.trim();
    // A trailing or doubled comma is harmless.
    if (part === "") continue;
    const equals = part.indexOf("=");
    if (equals <= 0) return { error: "each part must be scheme=value" };
    const scheme = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (scheme === "t") {
      // Two timestamps would leave it open which one was signed.
      if (timestamp !== undefined) return { error: "t appears more than once" };
      if (!TIMESTAMP_PATTERN.test(value)) return { error: "t must be a positive integer of at most 10 digits" };
      timestamp = Number(value);
    } else if (scheme === "v1") {
      if (!V1_PATTERN.test(value)) return { error: "v1 must be 64 hex digits" };
      signatures.add(value.toLowerCase());
    }
  }
  if (timestamp === undefined) return { error: "no t" };
  if (signatures.size === 0) return { error: "no v1 signature" };
  return { timestamp, signatures: [...signatures] };
}

/**
 * The `X-Voucher-Signature` value for a body signed with `secret` at `timestamp` (unix seconds):
 * `t=<timestamp>,v1=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>`. A string body is signed
 * as its UTF-8 bytes, so sign exactly the bytes that will be sent. For partners' SDKs, the partner
 * simulator and tests.
 *
 * Throws a RangeError for an empty secret or a timestamp {@link parseSignatureHeader} would refuse:
 * those are programming errors, and the header would never verify.
 */
export function signPayload(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  return signPayloadWithSecrets([secret], timestamp, rawBody);
}

/**
 * The `X-Voucher-Signature` value for a body signed with each of `secrets` at `timestamp`:
 * `t=<timestamp>,v1=<mac with secrets[0]>,v1=<mac with secrets[1]>…`, in the order given. The
 * platform signs its payouts this way with every secret of the partner still valid, so during a
 * rotation's grace period a bank that holds either the old or the new secret can verify them (as
 * Stripe does during a roll). Throws a RangeError for no secret, an empty one, or a timestamp
 * {@link parseSignatureHeader} would refuse.
 */
export function signPayloadWithSecrets(secrets: readonly string[], timestamp: number, rawBody: string | Uint8Array): string {
  if (secrets.length === 0) throw new RangeError("at least one secret is needed");
  if (secrets.some((secret) => secret === "")) throw new RangeError("secret must not be empty");
  if (!Number.isSafeInteger(timestamp) || !TIMESTAMP_PATTERN.test(String(timestamp))) {
    throw new RangeError(`timestamp must be a positive integer of at most 10 digits, got ${timestamp}`);
  }
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${mac(secret, timestamp, rawBody).toString("hex")}`)].join(",");
}

/**
 * Checks a partner request's `X-Voucher-Signature` against the raw body, byte for byte, as it
 * arrived (before any JSON parsing: re-serialising would change the bytes).
 *
 * - `secrets` are the partner's valid secrets: one normally, the old and the new during a
 *   rotation's grace period. The request is genuine if any `v1` matches any secret. An empty list
 *   gives `mismatch`, and empty secrets are skipped (anyone could sign with an empty key).
 * - Every candidate is compared in constant time (`timingSafeEqual` over 32-byte digests), so the
 *   response time does not reveal how many leading bytes of a forged signature were right.
 * - The signature is checked before the clock, so `stale` always means a genuine request that is
 *   more than `toleranceSeconds` (default {@link SIGNATURE_TOLERANCE_SECONDS}) before or after
 *   `now`: a replay, or a partner whose clock is off. Exactly the tolerance is still accepted.
 *
 * Never throws; an invalid `now` or tolerance fails closed as `stale`.
 */
export function verifySignature(input: {
  header: string | undefined;
  rawBody: string | Uint8Array;
  secrets: readonly string[];
  now: Date;
  toleranceSeconds?: number;
}): SignatureVerification {
  const { header, rawBody, secrets, now, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS } = input;
  if (typeof header !== "string" || header.trim() === "") return { ok: false, reason: "missing" };
  const parsed = parseSignatureHeader(header);
  if ("error" in parsed) return { ok: false, reason: "malformed" };

  // Validated as 64 hex digits, so each candidate is exactly 32 bytes, the length of a digest.
  const candidates = parsed.signatures.map((hex) => Buffer.from(hex, "hex"));
  let matched = false;
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret === "") continue;
    const expected = mac(secret, parsed.timestamp, rawBody);
    for (const candidate of candidates) {
      // Compare first, then combine, so every pair is compared whatever matched before.
      const equal = timingSafeEqual(expected, candidate);
      matched = matched || equal;
    }
  }
  if (!matched) return { ok: false, reason: "mismatch" };

  const nowMs = now.getTime();
  // Milliseconds, so a request 300.5 s off is already outside a 300 s window.
  const skewMs = Math.abs(nowMs - parsed.timestamp * 1000);
  const toleranceMs = toleranceSeconds * 1000;
  // Written so that NaN (an invalid date or tolerance) refuses instead of accepting.
  const fresh = Number.isFinite(nowMs) && toleranceMs >= 0 && skewMs <= toleranceMs;
  if (!fresh) return { ok: false, reason: "stale" };
  return { ok: true, timestamp: parsed.timestamp };
}

/** HMAC-SHA256(secret, timestamp + "." + rawBody), as 32 bytes; a string body as UTF-8. */
function mac(secret: string, timestamp: number, rawBody: string | Uint8Array): Buffer {
  const hmac = createHmac("sha256", secret).update(`${timestamp}.`, "utf8");
  if (typeof rawBody === "string") hmac.update(rawBody, "utf8");
  else hmac.update(rawBody);
  return hmac.digest();
}
