/**
 * The payout worker (payouts queue): pays each PENDING statement, and each APPROVED programme
 * award or trade-in subsidy, once, through the partner's payout endpoint. A payout that fails every try of a delivery fails its message; SQS delivers
 * it again after the visibility timeout and, after maxReceiveCount, to the DLQ (then FAILED).
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { isProgrammePayout, payoutQueueMessageSchema } from "../../shared/api/messages.js";
import { payProgrammePayable } from "../../shared/use-cases/programme-payouts.js";
import { logger } from "../../shared/logger.js";
import { countPayout } from "../../shared/observability/business-metrics.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { payStatement } from "../../shared/use-cases/settlement.js";
import { postPayout } from "../../shared/payout-client.js";
import { dependenciesOf } from "../../shared/dependencies.js";

/** Tries per delivery; each call gets what is left of the function's time, shared out, at most 10 s. */
const ATTEMPTS = 3;

async function pay(record: SQSRecord, context: Context): Promise<void> {
  const message = payoutQueueMessageSchema.parse(JSON.parse(record.body));
  const timeoutMs = Math.max(500, Math.min(10_000, Math.floor((context.getRemainingTimeInMillis() - 2_000) / ATTEMPTS)));
  const sending = { ...dependenciesOf("payStatement"), post: postPayout, attempts: ATTEMPTS, timeoutMs };
  // Statements and programme payables share the queue, the endpoint and the retries; each is paid once by its own key.
  const outcome = isProgrammePayout(message) ? await payProgrammePayable({ ...sending, message }) : await payStatement({ ...sending, message });
  countPayout(outcome);
  logger.info("payout", { messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount), ...message, ...outcome });
}

export const handler = tracedHandler((event: SQSEvent, context: Context) =>
  processPartialResponse(event, (record: SQSRecord) => pay(record, context), new BatchProcessor(EventType.SQS), { context }),
);
