/**
 * The fraud simulation's traffic: a campaign day in Asia/Shanghai, after a few days of history,
 * with normal residents claiming vouchers and paying at merchants of several sectors, and
 * injected, labelled fraud. Pure and deterministic: the same options give the same events, ids
 * and labels, byte for byte.
 *
 * Normal traffic, every day:
 * - each merchant has its own size (a log-normal share of the day's redemptions) and a sector
 *   with its own diurnal curve (meals peak at lunch and dinner, retail through the afternoon and
 *   evening, fuel at the commutes) and ticket size; weekends are a quarter busier;
 * - payers are residents of uneven activity; a share of each merchant's customers are its
 *   regulars, so the same payer coming back to a shop on another day is normal (on the same day
 *   only at a restaurant, lunch and dinner);
 * - amounts are drawn from the sector's ticket sizes above the lowest threshold, plus a share of
 *   legitimate top-ups to just above a threshold (凑单), so threshold-hugging has a baseline;
 * - a small share of payments are refunded, minutes to a day later;
 * - a few residents make short shopping trips through three shops within the hour.
 *
 * Injected on the last day (rings also on the days before it, `ringDays` in all), each labelled
 * with the rules it is built to show (and, as tolerated, rules it may rightly show besides):
 * - cash-out rings (套现): 3–4 accounts redeem 4–7 times a day each at one colluding small shop,
 *   amounts within 4 % above the threshold, more than half refunded within 90 minutes → repeat-payer (each account),
 *   threshold-hugging and refund-rate (the shop); merchant-velocity tolerated;
 * - colluding merchants with a velocity spike: an established shop that sees a few redemptions a
 *   day takes 24–36 an hour for two afternoon hours, from distinct payers with ordinary amounts
 *   (bought or borrowed vouchers run through the till) → merchant-velocity;
 * - newly approved merchants spiking: approved that morning, then 50–70 redemptions within two
 *   hours from distinct payers → new-merchant-spike; merchant-velocity tolerated. Other merchants
 *   approved that day and the day before with ordinary traffic are decoys, labelled nothing;
 * - payers hopping across 6–8 merchants within 12 minutes → payer-spread (the payer).
 *
 * Every payment has its own claim shortly before it, in that day's drop, of the best voucher
 * type its amount reaches, so the payment path (which redeems the best voucher the payer holds)
 * always finds one. Every event lies within the simulated days.
 */
import type { FraudRule, Label } from "./metrics.js";
import { Random } from "./random.js";

export const TIMEZONE = "Asia/Shanghai";
/** Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so local times are fixed offsets. */
const OFFSET = "+08:00";
const OFFSET_MS = 8 * 3_600_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The campaign's voucher types (test/support/seed.ts seeds the same; a unit test holds them equal). */
export const SIM_VOUCHER_TYPES = [
  { id: "100-30", threshold: 10_000, discount: 3_000 },
  { id: "200-60", threshold: 20_000, discount: 6_000 },
] as const;

export type SimSector = "supermarket" | "restaurant" | "department_store" | "appliance" | "fuel" | "entertainment" | "hotel" | "tourism";

// Relative weights per local hour 0–23.
const MEALS = [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.2, 1, 1.4, 3.5, 4, 2.2, 1, 0.8, 1.2, 3, 4, 3.2, 2, 1.2, 0.7, 0.4];
const RETAIL = [0.1, 0.05, 0.03, 0.03, 0.03, 0.05, 0.2, 0.6, 1.2, 2, 2.6, 2.6, 2.2, 2, 2, 2.2, 2.4, 2.8, 3, 2.8, 2.4, 1.6, 0.8, 0.3];
const FUEL = [0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 1.2, 2.5, 2.8, 2, 1.6, 1.6, 1.6, 1.6, 1.6, 1.8, 2.4, 2.8, 2.4, 1.6, 1.2, 0.9, 0.6, 0.4];
const LEISURE = [0.4, 0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 1, 1.6, 2, 2.2, 2.4, 2.6, 2.6, 2.6, 2.8, 3.2, 3.4, 3.2, 2.6, 1.6, 0.8];

