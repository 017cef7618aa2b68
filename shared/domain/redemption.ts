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
] as const;

export type NoDiscountReason = (typeof NO_DISCOUNT_REASONS)[number];

/** The reasons {@link chooseVoucher} can name: every {@link NoDiscountReason} but `TRANSACTION_REFUNDED`. */
export type ChoiceReason = Exclude<NoDiscountReason, "TRANSACTION_REFUNDED">;

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

export interface RedemptionInput {
  payment: PaymentFacts;
  /** The merchant, or undefined when no merchant has the payment's merchantId. */
  merchant: MerchantFacts | undefined;
  /** The payer's vouchers, of any campaign and status, each voucherId once. */
  vouchers: readonly Voucher[];
  /** Campaigns by id; a voucher whose campaign is missing here counts as not active. */
  campaigns: ReadonlyMap<string, CampaignFacts>;
}

/** The voucher to redeem and what the payer then pays (in fen), or no voucher and why. */
export type VoucherChoice = { voucher: Voucher; payable: number } | { voucher: null; reason: ChoiceReason };

/**
 * Chooses the voucher a payment redeems.
 *
 * A voucher is eligible when all of these hold at `occurredAt`:
 * - the merchant exists and is APPROVED;
 * - the voucher is CLAIMED, `claimedAt ≤ occurredAt < expiresAt`, and its figures are sane
 *   (integer fen, `0 < discount < threshold`; anything else is corrupt and never applied);
 * - its campaign is known, PUBLISHED (not DRAFT, not PAUSED) and `startsAt ≤ occurredAt ≤ endsAt`;
 * - the campaign's sectors include the merchant's sector;
 * - `threshold ≤ amount`.
 *
 * Among eligible vouchers the best has the highest discount, then the earliest expiresAt, then the
 * oldest claimedAt, then the smallest voucherId (by UTF-16 code units, not locale), so the choice
 * never depends on the order of `vouchers`.
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
export function chooseVoucher(input: RedemptionInput): VoucherChoice {
  const { payment, merchant, campaigns } = input;
  if (!Number.isSafeInteger(payment.amount) || payment.amount <= 0) {
    throw new RangeError(`amount must be a positive whole number of fen, got ${payment.amount}`);
  }
  const at = Date.parse(payment.occurredAt);
  if (Number.isNaN(at)) throw new RangeError(`occurredAt ${payment.occurredAt} is not an instant`);

  if (merchant?.status !== "APPROVED") return none("MERCHANT_NOT_APPROVED");

  const candidates =
    payment.voucherId === undefined ? input.vouchers : input.vouchers.filter((voucher) => voucher.voucherId === payment.voucherId);

  const valid = candidates.filter((voucher) => usableAt(voucher, at));
  if (valid.length === 0) return none("NO_ELIGIBLE_VOUCHER");

  const active = valid.filter((voucher) => campaignActiveAt(campaigns.get(voucher.campaignId), at));
  if (active.length === 0) return none("CAMPAIGN_NOT_ACTIVE");

  const inSector = active.filter((voucher) => campaigns.get(voucher.campaignId)?.sectors.includes(merchant.sector) === true);
  if (inSector.length === 0) return none("SECTOR_NOT_ELIGIBLE");

  const eligible = inSector.filter((voucher) => voucher.threshold <= payment.amount);
  let best: Voucher | undefined;
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
export function excluding(vouchers: readonly Voucher[], voucherIds: Iterable<string>): Voucher[] {
  const excluded = new Set(voucherIds);
  return vouchers.filter((voucher) => !excluded.has(voucher.voucherId));
}

// ---------------------------------------------------------------------------------------------

function none(reason: ChoiceReason): VoucherChoice {
  return { voucher: null, reason };
}

/** CLAIMED, with sane figures, and valid at `at`: claimedAt ≤ at < expiresAt. */
function usableAt(voucher: Voucher, at: number): boolean {
  if (voucher.status !== "CLAIMED") return false;
  if (!Number.isSafeInteger(voucher.threshold) || !Number.isSafeInteger(voucher.discount)) return false;
  if (voucher.discount <= 0 || voucher.discount >= voucher.threshold) return false;
  // A NaN bound makes both comparisons false, so an unparseable instant is never valid.
  return Date.parse(voucher.claimedAt) <= at && at < Date.parse(voucher.expiresAt);
}

/** PUBLISHED and startsAt ≤ at ≤ endsAt; an unknown campaign is not active. */
function campaignActiveAt(campaign: CampaignFacts | undefined, at: number): boolean {
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
  return a.voucherId < b.voucherId;
}
