/**
 * The rules of a claim that need no storage: whether a drop takes claims now, and what voucher a
 * successful claim issues.
 */
import { type VoucherType, voucherExpiry } from "./campaign.js";
import { DropNotOpenError } from "./claim-errors.js";

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
