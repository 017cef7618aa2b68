/**
 * The draw worker (draws queue): ranks one chunk of a lottery draw and merges when every chunk
 * has reported, or issues one batch of a large draw's winners. A message that fails is reported
 * alone; SQS delivers it again, which repeats the work without effect (shared/use-cases/
 * lottery.ts), and after maxReceiveCount parks it.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { drawMessageSchema } from "../../shared/api/messages.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { logger } from "../../shared/logger.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { handleDrawMessage } from "../../shared/use-cases/lottery.js";
import { sendDrawMessages } from "./queue.js";

async function work(record: SQSRecord): Promise<void> {
  const message = drawMessageSchema.parse(JSON.parse(record.body));
  const outcome = await handleDrawMessage(message, { ...dependenciesOf("drawWorker"), send: sendDrawMessages });
  logger.info("draw message", { messageId: record.messageId, ...message, outcome });
}

export const handler = tracedHandler((event: SQSEvent, context: Context) =>
  // A processor per invocation: the local runtime runs invocations concurrently in one process.
  processPartialResponse(event, work, new BatchProcessor(EventType.SQS), { context }),
);
