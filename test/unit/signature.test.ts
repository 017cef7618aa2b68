import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  parseSignatureHeader,
  signPayload,
  signPayloadWithSecrets,
  verifySignature,
} from "../../shared/domain/signature.js";

const SECRET = "whsec_3f9a1c0b7e5d4a2f8c6b1e0d9a7f5c3b";
const OLD_SECRET = "whsec_old_5b7d9f1a3c5e7092b4d6f8a0c2e4a6b8";
const T = 1_767_225_600; // 2026-01-01T00:00:00Z
const BODY = '{"transactionId":"tx-1","merchantId":"m-1","payerId":"u-1","amount":3000,"note":"满30减5 ☕"}';
const HEX_A = "a".repeat(64);
const HEX_B = "0123456789abcdef".repeat(4);

/** The platform clock `offsetSeconds` after T. */
const at = (offsetSeconds: number) => new Date((T + offsetSeconds) * 1000);

/** The v1 value of a header signPayload made. */
const v1Of = (header: string) => header.slice(header.indexOf("v1=") + 3);

/** An independent reference for the MAC, so the tests do not only check the module against itself. */
const referenceHex = (secret: string, t: number, body: string | Uint8Array) =>
  createHmac("sha256", secret)
    .update(Buffer.concat([Buffer.from(`${t}.`), typeof body === "string" ? Buffer.from(body, "utf8") : body]))
    .digest("hex");

const hexDigit = fc.constantFrom(..."0123456789abcdef");
const hex64 = fc.string({ unit: hexDigit, minLength: 64, maxLength: 64 });
const timestamp = fc.integer({ min: 1, max: 9_999_999_999 });
const secret = fc.string({ unit: "binary", minLength: 1, maxLength: 80 });
const stringBody = fc.string({ unit: "binary", maxLength: 2000 });
const bytesBody = fc.uint8Array({ maxLength: 2000 });
const body = fc.oneof(stringBody, bytesBody);
const toBytes = (value: string | Uint8Array) => (typeof value === "string" ? Buffer.from(value, "utf8") : value);

describe("constants", () => {
  it("name the header in lower case and allow five minutes", () => {
    expect(SIGNATURE_HEADER).toBe("x-voucher-signature");
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
  });
});

describe("parseSignatureHeader", () => {
  it.each([
    ["a valid header", `t=${T},v1=${HEX_B}`, T, [HEX_B]],
    ["whitespace around parts and =", `  t = ${T} ,\tv1= ${HEX_B}  `, T, [HEX_B]],
    ["two v1 values (rotation)", `t=${T},v1=${HEX_A},v1=${HEX_B}`, T, [HEX_A, HEX_B]],
    ["v1 before t", `v1=${HEX_B},t=${T}`, T, [HEX_B]],
    ["upper-case hex, normalised", `t=${T},v1=${HEX_B.toUpperCase()}`, T, [HEX_B]],
    ["an unknown v0 scheme, ignored", `t=${T},v0=not-hex,v1=${HEX_B}`, T, [HEX_B]],
    ["a repeated v1, kept once", `t=${T},v1=${HEX_B},v1=${HEX_B.toUpperCase()}`, T, [HEX_B]],
    ["a trailing comma", `t=${T},v1=${HEX_B},`, T, [HEX_B]],
    ["a one-digit t", `t=1,v1=${HEX_B}`, 1, [HEX_B]],
    ["a ten-digit t", `t=9999999999,v1=${HEX_B}`, 9_999_999_999, [HEX_B]],
  ])("accepts %s", (_name, header, expectedTimestamp, expectedSignatures) => {
    expect(parseSignatureHeader(header)).toEqual({ timestamp: expectedTimestamp, signatures: expectedSignatures });
  });

  it.each([
    ["undefined", undefined],
    ["empty", ""],
    ["only whitespace", "  \t "],
    ["garbage", "garbage"],
    ["garbage with commas", ",,,;;;"],
    ["missing t", `v1=${HEX_B}`],
    ["missing v1", `t=${T}`],
    ["only v0", `t=${T},v0=${HEX_B}`],
    ["empty t", `t=,v1=${HEX_B}`],
    ["t twice", `t=${T},t=${T},v1=${HEX_B}`],
    ["t with a plus sign", `t=+${T},v1=${HEX_B}`],
    ["t with a minus sign", `t=-${T},v1=${HEX_B}`],
    ["t zero", `t=0,v1=${HEX_B}`],
    ["t with a leading zero", `t=0${T},v1=${HEX_B}`],
    ["t with a decimal point", `t=${T}.5,v1=${HEX_B}`],
    ["t in exponent form", `t=1e9,v1=${HEX_B}`],
    ["t of 11 digits", `t=10000000000,v1=${HEX_B}`],
    ["t in full-width digits", `t=１７６７２２５６００,v1=${HEX_B}`],
    ["bad hex in v1", `t=${T},v1=${"g".repeat(64)}`],
    ["63 hex digits", `t=${T},v1=${HEX_B.slice(1)}`],
    ["65 hex digits", `t=${T},v1=${HEX_B}0`],
    ["a 0x prefix", `t=${T},v1=0x${HEX_B.slice(2)}`],
    ["a bad v1 beside a good one", `t=${T},v1=${HEX_B},v1=xyz`],
    ["a part without =", `t=${T},v1=${HEX_B},junk`],
    ["a part with an empty scheme", `t=${T},=${HEX_B}`],
    ["semicolons instead of commas", `t=${T};v1=${HEX_B}`],
    ["a header far too long", `t=${T},v1=${HEX_B},${"v0=x,".repeat(1000)}`],
  ])("refuses %s", (_name, header) => {
    const result = parseSignatureHeader(header);
    expect(result).toHaveProperty("error");
    expect(typeof (result as { error: unknown }).error).toBe("string");
  });
});

