/**
 * The body of the hot path's request, apart from the other API schemas (shared/api/schemas.ts
 * re-exports it), so the claim handler's bundle carries only what a claim parses.
 */
import * as z from "../zod.js";

/** Body of POST /campaigns/{id}/drops/{dropId}/claims. */
export const claimRequestSchema = z.strictObject({ voucherTypeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).meta({ id: "ClaimRequest" });
