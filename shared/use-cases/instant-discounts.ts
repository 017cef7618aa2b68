/**
 * Card-swipe instant discounts at a payment (API.md "Instant discounts and recurring drops"),
 * tried when the payer holds no eligible voucher. For each candidate, best first:
 *  1. a quota this instance knows to be gone is skipped without a write (a payer limit is still
 *     told apart with one read, since PAYER_LIMIT_REACHED comes before QUOTA_EXHAUSTED);
 *  2. a slot of the payer's limits is taken for this transaction (one conditional write on the
 *     payer's own item, idempotent per transaction id); the payer is the person key of the
 *     resident the payerId acts for (a linked card token's resident, a linked account's person),
 *     else the payerId itself, and the record keeps it so a restore gives the slot back there;
 *  3. one unit of the day's quota, then one of the total, each from a random shard with a plain
 *     conditional update, trying other shards (bounded, remembering empty ones) before giving up;
 *  4. the transaction record and the ledger records are written in one transaction.
 *
 * Crash analysis (the quota takes and the record are not one transaction; DESIGN.md §8):
 * - Died after a quota unit was taken, before the record: the unit is stranded. The quota is
 *   under-used by one, never over. A redelivery takes another unit and applies the discount once
 *   (the record is written once). The admin view's `used` counts the stranded unit.
 * - The record's answer was lost after it committed: the retry reads the record; the retry's own
 *   units are given back (it lost the write as a duplicate).
 * - Died after the payer slot, before the record: the slot names this transaction. A redelivery
 *   finds it and counts nothing again; without one, the payer has lost a slot (safe for the budget).
 * - Payer slots are released only after the transaction's record is final, and only when that
 *   record does not hold this discount: a duplicate delivery that failed cannot release the slot
 *   of the delivery that applied it.
 * - A `restore` refund commits the reversal, then gives the units back (hot items, so never in
 *   its transaction). Died between the two: the units stay used (under-use, never over); the
 *   refund's redelivery finds its stored answer and gives nothing back, so nothing comes back twice.
 * The drills are in test/integration/instant-discounts.test.ts ("a crash between the take and the
 * record", "a crash between a restore refund's reversal and its give-back").
 */
import { takeFromShards } from "../domain/inventory.js";
import { type InstantCandidate, type InstantDiscount, dayQuotaUnits, instantCandidates, instantOffers, quotaDay } from "../domain/instant-discount.js";
import type { MerchantFacts } from "../domain/redemption.js";
import { type EarlyRefunds, discountSurvivesEarlyRefunds } from "../domain/refund.js";
import { instantAnswerSchema, type InstantAnswer, type PaymentAnswer } from "../api/payment-schemas.js";
import { listInstantDiscountCampaignIds, readCampaignItem } from "../store/campaign-writes.js";
import type { CampaignRecord } from "../store/campaigns.js";
import {
  type PayerCounter,
  type QuotaAddress,
  TOTAL_PERIOD,
  giveBackQuotaUnit,
  payerWithinLimits,
  quotaShares,
  readQuotaTaken,
  releasePayerSlot,
  takePayerSlot,
  takeQuotaUnit,
} from "../store/instant-quota.js";
import { type RedeemOutcome, redeem, redeemAfterEarlyRefunds } from "../store/redemptions.js";
import type { InstantTake, PaymentRecordFields, TransactionRecord } from "../store/transactions.js";
import { type RetryOptions, withRetries } from "../store/retry.js";
import type { Dependencies } from "./dependencies.js";
import { StockCaches } from "./stock-caches.js";
import { MAX_SHARD_TRIES } from "../domain/shard-plan.js";

/**
 * What one function instance remembers between payments: the quotas found gone and their empty
 * shards ({@link StockCaches}), and which campaigns have instant discounts (a new one is seen
 * within `campaignIdsTtlMs`; each is still read strongly consistent per payment).
 */
export class InstantCaches extends StockCaches {
  private ids: { expires: number; value: Promise<string[]> } | undefined;

  constructor(readonly options: { campaignIdsTtlMs: number; soldOutTtlMs: number } = { campaignIdsTtlMs: 10_000, soldOutTtlMs: 5_000 }) {
    super(options.soldOutTtlMs);
  }

