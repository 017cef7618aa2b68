/**
 * What the claim path parses with zod mini (its bundle budget, issue 16) has classic twins that
 * the OpenAPI document reads: the claim's body and Idempotency-Key (shared/api/claim-request.ts
 * against shared/api/schemas.ts and parameters.ts), and the voucher types, instant discounts and
 * sectors of a stored campaign (shared/domain/stored-campaign.ts against campaign.ts,
 * instant-discount.ts, sectors.ts), and configuration's URL, base64 and number variables
 * (shared/config.ts against zod's own). Each pair must accept the same samples and refuse the
 * same ones with the same issues (paths, codes and messages).
 */
import { describe, expect, it } from "vitest";
import { claimBodySchema, claimPathSchema, idempotencyKeyHeaderSchema } from "../../shared/api/claim-request.js";
import { dropPathSchema, idempotencyKeySchema } from "../../shared/api/parameters.js";
import { claimRequestSchema } from "../../shared/api/schemas.js";
import { voucherTypeSchema } from "../../shared/domain/campaign.js";
import { instantDiscountSchema } from "../../shared/domain/instant-discount.js";
import { sectorSchema } from "../../shared/domain/sectors.js";
import { ISO_INSTANT_PATTERN, storedInstantDiscountSchema, storedSectorSchema, storedVoucherTypeSchema } from "../../shared/domain/stored-campaign.js";
import { base64VariableSchema, numberVariableSchema, urlVariableSchema } from "../../shared/config.js";
import * as classic from "../../shared/zod.js";
import * as mini from "../../shared/zod-mini.js";

/** What a parse answers: the value, or each issue's path, code and message (without the code when `codes` is false). */
function outcome(schema: classic.core.$ZodType, sample: unknown, codes = true) {
  const parsed = mini.safeParse(schema, sample);
  if (parsed.success) return { data: parsed.data };
  return { issues: parsed.error.issues.map(({ path, code, message }) => (codes ? { path, code, message } : { path, message })) };
}

function expectTwins(miniSchema: classic.core.$ZodType, classicSchema: classic.core.$ZodType, samples: readonly unknown[], codes = true) {
  let refused = 0;
  for (const sample of samples) {
    const answer = outcome(miniSchema, sample, codes);
    expect(answer, JSON.stringify(sample)).toEqual(outcome(classicSchema, sample, codes));
    if ("issues" in answer) refused += 1;
  }
  // Both kinds of sample are there, so the comparison can fail either way.
  expect(refused).toBeGreaterThan(0);
  expect(refused).toBeLessThan(samples.length);
}

const voucherType = { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 };
const instantDiscount = {
  id: "swipe-1",
  tiers: [
    { threshold: 10_000, discount: 1_000 },
    { threshold: 30_000, discount: 5_000 },
  ],
  quota: { total: 1_000, daily: 100 },
  perPayer: { total: 2, daily: 1 },
  window: { daysOfWeek: [6, 7], from: "10:00", to: "22:00" },
  partners: ["unionpay"],
};

describe("the claim handler's zod mini schemas and the documented ones", () => {
  it("the body", () => {
    expectTwins(claimBodySchema, claimRequestSchema, [
      { voucherTypeId: "100-30" },
      { voucherTypeId: "" },
      { voucherTypeId: "a b" },
      { voucherTypeId: "x".repeat(65) },
      { voucherTypeId: 7 },
      { voucherTypeId: "100-30", extra: true },
      {},
      undefined,
      "100-30",
    ]);
  });

  it("the Idempotency-Key header, which may be absent", () => {
    expectTwins(idempotencyKeyHeaderSchema, idempotencyKeySchema.optional(), [undefined, "key-1", "~!", "", "a b", "é", "k".repeat(128), "k".repeat(129), 42]);
  });

  it("the path: the documented pattern, with zod's own messages", () => {
    const samples = [{ id: "c1", dropId: "d1" }, { id: "c 1", dropId: "d1" }, { id: "c1" }, { id: "c1", dropId: "x".repeat(65) }, {}];
    const accepted = (schema: classic.core.$ZodType) => samples.map((sample) => mini.safeParse(schema, sample).success);
    expect(accepted(claimPathSchema)).toEqual(accepted(dropPathSchema));
    expect(outcome(claimPathSchema, { id: "c 1", dropId: "d1" })).toEqual({
      issues: [{ path: ["id"], code: "invalid_format", message: "Invalid string: must match pattern /^[A-Za-z0-9_-]{1,64}$/" }],
    });
  });
});

