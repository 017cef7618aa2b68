/**
 * Which console a signed-in person gets, from the session's groups (API.md "Merchant programmes and
 * trade-in"): a merchant (group `merchants`) only the merchant portal; anyone else the operator
 * screens, where the API itself refuses what the caller may not do.
 */

/** True when the session is a merchant's and not an operator's: it sees only the portal. */
export function isMerchantOnly(groups: readonly string[]): boolean {
  return groups.includes("merchants") && !groups.includes("operators");
}
