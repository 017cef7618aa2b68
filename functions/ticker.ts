/**
 * The ticker schedule (every minute): runs each job whose time depends on data. Every job is
 * idempotent, because Scheduler delivers at least once and a slow tick may overlap the next.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { documents } from "../shared/clients.js";
import { tableName } from "../shared/config.js";
import { logger } from "../shared/logger.js";
import { runTicker } from "../shared/operations/ticker.js";
import { scheduledEventSchema } from "../shared/wiring/types.js";

export async function tick(event: unknown): Promise<void> {
  const { scheduledTime } = scheduledEventSchema.parse(event);
  const outcome = await runTicker({
    db: documents(),
    operationsTable: tableName("operations"),
    campaignsTable: tableName("campaigns"),
    inventoryTable: tableName("inventory"),
    vouchersTable: tableName("vouchers"),
    scheduledTime,
    now: () => new Date(),
  });
  // A failed drop close is retried by the next firing; it is logged as an error so it is seen.
  if (outcome.dropClose.failed.length > 0) logger.error("drop close failed", { failed: outcome.dropClose.failed });
  logger.info("tick", { ...outcome });
}

export const handler = middy(tick).use(injectLambdaContext(logger, { resetKeys: true }));
