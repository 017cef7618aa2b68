/**
 * The rules of a claim that need no storage: whether a drop takes claims now, and what voucher a
 * successful claim issues.
 */
import { createHash } from "node:crypto";
import type { VoucherType } from "./campaign.js";
import { voucherExpiry } from "./stored-campaign.js";
import { DropNotOpenError } from "../errors.js";

export const VOUCHER_STATUSES = ["CLAIMED", "REDEEMED", "VOID", "EXPIRED"] as const;
export type VoucherStatus = (typeof VOUCHER_STATUSES)[number];

/** A voucher as residents and partners see it. Money in fen. */
export interface Voucher {
  voucherId: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  threshold: number;
  discount: number;
  claimedAt: string;
  expiresAt: string;
  status: VoucherStatus;
}

/**
 * Throws DropNotOpenError unless the campaign is published and `now` lies in the drop's window
 * [opensAt, closesAt). The message says which, so a resident's app can show it.
 */
export function assertDropOpen(input: {
  campaign: { status: string; startsAt: string; endsAt: string };
  drop: { id: string; opensAt: string; closesAt: string };
  now: Date;
}): void {
  const { campaign, drop, now } = input;
  if (campaign.status === "PAUSED") throw new DropNotOpenError("The campaign is paused; claims resume when it does");
  if (campaign.status !== "PUBLISHED") throw new DropNotOpenError("The campaign is not published");
  const at = now.getTime();
  if (at < Date.parse(drop.opensAt)) throw new DropNotOpenError(`Drop ${drop.id} opens at ${drop.opensAt}`);
  if (at >= Date.parse(drop.closesAt)) throw new DropNotOpenError(`Drop ${drop.id} closed at ${drop.closesAt}`);
}

/** The voucher a claim issues: valid from the claim, never past the campaign's end. */
export function issueVoucher(input: {
  voucherId: string;
  campaign: { id: string; endsAt: string };
  dropId: string;
  voucherType: VoucherType;
  claimedAt: Date;
}): Voucher {
  return {
    voucherId: input.voucherId,
    campaignId: input.campaign.id,
    dropId: input.dropId,
    voucherTypeId: input.voucherType.id,
    threshold: input.voucherType.threshold,
    discount: input.voucherType.discount,
    claimedAt: input.claimedAt.toISOString(),
    expiresAt: voucherExpiry(input.campaign, input.voucherType, input.claimedAt).toISOString(),
    status: "CLAIMED",
  };
}

/**
 * The voucher id a claim sent with an Idempotency-Key names: a hash of the person, the key, and
 * the campaign, drop and voucher type claimed. A retry of the same claim names the same voucher,
 * so it finds the first one instead of taking a second unit, even after a lost answer and after
 * the 24 h idempotency record is gone; the same key reused for another campaign, drop or voucher
 * type names another voucher, so no two vouchers ever share an id (a payment that picks one by
 * id must find exactly that one). The parts are JSON-encoded, so no two tuples hash alike.
 */
export function keyedVoucherId(claim: { residentId: string; idempotencyKey: string; campaignId: string; dropId: string; voucherTypeId: string }): string {
  const parts = JSON.stringify([claim.residentId, claim.idempotencyKey, claim.campaignId, claim.dropId, claim.voucherTypeId]);
  return `k${createHash("sha256").update(parts).digest("base64url").slice(0, 26)}`;
}
