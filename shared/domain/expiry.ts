/**
 * Voucher expiry, pure: when a voucher is due to be marked EXPIRED, and when a drop can need no
 * more sweeping. The daily expiry sweep (shared/use-cases/expiry.ts) applies these rules; no I/O,
 * no clock of its own.
 */
import { type VoucherType, voucherExpiry } from "./campaign.js";

const HOUR_MS = 60 * 60 * 1000;

/**
 * How long after its `expiresAt` a CLAIMED voucher stays CLAIMED before the sweep marks it
 * EXPIRED. A payment made before the expiry may reach the platform later (a partner's webhook
 * retried for hours, a batch sent the next morning): its redemption checks `expiresAt >
 * occurredAt`, and must still find the voucher CLAIMED, or the resident loses a discount they
 * were given at the till. 24 h covers the partners' retry windows; the voucher was unusable
 * since `expiresAt` anyway, so the delay costs nothing but a later figure in the stats.
 */
export const EXPIRY_GRACE_MS = 24 * HOUR_MS;

/**
 * How long after a drop's `closesAt` a voucher of it may still carry as its `claimedAt`: a claim
 * checks that the drop is open, then takes a unit and dates the voucher, within its function's
 * 10 s timeout. The latest expiry of a drop's vouchers is computed from `closesAt` plus this
 * margin (the same 60 s drop close waits for claims in flight).
 */
export const CLAIM_IN_FLIGHT_MS = 60 * 1000;

/** A voucher as the expiry rule needs it. */
export interface ExpiringVoucher {
  status: string;
  /** ISO-8601 instant. */
  expiresAt: string;
}

/**
 * The latest `expiresAt` a voucher due at `now` may have: `now − grace`, as UTC ISO with
 * milliseconds, the form vouchers store `expiresAt` in, so text order is time order and a
 * store condition `expiresAt <= :limit` says the same as {@link isDueForExpiry}.
 */
export function expiryLimit(now: Date, graceMs: number = EXPIRY_GRACE_MS): string {
  return new Date(now.getTime() - graceMs).toISOString();
}

/**
 * Whether the sweep at `now` marks this voucher EXPIRED: it is CLAIMED (not redeemed, voided or
 * expired already) and `expiresAt + grace ≤ now`.
 */
export function isDueForExpiry(voucher: ExpiringVoucher, now: Date, graceMs: number = EXPIRY_GRACE_MS): boolean {
  if (voucher.status !== "CLAIMED") return false;
  const expires = Date.parse(voucher.expiresAt);
  if (Number.isNaN(expires)) throw new RangeError(`voucher expiry ${voucher.expiresAt} is not an instant`);
  return expires + graceMs <= now.getTime();
}

/** A drop as the sweep plans it. */
export interface DropForExpiry {
  id: string;
  opensAt: string;
  closesAt: string;
  /** Voucher types whose inventory is provisioned (only those can have issued vouchers). */
  voucherTypeIds: readonly string[];
  /** Set by drop close; no voucher is issued after it. */
  closedAt?: string | undefined;
}

/** The window the vouchers of a drop expire in. */
export interface DropExpiryWindow {
  /** The earliest `expiresAt` any of its vouchers can have (claimed the moment it opened). */
  earliest: Date;
  /** The latest (claimed at its close, plus claims in flight), never past the campaign's end. */
  latest: Date;
}

/**
 * When the vouchers of a drop can expire: each voucher type's expiry for a claim at the drop's
 * opening, and at its close plus {@link CLAIM_IN_FLIGHT_MS}, the earliest and latest over its
 * types. Undefined for a drop with no provisioned voucher type (it has issued nothing).
 * Throws when the drop names a voucher type the campaign does not define.
 */
export function dropExpiryWindow(
  campaign: { endsAt: string; voucherTypes: readonly VoucherType[] },
  drop: Pick<DropForExpiry, "id" | "opensAt" | "closesAt" | "voucherTypeIds">,
): DropExpiryWindow | undefined {
  if (drop.voucherTypeIds.length === 0) return undefined;
  const opens = new Date(Date.parse(drop.opensAt));
  const lastClaim = new Date(Date.parse(drop.closesAt) + CLAIM_IN_FLIGHT_MS);
  let earliest = Infinity;
  let latest = -Infinity;
  for (const typeId of drop.voucherTypeIds) {
    const type = campaign.voucherTypes.find((candidate) => candidate.id === typeId);
    if (!type) throw new Error(`drop ${drop.id} has vouchers of type ${typeId}, which its campaign does not define`);
    earliest = Math.min(earliest, voucherExpiry(campaign, type, opens).getTime());
    latest = Math.max(latest, voucherExpiry(campaign, type, lastClaim).getTime());
  }
  return { earliest: new Date(earliest), latest: new Date(latest) };
}

/**
 * What the sweep at `now` does with a drop:
 * - `not-due`: none of its vouchers can be due yet (or it issued none); nothing is read.
 * - `sweep`: some may be due; its vouchers are read and the due ones expired. Later sweeps
 *   come back to it.
 * - `final`: it is closed and every voucher it can hold is past expiry + grace, so once this
 *   sweep has gone through all of it, no later sweep needs to read it again (it gets its marker).
 */
export function dropSweepPlan(
  campaign: { endsAt: string; voucherTypes: readonly VoucherType[] },
  drop: DropForExpiry,
  now: Date,
  graceMs: number = EXPIRY_GRACE_MS,
): "not-due" | "sweep" | "final" {
  const window = dropExpiryWindow(campaign, drop);
  if (!window) return "not-due";
  const at = now.getTime();
  if (window.earliest.getTime() + graceMs > at) return "not-due";
  if (drop.closedAt !== undefined && window.latest.getTime() + graceMs <= at) return "final";
  return "sweep";
}
