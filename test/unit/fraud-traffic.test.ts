import { describe, expect, it } from "vitest";
import type { Voucher } from "../../shared/domain/claim.js";
import { type CampaignFacts, chooseVoucher } from "../../shared/domain/redemption.js";
import type { LedgerRecordFacts } from "../../shared/domain/ledger.js";
import { DEFAULT_FRAUD_CONFIG, EMPTY_HOUR, type HourCounts, type PayerRedemption, evaluate, hourDelta } from "../../shared/domain/fraud.js";
import { FRAUD_RULES, type FlagLike, accusationKey, score } from "../../bench/fraud/metrics.js";
import { playInOrder } from "../../bench/fraud/playback.js";
import { Random } from "../../bench/fraud/random.js";
import {
  type PaymentEvent,
  SIM_SECTORS,
  SIM_VOUCHER_TYPES,
  type TrafficOptions,
  bestVoucherType,
  dayStart,
  generateTraffic,
  hugsThreshold,
  localIso,
} from "../../bench/fraud/traffic.js";
import { VOUCHER_TYPES } from "../support/seed.js";

const OPTIONS: TrafficOptions = { seed: 7, merchants: 40, payers: 1_500, day: "2026-11-21", historyDays: 6, campaignId: "sim" };
const traffic = generateTraffic(OPTIONS);
const payments = traffic.events.filter((event): event is PaymentEvent => event.kind === "payment");
const DAY = 86_400_000;

const paymentsAt = (merchantId: string, date?: string) =>
  payments.filter((p) => p.merchantId === merchantId && (date === undefined || p.at.startsWith(date)));
const merchantsOf = (role: string) => traffic.merchants.filter((m) => m.role === role);

describe("Random", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const draw = (seed: number) => {
      const rng = new Random(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    for (const value of draw(3)) expect(value >= 0 && value < 1).toBe(true);
  });

  it("draws within bounds, with sensible means", () => {
    const rng = new Random(11);
    const ints = Array.from({ length: 2_000 }, () => rng.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(Array.from({ length: 5_000 }, () => rng.poisson(4)))).toBeCloseTo(4, 0);
    expect(mean(Array.from({ length: 5_000 }, () => rng.poisson(80)))).toBeCloseTo(80, -1);
    expect(rng.sample([1, 2, 3, 4, 5], 5).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => rng.weighted([0, 0])).toThrow(RangeError);
    const picks = Array.from({ length: 1_000 }, () => rng.weighted([1, 0, 3]));
    expect(picks.includes(1)).toBe(false);
    expect(picks.filter((i) => i === 2).length).toBeGreaterThan(650);
  });
});

