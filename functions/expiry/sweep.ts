/**
 * The expiry sweep schedule (`expiry-sweep`, daily at 03:30 Asia/Shanghai): marks CLAIMED vouchers
 * past their expiry plus the grace period EXPIRED (shared/use-cases/expiry.ts). Idempotent, so a
 * redelivered firing or a run by hand changes nothing twice; a run cut short by its limits leaves
 * the rest to the next firing.
 */
import type { Context } from "aws-lambda";
import { dependenciesOf } from "../../shared/dependencies.js";
import { logger } from "../../shared/logger.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { type ExpirySweepOutcome, sweepExpiredVouchers } from "../../shared/use-cases/expiry.js";
import { scheduledEventSchema } from "../../shared/wiring/types.js";

export async function sweep(event: unknown, context: Context): Promise<ExpirySweepOutcome> {
  const { scheduledTime } = scheduledEventSchema.parse(event);
  const outcome = await sweepExpiredVouchers({
    ...dependenciesOf("sweepExpiredVouchers"),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
  // A failed campaign or drop is swept again by the next firing; logged as an error so it is seen.
  if (outcome.failed.length > 0) logger.error("expiry sweep failed for some campaigns or drops", { failed: outcome.failed });
  if (!outcome.complete) logger.warn("expiry sweep stopped at its limits; the next firing continues", { vouchersExpired: outcome.vouchersExpired });
  logger.info("expiry sweep", { scheduledTime, ...outcome });
  return outcome;
}

export const handler = tracedHandler(sweep);
