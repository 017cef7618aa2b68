/**
 * What a stock Cognito user pool's pre-token-generation trigger adds to the tokens it issues: the
 * claims the API reads (API.md "Tokens"; shared/http/caller.ts, shared/domain/identity.ts), taken
 * from the user's attributes. ID tokens carry them already; access tokens (what the console sends)
 * carry none until the trigger adds them, so both tokens get the same claims.
 */

/** The user attributes the API reads as claims of the same name. */
export const API_TOKEN_CLAIMS = ["custom:merchant_id", "phone_number", "phone_number_verified"] as const;

/**
 * The claims to add for a user: each of {@link API_TOKEN_CLAIMS} the user has, non-empty. Cognito
 * hands attributes as strings ("true"/"false" for `phone_number_verified`), and the API reads the
 * strings. A verification flag without a number says nothing, so it is left out.
 */
export function apiTokenClaims(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const name of API_TOKEN_CLAIMS) {
    const value = attributes[name]?.trim();
    if (value !== undefined && value !== "") claims[name] = value;
  }
  if (claims.phone_number === undefined) delete claims.phone_number_verified;
  else claims.phone_number_verified = claims.phone_number_verified === "true" ? "true" : "false";
  return claims;
}
