/**
 * Campaign statistics, pure: what each committed change adds to which figures, and the figures
 * API.md's stats route shows. The projector applies these deltas exactly once per change; a
 * recount from the source records must give the same figures (DESIGN.md §2).
 */
import { safeFen, sumFen, sumFenExact } from "./money.js";
import { localDate } from "./settlement.js";


/** Counters kept per bucket; every one is a sum, so deltas add up in any order. */
export const STAT_COUNTERS = [
  "claimed",
  "claimedDiscount",
  /** Σ discounts of vouchers CLAIMED right now (still usable): goes up on claim or restore, down on redeem or expiry. */
  "outstanding",
  "expired",
  "expiredDiscount",
  "redemptions",
  "redemptionDiscount",
  "redemptionAmount",
  "reversals",
  "reversalDiscount",
  "reversalAmount",
  /** Partial refunds that left the discount standing, and Σ what they refunded: gross sales drop by it. */
  "partialRefunds",
  "partialRefundAmount",
] as const;
export type StatCounter = (typeof STAT_COUNTERS)[number];
/**
 * Counter values: a number while a safe integer, a BigInt beyond (Σ payment amounts of a campaign
 * is bounded by nothing but the number of payments). DynamoDB keeps them exact either way.
 */
export type Counters = Partial<Record<StatCounter, number | bigint>>;

/**
 * Where figures are kept: the campaign's total, one calendar day (its zone), one sector, one
 * merchant, and one instant discount (its ledger records only: the instant part of the total).
 */
export type Bucket = "TOTAL" | `DAY#${string}` | `SECTOR#${string}` | `MERCHANT#${string}` | `INSTANT#${string}`;

export interface StatsDelta {
  bucket: Bucket;
  counters: Counters;
}

/** A voucher as its stream image shows it (only what statistics need). */
export interface VoucherImage {
  campaignId: string;
  discount: number;
  status: string;
  claimedAt: string;
  expiresAt: string;
}

/**
 * What a change of a voucher adds: a new voucher is claimed (its claim day), a status change moves
 * its discount in or out of `outstanding`, and a move to EXPIRED counts as expired (its expiry day).
 */
export function voucherDeltas(old: VoucherImage | undefined, next: VoucherImage | undefined, timezone: string): StatsDelta[] {
  const deltas: StatsDelta[] = [];
  const voucher = next ?? old;
  if (!voucher) return deltas;
  const usable = (image: VoucherImage | undefined) => (image?.status === "CLAIMED" ? image.discount : 0);
  if (!old && next) {
    const claimed = { claimed: 1, claimedDiscount: next.discount };
    deltas.push({ bucket: `DAY#${localDate(new Date(next.claimedAt), timezone)}`, counters: claimed });
    deltas.push({ bucket: "TOTAL", counters: { ...claimed, outstanding: usable(next) } });
    return deltas;
  }
  const outstanding = usable(next) - usable(old);
  const expiredNow = old?.status !== "EXPIRED" && next?.status === "EXPIRED";
  const total: Counters = {};
  if (outstanding !== 0) total.outstanding = outstanding;
  if (expiredNow) {
    const expired = { expired: 1, expiredDiscount: voucher.discount };
    Object.assign(total, expired);
    deltas.push({ bucket: `DAY#${localDate(new Date(voucher.expiresAt), timezone)}`, counters: expired });
  }
  if (Object.keys(total).length > 0) deltas.push({ bucket: "TOTAL", counters: total });
  return deltas;
}

/** A ledger record as its stream image shows it. */
export interface LedgerImage {
  kind: "REDEMPTION" | "REVERSAL" | "CLAWBACK" | "PARTIAL_REFUND";
  merchantId: string;
  /** Signed: positive for a redemption, negative for a reversal or clawback, 0 for a partial refund. */
  discount: number;
  /** The payment's amount; for a partial refund, what it refunded. */
  amount: number;
  occurredAt: string;
  /** Reversals, clawbacks and partial refunds: when the payment occurred; they count against that day. */
  paymentOccurredAt?: string | undefined;
  /** Reversals and clawbacks: partial refunds of the payment counted before them. */
  refundedBefore?: number | undefined;
  /** The instant discount applied, on records of a card-swipe discount (no voucher). */
  instantDiscountId?: string | undefined;
}