/** Share of merchants, median ticket (fen), spread (σ of the log) and diurnal curve, per sector. */
const SECTORS: Readonly<Record<SimSector, { share: number; median: number; sigma: number; hours: readonly number[] }>> = {
  supermarket: { share: 25, median: 16_000, sigma: 0.45, hours: RETAIL },
  restaurant: { share: 33, median: 18_000, sigma: 0.45, hours: MEALS },
  department_store: { share: 10, median: 40_000, sigma: 0.6, hours: RETAIL },
  appliance: { share: 7, median: 150_000, sigma: 0.8, hours: RETAIL },
  fuel: { share: 8, median: 30_000, sigma: 0.35, hours: FUEL },
  entertainment: { share: 8, median: 22_000, sigma: 0.5, hours: LEISURE },
  hotel: { share: 4, median: 50_000, sigma: 0.5, hours: LEISURE },
  tourism: { share: 5, median: 35_000, sigma: 0.6, hours: LEISURE },
};
export const SIM_SECTORS = Object.keys(SECTORS) as SimSector[];

export interface NormalSettings {
  /** Redemptions per payer per day, on average (weekdays). */
  redemptionsPerPayerDay: number;
  /** Saturday and Sunday volume ÷ a weekday's. */
  weekendFactor: number;
  /** Share of a merchant's payments made by its regulars. */
  regularShare: number;
  /** Share of payments topped up to just above a threshold (within 5 %). */
  topUpShare: number;
  /** Share of payments refunded later (those falling after the last day are dropped). */
  refundShare: number;
  /** Legitimate short trips through three shops within the hour, per day. */
  shoppingTripsPerDay: number;
}

export interface ScenarioSettings {
  rings: number;
  ringPayers: readonly [number, number];
  /** Redemptions per ring account per day at its ring's shop. */
  ringRedemptionsPerDay: readonly [number, number];
  /** Days each ring runs, ending on the last day. */
  ringDays: number;
  /** Share of ring redemptions refunded, 5–90 min later. */
  ringRefundShare: number;
  /** Ring amounts lie in [threshold, threshold × (1 + band)]. */
  ringBand: number;
  velocityMerchants: number;
  /** Extra redemptions per hour of the spike (the merchant's own rate is a few a day). */
  velocityPerHour: readonly [number, number];
  velocityWindowHours: number;
  newSpikeMerchants: number;
  newSpikeRedemptions: readonly [number, number];
  newSpikeWindowHours: number;
  newDecoyMerchants: number;
  hoppers: number;
  hopMerchants: readonly [number, number];
  hopWindowMinutes: number;
}

export const DEFAULT_NORMAL: NormalSettings = {
  redemptionsPerPayerDay: 0.15,
  weekendFactor: 1.25,
  regularShare: 0.3,
  topUpShare: 0.05,
  refundShare: 0.02,
  shoppingTripsPerDay: 4,
};

export const DEFAULT_SCENARIOS: ScenarioSettings = {
  rings: 2,
  ringPayers: [3, 4],
  ringRedemptionsPerDay: [4, 7],
  ringDays: 2,
  ringRefundShare: 0.55,
  ringBand: 0.04,
  velocityMerchants: 2,
  velocityPerHour: [24, 36],
  velocityWindowHours: 2,
  newSpikeMerchants: 2,
  newSpikeRedemptions: [50, 70],
  newSpikeWindowHours: 2,
  newDecoyMerchants: 2,
  hoppers: 3,
  hopMerchants: [6, 8],
  hopWindowMinutes: 12,
};

export interface TrafficOptions {
  seed: number;
  /** Established merchants (new ones come on top). */
  merchants: number;
  /** Ordinary residents (injected accounts come on top). */
  payers: number;
  /** The campaign day, YYYY-MM-DD in Asia/Shanghai: the last simulated day, the one with the injections. */
  day: string;
  /** Days of ordinary traffic before it: every merchant's baseline. */
  historyDays: number;
  campaignId: string;
  normal?: Partial<NormalSettings>;
  scenarios?: Partial<ScenarioSettings>;
}

export type MerchantRole = "normal" | "ring" | "velocity" | "new-spike" | "new-decoy";

export interface SimMerchant {
  id: string;
  name: string;
  sector: SimSector;
  /** When the merchant was approved (createdAt and updatedAt of its record). */
  approvedAt: string;
  /** Ordinary redemptions per weekday. */
  dailyMean: number;
  role: MerchantRole;
}

