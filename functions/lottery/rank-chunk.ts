/**
 * The draw worker (draws queue): ranks one chunk of a lottery draw, and merges when every chunk
 * has reported. A message that fails is reported alone; SQS delivers it again, which repeats
 * the work without effect (shared/use-cases/lottery.ts), and after maxReceiveCount parks it.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { drawChunkMessageSchema } from "../../shared/api/messages.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { logger } from "../../shared/logger.js";
import { rankDrawChunk } from "../../shared/use-cases/lottery.js";

async function rank(record: SQSRecord): Promise<void> {
  const message = drawChunkMessageSchema.parse(JSON.parse(record.body));
  const outcome = await rankDrawChunk(message, dependenciesOf("rankDrawChunk"));
  logger.info("draw chunk", { messageId: record.messageId, ...message, outcome });
}

export const handler = async (event: SQSEvent, context: Context) =>
  // A processor per invocation: the local runtime runs invocations concurrently in one process.
  processPartialResponse(event, rank, new BatchProcessor(EventType.SQS), { context });
