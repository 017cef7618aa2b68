/**
 * Cognito pre-token-generation trigger (event version 2) of the stock user pool: adds the claims
 * the API reads (`custom:merchant_id`, `phone_number`, `phone_number_verified`) to the ID and the
 * access token, from the user's attributes. Not an HTTP route: Cognito invokes it.
 */
import * as z from "../../shared/zod.js";
import { apiTokenClaims } from "../../shared/domain/token-claims.js";

const eventSchema = z.looseObject({
  version: z.literal("2"),
  triggerSource: z.string().startsWith("TokenGeneration_"),
  request: z.looseObject({ userAttributes: z.record(z.string(), z.string()) }),
});

/** The event with `response` filled in: what Cognito expects back. */
function withApiClaims(event: unknown): unknown {
  const parsed = eventSchema.parse(event);
  const claims = apiTokenClaims(parsed.request.userAttributes);
  return {
    ...parsed,
    response: {
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: claims },
        accessTokenGeneration: { claimsToAddOrOverride: claims },
      },
    },
  };
}

// A promise, as Lambda's Node.js runtime expects of a handler without a callback; a bad event rejects it.
export const handler = (event: unknown): Promise<unknown> => new Promise((resolve) => resolve(withApiClaims(event)));