describe("generateTraffic", () => {
  it("is deterministic: the same options give the same traffic, another seed another", () => {
    expect(generateTraffic(OPTIONS)).toEqual(traffic);
    const other = generateTraffic({ ...OPTIONS, seed: 8 });
    expect(other.events).not.toEqual(traffic.events);
  });

  it("covers the history days and the campaign day, every event inside them, in time order", () => {
    expect(traffic.days).toEqual(["2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"]);
    expect(traffic.start).toBe("2026-11-15T00:00:00+08:00");
    expect(traffic.end).toBe("2026-11-22T00:00:00+08:00");
    const start = Date.parse(traffic.start);
    const end = Date.parse(traffic.end);
    let previous = start;
    for (const event of traffic.events) {
      const at = Date.parse(event.at);
      expect(at).toBeGreaterThanOrEqual(start);
      expect(at).toBeLessThan(end);
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
    }
    expect(Date.parse(traffic.campaignStartsAt)).toBeLessThan(start);
  });

  it("gives every transaction and event id once, and refunds only paid transactions, after the payment", () => {
    const paid = new Map(payments.map((p) => [p.transactionId, p]));
    expect(paid.size).toBe(payments.length);
    const eventIds = traffic.events.flatMap((e) => (e.kind === "claim" ? [] : [e.eventId]));
    expect(new Set(eventIds).size).toBe(eventIds.length);
    const refunds = traffic.events.filter((e) => e.kind === "refund");
    expect(refunds.length).toBeGreaterThan(0);
    for (const refund of refunds) {
      const payment = paid.get(refund.transactionId)!;
      expect(payment.payerId).toBe(refund.payerId);
      expect(Date.parse(refund.at)).toBeGreaterThan(Date.parse(payment.at));
    }
  });

  it("claims one voucher per payment, in drops holding exactly those claims, so that every payment redeems under the platform's own choice", () => {
    // The drops: exactly the claims, each claim inside its drop's window.
    const claimed = new Map<string, number>();
    const drops = new Map(traffic.drops.map((d) => [d.id, d]));
    const claims = traffic.events.filter((e) => e.kind === "claim");
    expect(claims.length).toBe(payments.length);
    for (const claim of claims) {
      const drop = drops.get(claim.dropId)!;
      expect(Date.parse(claim.at)).toBeGreaterThanOrEqual(Date.parse(drop.opensAt));
      expect(Date.parse(claim.at)).toBeLessThan(Date.parse(drop.closesAt));
      claimed.set(`${claim.dropId}/${claim.voucherTypeId}`, (claimed.get(`${claim.dropId}/${claim.voucherTypeId}`) ?? 0) + 1);
    }
    for (const drop of traffic.drops) for (const [type, stock] of Object.entries(drop.stock)) expect(claimed.get(`${drop.id}/${type}`)).toBe(stock);
    const perPayer = new Map<string, number>();
    for (const claim of claims) perPayer.set(claim.payerId, (perPayer.get(claim.payerId) ?? 0) + 1);
    expect(traffic.maxClaimsPerPayer).toBe(Math.max(...perPayer.values()));

    // Replay each payer's wallet with chooseVoucher (the payment path's rule): claim, redeem, void on refund.
    const campaign: CampaignFacts = { status: "PUBLISHED", startsAt: traffic.campaignStartsAt, endsAt: "2027-01-31T00:00:00+08:00", sectors: SIM_SECTORS };
    const campaigns = new Map([["sim", campaign]]);
    const merchants = new Map(traffic.merchants.map((m) => [m.id, m]));
    const wallets = new Map<string, Voucher[]>();
    const redeemedBy = new Map<string, Voucher>();
    let vouchers = 0;
    for (const event of traffic.events) {
      const wallet = wallets.get(event.payerId) ?? [];
      wallets.set(event.payerId, wallet);
      if (event.kind === "claim") {
        const type = SIM_VOUCHER_TYPES.find((t) => t.id === event.voucherTypeId)!;
        wallet.push({
          voucherId: `v${++vouchers}`,
          campaignId: "sim",
          dropId: event.dropId,
          voucherTypeId: type.id,
          threshold: type.threshold,
          discount: type.discount,
          claimedAt: new Date(event.at).toISOString(),
          expiresAt: new Date(Date.parse(event.at) + 7 * DAY).toISOString(),
          status: "CLAIMED",
        });
      } else if (event.kind === "payment") {
        const merchant = merchants.get(event.merchantId)!;
        expect(Date.parse(merchant.approvedAt)).toBeLessThanOrEqual(Date.parse(event.at));
        const choice = chooseVoucher({ payment: { amount: event.amount, occurredAt: event.at }, merchant: { status: "APPROVED", sector: merchant.sector }, vouchers: wallet, campaigns });
        expect(choice.voucher, `${event.transactionId} of ${event.payerId}`).not.toBeNull();
        choice.voucher!.status = "REDEEMED";
        redeemedBy.set(event.transactionId, choice.voucher!);
      } else {
        redeemedBy.get(event.transactionId)!.status = "VOID";
      }
    }
  });

  it("uses the campaign's voucher types", () => {
    expect(SIM_VOUCHER_TYPES.map(({ id, threshold, discount }) => ({ id, threshold, discount }))).toEqual(
      VOUCHER_TYPES.map(({ id, threshold, discount }) => ({ id, threshold, discount })),
    );
    expect(bestVoucherType(9_999)).toBeUndefined();
    expect(bestVoucherType(10_000)?.id).toBe("100-30");
    expect(bestVoucherType(25_000)?.id).toBe("200-60");
    expect(hugsThreshold(10_500)).toBe(true);
    expect(hugsThreshold(10_600)).toBe(false);
  });

  it("spreads ordinary amounts well above the thresholds, and follows a diurnal curve", () => {
    const normal = payments.filter((p) => p.source === "normal");
    for (const p of normal) expect(p.amount).toBeGreaterThanOrEqual(10_000);
    const hugging = normal.filter((p) => hugsThreshold(p.amount)).length / normal.length;
    expect(hugging).toBeGreaterThan(0.03);
    expect(hugging).toBeLessThan(0.2);
    const hour = (p: PaymentEvent) => Number(p.at.slice(11, 13));
    const night = normal.filter((p) => hour(p) >= 1 && hour(p) < 6).length;
    const evening = normal.filter((p) => hour(p) >= 17 && hour(p) < 20).length;
    expect(evening).toBeGreaterThan(10 * night);
    const refunded = traffic.events.filter((e) => e.kind === "refund" && e.source === "normal").length / normal.length;
    expect(refunded).toBeGreaterThan(0.005);
    expect(refunded).toBeLessThan(0.04);
  });

  it("labels every rule, each accusation once, with opaque ids", () => {
    const expected = traffic.labels.filter((l) => l.expected);
    for (const rule of FRAUD_RULES) expect(expected.some((l) => l.rule === rule), rule).toBe(true);
    const keys = traffic.labels.map((l) => accusationKey({ rule: l.rule, merchantId: l.merchantId, payerId: l.payerId }));
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of traffic.merchants) expect(m.id).toMatch(/^m\d{4}$/);
    for (const payerId of traffic.payerIds) expect(payerId).toMatch(/^p\d{6}$/);
  });

  it("injects cash-out rings: repeat payers at one small shop, amounts just above the threshold, many refunded", () => {
    const rings = merchantsOf("ring");
    expect(rings).toHaveLength(2);
    for (const ring of rings) {
      const members = traffic.labels.filter((l) => l.rule === "repeat-payer" && l.merchantId === ring.id).map((l) => l.payerId!);
      expect(members.length).toBeGreaterThanOrEqual(3);
      const ringPayments = paymentsAt(ring.id, OPTIONS.day).filter((p) => p.source.startsWith("ring-"));
      for (const payerId of members) expect(ringPayments.filter((p) => p.payerId === payerId).length).toBeGreaterThanOrEqual(3);
      for (const p of ringPayments) expect(hugsThreshold(p.amount, 0.04)).toBe(true);
      const today = paymentsAt(ring.id, OPTIONS.day);
      expect(today.filter((p) => hugsThreshold(p.amount)).length / today.length).toBeGreaterThan(0.5);
      const refunded = new Set(traffic.events.flatMap((e) => (e.kind === "refund" && e.merchantId === ring.id ? [e.transactionId] : [])));
      expect(today.filter((p) => refunded.has(p.transactionId)).length / today.length).toBeGreaterThan(0.2);
      expect(traffic.labels.filter((l) => l.merchantId === ring.id && l.expected).map((l) => l.rule).sort()).toEqual(
        expect.arrayContaining(["refund-rate", "repeat-payer", "threshold-hugging"]),
      );
    }
  });

  it("injects velocity spikes several times an established merchant's own baseline, from distinct payers", () => {
    for (const m of merchantsOf("velocity")) {
      const history = traffic.days.slice(0, -1).map((date) => paymentsAt(m.id, date).length);
      const baseline = history.reduce((a, b) => a + b, 0) / history.length;
      expect(baseline).toBeGreaterThan(1);
      const spike = paymentsAt(m.id, OPTIONS.day);
      expect(spike.length).toBeGreaterThan(4 * baseline);
      // Its busiest hour: far above its own hourly rate.
      const perHour = new Map<string, number>();
      for (const p of spike) perHour.set(p.at.slice(0, 13), (perHour.get(p.at.slice(0, 13)) ?? 0) + 1);
      expect(Math.max(...perHour.values())).toBeGreaterThanOrEqual(20);
      const injected = spike.filter((p) => p.source.startsWith("velocity-"));
      expect(new Set(injected.map((p) => p.payerId)).size).toBe(injected.length);
      expect(injected.filter((p) => hugsThreshold(p.amount)).length / injected.length).toBeLessThan(0.25);
    }
  });

  it("injects newly approved merchants spiking, and decoys approved as recently with ordinary traffic", () => {
    const spikes = merchantsOf("new-spike");
    const decoys = merchantsOf("new-decoy");
    expect(spikes).toHaveLength(2);
    expect(decoys).toHaveLength(2);
    for (const m of [...spikes, ...decoys]) expect(Date.parse(m.approvedAt)).toBeGreaterThanOrEqual(dayStart(OPTIONS.day) - DAY);
    for (const m of spikes) expect(paymentsAt(m.id).length).toBeGreaterThanOrEqual(50);
    for (const m of decoys) expect(paymentsAt(m.id).length).toBeLessThan(20);
    for (const m of traffic.merchants.filter((m) => m.role === "normal" || m.role === "ring" || m.role === "velocity")) {
      expect(Date.parse(m.approvedAt)).toBeLessThan(Date.parse(traffic.start));
    }
  });

  it("injects payers hopping across many merchants within minutes", () => {
    const hops = traffic.labels.filter((l) => l.rule === "payer-spread");
    expect(hops).toHaveLength(3);
    for (const hop of hops) {
      const theirs = payments.filter((p) => p.payerId === hop.payerId);
      expect(new Set(theirs.map((p) => p.merchantId)).size).toBeGreaterThanOrEqual(6);
      expect(hop.merchantIds).toEqual(theirs.map((p) => p.merchantId));
      const span = Date.parse(theirs.at(-1)!.at) - Date.parse(theirs[0]!.at);
      expect(span).toBeLessThanOrEqual(12 * 60_000);
    }
  });

  it("refuses options it cannot honour", () => {
    expect(() => generateTraffic({ ...OPTIONS, merchants: 5 })).toThrow(RangeError);
    expect(() => generateTraffic({ ...OPTIONS, payers: 10 })).toThrow(RangeError);
    expect(() => generateTraffic({ ...OPTIONS, historyDays: 0 })).toThrow(RangeError);
    expect(() => generateTraffic({ ...OPTIONS, day: "2026-13-01" })).toThrow(RangeError);
  });

  it("writes local instants with the +08:00 offset", () => {
    expect(localIso(Date.parse("2026-11-21T01:02:03.456Z"))).toBe("2026-11-21T09:02:03+08:00");
    expect(dayStart("2026-11-21")).toBe(Date.parse("2026-11-20T16:00:00Z"));
  });
});