/** What the event is part of: ordinary traffic, or the injection named. */
export type Source = "normal" | "trip" | `ring-${number}` | `velocity-${number}` | `new-spike-${number}` | `hopper-${number}`;

interface EventBase {
  /** Local ISO-8601 with +08:00, whole seconds. */
  at: string;
  payerId: string;
  source: Source;
}
export interface ClaimEvent extends EventBase {
  kind: "claim";
  dropId: string;
  voucherTypeId: string;
}
export interface PaymentEvent extends EventBase {
  kind: "payment";
  eventId: string;
  transactionId: string;
  merchantId: string;
  amount: number;
}
export interface RefundEvent extends EventBase {
  kind: "refund";
  eventId: string;
  transactionId: string;
  merchantId: string;
}
export type TrafficEvent = ClaimEvent | PaymentEvent | RefundEvent;

export interface SimDrop {
  id: string;
  date: string;
  opensAt: string;
  closesAt: string;
  /** Exactly the claims the traffic makes in it, per voucher type. */
  stock: Record<string, number>;
}

export interface Traffic {
  campaignId: string;
  timezone: string;
  /** The simulated days, oldest first; the last is the campaign day. */
  days: string[];
  /** The first instant of the first day and the first instant after the last. */
  start: string;
  end: string;
  /** For the campaign's startsAt: before any event and any voucher claim. */
  campaignStartsAt: string;
  merchants: SimMerchant[];
  /** Every payer id that appears, ordinary and injected. */
  payerIds: string[];
  drops: SimDrop[];
  /** In time order; at one instant claims before payments before refunds. */
  events: TrafficEvent[];
  labels: Label[];
  /** The most claims any payer makes: the campaign's per-person limit must allow it. */
  maxClaimsPerPayer: number;
  settings: { normal: NormalSettings; scenarios: ScenarioSettings };
}

/** The local ISO form of an instant: `2026-11-21T14:05:09+08:00`. */
export function localIso(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000 + OFFSET_MS).toISOString().slice(0, 19)}${OFFSET}`;
}

/** The first instant of a local day. */
export function dayStart(date: string): number {
  const at = Date.parse(`${date}T00:00:00${OFFSET}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(at)) throw new RangeError(`${date} is not a YYYY-MM-DD day`);
  return at;
}

/** The best voucher type a payment of `amount` reaches, or undefined below every threshold. */
export function bestVoucherType(amount: number): (typeof SIM_VOUCHER_TYPES)[number] | undefined {
  let best: (typeof SIM_VOUCHER_TYPES)[number] | undefined;
  for (const type of SIM_VOUCHER_TYPES) if (type.threshold <= amount && (best === undefined || type.discount > best.discount)) best = type;
  return best;
}

/** The payment "hugs" a threshold: it lies in [threshold, threshold × 1.05] for some voucher type. */
export function hugsThreshold(amount: number, band = 0.05): boolean {
  return SIM_VOUCHER_TYPES.some((type) => amount >= type.threshold && amount <= type.threshold * (1 + band));
}

interface DraftPayment {
  t: number;
  payerId: string;
  merchantId: string;
  amount: number;
  source: Source;
  /** Refund instant, if refunded. */
  refundAt?: number | undefined;
}