describe("a stored campaign's zod mini schemas and the definition's", () => {
  it("voucher types", () => {
    const { validDays: _validDays, ...withoutValidity } = voucherType;
    expectTwins(storedVoucherTypeSchema, voucherTypeSchema, [
      voucherType,
      { ...withoutValidity, validUntil: "2030-01-01T00:00:00+08:00" },
      { ...withoutValidity, validUntil: "2030-01-01T00:00:00" },
      { ...withoutValidity, validUntil: "2028-02-29T23:59:59.5Z" },
      { ...withoutValidity, validUntil: "2027-02-29T00:00:00Z" },
      { ...withoutValidity, validUntil: "2030-01-01T00:00Z" },
      { ...withoutValidity, validUntil: "2030-01-01T24:00:00Z" },
      { ...withoutValidity, validUntil: "2030-01-01 00:00:00Z" },
      withoutValidity,
      { ...voucherType, validUntil: "2030-01-01T00:00:00Z" },
      { ...voucherType, discount: 10_000 },
      { ...voucherType, threshold: 0 },
      { ...voucherType, discount: 1.5 },
      { ...voucherType, validDays: 0 },
      { ...voucherType, id: "bad id" },
      { ...voucherType, unknown: 1 },
      { ...voucherType, threshold: "10000" },
    ]);
  });

  it("instant discounts", () => {
    expectTwins(storedInstantDiscountSchema, instantDiscountSchema, [
      instantDiscount,
      { id: "swipe-2", tiers: [{ threshold: 5_000, discount: 500 }], quota: { total: 10 } },
      { ...instantDiscount, tiers: [] },
      { ...instantDiscount, tiers: Array.from({ length: 11 }, (_, i) => ({ threshold: 1_000 * (i + 2), discount: 1_000 })) },
      { ...instantDiscount, tiers: [{ threshold: 100, discount: 100 }] },
      { ...instantDiscount, tiers: [instantDiscount.tiers[0], instantDiscount.tiers[0]] },
      { ...instantDiscount, quota: { total: 10, daily: 11 } },
      { ...instantDiscount, window: { from: "22:00", to: "10:00" } },
      { ...instantDiscount, window: { from: "24:00" } },
      { ...instantDiscount, window: { daysOfWeek: [0, 8] } },
      { ...instantDiscount, window: { daysOfWeek: [] } },
      { ...instantDiscount, partners: [] },
      { ...instantDiscount, partners: [""] },
      { ...instantDiscount, perPayer: { total: 0 } },
      { ...instantDiscount, id: "x".repeat(65) },
      { ...instantDiscount, extra: 1 },
    ]);
  });

  it("sectors", () => {
    expectTwins(storedSectorSchema, sectorSchema, ["supermarket", "other", "Supermarket", "", 3]);
  });
});

describe("zod's formats as the claim handler's bundle writes them", () => {
  it("an instant with an offset is zod's own pattern", () => {
    expect(ISO_INSTANT_PATTERN.source).toBe(classic.regexes.datetime({ offset: true }).source);
  });

  // A refused variable is reported by its name and message (ConfigurationError), never by its issue's code.
  it("configuration's URLs", () => {
    expectTwins(urlVariableSchema, classic.url(), ["http://127.0.0.1:8000", " https://example.com/a ", "https://exa\nmple.com", "not a url", "", "http:", "mailto:x@y", 8000], false);
  });

  it("configuration's base64 keys", () => {
    expectTwins(base64VariableSchema, classic.base64(), ["", "AAAA", "AAA=", "AA==", "A===", "AAA", "AA AA", "AA\nAA", "****", "QUJD", 3], false);
  });

  it("configuration's numbers: the same values accepted, the same refused", () => {
    const samples = ["4000", "1", " 7 ", "0", "-5", "1.5", "1e3", "soon", "", "600000", "Infinity", "0x10"];
    const answers = (schema: classic.core.$ZodType) => samples.map((sample) => outcome(schema, sample)).map((answer) => ("data" in answer ? answer.data : "refused"));
    expect(answers(numberVariableSchema(mini.int().check(mini.minimum(1), mini.maximum(60_000))))).toEqual(answers(classic.coerce.number().int().min(1).max(60_000)));
    expect(answers(numberVariableSchema(mini.int().check(mini.positive())))).toEqual(answers(classic.coerce.number().int().positive()));
    expect(answers(numberVariableSchema(mini.int().check(mini.positive())))).toContain("refused");
  });
});