  campaignIds(now: number, load: () => Promise<string[]>): Promise<string[]> {
    if (this.ids && this.ids.expires > now) return this.ids.value;
    const value = load();
    const entry = { expires: now + this.options.campaignIdsTtlMs, value };
    this.ids = entry;
    value.catch(() => {
      if (this.ids === entry) this.ids = undefined;
    });
    return value;
  }
}

/** What a payment is given for instant discounts beside its tables. */
export interface InstantRuntime {
  /** Default: one cache per loaded module, as a function instance has. */
  instantCaches?: InstantCaches;
  /** Default: Math.random. */
  random?: () => number;
  /** Fault injection for the crash drill: runs after the quota units are taken, before the record is written. */
  afterInstantTake?: (take: InstantTake & { campaignId: string; instantDiscountId: string }) => void | Promise<void>;
  retry?: RetryOptions;
}

export type InstantDependencies = Dependencies<"campaigns" | "inventory" | "redemptions" | "vouchers"> & InstantRuntime;

/** Why no instant discount applied (API.md's order: limit before quota before the rest). */
export type InstantRefusal = "BELOW_THRESHOLD" | "PAYER_LIMIT_REACHED" | "QUOTA_EXHAUSTED" | "NO_ELIGIBLE_VOUCHER";

/** What the payment path does with the outcome: answer it (the record is final), or record no discount for the reason. */
export type InstantOutcome =
  | { outcome: "answered"; answer: PaymentAnswer }
  | { outcome: "refused"; reason: InstantRefusal; settle: (final: PaymentAnswer) => Promise<void> }
  /** The early refunds leave nothing for the discount: the payment is answered as refunded. */
  | { outcome: "refunded-first" }
  /** Another delivery's record stands (or a refund came first): the caller answers from it, then runs `settle`. */
  | { outcome: "existing"; record: TransactionRecord | undefined; settle: (final: PaymentAnswer) => Promise<void> };

const moduleCaches = new InstantCaches();
const cachesOf = (deps: { instantCaches?: InstantCaches | undefined }) => deps.instantCaches ?? moduleCaches;

/** The cache key of one quota. */
const quotaKey = (quota: QuotaAddress) => `${quota.campaignId}#${quota.instantDiscountId}#${quota.period}`;

/** The instant discount answer of a transaction. */
export function instantAnswer(transactionId: string, campaignId: string, instantDiscountId: string, discount: number, payable: number): InstantAnswer {
  return instantAnswerSchema.parse({ transactionId, campaignId, instantDiscountId, voucherId: null, discount, payable });
}

/**
 * Tries the instant discounts open to a payment that no voucher served, best first, and writes
 * the one that applies. A refusal hands back `settle`, which the caller runs with the answer it
 * finally recorded, so payer slots are released only once the record is final.
 */
