/**
 * Which of the payer's vouchers a partner's payment redeems: the best eligible one, or none with
 * the reason the partner is answered. Pure: no I/O, no clock; the caller loads the payer's
 * vouchers, their campaigns and the merchant, and redeems the choice in a transaction. When that
 * transaction loses a race for the voucher, the caller chooses again {@link excluding} it.
 *
 * Instants are compared as parsed instants, never as text: `2026-11-09T09:00:00+08:00` is before
 * `2026-11-09T02:00:00Z`.
 */
import type { Voucher } from "./claim.js";
import { PARTNER_CLOCK_TOLERANCE_MS } from "./partner-limits.js";
import type { Sector } from "./sectors.js";

/**
 * Why a payment gets no discount, as the payment webhook answers it. `TRANSACTION_REFUNDED` (a
 * refund arrived before its payment) is decided before any voucher is chosen, so
 * {@link chooseVoucher} never returns it; the others are its {@link ChoiceReason}s.
 */
export const NO_DISCOUNT_REASONS = [
  "NO_ELIGIBLE_VOUCHER",
  "BELOW_THRESHOLD",
  "MERCHANT_NOT_APPROVED",
  "SECTOR_NOT_ELIGIBLE",
  "CAMPAIGN_NOT_ACTIVE",
  "TRANSACTION_REFUNDED",
  "PAYER_LIMIT_REACHED",
  "QUOTA_EXHAUSTED",
] as const;

export type NoDiscountReason = (typeof NO_DISCOUNT_REASONS)[number];

/** The reasons {@link chooseVoucher} can name (the last two are an instant discount's, domain/instant-discount.ts). */
export type ChoiceReason = Exclude<NoDiscountReason, "TRANSACTION_REFUNDED" | "PAYER_LIMIT_REACHED" | "QUOTA_EXHAUSTED">;

/** The payment as the partner reported it. */
export interface PaymentFacts {
  /** What the payer pays before any discount, in fen: a positive integer. */
  amount: number;
  /** When the payment happened: ISO-8601 with a UTC offset. */
  occurredAt: string;
  /** The voucher the payer asked for; when given, that voucher or none is used, never another. */
  voucherId?: string | undefined;
}

/** What the choice needs of the merchant the payment was made at. */
export interface MerchantFacts {
  status: "PENDING" | "APPROVED" | "SUSPENDED";
  sector: Sector;
}

/** What the choice needs of a voucher's campaign. */
export interface CampaignFacts {
  status: "DRAFT" | "PUBLISHED" | "PAUSED";
  startsAt: string;
  endsAt: string;
  sectors: readonly Sector[];
}

export interface RedemptionInput<V extends Voucher = Voucher> {
  payment: PaymentFacts;
  /** The merchant, or undefined when no merchant has the payment's merchantId. */
  merchant: MerchantFacts | undefined;
  /**
   * The payer's vouchers, of any campaign and status. Two of them may share a voucherId (ids of
   * different campaigns once collided), so the choice is one of these very objects, never a
   * voucherId to look up again.
   */
  vouchers: readonly V[];
  /** Campaigns by id; a voucher whose campaign is missing here counts as not active. */
  campaigns: ReadonlyMap<string, CampaignFacts>;
  /**
   * When the platform received the payment (ISO-8601). When given, a voucher claimed after it is
   * not usable: the payment may only use a claim that committed before it arrived.
   */
  receivedAt?: string | undefined;
}

/** The voucher to redeem (one of the input's objects) and what the payer then pays (in fen), or no voucher and why. */
export type VoucherChoice<V extends Voucher = Voucher> = { voucher: V; payable: number } | { voucher: null; reason: ChoiceReason };

/**
 * Chooses the voucher a payment redeems.
 *
 * A voucher is eligible when all of these hold at `occurredAt`:
 * - the merchant exists and is APPROVED;
 * - the voucher is CLAIMED, `claimedAt − 5 min ≤ occurredAt < expiresAt`, and its figures are sane
 *   (integer fen, `0 < discount < threshold`; anything else is corrupt and never applied). The
 *   5 minutes ({@link PARTNER_CLOCK_TOLERANCE_MS}) are the partner clock skew API.md tolerates:
 *   partners send whole seconds from clocks that may be behind ours, so a payment made just after
 *   a claim can be dated just before it. With `receivedAt`, also `claimedAt ≤ receivedAt`;
 * - its campaign is known, PUBLISHED (not DRAFT, not PAUSED) and `startsAt ≤ occurredAt ≤ endsAt`;
 * - the campaign's sectors include the merchant's sector;
 * - `threshold ≤ amount`.
 *
 * Among eligible vouchers the best has the highest discount, then the earliest expiresAt, then the
 * oldest claimedAt, then the smallest voucherId (by UTF-16 code units, not locale), then the
 * smallest campaignId, so the choice never depends on the order of `vouchers`. The chosen voucher
 * is returned as the very object passed in, so the caller redeems exactly that one.
 *
 * With `payment.voucherId` only that voucher is considered: it is chosen if it is the payer's and
 * eligible, and otherwise nothing is, even when another voucher would be.
 *
 * When nothing is eligible, the reason is the first of these that applies, each step looking only
 * at what passed the one before (with a voucherId, the candidates are that one voucher or none):
 * 1. `MERCHANT_NOT_APPROVED`: the merchant is missing or not APPROVED (no voucher could apply);
 * 2. `NO_ELIGIBLE_VOUCHER`: no candidate is CLAIMED, sane and time-valid (this includes an
 *    unknown voucherId and a payer with no vouchers);
 * 3. `CAMPAIGN_NOT_ACTIVE`: none of those has an active campaign at occurredAt;
 * 4. `SECTOR_NOT_ELIGIBLE`: none of those active campaigns lists the merchant's sector;
 * 5. `BELOW_THRESHOLD`: every remaining voucher has `threshold > amount`.
 *
 * An instant in a voucher or campaign that does not parse fails the check it is part of.
 *
 * @throws RangeError when `amount` is not a positive safe integer or `occurredAt` is not an
 *   instant: the payment is parsed before this, so that is a caller's bug.
 */
