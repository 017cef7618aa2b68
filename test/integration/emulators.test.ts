/**
 * The emulator layer of the local runtime against the real emulators of the global setup:
 * provisioning builds every table and queue of a wiring exactly as declared, is idempotent, and
 * the emulators behave as the platform relies on (redrive to the DLQ, transactions, streams).
 */
import { randomUUID } from "node:crypto";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { provisionResources, teardownResources, type PhysicalResources } from "../../infra/local/provision.js";
import { defineWiring } from "../../shared/wiring/define.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { fixtureWiring } from "../fixtures/wiring.js";

const region = "us-east-1";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const dynamodbEndpoint = inject("dynamodbEndpoint");
const sqsEndpoint = inject("sqsEndpoint");
const endpoints = { dynamodbEndpoint, sqsEndpoint, region };

const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials });
const streams = new DynamoDBStreamsClient({ endpoint: dynamodbEndpoint, region, credentials });
const sqs = new SQSClient({ endpoint: sqsEndpoint, region, credentials });

const uniquePrefix = (label: string) => `it-${label}-${randomUUID().slice(0, 8)}`;
const provisioned: PhysicalResources[] = [];

async function provision(wiring: Wiring, prefix: string): Promise<PhysicalResources> {
  const resources = await provisionResources(wiring, { prefix, ...endpoints });
  provisioned.push(resources);
  return resources;
}

afterAll(async () => {
  for (const resources of provisioned) await teardownResources(resources, endpoints);
  dynamodb.destroy();
  streams.destroy();
  sqs.destroy();
});

describe("the emulators of the global setup", () => {
  it("are described for the health check", () => {
    const described = JSON.parse(inject("emulators")) as Record<string, Record<string, unknown>>;
    expect(described).toEqual({
      dynamodb: { name: "DynamoDB Local", version: "1.25.1", endpoint: dynamodbEndpoint, pid: expect.any(Number) as number },
      sqs: { name: "fauxqs", version: expect.stringMatching(/^\d+\.\d+\.\d+/) as string, endpoint: sqsEndpoint },
    });
    expect(dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sqsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe("provisioning the fixture wiring", () => {
  const prefix = uniquePrefix("fixture");
  let resources: PhysicalResources;

  beforeAll(async () => {
    resources = await provision(fixtureWiring, prefix);
  });

  it("names every resource after the prefix and the logical name", () => {
    expect(Object.keys(resources.tables).sort()).toEqual(Object.keys(fixtureWiring.tables).sort());
    expect(Object.keys(resources.queues).sort()).toEqual(Object.keys(fixtureWiring.queues).sort());
    expect(resources.tables.events?.name).toBe(`${prefix}-events`);
    expect(resources.queues.work?.name).toBe(`${prefix}-work`);
    expect(resources.queues.work?.deadLetterQueue.name).toBe(`${prefix}-work-dlq`);
  });

  it("creates every table with its keys, indexes, stream and TTL", async () => {
    for (const [logical, declaration] of Object.entries(fixtureWiring.tables)) {
      const physical = resources.tables[logical];
      expect(physical?.name).toBe(`${prefix}-${logical}`);
      const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: physical?.name }));
      expect(table?.TableStatus).toBe("ACTIVE");
      expect(table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table?.KeySchema).toEqual([
        { AttributeName: declaration.partitionKey.name, KeyType: "HASH" },
        ...(declaration.sortKey ? [{ AttributeName: declaration.sortKey.name, KeyType: "RANGE" }] : []),
      ]);

      const indexes = Object.entries(declaration.globalIndexes ?? {});
      expect((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort()).toEqual(indexes.map(([name]) => name).sort());
      for (const [indexName, index] of indexes) {
        const actual = table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === indexName);
        expect(actual?.IndexStatus).toBe("ACTIVE");
        expect(actual?.Projection?.ProjectionType).toBe("ALL");
        expect(actual?.KeySchema).toEqual([
          { AttributeName: index.partitionKey.name, KeyType: "HASH" },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" }] : []),
        ]);
      }

      if (declaration.stream) {
        expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: declaration.stream });
        expect(table?.LatestStreamArn).toBeTruthy();
        expect(physical?.streamArn).toBe(table?.LatestStreamArn);
      } else {
        expect(table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
        expect(physical?.streamArn).toBeUndefined();
      }

      const { TimeToLiveDescription: ttl } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: physical?.name }));
      if (declaration.ttlAttribute) {
        expect(ttl).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: declaration.ttlAttribute });
      } else {
        expect(ttl?.TimeToLiveStatus).toBe("DISABLED");
      }
    }
  });

  it("creates every queue with its visibility timeout, redrive policy and dead-letter queue", async () => {
    for (const [logical, declaration] of Object.entries(fixtureWiring.queues)) {
      const queue = resources.queues[logical];
      expect(queue?.url.startsWith(`${sqsEndpoint}/`)).toBe(true);
      expect(queue?.deadLetterQueue.url.startsWith(`${sqsEndpoint}/`)).toBe(true);
      const { Attributes: attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue?.url, AttributeNames: ["All"] }));
      expect(attributes?.QueueArn).toBe(queue?.arn);
      expect(attributes?.VisibilityTimeout).toBe(String(declaration.visibilityTimeoutSeconds));
      expect(JSON.parse(attributes?.RedrivePolicy ?? "{}")).toEqual({
        deadLetterTargetArn: queue?.deadLetterQueue.arn,
        maxReceiveCount: declaration.maxReceiveCount,
      });
      const { Attributes: dlq } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue?.deadLetterQueue.url, AttributeNames: ["QueueArn", "RedrivePolicy"] }),
      );
      expect(dlq?.QueueArn).toBe(queue?.deadLetterQueue.arn);
      expect(dlq?.QueueArn).toMatch(new RegExp(`:${prefix}-${logical}-dlq$`));
      expect(dlq?.RedrivePolicy).toBeUndefined();
    }
  });

  it("is harmless the second time", async () => {
    const again = await provisionResources(fixtureWiring, { prefix, ...endpoints });
    expect(again).toEqual(resources);
  });

  it("gives a stream that carries committed writes", async () => {
    const table = resources.tables.events;
    await dynamodb.send(
      new PutItemCommand({ TableName: table?.name, Item: { pk: { S: "p" }, sk: { S: "s" }, kind: { S: "k" }, at: { S: "2025-01-01T00:00:00Z" } } }),
    );
    const { StreamDescription: stream } = await streams.send(new DescribeStreamCommand({ StreamArn: table?.streamArn }));
    const shard = stream?.Shards?.[0];
    const { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: table?.streamArn, ShardId: shard?.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    const { Records: records } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    expect(records?.map((record) => [record.eventName, record.dynamodb?.NewImage?.pk?.S])).toEqual([["INSERT", "p"]]);
  });
});

