/**
 * Masking of trade-in buyers in lists (shared/domain/buyer-masking.ts): names keep their first
 * character, phones their first 3 and last 4 digits, and nothing shorter leaks whole.
 */
import { describe, expect, it } from "vitest";
import { maskBuyerName, maskBuyerPhone } from "../../shared/domain/buyer-masking.js";

describe("maskBuyerName", () => {
  it.each([
    ["a 3-character Chinese name", "张三丰", "张**"],
    ["a 2-character Chinese name", "李四", "李*"],
    ["a 4-character compound surname", "欧阳娜娜", "欧***"],
    ["a Latin name, its space counted", "Li Na", "L****"],
    ["a Latin name with an accent written as a combining mark", "E\u0301milie", "E\u0301*****"],
    ["a name whose rare character is a surrogate pair", "𠀋一", "𠀋*"],
    ["a surrogate pair after the first character", "王𠀋", "王*"],
    ["a single character", "王", "王"],
    ["surrounding spaces", "  张三  ", "张*"],
    ["an empty name", "", ""],
  ])("masks %s", (_label, name, masked) => {
    expect(maskBuyerName(name)).toBe(masked);
  });

  it("never shows a character after the first", () => {
    expect(maskBuyerName("诸葛孔明")).not.toMatch(/[葛孔明]/);
  });
});

describe("maskBuyerPhone", () => {
  it.each([
    ["an 11-digit mobile", "13800138000", "138****8000"],
    ["a mobile written with spaces", "138 0013 8000", "138****8000"],
    ["a mobile with +86", "+8613800138000", "+86 138****8000"],
    ["a mobile with +86 and spaces", "+86 138-0013-8000", "+86 138****8000"],
    ["a mobile with 0086", "008613800138000", "+86 138****8000"],
    ["a landline with a 3-digit area code", "010-12345678", "010****5678"],
    ["a landline with a 4-digit area code and 8 digits", "0755-12345678", "075****5678"],
    ["a landline with parentheses", "(021) 6123 4567", "021****4567"],
    ["a local number of 8 digits", "61234567", "612****4567"],
    ["a foreign number", "+4915123456789", "+49****6789"],
    ["a 7-character string", "1234567", "****"],
    ["a short string", "110", "****"],
    ["an empty string", "", "****"],
  ])("masks %s", (_label, phone, masked) => {
    expect(maskBuyerPhone(phone)).toBe(masked);
  });

  it("hides the middle four digits of a mobile", () => {
    expect(maskBuyerPhone("13912345678")).not.toContain("2345");
  });
});
