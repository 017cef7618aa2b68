/**
 * A merchant's status and the moves operators make between them. Pure: the store applies a move
 * only if the merchant is still in the status it was read in.
 *
 *     PENDING ──approve──▶ APPROVED ──suspend (reason)──▶ SUSPENDED
 *                              ▲                              │
 *                              └──────────reinstate───────────┘
 */
import { InvalidStateError } from "../errors.js";

export const MERCHANT_STATUSES = ["PENDING", "APPROVED", "SUSPENDED"] as const;
export type MerchantStatus = (typeof MERCHANT_STATUSES)[number];

export const MERCHANT_ACTIONS = ["approve", "suspend", "reinstate"] as const;
export type MerchantAction = (typeof MERCHANT_ACTIONS)[number];

/** Every allowed move: from one status, by one action, to another. Anything else is refused. */
export const MERCHANT_TRANSITIONS: Readonly<Record<MerchantAction, { from: MerchantStatus; to: MerchantStatus }>> = {
  approve: { from: "PENDING", to: "APPROVED" },
  suspend: { from: "APPROVED", to: "SUSPENDED" },
  reinstate: { from: "SUSPENDED", to: "APPROVED" },
};

/** The status `action` moves a merchant in `current` to; throws InvalidStateError when it may not. */
export function nextMerchantStatus(merchantId: string, current: MerchantStatus, action: MerchantAction): MerchantStatus {
  const move = MERCHANT_TRANSITIONS[action];
  if (move.from !== current) {
    throw new InvalidStateError(`Merchant ${merchantId} is ${current}; only a ${move.from} merchant can be ${pastTense(action)}`, {
      details: { status: current },
    });
  }
  return move.to;
}

function pastTense(action: MerchantAction): string {
  return action === "approve" ? "approved" : action === "suspend" ? "suspended" : "reinstated";
}
