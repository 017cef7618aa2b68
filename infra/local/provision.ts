/**
 * Creates the tables, queues and buckets of a wiring declaration on the emulators (buckets on the
 * S3 that fauxqs serves beside SQS), as the CDK stacks
 * create them on AWS (docs/architecture.md): same keys, indexes, streams, TTL, visibility timeouts
 * (a dead-letter queue's is its queue's) and redrive policies, through the same SDK calls, so behaviour matches. Idempotent: what exists is
 * left as it is.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, NoSuchBucket, S3Client } from "@aws-sdk/client-s3";
import { deadLetterQueueName } from "../../shared/wiring/define.js";
import type { KeyAttribute, QueueDeclaration, TableDeclaration, Wiring } from "../../shared/wiring/types.js";

export interface PhysicalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface PhysicalResources {
  readonly tables: Record<string, { name: string; streamArn?: string }>;
  readonly queues: Record<string, PhysicalQueue & { deadLetterQueue: PhysicalQueue }>;
  /** Bucket names by logical name. */
  readonly buckets: Record<string, string>;
}

export interface ProvisionOptions {
  /** Start of every physical name: `${prefix}-${logicalName}`. */
  readonly prefix: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly region: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
const ACTIVE_TIMEOUT_MS = 30_000;

export function physicalName(prefix: string, logicalName: string): string {
  return `${prefix}-${logicalName}`;
}

/** A bucket's local name: as {@link physicalName}, in the lower case S3 requires. */
export function physicalBucketName(prefix: string, logicalName: string): string {
  return physicalName(prefix, logicalName).toLowerCase().replace(/[^a-z0-9.-]/g, "-");
}

export async function provisionResources(wiring: Wiring, opts: ProvisionOptions): Promise<PhysicalResources> {
  checkNames(wiring, opts.prefix);
  const { dynamodb, sqs, s3 } = clients(opts);
  try {
    const [tables, queues, buckets] = await Promise.all([
      Promise.all(
        Object.entries(wiring.tables).map(async ([logical, declaration]) => {
          const table = await ensureTable(dynamodb, physicalName(opts.prefix, logical), declaration);
          return [logical, table] as const;
        }),
      ),
      Promise.all(
        Object.entries(wiring.queues).map(async ([logical, declaration]) => {
          const queue = await ensureQueue(sqs, opts.prefix, logical, declaration);
          return [logical, queue] as const;
        }),
      ),
      Promise.all(
        Object.keys(wiring.buckets ?? {}).map(async (logical) => {
          const name = physicalBucketName(opts.prefix, logical);
          // CreateBucket is idempotent on fauxqs.
          await s3.send(new CreateBucketCommand({ Bucket: name }));
          return [logical, name] as const;
        }),
      ),
    ]);
    return { tables: Object.fromEntries(tables), queues: Object.fromEntries(queues), buckets: Object.fromEntries(buckets) };
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

/** Deletes what `provisionResources` created; what is already gone is skipped. */
export async function teardownResources(resources: PhysicalResources, opts: Omit<ProvisionOptions, "prefix">): Promise<void> {
  const { dynamodb, sqs, s3 } = clients(opts);
  try {
    await Promise.all([
      ...Object.values(resources.buckets).map((bucket) => emptyAndDeleteBucket(s3, bucket)),
      ...Object.values(resources.tables).map(async (table) => {
        try {
          await dynamodb.send(new DeleteTableCommand({ TableName: table.name }));
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
        }
      }),
      ...Object.values(resources.queues).flatMap((queue) =>
        [queue, queue.deadLetterQueue].map(async ({ url }) => {
          try {
            await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
          } catch (error) {
            if (!isQueueMissing(error)) throw error;
          }
        }),
      ),
    ]);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

/** A bucket's objects, then the bucket (S3 refuses to delete a bucket that holds any). */
async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    for (;;) {
      const { Contents: objects = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      if (objects.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.map(({ Key }) => ({ Key })) } }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof NoSuchBucket) && (error as { name?: unknown }).name !== "NoSuchBucket") throw error;
  }
}

/** Clients of the emulators; S3 is served by fauxqs on the SQS endpoint, buckets in the path. */
function clients(opts: Omit<ProvisionOptions, "prefix">): { dynamodb: DynamoDBClient; sqs: SQSClient; s3: S3Client } {
  return {
    dynamodb: new DynamoDBClient({ endpoint: opts.dynamodbEndpoint, region: opts.region, credentials: LOCAL_CREDENTIALS }),
    sqs: new SQSClient({ endpoint: opts.sqsEndpoint, region: opts.region, credentials: LOCAL_CREDENTIALS }),
    s3: new S3Client({ endpoint: opts.sqsEndpoint, region: opts.region, credentials: LOCAL_CREDENTIALS, forcePathStyle: true }),
  };
}

async function ensureTable(client: DynamoDBClient, name: string, table: TableDeclaration): Promise<{ name: string; streamArn?: string }> {
  try {
    await client.send(new CreateTableCommand(createTableInput(name, table)));
  } catch (error) {
    // Already there: left as it is (a table's keys cannot change in place anyway).
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const description = await waitUntilActive(client, name);
  if (table.ttlAttribute !== undefined) await ensureTimeToLive(client, name, table.ttlAttribute);
  return description.LatestStreamArn ? { name, streamArn: description.LatestStreamArn } : { name };
}

function createTableInput(name: string, table: TableDeclaration): ConstructorParameters<typeof CreateTableCommand>[0] {
  const attributes = new Map<string, AttributeDefinition>();
  const keySchema = (partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): KeySchemaElement[] => {
    const keys = sortKey ? [partitionKey, sortKey] : [partitionKey];
    for (const key of keys) {
      const known = attributes.get(key.name);
      if (known && known.AttributeType !== key.type) {
        throw new Error(`table ${name}: attribute ${key.name} is declared both ${known.AttributeType} and ${key.type}`);
      }
      attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
    }
    return keys.map((key, i) => ({ AttributeName: key.name, KeyType: i === 0 ? "HASH" : "RANGE" }));
  };
  const indexes = Object.entries(table.globalIndexes ?? {});
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    ...(indexes.length > 0
      ? {
          GlobalSecondaryIndexes: indexes.map(([indexName, index]) => ({
            IndexName: indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: "ALL" },
          })),
        }
      : {}),
    ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } } : {}),
    AttributeDefinitions: [...attributes.values()],
  };
}

