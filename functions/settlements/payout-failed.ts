/**
 * The payouts DLQ's handler: every message here is a payout SQS gave up on; its statement (or
 * programme award, trade-in subsidy) becomes FAILED (an operator retries it with POST …/retry-payout once the partner is fixed). Logged as an
 * error; the DLQ's alarm counts the arrivals.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { isProgrammePayout, payoutQueueMessageSchema } from "../../shared/api/messages.js";
import { recordProgrammePayoutFailure } from "../../shared/use-cases/programme-payouts.js";
import { logger } from "../../shared/logger.js";
import { countPayoutFailure } from "../../shared/observability/business-metrics.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { recordPayoutFailure } from "../../shared/use-cases/settlement.js";
import { dependenciesOf } from "../../shared/dependencies.js";

async function record(message: SQSRecord): Promise<void> {
  const parsed = payoutQueueMessageSchema.safeParse(safeJson(message.body));
  if (!parsed.success) {
    // Nothing to mark; the body is logged so the operator can see what was given up on.
    logger.error("payout given up on: unreadable message", { messageId: message.messageId, body: message.body.slice(0, 1_000) });
    return;
  }
  const deps = dependenciesOf("recordPayoutFailure");
  const outcome = isProgrammePayout(parsed.data)
    ? await recordProgrammePayoutFailure({ ...deps, message: parsed.data })
    : await recordPayoutFailure({ ...deps, message: parsed.data });
  countPayoutFailure(outcome);
  logger.error("payout given up on", { messageId: message.messageId, ...parsed.data, ...outcome });
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const handler = tracedHandler((event: SQSEvent, context: Context) => processPartialResponse(event, record, new BatchProcessor(EventType.SQS), { context }));