/** Generates the traffic; throws RangeError on options it cannot honour. */
export function generateTraffic(options: TrafficOptions): Traffic {
  const normal: NormalSettings = { ...DEFAULT_NORMAL, ...options.normal };
  const scenarios: ScenarioSettings = { ...DEFAULT_SCENARIOS, ...options.scenarios };
  const { merchants: M, payers: P, historyDays } = options;
  if (!Number.isSafeInteger(M) || M < 20) throw new RangeError(`at least 20 established merchants are needed, got ${M}`);
  if (!Number.isSafeInteger(P) || P < 200) throw new RangeError(`at least 200 payers are needed, got ${P}`);
  if (!Number.isSafeInteger(historyDays) || historyDays < 1) throw new RangeError(`at least 1 day of history is needed, got ${historyDays}`);
  if (scenarios.ringDays > historyDays + 1) throw new RangeError(`rings cannot run ${scenarios.ringDays} days in ${historyDays + 1}`);
  const rng = new Random(options.seed);

  const lastStart = dayStart(options.day);
  const days = Array.from({ length: historyDays + 1 }, (_, i) => new Date(lastStart - (historyDays - i) * DAY + OFFSET_MS).toISOString().slice(0, 10));
  const firstStart = dayStart(days[0]!);
  const end = lastStart + DAY;

  // ---- Ids: opaque and shuffled, so neither order nor spelling tells a role.
  const injectedMerchants = scenarios.newSpikeMerchants + scenarios.newDecoyMerchants;
  const merchantIds = rng.shuffled(Array.from({ length: M + injectedMerchants }, (_, i) => `m${String(i + 1).padStart(4, "0")}`));
  const ringPayerCounts = Array.from({ length: scenarios.rings }, () => rng.int(scenarios.ringPayers[0], scenarios.ringPayers[1]));
  const injectedPayers = ringPayerCounts.reduce((a, b) => a + b, 0) + scenarios.hoppers;
  const payerPool = rng.shuffled(Array.from({ length: P + injectedPayers }, (_, i) => `p${String(i + 1).padStart(6, "0")}`));
  const residents = payerPool.slice(0, P);
  const injectedAccounts = payerPool.slice(P);

  // ---- Merchants.
  const dailyTotal = P * normal.redemptionsPerPayerDay;
  const sizes = Array.from({ length: M }, () => rng.logNormal(1, 0.7));
  const sizeSum = sizes.reduce((a, b) => a + b, 0);
  const sectorNames = SIM_SECTORS;
  const sectorWeights = sectorNames.map((sector) => SECTORS[sector].share);
  const merchants: SimMerchant[] = sizes.map((size, i) => {
    const sector = sectorNames[rng.weighted(sectorWeights)]!;
    const approved = firstStart - rng.int(10, 90) * DAY + rng.int(9 * 60, 17 * 60) * MINUTE;
    return { id: merchantIds[i]!, name: "", sector, approvedAt: localIso(approved), dailyMean: (dailyTotal * size) / sizeSum, role: "normal" };
  });
  const byMean = [...merchants].sort((a, b) => a.dailyMean - b.dailyMean);
  const medianMean = byMean[Math.floor(byMean.length / 2)]!.dailyMean;

  // Rings: small everyday shops. Velocity: established shops with a baseline worth the name.
  const ringCandidates = byMean.filter(
    (m) => m.dailyMean <= medianMean && m.dailyMean >= 1 && (m.sector === "supermarket" || m.sector === "restaurant" || m.sector === "department_store"),
  );
  if (ringCandidates.length < scenarios.rings) throw new RangeError("too few small everyday shops for the rings: raise --merchants");
  const ringMerchants = rng.sample(ringCandidates, scenarios.rings);
  for (const m of ringMerchants) m.role = "ring";
  const velocityCandidates = byMean.filter((m) => m.role === "normal" && m.dailyMean >= medianMean);
  if (velocityCandidates.length < scenarios.velocityMerchants) throw new RangeError("too few established shops for the velocity spikes: raise --payers");
  const velocityMerchants = rng.sample(velocityCandidates, scenarios.velocityMerchants);
  for (const m of velocityMerchants) m.role = "velocity";

  // New merchants: spiking ones approved on the campaign day's morning; decoys that day or the day before.
  const newMerchant = (index: number, role: MerchantRole, approved: number): SimMerchant => {
    const sector = (["supermarket", "restaurant", "department_store"] as const)[rng.int(0, 2)]!;
    const typical = byMean[Math.floor(byMean.length * rng.uniform(0.3, 0.6))]!.dailyMean;
    return { id: merchantIds[M + index]!, name: "", sector, approvedAt: localIso(approved), dailyMean: typical, role };
  };
  const spikeMerchants = Array.from({ length: scenarios.newSpikeMerchants }, (_, i) =>
    newMerchant(i, "new-spike", lastStart + rng.int(8 * 60, 9 * 60 + 30) * MINUTE),
  );
  const decoyMerchants = Array.from({ length: scenarios.newDecoyMerchants }, (_, i) =>
    newMerchant(scenarios.newSpikeMerchants + i, "new-decoy", lastStart - (i % 2) * DAY + rng.int(8 * 60, 10 * 60) * MINUTE),
  );
  merchants.push(...spikeMerchants, ...decoyMerchants);
  merchants.sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const m of merchants) m.name = `${SECTOR_NAMES[m.sector]} ${m.id}`;
  const established = merchants.filter((m) => m.role !== "new-spike" && m.role !== "new-decoy");

  // ---- Residents: uneven activity; each merchant has regulars.
  const activity = residents.map(() => rng.logNormal(1, 0.8));
  const activityCdf: number[] = [];
  let running = 0;
  for (const weight of activity) activityCdf.push((running += weight));
  const anyResident = () => {
    const target = rng.next() * running;
    let lo = 0;
    let hi = activityCdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (activityCdf[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return residents[lo]!;
  };
  // Enough regulars that each redeems there about once in ten days (a resident redeems about one voucher a week in all).
  const regulars = new Map(
    merchants.map((m) => [m.id, Array.from({ length: Math.max(5, Math.round((m.dailyMean * normal.regularShare) / 0.1)) }, anyResident)]),
  );

  const drafts: DraftPayment[] = [];
  const timeIn = (date: number, hours: readonly number[]) => date + rng.weighted(hours) * HOUR + rng.int(0, 3599) * 1000;
  const sectorAmount = (sector: SimSector): number => {
    const { median, sigma } = SECTORS[sector];
    for (;;) {
      const amount = Math.round(rng.logNormal(median, sigma) / 10) * 10;
      if (amount < SIM_VOUCHER_TYPES[0].threshold) continue;
      if (!rng.chance(normal.topUpShare)) return amount;
      // 凑单: topped up to just above the highest threshold the basket was near.
      const type = bestVoucherType(amount)!;
      return Math.round((type.threshold * rng.uniform(1, 1.05)) / 10) * 10;
    }
  };
  const refundAfter = (t: number): number | undefined => {
    if (!rng.chance(normal.refundShare)) return undefined;
    const at = t + 10 * MINUTE + Math.round(rng.logNormal(6 * HOUR, 1));
    return at < end ? at : undefined;
  };

  // ---- Ordinary traffic.
  for (const date of days) {
    const start = dayStart(date);
    const weekday = new Date(start + OFFSET_MS).getUTCDay();
    const dayFactor = weekday === 0 || weekday === 6 ? normal.weekendFactor : 1;
    const visits = new Map<string, number>();
    for (const m of merchants) {
      const approved = Date.parse(m.approvedAt);
      if (approved >= start + DAY) continue;
      const count = rng.poisson(m.dailyMean * dayFactor * rng.logNormal(1, 0.15));
      const hours = SECTORS[m.sector].hours;
      for (let i = 0; i < count; i++) {
        const t = timeIn(start, hours);
        if (t < approved) continue;
        // A resident redeems at one shop at most once a day (twice at a restaurant: lunch and dinner).
        const cap = m.sector === "restaurant" ? 2 : 1;
        let payerId = "";
        for (let tries = 0; tries < 20; tries++) {
          payerId = rng.chance(normal.regularShare) ? rng.pick(regulars.get(m.id)!) : anyResident();
          if ((visits.get(`${payerId}#${m.id}`) ?? 0) < cap) break;
        }
        visits.set(`${payerId}#${m.id}`, (visits.get(`${payerId}#${m.id}`) ?? 0) + 1);
        drafts.push({ t, payerId, merchantId: m.id, amount: sectorAmount(m.sector), source: "normal", refundAt: refundAfter(t) });
      }
    }
    // Shopping trips: three shops within the hour, by an ordinary resident.
    for (let trip = 0; trip < normal.shoppingTripsPerDay; trip++) {
      const payerId = anyResident();
      let t = start + rng.int(10, 19) * HOUR + rng.int(0, 59) * MINUTE;
      for (const m of rng.sample(established, 3)) {
        drafts.push({ t, payerId, merchantId: m.id, amount: sectorAmount(m.sector), source: "trip" });
        t += rng.int(8, 25) * MINUTE;
      }
    }
  }

  // ---- Injections.
  const labels: Label[] = [];
  const label = (rule: FraudRule, merchantId: string, scenario: string, expected: boolean, extra: Partial<Label> = {}) =>
    labels.push({ rule, merchantId, scenario, expected, ...extra });
  let accounts = 0;

  ringMerchants.forEach((m, r) => {
    const scenario = `ring-${r + 1}` as const;
    const members = injectedAccounts.slice(accounts, (accounts += ringPayerCounts[r]!));
    for (const date of days.slice(-scenarios.ringDays)) {
      const start = dayStart(date);
      for (const payerId of members) {
        const n = rng.int(scenarios.ringRedemptionsPerDay[0], scenarios.ringRedemptionsPerDay[1]);
        for (let i = 0; i < n; i++) {
          const t = start + rng.int(9 * 60, 21 * 60) * MINUTE + rng.int(0, 59) * 1000;
          const type = rng.chance(0.75) ? SIM_VOUCHER_TYPES[0] : SIM_VOUCHER_TYPES[1];
          const amount = type.threshold + Math.round((type.threshold * rng.uniform(0, scenarios.ringBand)) / 10) * 10;
          const refundAt = rng.chance(scenarios.ringRefundShare) ? t + rng.int(5, 90) * MINUTE : undefined;
          drafts.push({ t, payerId, merchantId: m.id, amount, source: scenario, refundAt: refundAt !== undefined && refundAt < end ? refundAt : undefined });
        }
      }
      // Cover: now and then an ordinary purchase elsewhere.
      for (const payerId of members) {
        if (!rng.chance(0.5)) continue;
        const other = rng.pick(established.filter((o) => o.id !== m.id));
        drafts.push({ t: timeIn(start, SECTORS[other.sector].hours), payerId, merchantId: other.id, amount: sectorAmount(other.sector), source: "normal" });
      }
    }
    for (const payerId of members) label("repeat-payer", m.id, scenario, true, { payerId });
    label("threshold-hugging", m.id, scenario, true);
    label("refund-rate", m.id, scenario, true);
    label("merchant-velocity", m.id, scenario, false);
  });

  velocityMerchants.forEach((m, v) => {
    const scenario = `velocity-${v + 1}` as const;
    const from = lastStart + rng.int(13, 16) * HOUR;
    const extra = Array.from({ length: scenarios.velocityWindowHours }, () => rng.int(scenarios.velocityPerHour[0], scenarios.velocityPerHour[1]));
    const used = new Set<string>();
    extra.forEach((n, hour) => {
      for (let i = 0; i < n; i++) {
      let payerId = anyResident();
      while (used.has(payerId)) payerId = anyResident();
      used.add(payerId);
      const t = from + hour * HOUR + rng.int(0, 3599) * 1000;
      drafts.push({ t, payerId, merchantId: m.id, amount: sectorAmount(m.sector), source: scenario, refundAt: refundAfter(t) });
      }
    });
    label("merchant-velocity", m.id, scenario, true);
  });

  spikeMerchants.forEach((m, s) => {
    const scenario = `new-spike-${s + 1}` as const;
    const count = rng.int(scenarios.newSpikeRedemptions[0], scenarios.newSpikeRedemptions[1]);
    const from = Date.parse(m.approvedAt) + rng.int(30, 90) * MINUTE;
    const used = new Set<string>();
    for (let i = 0; i < count; i++) {
      let payerId = anyResident();
      while (used.has(payerId)) payerId = anyResident();
      used.add(payerId);
      const t = from + rng.int(0, scenarios.newSpikeWindowHours * 3600 - 1) * 1000;
      drafts.push({ t, payerId, merchantId: m.id, amount: sectorAmount(m.sector), source: scenario, refundAt: refundAfter(t) });
    }
    label("new-merchant-spike", m.id, scenario, true);
    label("merchant-velocity", m.id, scenario, false);
  });

  for (let h = 0; h < scenarios.hoppers; h++) {
    const scenario = `hopper-${h + 1}` as const;
    const payerId = injectedAccounts[accounts++]!;
    const count = rng.int(scenarios.hopMerchants[0], scenarios.hopMerchants[1]);
    const path = rng.sample(
      established.filter((m) => m.role === "normal"),
      count,
    );
    const from = lastStart + rng.int(10 * 60, 20 * 60) * MINUTE;
    const offsets = Array.from({ length: count }, () => rng.int(0, scenarios.hopWindowMinutes * 60 - 1)).sort((a, b) => a - b);
    path.forEach((m, i) => drafts.push({ t: from + offsets[i]! * 1000, payerId, merchantId: m.id, amount: sectorAmount(m.sector), source: scenario }));
    label("payer-spread", path[0]!.id, scenario, true, { payerId, merchantIds: path.map((m) => m.id) });
  }

  // ---- Events: each payment's claim shortly before it, in that day's drop; refunds after.
  const events: (TrafficEvent & { t: number; order: number })[] = [];
  const claimsPerPayer = new Map<string, number>();
  const stock = new Map<string, Record<string, number>>();
  drafts.sort((a, b) => a.t - b.t || (a.payerId < b.payerId ? -1 : a.payerId > b.payerId ? 1 : 0));
  drafts.forEach((draft, i) => {
    const seq = (i + 1).toString(36).padStart(5, "0");
    const transactionId = `tx-${seq}`;
    const start = lastStartOf(draft.t, firstStart);
    const date = localIso(start).slice(0, 10);
    const dropId = `d-${date.replaceAll("-", "")}`;
    const type = bestVoucherType(draft.amount)!;
    const claimAt = Math.max(start, draft.t - rng.int(2, 180) * MINUTE);
    const dropStock = stock.get(dropId) ?? {};
    dropStock[type.id] = (dropStock[type.id] ?? 0) + 1;
    stock.set(dropId, dropStock);
    claimsPerPayer.set(draft.payerId, (claimsPerPayer.get(draft.payerId) ?? 0) + 1);
    events.push({ kind: "claim", t: claimAt, order: 0, at: localIso(claimAt), payerId: draft.payerId, source: draft.source, dropId, voucherTypeId: type.id });
    events.push({
      kind: "payment",
      t: draft.t,
      order: 1,
      at: localIso(draft.t),
      payerId: draft.payerId,
      source: draft.source,
      eventId: `pay-${seq}`,
      transactionId,
      merchantId: draft.merchantId,
      amount: draft.amount,
    });
    if (draft.refundAt !== undefined) {
      events.push({
        kind: "refund",
        t: draft.refundAt,
        order: 2,
        at: localIso(draft.refundAt),
        payerId: draft.payerId,
        source: draft.source,
        eventId: `ref-${seq}`,
        transactionId,
        merchantId: draft.merchantId,
      });
    }
  });
  // Whole seconds: ties are broken by kind, then by transaction, so the order is total.
  events.sort((a, b) => Math.floor(a.t / 1000) - Math.floor(b.t / 1000) || a.order - b.order || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

  const drops: SimDrop[] = days
    .map((date) => {
      const start = dayStart(date);
      const id = `d-${date.replaceAll("-", "")}`;
      return { id, date, opensAt: localIso(start), closesAt: localIso(start + DAY), stock: stock.get(id) ?? {} };
    })
    .filter((drop) => Object.keys(drop.stock).length > 0);

  return {
    campaignId: options.campaignId,
    timezone: TIMEZONE,
    days,
    start: localIso(firstStart),
    end: localIso(end),
    campaignStartsAt: localIso(firstStart - DAY),
    merchants,
    payerIds: [...claimsPerPayer.keys()].sort(),
    drops,
    events: events.map(({ t: _t, order: _order, ...event }) => event),
    labels,
    maxClaimsPerPayer: Math.max(0, ...claimsPerPayer.values()),
    settings: { normal, scenarios },
  };
}

const SECTOR_NAMES: Readonly<Record<SimSector, string>> = {
  supermarket: "Market",
  restaurant: "Kitchen",
  department_store: "Store",
  appliance: "Appliances",
  fuel: "Fuel",
  entertainment: "Cinema",
  hotel: "Hotel",
  tourism: "Tours",
};

/** The first instant of the local day `t` falls on (days are whole, from `first`). */
function lastStartOf(t: number, first: number): number {
  return first + Math.floor((t - first) / DAY) * DAY;
}

function key(event: TrafficEvent): string {
  return event.kind === "claim" ? `${event.payerId}` : event.transactionId;
}
