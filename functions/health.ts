/** GET /health (public): reachability of every table and queue this function was handed. */
import { DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, ListQueuesCommand } from "@aws-sdk/client-sqs";
import { dynamoDb, sqs } from "../shared/clients.js";
import { config, grantedQueues, grantedTables } from "../shared/config.js";
import { httpRoute } from "../shared/http/route.js";
import { checkHealth, type HealthProbes } from "../shared/operations/health.js";

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
};

export const handler = httpRoute("public", async () => {
  const report = await checkHealth({
    tables: grantedTables(),
    queues: grantedQueues(),
    emulators: config().VOUCHERS_EMULATORS,
    probes,
    now: () => new Date(),
  });
  return { status: report.status === "ok" ? 200 : 503, body: report, headers: { "cache-control": "no-store" } };
});
