/**
 * GET /health (public) and GET /admin/health (operators): one probe of every table, queue and
 * dead-letter queue this function was handed (and, locally, the emulators), cached a few seconds
 * per instance. The public route says only ok or degraded; the detail is for operators.
 */
import { DescribeTableCommand, DynamoDBServiceException, ListTablesCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, ListQueuesCommand, QueueDoesNotExist, SQSServiceException } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { dynamoDb, sqs } from "../shared/clients.js";
import { config, grantedDeadLetterQueues, grantedQueues, grantedTables } from "../shared/config.js";
import { logger } from "../shared/logger.js";
import { type HttpEvent, httpRoute } from "../shared/http/route.js";
import { cachedHealthCheck, checkHealth, type HealthProbes, type HealthReport, publicHealth } from "../shared/use-cases/health.js";

/** How long one probe answers every hit of this instance. */
const HEALTH_CACHE_MS = 5_000;
const ADMIN_ROUTE_KEY = "GET /admin/health";

const probes: HealthProbes = {
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

const report = cachedHealthCheck(
  () =>
    checkHealth({
      tables: grantedTables(),
      queues: grantedQueues(),
      deadLetterQueues: grantedDeadLetterQueues(),
      emulators: config().VOUCHERS_EMULATORS,
      probes,
      now: () => new Date(),
    }),
  { ttlMs: HEALTH_CACHE_MS },
);

const statusOf = (health: HealthReport) => (health.status === "ok" ? 200 : 503);
const NO_STORE = { "cache-control": "no-store" };

const publicRoute = httpRoute("public", async () => {
  const health = await report();
  return { status: statusOf(health), body: publicHealth(health), headers: NO_STORE };
});

const adminRoute = httpRoute("operator", async () => {
  const health = await report();
  return { status: statusOf(health), body: health, headers: NO_STORE };
});

/** One function, two routes told apart by the route key; each route has its own caller check. */
export const handler = (event: HttpEvent, context: Context) =>
  event.routeKey === ADMIN_ROUTE_KEY ? adminRoute(event, context) : publicRoute(event, context);