export function chooseVoucher<V extends Voucher>(input: RedemptionInput<V>): VoucherChoice<V> {
  const { payment, merchant, campaigns } = input;
  if (!Number.isSafeInteger(payment.amount) || payment.amount <= 0) {
    throw new RangeError(`amount must be a positive whole number of fen, got ${payment.amount}`);
  }
  const at = Date.parse(payment.occurredAt);
  if (Number.isNaN(at)) throw new RangeError(`occurredAt ${payment.occurredAt} is not an instant`);
  const received = input.receivedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(input.receivedAt);
  if (Number.isNaN(received)) throw new RangeError(`receivedAt ${input.receivedAt} is not an instant`);

  if (merchant?.status !== "APPROVED") return none("MERCHANT_NOT_APPROVED");

  const candidates =
    payment.voucherId === undefined ? input.vouchers : input.vouchers.filter((voucher) => voucher.voucherId === payment.voucherId);

  const valid = candidates.filter((voucher) => usableAt(voucher, at, received));
  if (valid.length === 0) return none("NO_ELIGIBLE_VOUCHER");

  const active = valid.filter((voucher) => campaignActiveAt(campaigns.get(voucher.campaignId), at));
  if (active.length === 0) return none("CAMPAIGN_NOT_ACTIVE");

  const inSector = active.filter((voucher) => campaigns.get(voucher.campaignId)?.sectors.includes(merchant.sector) === true);
  if (inSector.length === 0) return none("SECTOR_NOT_ELIGIBLE");

  const eligible = inSector.filter((voucher) => voucher.threshold <= payment.amount);
  let best: V | undefined;
  for (const voucher of eligible) {
    if (best === undefined || preferred(voucher, best)) best = voucher;
  }
  if (best === undefined) return none("BELOW_THRESHOLD");
  return { voucher: best, payable: payable(payment.amount, best.discount) };
}

/**
 * What the payer pays after a discount, in fen: `amount − discount`.
 *
 * @throws RangeError unless both are safe integers with `0 ≤ discount ≤ amount`.
 */
export function payable(amount: number, discount: number): number {
  if (!Number.isSafeInteger(amount) || !Number.isSafeInteger(discount)) {
    throw new RangeError(`amount ${amount} and discount ${discount} must be whole numbers of fen`);
  }
  if (discount < 0 || discount > amount) throw new RangeError(`discount ${discount} must lie between 0 and the amount ${amount}`);
  return amount - discount;
}

/**
 * The vouchers without those whose id is in `voucherIds`, in their order. A redemption that lost
 * the race for its choice (another transaction redeemed that voucher first) chooses again from
 * `excluding(vouchers, [lost])`: the next best, or none. With a named voucherId that gives none
 * (`NO_ELIGIBLE_VOUCHER`), as it must: a named voucher is never replaced by another.
 */
export function excluding<V extends Voucher>(vouchers: readonly V[], voucherIds: Iterable<string>): V[] {
  const excluded = new Set(voucherIds);
  return vouchers.filter((voucher) => !excluded.has(voucher.voucherId));
}

// ---------------------------------------------------------------------------------------------

function none(reason: ChoiceReason): { voucher: null; reason: ChoiceReason } {
  return { voucher: null, reason };
}

/**
 * CLAIMED, with sane figures, claimed before the payment was received, and valid at `at` within
 * the partner clock tolerance: claimedAt − 5 min ≤ at < expiresAt. Only the claim end is widened:
 * expiry is the campaign's rule, and a late clock cannot stretch it.
 */
function usableAt(voucher: Voucher, at: number, received: number): boolean {
  if (voucher.status !== "CLAIMED") return false;
  if (!Number.isSafeInteger(voucher.threshold) || !Number.isSafeInteger(voucher.discount)) return false;
  if (voucher.discount <= 0 || voucher.discount >= voucher.threshold) return false;
  const claimedAt = Date.parse(voucher.claimedAt);
  // A NaN bound makes every comparison false, so an unparseable instant is never valid.
  return claimedAt <= received && claimedAt - PARTNER_CLOCK_TOLERANCE_MS <= at && at < Date.parse(voucher.expiresAt);
}

/** PUBLISHED and startsAt ≤ at ≤ endsAt; an unknown campaign is not active. */
export function campaignActiveAt(campaign: CampaignFacts | undefined, at: number): boolean {
  if (campaign?.status !== "PUBLISHED") return false;
  return Date.parse(campaign.startsAt) <= at && at <= Date.parse(campaign.endsAt);
}

/** Whether `a` is strictly better than `b`. Both are usable, so their instants parse. */
function preferred(a: Voucher, b: Voucher): boolean {
  if (a.discount !== b.discount) return a.discount > b.discount;
  const expiresA = Date.parse(a.expiresAt);
  const expiresB = Date.parse(b.expiresAt);
  if (expiresA !== expiresB) return expiresA < expiresB;
  const claimedA = Date.parse(a.claimedAt);
  const claimedB = Date.parse(b.claimedAt);
  if (claimedA !== claimedB) return claimedA < claimedB;
  if (a.voucherId !== b.voucherId) return a.voucherId < b.voucherId;
  return a.campaignId < b.campaignId;
}
