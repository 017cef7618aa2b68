/**
 * The bodies of the platform's queue messages. Every consumer parses its message with these
 * schemas; a body that does not parse is a poison message, failed so it reaches the queue's DLQ.
 */
import * as z from "../zod.js";
import { idSchema } from "../domain/campaign.js";
import { periodSchema } from "../domain/settlement.js";
import { PAYABLE_KINDS } from "../domain/programme.js";

/** `settlements` queue: settle one campaign at one merchant for one period, up to the run's cut-off. */
export const settlementMessageSchema = z.strictObject({
  campaignId: idSchema,
  merchantId: idSchema,
  period: periodSchema,
  /** UTC ISO: records that occurred before it. */
  cutoff: z.iso.datetime(),
  /** UTC ISO: records recorded before it (the period's first run). */
  arrivedBefore: z.iso.datetime(),
});
export type SettlementMessage = z.infer<typeof settlementMessageSchema>;

/** `payouts` queue (and its DLQ): pay one statement. */
export const payoutMessageSchema = z.strictObject({ campaignId: idSchema, merchantId: idSchema, period: periodSchema });
export type PayoutMessage = z.infer<typeof payoutMessageSchema>;

/**
 * `payouts` queue (and its DLQ): pay what a merchant programme approved, an application's award or
 * a trade-in record's subsidy, on the same path as statements.
 */
export const programmePayoutMessageSchema = z.strictObject({ payable: z.enum(PAYABLE_KINDS), id: idSchema });
export type ProgrammePayoutMessage = z.infer<typeof programmePayoutMessageSchema>;

/** Any message of the `payouts` queue: a statement's, or a programme payable's. */
export const payoutQueueMessageSchema = z.union([payoutMessageSchema, programmePayoutMessageSchema]);

/** Whether a payouts-queue message is a programme payable's rather than a statement's. */
export function isProgrammePayout(message: z.infer<typeof payoutQueueMessageSchema>): message is ProgrammePayoutMessage {
  return "payable" in message;
}

/** `draws` queue: rank one chunk (registration partition) of a lottery drop's draw. */
export const drawChunkMessageSchema = z.strictObject({ campaignId: idSchema, dropId: idSchema, chunk: z.int().nonnegative() });
export type DrawChunkMessage = z.infer<typeof drawChunkMessageSchema>;

/** `draws` queue: issue one batch of a large draw's winners (their list is stored by the merge). */
export const drawIssueMessageSchema = z.strictObject({ campaignId: idSchema, dropId: idSchema, batch: z.int().nonnegative() });
export type DrawIssueMessage = z.infer<typeof drawIssueMessageSchema>;

/** Every message of the `draws` queue. */
export const drawMessageSchema = z.union([drawChunkMessageSchema, drawIssueMessageSchema]);
export type DrawMessage = z.infer<typeof drawMessageSchema>;
