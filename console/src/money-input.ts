/**
 * Money as an operator or merchant types it: yuan with at most two decimals, sent to the API in fen
 * (integers). Parsed from the text, never through floating point, so "0.29" is 29 fen, not 28.
 */

const YUAN = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/** "1,234.5" → 123450 fen; undefined for anything that is not a non-negative amount with at most two decimals. */
export function yuanToFen(text: string): number | undefined {
  const match = YUAN.exec(text.trim().replace(/^¥/, "").replace(/,/g, ""));
  if (!match) return undefined;
  const fen = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(fen) ? fen : undefined;
}

/** 123450 fen → "1234.50": what a money field shows when it is filled from the API. */
export function fenToYuanInput(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`not an amount of fen: ${fen}`);
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
}

/** An antd Form rule: the field holds yuan with at most two decimals (and, with `positive`, above 0). */
export function yuanRule(message: string, options: { positive?: boolean } = {}) {
  return {
    validator: (_rule: unknown, value: unknown) => {
      const fen = typeof value === "string" ? yuanToFen(value) : undefined;
      return fen !== undefined && (!options.positive || fen > 0) ? Promise.resolve() : Promise.reject(new Error(message));
    },
  };
}
