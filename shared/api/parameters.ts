/**
 * Path, query and header parameters: the handlers parse with these and the documentation reads
 * them, so the two cannot disagree.
 */
import { idSchema } from "../domain/campaign.js";
import * as z from "../zod.js";
import { IDEMPOTENCY_KEY_MESSAGE, IDEMPOTENCY_KEY_PATTERN } from "./claim-request.js";

/** `{id}` of a campaign, merchant, partner or fraud flag. */
export const idPathSchema = z.object({ id: idSchema });
/** `/campaigns/{id}/drops/{dropId}/…` */
export const dropPathSchema = z.object({ id: idSchema, dropId: idSchema });
/** `/partners/{partnerId}/…`: a malformed id is refused like a bad signature (401). */
export const partnerPathSchema = z.object({ partnerId: idSchema });

/**
 * A claim's Idempotency-Key: 1–128 visible ASCII characters (the handler parses its zod mini twin,
 * `idempotencyKeyHeaderSchema` in shared/api/claim-request.ts).
 */
export const idempotencyKeySchema = z.string().regex(IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_MESSAGE);
/** The headers of a claim, as the caller writes them. */
export const claimHeadersSchema = z.object({ "Idempotency-Key": idempotencyKeySchema.optional() });

/** GET /me/vouchers: one page of the wallet. */
export const walletQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().optional(),
});
