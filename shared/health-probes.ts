/**
 * The health check's probes on AWS and the emulators: one cheap call per table, queue and
 * dead-letter queue, and a failure classified without its message (which stays in the log).
 * The check itself, its bounds and its report are the use case's (shared/use-cases/health.ts).
 */
import { DescribeTableCommand, DynamoDBServiceException, ListTablesCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, ListQueuesCommand, QueueDoesNotExist, SQSServiceException } from "@aws-sdk/client-sqs";
import { dynamoDb, sqs } from "./clients.js";
import { logger } from "./logger.js";
import type { HealthProbes } from "./use-cases/health.js";

export const probes: HealthProbes = {
  async table(name) {
    const { Table } = await dynamoDb().send(new DescribeTableCommand({ TableName: name }));
    return { tableStatus: Table?.TableStatus };
  },
  async queue(url) {
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    return { messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
  },
  async emulator(kind) {
    if (kind === "sqs") await sqs().send(new ListQueuesCommand({ MaxResults: 1 }));
    else await dynamoDb().send(new ListTablesCommand({ Limit: 1 }));
    return {};
  },
  classify(error) {
    logger.warn("health probe failed", { error: error as Error });
    if (error instanceof ResourceNotFoundException || error instanceof QueueDoesNotExist) return "not-found";
    // The service answered (access denied, throttled…): its message stays in the log only.
    if (error instanceof DynamoDBServiceException || error instanceof SQSServiceException) return "service-error";
    return "unreachable";
  },
};