/**
 * The detector's rules (shared/domain/fraud.ts, default configuration) over the traffic, without
 * the platform: each record applied to hourly merchant counters and payer logs, then judged, as
 * the detector does on the stream. Shows the scenarios are strong enough for the default rules.
 */
function replayRules(t: ReturnType<typeof generateTraffic>): FlagLike[] {
  const hours = new Map<string, Map<number, HourCounts>>();
  const payerLogs = new Map<string, PayerRedemption[]>();
  const approvedAt = new Map(t.merchants.map((m) => [m.id, new Date(m.approvedAt).toISOString()]));
  const paid = new Map<string, PaymentEvent>();
  const flags: FlagLike[] = [];
  for (const event of t.events) {
    if (event.kind === "claim") continue;
    const payment = event.kind === "payment" ? event : paid.get(event.transactionId)!;
    const base = { campaignId: t.campaignId, merchantId: payment.merchantId, partnerId: "bank", transactionId: payment.transactionId, payerId: payment.payerId, amount: payment.amount };
    const record: LedgerRecordFacts =
      event.kind === "payment"
        ? { ...base, kind: "REDEMPTION", threshold: bestVoucherType(payment.amount)!.threshold, occurredAt: new Date(event.at).toISOString() }
        : { ...base, kind: "REVERSAL", occurredAt: new Date(event.at).toISOString(), paymentOccurredAt: new Date(payment.at).toISOString() };
    if (event.kind === "payment") {
      paid.set(event.transactionId, event);
      const log = payerLogs.get(event.payerId) ?? [];
      log.push({ partnerId: "bank", transactionId: event.transactionId, merchantId: event.merchantId, occurredAt: record.occurredAt });
      payerLogs.set(event.payerId, log);
    }
    const merchantHours = hours.get(record.merchantId) ?? new Map<number, HourCounts>();
    hours.set(record.merchantId, merchantHours);
    const { hour, counts } = hourDelta(record);
    const was = merchantHours.get(hour) ?? EMPTY_HOUR;
    merchantHours.set(hour, {
      redemptions: was.redemptions + counts.redemptions,
      thresholded: was.thresholded + counts.thresholded,
      near: Array.from({ length: Math.max(was.near.length, counts.near.length) }, (_, k) => (was.near[k] ?? 0) + (counts.near[k] ?? 0)),
      reversals: was.reversals + counts.reversals,
    });
    const state = { merchant: { hours: merchantHours, approvedAt: approvedAt.get(record.merchantId) }, payer: { redemptions: payerLogs.get(record.payerId) ?? [] } };
    for (const hit of evaluate(DEFAULT_FRAUD_CONFIG, state, record)) flags.push({ rule: hit.rule, merchantId: hit.merchantId, payerId: hit.payerId });
  }
  return flags;
}