async function waitUntilActive(client: DynamoDBClient, name: string): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");
    if (table && table.TableStatus === "ACTIVE" && indexesActive) return table;
    if (Date.now() > deadline) throw new Error(`table ${name} is not ACTIVE after ${ACTIVE_TIMEOUT_MS / 1000} s (${table?.TableStatus})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ensureTimeToLive(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  if (ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING") {
    if (ttl.AttributeName !== attribute) {
      throw new Error(`table ${name} already expires items by ${ttl.AttributeName}, not the declared ${attribute}`);
    }
    return;
  }
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }),
  );
}

async function ensureQueue(
  client: SQSClient,
  prefix: string,
  logical: string,
  queue: QueueDeclaration,
): Promise<PhysicalQueue & { deadLetterQueue: PhysicalQueue }> {
  // The queue's visibility timeout, as on AWS, so a consumer of the dead-letter queue obeys the
  // rule the wiring checks.
  const deadLetterQueue = await createQueue(client, physicalName(prefix, deadLetterQueueName(logical)), {
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
  });
  const main = await createQueue(client, physicalName(prefix, logical), {
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: queue.maxReceiveCount }),
  });
  return { ...main, deadLetterQueue };
}

/** CreateQueue is idempotent for the same attributes, on AWS and on fauxqs. */
async function createQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<PhysicalQueue> {
  const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!url) throw new Error(`CreateQueue ${name} returned no URL`);
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no QueueArn`);
  return { name, url, arn };
}

function isQueueMissing(error: unknown): boolean {
  if (error instanceof QueueDoesNotExist) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue";
}

function checkNames(wiring: Wiring, prefix: string): void {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9_.-]+$/.test(prefix)) problems.push(`prefix "${prefix}" may hold only letters, digits, _ . -`);
  for (const logical of Object.keys(wiring.tables)) {
    const name = physicalName(prefix, logical);
    if (name.length < 3 || name.length > 255) problems.push(`table name ${name} must be 3–255 characters`);
  }
  for (const logical of Object.keys(wiring.queues)) {
    const name = physicalName(prefix, deadLetterQueueName(logical));
    if (!/^[a-zA-Z0-9_-]{1,80}$/.test(name)) problems.push(`queue name ${name} must be 1–80 letters, digits, _ or -`);
  }
  if (problems.length > 0) throw new Error(`cannot provision ${wiring.app}:\n- ${problems.join("\n- ")}`);
}