/**
 * What a new ledger record adds to the campaign's total, the day of the payment, the merchant's
 * sector and the merchant: a redemption counts up, a reversal counts against the same buckets.
 * A fraud CLAWBACK counts as a reversal too: the subsidy was taken back from the merchant and the
 * sale is not one the campaign drove (a refund of a clawed-back redemption writes no reversal, so
 * the transaction is counted reversed once). A PARTIAL_REFUND that left the discount standing
 * lowers gross sales by what it refunded; the reversal that may follow lowers them by the rest
 * (`amount − refundedBefore`), so a reversed redemption's gross sales come to 0, not less.
 * A record of an instant discount counts in all of these like a voucher's (the top-level figures
 * cover both kinds of benefit) and, the same counters again, in its discount's `INSTANT#<id>`
 * bucket: the instant part.
 */
export function ledgerDeltas(record: LedgerImage, sector: string, timezone: string): StatsDelta[] {
  const counters: Counters =
    record.kind === "REDEMPTION"
      ? { redemptions: 1, redemptionDiscount: record.discount, redemptionAmount: record.amount }
      : record.kind === "PARTIAL_REFUND"
        ? { partialRefunds: 1, partialRefundAmount: record.amount }
        : // What partial refunds left of the sale: with them, the transaction's gross sales come to 0, once.
          { reversals: 1, reversalDiscount: -record.discount, reversalAmount: record.amount - (record.refundedBefore ?? 0) };
  const day = localDate(new Date(record.kind === "REDEMPTION" ? record.occurredAt : (record.paymentOccurredAt ?? record.occurredAt)), timezone);
  return [
    { bucket: "TOTAL", counters },
    { bucket: `DAY#${day}`, counters },
    { bucket: `SECTOR#${sector}`, counters },
    { bucket: `MERCHANT#${record.merchantId}`, counters },
    ...(record.instantDiscountId === undefined ? [] : [{ bucket: `INSTANT#${record.instantDiscountId}` as const, counters }]),
  ];
}

/** Adds deltas up per bucket, exactly (as BigInt: a sum beyond 2^53 − 1 is kept as a BigInt, never rounded nor refused). */
export function mergeDeltas(deltas: readonly StatsDelta[]): Map<Bucket, Counters> {
  const merged = new Map<Bucket, Counters>();
  for (const delta of deltas) {
    const into = merged.get(delta.bucket) ?? {};
    for (const [counter, value] of Object.entries(delta.counters) as [StatCounter, number | bigint][]) {
      const total = sumFenExact([into[counter] ?? 0, value]);
      into[counter] = safeFen(total) ?? total;
    }
    merged.set(delta.bucket, into);
  }
  return merged;
}

/** A campaign's buckets by kind: its total, and its counters by day, by sector, by merchant and by instant discount (keys sorted). */
export interface BucketsByKind {
  total: Counters;
  byDay: Map<string, Counters>;
  bySector: Map<string, Counters>;
  byMerchant: Map<string, Counters>;
  byInstantDiscount: Map<string, Counters>;
}

/** Sorts a campaign's buckets by kind, each kind's keys in text order. */
export function bucketsByKind(buckets: ReadonlyMap<Bucket, Counters>): BucketsByKind {
  const grouped: BucketsByKind = { total: buckets.get("TOTAL") ?? {}, byDay: new Map(), bySector: new Map(), byMerchant: new Map(), byInstantDiscount: new Map() };
  const kinds = [
    ["DAY#", grouped.byDay],
    ["SECTOR#", grouped.bySector],
    ["MERCHANT#", grouped.byMerchant],
    ["INSTANT#", grouped.byInstantDiscount],
  ] as const;
  for (const [bucket, counters] of [...buckets].sort(([a], [b]) => a.localeCompare(b))) {
    const kind = kinds.find(([prefix]) => bucket.startsWith(prefix));
    if (kind) kind[1].set(bucket.slice(kind[0].length), counters);
  }
  return grouped;
}