export async function applyInstantDiscount(
  input: { payment: PaymentRecordFields; merchant: MerchantFacts; known: TransactionRecord | undefined; early: EarlyRefunds | undefined; payerKey?: string },
  deps: InstantDependencies,
): Promise<InstantOutcome> {
  const { payment, merchant, known, early } = input;
  // Per-payer limits count per person: the person key of the resident the payerId acts for.
  const payerKey = input.payerKey ?? payment.payerId;
  const { db, tables } = deps;
  const caches = cachesOf(deps);
  const started = deps.now().getTime();
  const ids = await caches.campaignIds(started, () => listInstantDiscountCampaignIds(db, tables.campaigns));
  const campaigns: CampaignRecord[] = [];
  for (const read of await Promise.all(ids.map((id) => readCampaignItem(db, tables.campaigns, id)))) if (read) campaigns.push(read.campaign);
  const occurredAt = new Date(payment.occurredAt);
  const offers = instantOffers(campaigns, merchant.sector, occurredAt);
  const candidates = instantCandidates(offers, { amount: payment.amount, occurredAt, partnerId: payment.partnerId });
  if (typeof candidates === "string") return { outcome: "refused", reason: candidates, settle: async () => {} };

  const held: { candidate: InstantCandidate; counter: PayerCounter; day: string }[] = [];
  /** Releases every payer slot this delivery holds that the final answer does not use. */
  const settle = async (final: PaymentAnswer) => {
    for (const slot of held) {
      const used = "instantDiscountId" in final && final.campaignId === slot.candidate.campaignId && final.instantDiscountId === slot.candidate.instantDiscountId;
      if (!used) await releasePayerSlot(db, tables.inventory, slot.counter, { transactionId: payment.transactionId, day: slot.day });
    }
  };
  let limitReached = false;
  for (const candidate of candidates) {
    const campaign = campaigns.find((item) => item.id === candidate.campaignId);
    const discount = campaign?.instantDiscounts?.find((item) => item.id === candidate.instantDiscountId);
    if (!campaign || !discount) continue;
    if (early && !discountSurvivesEarlyRefunds(payment.amount, early, candidate.tier.threshold)) return { outcome: "refunded-first" };
    const day = quotaDay(occurredAt, campaign.timezone);
    const quotas = quotasOf(candidate, discount, day);
    const counter: PayerCounter = { campaignId: candidate.campaignId, instantDiscountId: candidate.instantDiscountId, partnerId: payment.partnerId, payerId: payerKey };
    const slot = { transactionId: payment.transactionId, day };

    if (quotas.some(({ quota }) => caches.isSoldOut(quotaKey(quota), started))) {
      // Known gone: no quota write. Only the payer's limit is told apart, with a read.
      if (discount.perPayer && !(await payerWithinLimits(db, tables.inventory, counter, discount.perPayer, slot))) limitReached = true;
      continue;
    }
    if (discount.perPayer) {
      if ((await takePayerSlot(db, tables.inventory, counter, discount.perPayer, slot)) === "limit") {
        limitReached = true;
        continue;
      }
      held.push({ candidate, counter, day });
    }
    const taken = await takeQuotas(quotas, deps);
    if (taken === undefined) continue;

    const take: InstantTake = {
      day,
      threshold: candidate.tier.threshold,
      totalShard: taken.ALL ?? 0,
      ...(taken.daily === undefined ? {} : { dailyShard: taken.daily }),
      payerSlot: discount.perPayer !== undefined,
      ...(payerKey === payment.payerId ? {} : { payerKey }),
    };
    await deps.afterInstantTake?.({ ...take, campaignId: candidate.campaignId, instantDiscountId: candidate.instantDiscountId });
    const answer = instantAnswer(payment.transactionId, candidate.campaignId, candidate.instantDiscountId, candidate.tier.discount, payment.amount - candidate.tier.discount);
    const benefit = { kind: "instant", campaignId: candidate.campaignId, instantDiscountId: candidate.instantDiscountId, take } as const;
    // A failure here (a lost answer after the commit, throttling to the end) leaves the units
    // taken: the write may have landed, and giving them back could hand one out twice.
    const outcome: RedeemOutcome = await withRetries(
      () => (known && early ? redeemAfterEarlyRefunds(db, tables, { payment, benefit, answer, early: known }) : redeem(db, tables, { payment, benefit, answer })),
      deps.retry,
    );
    if (outcome.outcome === "redeemed") {
      await settle(answer);
      return { outcome: "answered", answer };
    }
    // Another delivery wrote the record first (or a refund came first meanwhile): this delivery's
    // units go back, and the record's answer stands.
    await giveBackTaken(quotas, taken, deps);
    return { outcome: "existing", record: outcome.outcome === "duplicate" ? outcome.record : known, settle };
  }
  return { outcome: "refused", reason: limitReached ? "PAYER_LIMIT_REACHED" : "QUOTA_EXHAUSTED", settle };
}

type QuotaPart = { part: "daily" | "ALL"; quota: QuotaAddress; units: number };

/**
 * The quotas a candidate takes from, the day's first: a day that is full costs no write on the
 * total. The day's counter is taken even without a daily quota (its share is then the total
 * quota, so it never refuses what the total allows): it is what GET /admin/campaigns/{id} reads
 * as `usedToday`, one more conditional write per application.
 */
function quotasOf(candidate: InstantCandidate, discount: InstantDiscount, day: string): QuotaPart[] {
  const base = { campaignId: candidate.campaignId, instantDiscountId: candidate.instantDiscountId };
  return [
    { part: "daily" as const, quota: { ...base, period: day }, units: dayQuotaUnits(discount) },
    { part: "ALL" as const, quota: { ...base, period: TOTAL_PERIOD }, units: discount.quota.total },
  ];
}

