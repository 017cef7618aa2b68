/**
 * What the claim handler parses (POST /campaigns/{id}/drops/{dropId}/claims: its path, body and
 * Idempotency-Key header), in zod mini, so the hot path's bundle holds no classic zod (issue 16).
 * The OpenAPI document reads classic twins of the body and the header (`claimRequestSchema` in
 * shared/api/schemas.ts, `idempotencyKeySchema` in shared/api/parameters.ts) built from the same
 * patterns; test/unit/zod-twins.test.ts checks that both answer the same.
 */
import * as z from "../zod-mini.js";

/** An id of a campaign, drop or voucher type in a claim, checked with zod's own message. */
export const CLAIM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A claim's Idempotency-Key: 1–128 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const IDEMPOTENCY_KEY_MESSAGE = "Idempotency-Key must be 1–128 visible ASCII characters";

const claimIdSchema = z.string().check(z.regex(CLAIM_ID_PATTERN));

/**
 * The path as the claim handler parses it: the pattern of `dropPathSchema`, with zod's own
 * messages, which the claim's 400 answers have always carried.
 */
export const claimPathSchema = z.object({ id: claimIdSchema, dropId: claimIdSchema });

/** The body: the voucher type to claim, and nothing else. */
export const claimBodySchema = z.strictObject({ voucherTypeId: claimIdSchema });

/** The Idempotency-Key header, which a claim may leave out. */
export const idempotencyKeyHeaderSchema = z.optional(z.string().check(z.regex(IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_MESSAGE)));