/** The figures of one bucket as the bureau reads them (API.md, stats). */
export interface Figures {
  claimed: number;
  /** Redemptions not reversed. */
  redeemed: number;
  reversed: number;
  expired: number;
  /** Discounts of the redemptions not reversed, fen. */
  subsidy: number;
  /** Their payment amounts before discount, less what was refunded of them, fen. */
  grossSales: number;
  /** redeemed ÷ claimed (0 when nothing was claimed), to 4 decimals. */
  redemptionRate: number;
  /** grossSales ÷ subsidy (0 when there is no subsidy), to 2 decimals. */
  leverage: number;
}

/** A sector's or merchant's sales figures. */
export interface SalesFigures {
  redeemed: number;
  reversed: number;
  subsidy: number;
  grossSales: number;
  leverage: number;
}

/**
 * The instant part of a campaign's figures (API.md, Stats `instantDiscounts`), over all its instant
 * discounts or for one: `applied` = instant-discount redemptions less their reversals and fraud
 * clawbacks (applications that stand); `subsidy` = Σ instant discounts less what was reversed;
 * `grossSales` = their payment amounts less what was reversed or refunded, by the top-level rule.
 */
export interface InstantFigures {
  applied: number;
  subsidy: number;
  grossSales: number;
}

/** A campaign's figures as GET /admin/campaigns/{id}/stats answers them (API.md), and the report reads them. */
export interface CampaignStats extends Figures {
  campaignId: string;
  budget: number;
  remainingBudget: number;
  /** The instant part of the figures above (always present, zeros when none). */
  instantDiscounts: InstantFigures;
  bySector: Record<string, SalesFigures>;
  byDay: Record<string, { claimed: number; redeemed: number; reversed: number; expired: number; subsidy: number; grossSales: number }>;
  byMerchant: Record<string, SalesFigures>;
}

/** The figures of a bucket's counters. */
export function figuresOf(counters: Counters): Figures {
  // Exact in BigInt, then each figure as a number: sumFen refuses (FenOverflowError) a figure no
  // number holds exactly rather than showing a rounded one; the stored counters stay exact.
  const value = (counter: StatCounter) => BigInt(counters[counter] ?? 0);
  const exact = (total: bigint) => sumFen([total]);
  const redeemed = exact(value("redemptions") - value("reversals"));
  const subsidy = exact(value("redemptionDiscount") - value("reversalDiscount"));
  const grossSales = exact(value("redemptionAmount") - value("reversalAmount") - value("partialRefundAmount"));
  const claimed = exact(value("claimed"));
  return {
    claimed,
    redeemed,
    reversed: exact(value("reversals")),
    expired: exact(value("expired")),
    subsidy,
    grossSales,
    redemptionRate: claimed > 0 ? round(redeemed / claimed, 4) : 0,
    leverage: subsidy > 0 ? round(grossSales / subsidy, 2) : 0,
  };
}

/** The instant figures of counters (one instant discount's bucket, or several added up). */
export function instantFiguresOf(counters: Counters): InstantFigures {
  const { redeemed, subsidy, grossSales } = figuresOf(counters);
  return { applied: redeemed, subsidy, grossSales };
}

/**
 * The campaign's redemption rate: voucher redemptions not reversed ÷ vouchers claimed (0 when
 * nothing was claimed), to 4 decimals. Instant discounts need no claim, so they are left out of
 * it (the total's `redeemed` counts both kinds; with them the rate could pass 1).
 */
export function voucherRedemptionRate(total: Counters, instant: Counters): number {
  const claimed = figuresOf(total).claimed;
  return claimed > 0 ? round((figuresOf(total).redeemed - figuresOf(instant).redeemed) / claimed, 4) : 0;
}

/** The counters of every instant discount of a campaign added up, exactly: the instant part of its total. */
export function instantTotal(byInstantDiscount: ReadonlyMap<string, Counters>): Counters {
  return mergeDeltas([...byInstantDiscount.values()].map((counters) => ({ bucket: "TOTAL", counters }))).get("TOTAL") ?? {};
}

/**
 * What is left of the budget (API.md): budget − subsidy − discounts of claimed vouchers still
 * usable. An expired or voided voucher gives its discount back; a restored one takes it again.
 */
export function remainingBudget(budget: number, total: Counters): number {
  const figures = figuresOf(total);
  return sumFen([budget, -figures.subsidy, -BigInt(total.outstanding ?? 0)]);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
