import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fen, formatYuan, multiplyFen, positiveFen, safeFen, sumFen, sumFenExact } from "../../shared/domain/money.js";
import { FenOverflowError } from "../../shared/errors.js";

describe("fen", () => {
  it.each([0, 1, 3000, Number.MAX_SAFE_INTEGER])("accepts %s", (value) => {
    expect(fen.safeParse(value).success).toBe(true);
  });

  it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, "3000"])("refuses %s", (value) => {
    expect(fen.safeParse(value).success).toBe(false);
  });

  it("positiveFen refuses zero and accepts one fen", () => {
    expect(positiveFen.safeParse(0).success).toBe(false);
    expect(positiveFen.safeParse(1).success).toBe(true);
  });
});

describe("formatYuan", () => {
  it.each([
    [3000, "¥30.00"],
    [0, "¥0.00"],
    [5, "¥0.05"],
    [1999, "¥19.99"],
    [93_000_000, "¥930000.00"],
    [-150, "-¥1.50"],
    [Number.MAX_SAFE_INTEGER, "¥90071992547409.91"],
  ])("formats %s fen as %s", (amount, text) => {
    expect(formatYuan(amount)).toBe(text);
  });

  it("refuses fractions of a fen", () => {
    expect(() => formatYuan(1.5)).toThrow(RangeError);
  });

  it("round-trips through its digits for any safe amount", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (amount) => {
        expect(Number(formatYuan(amount).slice(1).replace(".", ""))).toBe(amount);
      }),
    );
  });
});

describe("sumFen", () => {
  it("adds exactly and is zero for nothing", () => {
    expect(sumFen([])).toBe(0);
    expect(sumFen([3000, 6000, 1])).toBe(9001);
    expect(sumFen(new Set([1, 2]))).toBe(3);
  });

  it("throws when the sum leaves the safe integers", () => {
    expect(() => sumFen([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });

  it("is exact when only a partial sum leaves them: it adds as a BigInt, in any order", () => {
    expect(sumFen([Number.MAX_SAFE_INTEGER, 2, -2])).toBe(Number.MAX_SAFE_INTEGER);
    expect(sumFen([2, Number.MAX_SAFE_INTEGER, -2])).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("names the exact total when it is no safe integer (FenOverflowError)", () => {
    const error: unknown = (() => {
      try {
        return sumFen(Array.from({ length: 100_000_000 / 1_000_000 }, () => (Number.MAX_SAFE_INTEGER - 1) / 2));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(FenOverflowError);
    expect((error as FenOverflowError).total).toBe(100n * BigInt((Number.MAX_SAFE_INTEGER - 1) / 2));
  });

  it("refuses a summand that is not a safe integer", () => {
    expect(() => sumFen([1, 0.5])).toThrow(RangeError);
  });

  it("agrees with BigInt arithmetic whenever it answers", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (values) => {
        const exact = values.reduce((total, value) => total + BigInt(value), 0n);
        if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) expect(BigInt(sumFen(values))).toBe(exact);
        else expect(() => sumFen(values)).toThrow(RangeError);
      }),
    );
  });
});

describe("sumFenExact", () => {
  it("adds 2^40 records of the largest partner amount exactly, far past 2^53 fen", () => {
    // 10^8 fen (¥1,000,000) each: Σ = 10^8 × 2^40 ≈ 1.1 × 10^20 fen.
    const values = function* () {
      for (let i = 0; i < 1_000; i += 1) yield 100_000_000;
    };
    const thousand = sumFenExact(values());
    expect(thousand).toBe(100_000_000_000n);
    expect(sumFenExact(Array.from({ length: 2 ** 10 }, () => thousand * 2n ** 30n))).toBe(100_000_000_000n * 2n ** 40n);
    expect(safeFen(100_000_000_000n * 2n ** 40n)).toBeUndefined();
    expect(safeFen(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe("multiplyFen", () => {
  it("multiplies stock by discount and throws on overflow", () => {
    expect(multiplyFen(3000, 5000)).toBe(15_000_000);
    expect(() => multiplyFen(2 ** 30, 2 ** 30)).toThrow(RangeError);
  });
});
