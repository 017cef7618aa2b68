/**
 * The drop-day view's arithmetic, pure so it is unit-tested without a browser
 * (test/unit/console-drop-day.test.ts): the remaining-stock samples kept between polls, claims per
 * second from them, the next drop to open, and a countdown.
 */

/** One poll's reading of one drop and voucher type. */
export interface StockSample {
  /** When the answer arrived, ms since the epoch. */
  at: number;
  remaining: number;
}

/** Samples kept per drop and voucher type: 10 minutes at one poll every 2 s. */
export const MAX_SAMPLES = 300;

/** The key of a drop and voucher type in the sample history. */
export function sampleKey(dropId: string, voucherTypeId: string): string {
  return `${dropId}\u0000${voucherTypeId}`;
}

/**
 * The history with one poll's readings added (a new map; the old one is left as it was). A poll
 * answered at the same instant as the last sample is not added twice.
 */
export function addSamples(history: ReadonlyMap<string, StockSample[]>, at: number, remaining: ReadonlyMap<string, number>): Map<string, StockSample[]> {
  const next = new Map(history);
  for (const [key, units] of remaining) {
    const samples = next.get(key) ?? [];
    if (samples.at(-1)?.at === at) continue;
    next.set(key, [...samples, { at, remaining: units }].slice(-MAX_SAMPLES));
  }
  return next;
}

/**
 * Claims per second between consecutive samples, at the later one's time: the units gone divided
 * by the seconds between. Units coming back (rolled in, given back) count as no claims, not as
 * negative ones.
 */
export function claimsPerSecond(samples: readonly StockSample[]): [number, number][] {
  const points: [number, number][] = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!;
    const after = samples[i]!;
    const seconds = (after.at - before.at) / 1000;
    if (seconds <= 0) continue;
    points.push([after.at, Math.max(0, before.remaining - after.remaining) / seconds]);
  }
  return points;
}

/** The soonest opening after `now` among the drops, or undefined when none is to come. */
export function nextOpening(drops: readonly { id: string; opensAt: string }[], now: number): { id: string; opensAt: string } | undefined {
  return drops
    .filter((drop) => Date.parse(drop.opensAt) > now)
    .sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt))[0];
}

/** Where a drop stands at `now`: before its opening, open, or past its close (or closed by drop close). */
export function dropPhase(drop: { opensAt: string; closesAt: string; closedAt?: string }, now: number): "upcoming" | "open" | "closed" {
  if (drop.closedAt !== undefined || now >= Date.parse(drop.closesAt)) return "closed";
  return now < Date.parse(drop.opensAt) ? "upcoming" : "open";
}

/** A countdown in whole seconds: "01:02:03", or "3d 01:02:03" from a day on; never negative. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const pad = (n: number) => String(n).padStart(2, "0");
  const clock = `${pad(Math.floor((total % 86_400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}
