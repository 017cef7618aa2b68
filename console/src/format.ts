/**
 * Money and time as the console shows them (the issue: money in yuan with two decimals, sent in
 * fen; times in the campaign's zone, with the zone named). Pure functions, unit-tested in
 * test/unit/console-format.test.ts; no other module formats money or time.
 */

/** Fen (integer) as yuan with two decimals and thousands separators: 123456 → "¥1,234.56". */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`money must be a whole number of fen, got ${fen}`);
  const sign = fen < 0 ? "-" : "";
  const absolute = Math.abs(fen);
  // Integer arithmetic: no binary fraction ever rounds a fen away.
  const yuan = Math.floor(absolute / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (absolute % 100).toString().padStart(2, "0");
  return `${sign}¥${yuan}.${cents}`;
}

/** Fen as a yuan number for charts (a chart axis is not a ledger). */
export function fenToYuan(fen: number): number {
  return fen / 100;
}

function zonedParts(instant: Date, timeZone: string): Record<string, string> {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  return Object.fromEntries(parts.map((part) => [part.type, part.value]));
}

/** An instant in `timeZone`, with the zone named: "2026-12-05 09:30:00 (Asia/Shanghai)". */
export function formatInstant(instant: string | Date, timeZone: string): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an instant: ${String(instant)}`);
  const p = zonedParts(date, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} (${timeZone})`;
}

/** The calendar day of an instant in `timeZone`, YYYY-MM-DD: the key of the stats' `byDay`. */
export function calendarDay(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}
