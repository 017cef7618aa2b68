/**
 * Money and time as the console shows them (the issue: money in yuan with two decimals, sent in
 * fen; times in the campaign's zone, with the zone named). Built on the platform's own functions
 * (shared/domain: the ones the API's reports and settlement use), so the console cannot disagree
 * with them; unit-tested in test/unit/console-format.test.ts. No other console module formats money or time.
 */
import { formatYuan as formatYuanPlain } from "../../shared/domain/money.js";
import { localDate, zonedTimestamp } from "../../shared/domain/settlement.js";

/** Fen (a safe integer) as yuan with two decimals and thousands separators: 123456 → "¥1,234.56". */
export function formatYuan(fen: number): string {
  // The platform's "¥1234.56" (exact integer arithmetic), with separators in the yuan part.
  return formatYuanPlain(fen).replace(/\d+(?=\.)/, (yuan) => yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
}

/** Fen as a yuan number for charts (a chart axis is not a ledger). */
export function fenToYuan(fen: number): number {
  return fen / 100;
}

/** An instant in `timeZone` with its offset and the zone named: "2026-12-05 09:30:00 +08:00 (Asia/Shanghai)". */
export function formatInstant(instant: string | Date, timeZone: string): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an instant: ${String(instant)}`);
  return `${zonedTimestamp(date, timeZone).text} (${timeZone})`;
}

/** The zone of the operator's browser, to show instants that belong to no campaign (a merchant's, a partner's). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A ratio as a percentage with two decimals: 0.4567 → "45.67%". */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/** The calendar day of an instant in `timeZone`, YYYY-MM-DD: the key of the stats' `byDay`. */
export const calendarDay: (instant: Date, timeZone: string) => string = localDate;

/** A message with its `{name}` placeholders filled from `values`; an unknown placeholder stays as written. */
export function fillMessage(text: string, values: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
