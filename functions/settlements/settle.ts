/**
 * The settlement worker (settlements queue): builds one statement per message. A message that
 * fails (a poison body, a fault) is reported alone, so the rest of the batch settles; SQS
 * delivers it again and, after maxReceiveCount, to the dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { settlementMessageSchema } from "../../shared/api/messages.js";
import { logger } from "../../shared/logger.js";
import { countSettlement } from "../../shared/observability/business-metrics.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { settleStatement } from "../../shared/use-cases/settlement.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { sendPayout } from "./request.js";

async function settle(record: SQSRecord): Promise<void> {
  const message = settlementMessageSchema.parse(JSON.parse(record.body));
  const outcome = await settleStatement({ ...dependenciesOf("settleStatement"), message, sendPayout });
  countSettlement(outcome);
  logger.info("settled", {
    messageId: record.messageId,
    ...message,
    outcome: outcome.outcome,
    ...(outcome.outcome === "settled"
      ? { statementId: outcome.statement.statementId, status: outcome.statement.status, payable: outcome.statement.payable, recordsHeldNow: outcome.recordsHeldNow }
      : {}),
  });
}

export const handler = tracedHandler((event: SQSEvent, context: Context) =>
  // A processor per invocation: the local runtime runs invocations concurrently in one process.
  processPartialResponse(event, settle, new BatchProcessor(EventType.SQS), { context }),
);