describe("the scenarios against the default rules (pure replay, no platform)", () => {
  it.each([1, 2, 3])("seed %i: every injected label is flagged, and ordinary traffic raises few flags", (seed) => {
    const t = generateTraffic({ seed, merchants: 60, payers: 3_000, day: "2026-11-21", historyDays: 7, campaignId: "sim" });
    const result = score(replayRules(t), t.labels);
    expect(result.overall.missed).toEqual([]);
    expect(result.overall.recall).toBe(1);
    expect(result.overall.falsePositives).toBeLessThanOrEqual(3);
  });
});

describe("playInOrder", () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

  it("keeps each payer's events in order, one at a time, and bounds what is in flight", async () => {
    const events = Array.from({ length: 60 }, (_, i) => ({ payerId: `p${i % 4}`, n: i }));
    const seen = new Map<string, number[]>();
    const busy = new Set<string>();
    let inFlight = 0;
    let most = 0;
    await playInOrder(events, 3, new AbortController().signal, async (event) => {
      expect(busy.has(event.payerId)).toBe(false);
      busy.add(event.payerId);
      most = Math.max(most, ++inFlight);
      await tick();
      seen.set(event.payerId, [...(seen.get(event.payerId) ?? []), event.n]);
      busy.delete(event.payerId);
      inFlight--;
    });
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    for (const [payerId, order] of seen) {
      expect(order).toEqual(events.filter((e) => e.payerId === payerId).map((e) => e.n));
    }
  });

  it("stops at the first failure and throws it", async () => {
    const played: number[] = [];
    const events = Array.from({ length: 50 }, (_, i) => ({ payerId: `p${i}`, n: i }));
    await expect(
      playInOrder(events, 2, new AbortController().signal, async (event) => {
        await tick();
        if (event.n === 5) throw new Error("boom");
        played.push(event.n);
      }),
    ).rejects.toThrow("boom");
    expect(played.length).toBeLessThan(10);
  });
});
