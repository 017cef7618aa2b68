/** Bodies of the lottery routes (API.md, "Fair allocation"): registration, the draw and its published result. */
import * as z from "../zod.js";

const idText = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** Body of POST /campaigns/{id}/drops/{dropId}/registrations. */
export const drawRegistrationRequestSchema = z.strictObject({ voucherTypeId: idText }).meta({ id: "DrawRegistrationRequest" });

/** A registration for a lottery drop. */
export const drawRegistrationSchema = z
  .object({ registrationId: z.string(), voucherTypeId: z.string(), status: z.literal("REGISTERED") })
  .meta({ id: "DrawRegistration" });

/** Answer of POST /admin/campaigns/{id}/drops/{dropId}/draw. */
export const drawStartedSchema = z
  .object({ campaignId: z.string(), dropId: z.string(), status: z.enum(["DRAWING", "DRAWN"]).describe("DRAWING: ranking and issuing goes on in the queue") })
  .meta({ id: "DrawStarted" });

/** Query of GET /campaigns/{id}/drops/{dropId}/draw. */
export const drawResultQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
  nextToken: z.string().optional(),
});

/** GET /campaigns/{id}/drops/{dropId}/draw: everything needed to recompute the winners, one page of registration ids at a time. */
export const drawResultSchema = z
  .object({
    seed: hex64.describe("The 32 seed bytes, lowercase hex"),
    commitment: hex64.describe("sha256 of the seed bytes, lowercase hex: the drawCommitment published before registration opened"),
    stock: z.record(z.string(), z.int().nonnegative()).describe("Units drawn per voucher type"),
    registrations: z.int().nonnegative(),
    winners: z.record(z.string(), z.int().nonnegative()).describe("Winners per voucher type: min(stock, registrations of the type)"),
    issued: z.record(z.string(), z.int().nonnegative()).describe("Vouchers issued per voucher type (a winner already at the per-person limit gets none)"),
    registrationIds: z.array(z.object({ registrationId: z.string(), voucherTypeId: z.string() })),
    nextToken: z.string().optional(),
  })
  .meta({ id: "DrawResult" });

/** GET /me/registrations. */
export const myRegistrationsSchema = z
  .object({
    items: z.array(
      z.object({
        campaignId: z.string(),
        dropId: z.string(),
        registrationId: z.string(),
        voucherTypeId: z.string(),
        status: z.enum(["REGISTERED", "WON", "LOST"]),
        voucherId: z.string().optional().describe("The voucher a winner got (none when the winner had reached the per-person limit)"),
      }),
    ),
  })
  .meta({ id: "MyRegistrations" });
