/**
 * EventBridge Scheduler expressions, read the way Scheduler reads them, so the local runtime
 * fires a declared schedule at the same instants AWS would: `rate(N unit)`, and six-field
 * `cron(minutes hours day-of-month month day-of-week year)` in the schedule's time zone.
 * Supported cron syntax: `*`, `?`, lists, ranges, steps, month and day names. The `L`, `W` and
 * `#` forms are refused with a clear error rather than misread.
 */

export type ScheduleExpression =
  | { kind: "rate"; everyMs: number }
  | { kind: "cron"; fields: CronFields; timezone: string };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number> | "any";
  months: Set<number>;
  /** 1 = Sunday … 7 = Saturday, as in EventBridge. */
  daysOfWeek: Set<number> | "any";
  years: Set<number> | "any";
}

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Parses an expression; throws naming the part that is wrong. */
export function parseScheduleExpression(expression: string, timezone: string): ScheduleExpression {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2]!;
    if (count < 1) throw new Error(`${expression}: the rate must be at least 1`);
    if ((count === 1) !== !unit.endsWith("s")) throw new Error(`${expression}: write "1 ${unit.replace(/s$/, "")}" or "N ${unit.replace(/s?$/, "s")}"`);
    return { kind: "rate", everyMs: count * UNIT_MS[unit]! };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) throw new Error(`${expression}: expected rate(...) or cron(...)`);
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`${expression}: cron needs six fields, got ${parts.length}`);
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === "?") === (dow === "?")) {
    throw new Error(`${expression}: exactly one of day-of-month and day-of-week must be "?"`);
  }
  return {
    kind: "cron",
    timezone,
    fields: {
      minutes: parseField(minutes, 0, 59, [], "minutes"),
      hours: parseField(hours, 0, 23, [], "hours"),
      daysOfMonth: dom === "?" ? "any" : parseField(dom, 1, 31, [], "day-of-month"),
      months: parseField(month, 1, 12, MONTHS, "month"),
      daysOfWeek: dow === "?" ? "any" : parseField(dow, 1, 7, DAYS, "day-of-week"),
      years: year === "*" ? "any" : parseField(year, 1970, 2199, [], "year"),
    },
  };
}

/**
 * The first instant strictly after `after` at which the schedule fires. A rate schedule counts
 * from `anchor` (when it was created); cron instants are whole minutes in the schedule's zone.
 */
export function nextFireTime(schedule: ScheduleExpression, after: Date, anchor: Date = after): Date {
  if (schedule.kind === "rate") {
    const elapsed = after.getTime() - anchor.getTime();
    const periods = Math.floor(elapsed / schedule.everyMs) + 1;
    return new Date(anchor.getTime() + Math.max(periods, 1) * schedule.everyMs);
  }
  const start = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  // Five years of minutes bounds the search for expressions such as a past or leap-day year.
  const limit = start + 5 * 366 * 86_400_000;
  for (let t = start; t < limit; t += 60_000) {
    if (cronMatches(schedule.fields, wallClock(new Date(t), schedule.timezone))) return new Date(t);
  }
  throw new Error("the cron expression never fires in the next five years");
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

function cronMatches(fields: CronFields, at: WallClock): boolean {
  return (
    fields.minutes.has(at.minute) &&
    fields.hours.has(at.hour) &&
    fields.months.has(at.month) &&
    (fields.daysOfMonth === "any" || fields.daysOfMonth.has(at.day)) &&
    (fields.daysOfWeek === "any" || fields.daysOfWeek.has(at.weekday)) &&
    (fields.years === "any" || fields.years.has(at.year))
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading of an instant in a zone. */
function wallClock(instant: Date, timezone: string): WallClock {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: DAYS.indexOf(String(parts.weekday).toUpperCase()) + 1,
  };
}

function parseField(field: string, min: number, max: number, names: string[], what: string): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    // Names such as JUL contain L; only the special forms themselves are refused.
    if (part.includes("#") || /^(\d*L|LW|\d+W|L-\d+)$/i.test(part)) {
      throw new Error(`${what} "${field}": L, W and # are not supported by the local runtime`);
    }
    const [range, stepText] = part.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`${what} "${field}": bad step`);
    let from: number;
    let to: number;
    if (range === "*") {
      from = min;
      to = max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-") as [string, string];
      from = value(a, names, min, what);
      to = value(b, names, min, what);
    } else {
      from = value(range, names, min, what);
      to = stepText === undefined ? from : max;
    }
    if (from < min || to > max || from > to) throw new Error(`${what} "${field}": outside ${min}–${max}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, names: string[], min: number, what: string): number {
  const named = names.indexOf(text.toUpperCase());
  if (named >= 0) return named + min;
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(number)) throw new Error(`${what}: "${text}" is not a value`);
  return number;
}
