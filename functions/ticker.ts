/**
 * The ticker schedule (every minute): runs each job whose time depends on data. Every job is
 * idempotent, because Scheduler delivers at least once and a slow tick may overlap the next.
 */
import { sqs } from "../shared/clients.js";
import { queueUrl } from "../shared/config.js";
import { dependenciesOf } from "../shared/dependencies.js";
import { logger } from "../shared/logger.js";
import { countTick } from "../shared/observability/business-metrics.js";
import { tracedHandler } from "../shared/observability/tracing.js";
import { runTicker } from "../shared/use-cases/ticker.js";
import { sendAll, sendOne } from "../shared/queues/send.js";
import { scheduledEventSchema } from "../shared/wiring/types.js";

export async function tick(event: unknown): Promise<void> {
  const { scheduledTime } = scheduledEventSchema.parse(event);
  const { db, tables, now } = dependenciesOf("ticker");
  const outcome = await runTicker({
    db,
    operationsTable: tables.operations,
    campaignsTable: tables.campaigns,
    inventoryTable: tables.inventory,
    vouchersTable: tables.vouchers,
    settlement: {
      tables: { redemptions: tables.redemptions, settlements: tables.settlements, merchants: tables.merchants },
      send: async (messages) => void (await sendAll(sqs(), queueUrl("settlements"), messages)),
      sendPayout: (message) => sendOne(sqs(), queueUrl("payouts"), message),
    },
    draws: { lotteryTable: tables.lottery, send: async (messages) => void (await sendAll(sqs(), queueUrl("draws"), messages)) },
    programmes: { table: tables.programmes, sendPayout: (message) => sendOne(sqs(), queueUrl("payouts"), message) },
    scheduledTime,
    now,
  });
  // A failed drop close is retried by the next firing; it is logged as an error so it is seen.
  if (outcome.dropClose.failed.length > 0) logger.error("drop close failed", { failed: outcome.dropClose.failed });
  if (outcome.draws.failed.length > 0) logger.error("lottery draw planning failed", { failed: outcome.draws.failed });
  if (outcome.settlement.failed.length > 0 || outcome.settlement.releaseFailed) {
    logger.error("settlement planning or release failed", { failed: outcome.settlement.failed, releaseFailed: outcome.settlement.releaseFailed });
  }
  if (outcome.settlement.resendFailed !== undefined) logger.error("payout re-send sweep failed", { resendFailed: outcome.settlement.resendFailed });
  if (outcome.programmePayouts?.failed !== undefined) logger.error("programme payout re-send sweep failed", { resendFailed: outcome.programmePayouts.failed });
  // One line per re-send (a payout message was lost after it became due): what no DLQ sees. The
  // heartbeat, the re-sends and the statements PENDING over an hour are metrics the alarms read.
  for (const payableId of outcome.programmePayouts?.resent ?? []) logger.warn("programme payout re-sent", { payableId });
  for (const resent of outcome.settlement.resentPayouts) logger.warn("payout re-sent", { ...resent });
  countTick(outcome);
  logger.info("tick", { ...outcome });
}

export const handler = tracedHandler(tick);