/** Takes one unit of each quota, in order; on a quota that is gone gives back the units taken before it and answers undefined. */
async function takeQuotas(quotas: readonly QuotaPart[], deps: InstantDependencies): Promise<Partial<Record<QuotaPart["part"], number>> | undefined> {
  const taken: Partial<Record<QuotaPart["part"], number>> = {};
  for (const { part, quota, units } of quotas) {
    const key = quotaKey(quota);
    const shares = quotaShares(units);
    const result = await takeFromShards({
      shardCount: shares.length,
      knownEmpty: cachesOf(deps).knownEmpty(key, deps.now().getTime()),
      maxAttempts: MAX_SHARD_TRIES,
      random: deps.random ?? Math.random,
      take: (shard) => takeQuotaUnit(deps.db, deps.tables.inventory, quota, shard, shares[shard] ?? 0),
    });
    cachesOf(deps).rememberEmpty(key, result.emptied, deps.now().getTime());
    if (result.outcome === "taken") {
      taken[part] = result.shard;
      continue;
    }
    if (result.everyShardEmpty) cachesOf(deps).rememberSoldOut(key, deps.now().getTime());
    await giveBackTaken(quotas, taken, deps);
    return undefined;
  }
  return taken;
}

/** Gives back the units of `taken`, once each. */
async function giveBackTaken(quotas: readonly QuotaPart[], taken: Partial<Record<QuotaPart["part"], number>>, deps: InstantDependencies): Promise<void> {
  for (const { part, quota } of quotas) {
    const shard = taken[part];
    if (shard === undefined) continue;
    await giveBackQuotaUnit(deps.db, deps.tables.inventory, quota, shard);
    cachesOf(deps).unitReturned(quotaKey(quota), shard);
  }
}

/**
 * Gives a reversed instant discount's units back (refund policy `restore`): one to the day's
 * quota and one to the total, on the shards the payment took, and the payer's slot. Called once,
 * by the refund that committed the reversal; a crash before it strands the units (safe).
 */
export async function restoreInstantDiscount(
  record: { campaignId: string; instantDiscountId: string; partnerId: string; payerId: string; transactionId: string; instant: InstantTake },
  deps: Dependencies<"inventory"> & { instantCaches?: InstantCaches },
): Promise<void> {
  const base = { campaignId: record.campaignId, instantDiscountId: record.instantDiscountId };
  const parts: { quota: QuotaAddress; shard: number }[] = [
    ...(record.instant.dailyShard === undefined ? [] : [{ quota: { ...base, period: record.instant.day }, shard: record.instant.dailyShard }]),
    { quota: { ...base, period: TOTAL_PERIOD }, shard: record.instant.totalShard },
  ];
  for (const { quota, shard } of parts) {
    await giveBackQuotaUnit(deps.db, deps.tables.inventory, quota, shard);
    cachesOf(deps).unitReturned(quotaKey(quota), shard);
  }
  if (record.instant.payerSlot) {
    await releasePayerSlot(deps.db, deps.tables.inventory, { ...base, partnerId: record.partnerId, payerId: record.instant.payerKey ?? record.payerId }, { transactionId: record.transactionId, day: record.instant.day });
  }
}

/** An instant discount's use, as GET /admin/campaigns/{id} shows it beside its definition. */
export interface InstantDiscountUse {
  /** Units taken of the total quota (applications standing, plus any a crash stranded). */
  used: number;
  /** total − used, never below 0. */
  remaining: number;
  /** Units taken of today's counter, today being the local day in the campaign's zone. */
  usedToday: number;
}

/**
 * The use of each of a campaign's instant discounts as of `now`, read from the quota counters
 * (strongly consistent): the total quota's shards and those of today's day counter, which every
 * application takes (with or without a daily quota, see quotasOf).
 */
export async function readInstantDiscountUse(
  deps: Pick<Dependencies<"inventory">, "db" | "tables">,
  campaign: Pick<CampaignRecord, "id" | "timezone" | "instantDiscounts">,
  now: Date,
): Promise<Map<string, InstantDiscountUse>> {
  const today = quotaDay(now, campaign.timezone);
  const uses = await Promise.all(
    (campaign.instantDiscounts ?? []).map(async (discount) => {
      const base = { campaignId: campaign.id, instantDiscountId: discount.id };
      const [used, usedToday] = await Promise.all([
        readQuotaTaken(deps.db, deps.tables.inventory, { ...base, period: TOTAL_PERIOD }, discount.quota.total),
        readQuotaTaken(deps.db, deps.tables.inventory, { ...base, period: today }, dayQuotaUnits(discount)),
      ]);
      return [discount.id, { used, remaining: Math.max(0, discount.quota.total - used), usedToday }] as const;
    }),
  );
  return new Map(uses);
}