describe("signPayload", () => {
  it("gives t and the hex HMAC-SHA256 of t.body", () => {
    expect(signPayload(SECRET, T, BODY)).toBe(`t=${T},v1=${referenceHex(SECRET, T, BODY)}`);
  });

  it("signs a string as its UTF-8 bytes", () => {
    expect(signPayload(SECRET, T, BODY)).toBe(signPayload(SECRET, T, new TextEncoder().encode(BODY)));
  });

  it("makes a header that parses back", () => {
    expect(parseSignatureHeader(signPayload(SECRET, T, BODY))).toEqual({
      timestamp: T,
      signatures: [referenceHex(SECRET, T, BODY)],
    });
  });

  it.each([0, -1, 1.5, 10_000_000_000, Number.NaN])("refuses timestamp %s", (t) => {
    expect(() => signPayload(SECRET, t, BODY)).toThrow(RangeError);
  });

  it("refuses an empty secret", () => {
    expect(() => signPayload("", T, BODY)).toThrow(RangeError);
  });
});

describe("verifySignature", () => {
  const header = signPayload(SECRET, T, BODY);
  const verify = (overrides: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
    verifySignature({ header, rawBody: BODY, secrets: [SECRET], now: at(0), ...overrides });

  it("accepts a body signed with the secret and gives its timestamp", () => {
    expect(verify()).toEqual({ ok: true, timestamp: T });
  });

  it("accepts the same bytes as a Uint8Array", () => {
    expect(verify({ rawBody: Buffer.from(BODY, "utf8") })).toEqual({ ok: true, timestamp: T });
  });

  it("accepts an empty body", () => {
    expect(verify({ header: signPayload(SECRET, T, ""), rawBody: "" })).toEqual({ ok: true, timestamp: T });
  });

  it("refuses a body with one byte changed", () => {
    const bytes = Buffer.from(BODY, "utf8");
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    expect(verify({ rawBody: bytes })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses the body re-serialised (whitespace changes the bytes)", () => {
    const reformatted = JSON.stringify(JSON.parse(BODY) as unknown, null, 1);
    expect(verify({ rawBody: reformatted })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a wrong secret", () => {
    expect(verify({ secrets: ["whsec_someone_else"] })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses an empty list of secrets", () => {
    expect(verify({ secrets: [] })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("skips an empty secret, so a body signed with an empty key never passes", () => {
    const emptyKeyHeader = `t=${T},v1=${referenceHex("", T, BODY)}`;
    expect(verify({ header: emptyKeyHeader, secrets: [""] })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("accepts the old secret while it is still listed during a rotation", () => {
    const signedWithOld = signPayload(OLD_SECRET, T, BODY);
    expect(verify({ header: signedWithOld, secrets: [SECRET, OLD_SECRET] })).toEqual({ ok: true, timestamp: T });
    expect(verify({ header: signedWithOld, secrets: [OLD_SECRET, SECRET] })).toEqual({ ok: true, timestamp: T });
    // Once the grace period is over, only the new secret is listed.
    expect(verify({ header: signedWithOld, secrets: [SECRET] })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("accepts a header signed with both secrets, whichever is listed", () => {
    const both = `t=${T},v1=${v1Of(signPayload(OLD_SECRET, T, BODY))},v1=${v1Of(header)}`;
    expect(verify({ header: both, secrets: [SECRET] })).toEqual({ ok: true, timestamp: T });
    expect(verify({ header: both, secrets: [OLD_SECRET] })).toEqual({ ok: true, timestamp: T });
  });

  it("accepts a good v1 next to a bad one, in either order", () => {
    expect(verify({ header: `t=${T},v1=${HEX_A},v1=${v1Of(header)}` })).toEqual({ ok: true, timestamp: T });
    expect(verify({ header: `t=${T},v1=${v1Of(header)},v1=${HEX_A}` })).toEqual({ ok: true, timestamp: T });
  });

  it("accepts an upper-case signature", () => {
    expect(verify({ header: `t=${T},v1=${v1Of(header).toUpperCase()}` })).toEqual({ ok: true, timestamp: T });
  });

  it("refuses an old signature under a fresh timestamp (t is signed)", () => {
    const replayed = `t=${T + 60},v1=${v1Of(header)}`;
    expect(verify({ header: replayed, now: at(60) })).toEqual({ ok: false, reason: "mismatch" });
  });

  it.each([
    ["301 s after", 301],
    ["300.001 s after", 300.001],
    ["a day after", 86_400],
    ["301 s before (a partner clock ahead)", -301],
  ])("refuses a request when the clock is %s its timestamp as stale", (_name, offset) => {
    expect(verify({ now: at(offset) })).toEqual({ ok: false, reason: "stale" });
  });

  it.each([
    ["exactly 300 s after", 300],
    ["exactly 300 s before", -300],
    ["1 s after", 1],
  ])("accepts a request when the clock is %s its timestamp", (_name, offset) => {
    expect(verify({ now: at(offset) })).toEqual({ ok: true, timestamp: T });
  });

  it("takes another tolerance", () => {
    expect(verify({ now: at(61), toleranceSeconds: 60 })).toEqual({ ok: false, reason: "stale" });
    expect(verify({ now: at(60), toleranceSeconds: 60 })).toEqual({ ok: true, timestamp: T });
    expect(verify({ now: at(0), toleranceSeconds: 0 })).toEqual({ ok: true, timestamp: T });
  });

  it.each([
    ["an invalid date", { now: new Date(Number.NaN) }],
    ["a NaN tolerance", { toleranceSeconds: Number.NaN }],
    ["a negative tolerance", { toleranceSeconds: -1 }],
  ])("fails closed on %s", (_name, overrides) => {
    expect(verify(overrides)).toEqual({ ok: false, reason: "stale" });
  });

  it("reports a forged stale request as a mismatch, so stale always means genuine", () => {
    expect(verify({ header: `t=${T},v1=${HEX_A}`, now: at(10_000) })).toEqual({ ok: false, reason: "mismatch" });
  });

  it.each([
    ["missing", undefined],
    ["missing", ""],
    ["missing", "   "],
    ["malformed", "garbage"],
    ["malformed", `t=${T}`],
    ["malformed", `v1=${HEX_B}`],
    ["malformed", `t=${T},v1=${HEX_B.slice(1)}`],
  ] as const)("says %s for header %j", (reason, value) => {
    expect(verify({ header: value })).toEqual({ ok: false, reason });
  });
});

describe("fuzzed with fast-check", () => {
  // Headers shaped like the real thing, so the fuzzing also reaches the checks past the first split.
  const headerPart = fc.oneof(
    fc.constant(`t=${T}`),
    timestamp.map((t) => `t=${t}`),
    fc.string({ maxLength: 14 }).map((t) => `t=${t}`),
    hex64.map((hex) => `v1=${hex}`),
    fc.string({ unit: hexDigit, maxLength: 70 }).map((hex) => `v1=${hex}`),
    fc.string({ unit: "grapheme", maxLength: 80 }).map((value) => `v0=${value}`),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom(" ", "=", ",", "\t", "\u00a0", "\u2028", "\ud800"),
  );
  const headerLike = fc
    .tuple(fc.array(headerPart, { maxLength: 8 }), fc.constantFrom(",", " , ", ";", ""))
    .map(([parts, separator]) => parts.join(separator));
  const anyHeader = fc.oneof(
    fc.constant(undefined),
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.string({ unit: "grapheme", maxLength: 300 }),
    headerLike,
    // Past the length limit, and wide unicode that is long in UTF-16 units.
    fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).map((s) => s.repeat(Math.ceil(20_000 / s.length))),
    fc.string({ unit: "grapheme", maxLength: 1000 }).map((s) => `t=${T},v1=${HEX_B},v0=${s.repeat(8)}`),
  );
  const hugeBody = fc
    .string({ unit: "binary", minLength: 1, maxLength: 40 })
    .map((s) => s.repeat(Math.ceil(100_000 / s.length)));
  const anyBody = fc.oneof(stringBody, bytesBody, hugeBody);

  it("parseSignatureHeader never throws and always gives a timestamp and signatures, or an error", () => {
    fc.assert(
      fc.property(anyHeader, (header) => {
        const result = parseSignatureHeader(header);
        if ("error" in result) {
          expect(typeof result.error).toBe("string");
        } else {
          expect(Number.isSafeInteger(result.timestamp) && result.timestamp > 0).toBe(true);
          expect(result.signatures.length).toBeGreaterThan(0);
          for (const signature of result.signatures) expect(signature).toMatch(/^[0-9a-f]{64}$/);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("verifySignature never throws, and never accepts a header it did not make", () => {
    fc.assert(
      fc.property(
        anyHeader,
        anyBody,
        fc.array(fc.string({ unit: "binary", maxLength: 40 }), { maxLength: 3 }),
        fc.date({ noInvalidDate: false }),
        fc.option(fc.double(), { nil: undefined }),
        (header, rawBody, secrets, now, toleranceSeconds) => {
          const result = verifySignature({ header, rawBody, secrets, now, toleranceSeconds });
          // A random header carries a valid HMAC only with probability 2^-256.
          expect(result.ok).toBe(false);
          if (!result.ok) expect(["missing", "malformed", "stale", "mismatch"]).toContain(result.reason);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a correct signature verifies, whatever the secret, body and timestamp, within the window", () => {
    fc.assert(
      fc.property(
        secret,
        body,
        timestamp,
        fc.integer({ min: -SIGNATURE_TOLERANCE_SECONDS * 1000, max: SIGNATURE_TOLERANCE_SECONDS * 1000 }),
        fc.array(secret, { maxLength: 2 }),
        fc.nat(),
        (key, rawBody, t, skewMs, others, position) => {
          const header = signPayload(key, t, rawBody);
          expect(v1Of(header)).toBe(referenceHex(key, t, rawBody));
          // The right secret anywhere among other (rotated) ones.
          const secrets = [...others];
          secrets.splice(position % (others.length + 1), 0, key);
          const now = new Date(t * 1000 + skewMs);
          expect(verifySignature({ header, rawBody, secrets, now })).toEqual({ ok: true, timestamp: t });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never accepts a random v1 in place of the true HMAC", () => {
    fc.assert(
      fc.property(secret, body, timestamp, hex64, (key, rawBody, t, forged) => {
        fc.pre(forged !== referenceHex(key, t, rawBody));
        const header = `t=${t},v1=${forged}`;
        const result = verifySignature({ header, rawBody, secrets: [key], now: new Date(t * 1000) });
        expect(result).toEqual({ ok: false, reason: "mismatch" });
      }),
      { numRuns: 200 },
    );
  });

  it("never accepts the true HMAC with any one hex digit changed", () => {
    fc.assert(
      fc.property(
        secret,
        body,
        timestamp,
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 1, max: 15 }),
        fc.boolean(),
        (key, rawBody, t, index, delta, upper) => {
          const truth = referenceHex(key, t, rawBody);
          const digit = ((parseInt(truth[index] ?? "0", 16) + delta) % 16).toString(16);
          let forged = truth.slice(0, index) + digit + truth.slice(index + 1);
          if (upper) forged = forged.toUpperCase();
          const header = `t=${t},v1=${forged}`;
          const result = verifySignature({ header, rawBody, secrets: [key], now: new Date(t * 1000) });
          expect(result).toEqual({ ok: false, reason: "mismatch" });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never accepts a signature made with another secret", () => {
    // HMAC pads short keys with zero bytes, so "k" and "k\0" are the same key: not another secret.
    const sameKey = (a: string, b: string) => a.replace(/\0+$/, "") === b.replace(/\0+$/, "");
    fc.assert(
      fc.property(secret, secret, body, timestamp, (key, other, rawBody, t) => {
        fc.pre(!sameKey(key, other));
        const header = signPayload(other, t, rawBody);
        expect(verifySignature({ header, rawBody, secrets: [key], now: new Date(t * 1000) })).toEqual({
          ok: false,
          reason: "mismatch",
        });
      }),
      { numRuns: 200 },
    );
  });

  it("never accepts a body that differs in any byte, or is one byte longer or shorter", () => {
    fc.assert(
      fc.property(
        secret,
        body,
        timestamp,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom("flip", "append", "truncate"),
        (key, rawBody, t, position, mask, change) => {
          const bytes = Buffer.from(toBytes(rawBody));
          fc.pre(change === "append" || bytes.length > 0);
          let tampered: Buffer;
          if (change === "append") {
            tampered = Buffer.concat([bytes, Buffer.from([mask])]);
          } else if (change === "truncate") {
            tampered = bytes.subarray(0, bytes.length - 1);
          } else {
            tampered = Buffer.from(bytes);
            const index = position % tampered.length;
            tampered[index] = (tampered[index] ?? 0) ^ mask;
          }
          const header = signPayload(key, t, rawBody);
          const result = verifySignature({ header, rawBody: tampered, secrets: [key], now: new Date(t * 1000) });
          expect(result).toEqual({ ok: false, reason: "mismatch" });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("signing with several secrets (payouts during a rotation's grace period)", () => {
  const body = JSON.stringify({ statementId: "c1/m1/2030-01-01", amount: 1200 });
  const now = new Date("2030-01-01T00:00:00.000Z");
  const t = Math.floor(now.getTime() / 1000);

  it("carries one v1 per secret, each verifying on its own, in the order given", () => {
    const header = signPayloadWithSecrets(["old", "new"], t, body);
    expect(header).toBe(`t=${t},v1=${createHmac("sha256", "old").update(`${t}.${body}`).digest("hex")},v1=${createHmac("sha256", "new").update(`${t}.${body}`).digest("hex")}`);
    expect(verifySignature({ header, rawBody: body, secrets: ["old"], now })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature({ header, rawBody: body, secrets: ["new"], now })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature({ header, rawBody: body, secrets: ["other"], now })).toEqual({ ok: false, reason: "mismatch" });
    expect(signPayloadWithSecrets(["only"], t, body)).toBe(signPayload("only", t, body));
  });

  it("refuses no secret, an empty one, or a bad timestamp", () => {
    expect(() => signPayloadWithSecrets([], t, body)).toThrow(RangeError);
    expect(() => signPayloadWithSecrets(["a", ""], t, body)).toThrow(RangeError);
    expect(() => signPayloadWithSecrets(["a"], 0, body)).toThrow(RangeError);
  });
});