describe("the emulators behave like AWS where the platform relies on it", () => {
  const flakyWiring = defineWiring({
    app: "redrive",
    tables: {},
    queues: { flaky: { description: "Short visibility, two receives.", visibilityTimeoutSeconds: 1, maxReceiveCount: 2 } },
    functions: {},
    routes: [],
    queueTriggers: [],
    streamTriggers: [],
    schedules: [],
  });

  it("moves a message received more than maxReceiveCount times to the dead-letter queue", async () => {
    const resources = await provision(flakyWiring, uniquePrefix("redrive"));
    const queue = resources.queues.flaky;
    const body = JSON.stringify({ id: randomUUID() });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue?.url, MessageBody: body }));

    // Receive without deleting, as a consumer that keeps failing: each receive counts once.
    const receiveCounts: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && receiveCounts.length < 5) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue?.url, WaitTimeSeconds: 2, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }),
      );
      for (const message of messages) receiveCounts.push(message.Attributes?.ApproximateReceiveCount ?? "?");
      if (messages.length === 0 && receiveCounts.length >= 2) {
        // Visible again but not delivered: it should have moved. Check the DLQ.
        const { Messages: dead = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue?.deadLetterQueue.url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
        );
        if (dead.length > 0) {
          expect(receiveCounts).toEqual(["1", "2"]);
          expect(dead.map((message) => message.Body)).toEqual([body]);
          return;
        }
      }
    }
    throw new Error(`message never reached the DLQ; receive counts seen: ${receiveCounts.join(", ")}`);
  });

  it("runs TransactWriteItems, all or nothing", async () => {
    const resources = await provision(fixtureWiring, uniquePrefix("tx"));
    const table = resources.tables.observations?.name;
    const put = (sk: string) => ({
      Put: { TableName: table, Item: { pk: { S: "tx" }, sk: { S: sk } }, ConditionExpression: "attribute_not_exists(pk)" },
    });
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [put("a"), put("b")] }));

    // "c" is new but "a" exists: the whole transaction is cancelled and "c" is not written.
    const failed = await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [put("c"), put("a")] })).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(TransactionCanceledException);
    expect((failed as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(["None", "ConditionalCheckFailed"]);

    const read = async (sk: string) =>
      (await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "tx" }, sk: { S: sk } }, ConsistentRead: true }))).Item;
    expect(await read("a")).toBeDefined();
    expect(await read("b")).toBeDefined();
    expect(await read("c")).toBeUndefined();
  });
});
