/**
 * Plays a Lambda DynamoDB-stream event source mapping: reads every shard in order, hands the
 * handler batches of at most `batchSize` records, and on a partial failure (ReportBatchItemFailures)
 * retries from the first failed record. A batch still failing after `retryAttempts` retries is
 * described on the `onFailure` queue, as Lambda's on-failure destination does, and skipped.
 */
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { Invoker } from "./invoker.js";
import type { Log } from "./log.js";
import { type Poller, sleep } from "./queue-poller.js";

export interface StreamPollerInput {
  streams: DynamoDBStreamsClient;
  sqs: SQSClient;
  invoker: Invoker;
  log: Log;
  functionName: string;
  tableName: string;
  streamArn: string;
  region: string;
  batchSize: number;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  retryAttempts: number;
  onFailureQueueUrl?: string | undefined;
  /** Pause between reads of an idle shard. */
  idleMs?: number;
}

interface ShardState {
  iterator: string | undefined;
  closed: boolean;
  /** Last record handed on (or given up), to resume from when an iterator goes stale. */
  lastSequenceNumber?: string | undefined;
}

export function startStreamPoller(input: StreamPollerInput): Poller {
  const controller = new AbortController();
  const loop = pollStream(input, controller.signal).catch((error: unknown) => {
    input.log({ level: "error", msg: "stream poller stopped", table: input.tableName, error: String(error) });
  });
  return {
    async stop() {
      controller.abort();
      await loop;
    },
  };
}

async function pollStream(input: StreamPollerInput, signal: AbortSignal): Promise<void> {
  const shards = new Map<string, ShardState>();
  let firstDiscovery = true;
  let lastDiscovery = 0;
  while (!signal.aborted) {
    if (Date.now() - lastDiscovery > 1_000) {
      try {
        await discoverShards(input, shards, firstDiscovery);
        firstDiscovery = false;
      } catch (error) {
        if (signal.aborted) return;
        input.log({ level: "warn", msg: "describe stream failed; retrying", table: input.tableName, error: String(error) });
      }
      lastDiscovery = Date.now();
    }
    let delivered = 0;
    for (const [shardId, shard] of shards) {
      if (shard.closed || !shard.iterator || signal.aborted) continue;
      let page;
      try {
        page = await input.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: input.batchSize }));
      } catch (error) {
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          // DynamoDB Local lets an idle iterator go stale; resume after the last record handled.
          shard.iterator = await renewIterator(input, shardId, shard);
        } else {
          input.log({ level: "warn", msg: "stream read failed; retrying", table: input.tableName, shardId, error: String(error) });
        }
        continue;
      }
      shard.iterator = page.NextShardIterator;
      if (!page.NextShardIterator) shard.closed = true;
      const records = page.Records ?? [];
      if (records.length > 0) {
        delivered += records.length;
        await deliverWithRetries(input, shardId, records.map((record) => toLambdaRecord(record, input)));
        shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
      }
    }
    if (delivered === 0) await sleep(input.idleMs ?? 200, signal);
  }
}

/** Finds new shards; a child shard is read only once its parent has closed, keeping order. */
async function discoverShards(input: StreamPollerInput, shards: Map<string, ShardState>, first: boolean): Promise<void> {
  const found: { ShardId?: string | undefined; ParentShardId?: string | undefined }[] = [];
  let exclusiveStart: string | undefined;
  do {
    const page = await input.streams.send(
      new DescribeStreamCommand({ StreamArn: input.streamArn, ExclusiveStartShardId: exclusiveStart }),
    );
    found.push(...(page.StreamDescription?.Shards ?? []));
    exclusiveStart = page.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStart);
  for (const shard of found) {
    if (!shard.ShardId || shards.has(shard.ShardId)) continue;
    const parent = shard.ParentShardId ? shards.get(shard.ParentShardId) : undefined;
    if (parent && !parent.closed) continue;
    // At start the declared position applies; shards that appear later are read from their start.
    const { ShardIterator } = await input.streams.send(
      new GetShardIteratorCommand({
        StreamArn: input.streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: first ? input.startingPosition : "TRIM_HORIZON",
      }),
    );
    shards.set(shard.ShardId, { iterator: ShardIterator, closed: false });
  }
}

async function renewIterator(input: StreamPollerInput, shardId: string, shard: ShardState): Promise<string | undefined> {
  const { ShardIterator } = await input.streams.send(
    new GetShardIteratorCommand({
      StreamArn: input.streamArn,
      ShardId: shardId,
      ...(shard.lastSequenceNumber
        ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: shard.lastSequenceNumber }
        : { ShardIteratorType: "TRIM_HORIZON" }),
    }),
  );
  return ShardIterator;
}

async function deliverWithRetries(input: StreamPollerInput, shardId: string, records: DynamoDBRecord[]): Promise<void> {
  let pending = records;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    const event: DynamoDBStreamEvent = { Records: pending };
    let failedFrom: number;
    try {
      const result = await input.invoker.invoke(input.functionName, event, {
        kind: "stream",
        trigger: input.tableName,
        summarise: (value) => ({
          records: pending.length,
          failures: (value as DynamoDBBatchResponse | undefined)?.batchItemFailures?.length ?? 0,
        }),
      });
      failedFrom = firstFailure(result, pending);
    } catch {
      failedFrom = 0;
    }
    if (failedFrom < 0) return;
    // Lambda checkpoints before the lowest failed record and retries from there.
    pending = pending.slice(failedFrom);
    if (attempt >= input.retryAttempts) {
      await giveUp(input, shardId, pending, attempt + 1);
      return;
    }
  }
}

/** Index of the first failed record, -1 when all succeeded; an unknown id fails the whole batch. */
function firstFailure(result: unknown, records: DynamoDBRecord[]): number {
  const failures = (result as DynamoDBBatchResponse | undefined)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return -1;
  let first = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === failure?.itemIdentifier);
    if (index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
}

/** Describes the abandoned batch on the failure queue (Lambda's on-failure record), then skips it. */
async function giveUp(input: StreamPollerInput, shardId: string, records: DynamoDBRecord[], attempts: number): Promise<void> {
  const description = {
    version: "1.0",
    timestamp: new Date().toISOString(),
    requestContext: { functionArn: `arn:aws:lambda:local:000000000000:function:${input.functionName}`, condition: "RetryAttemptsExhausted", approximateInvokeCount: attempts },
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: records[0]?.dynamodb?.SequenceNumber,
      endSequenceNumber: records.at(-1)?.dynamodb?.SequenceNumber,
      batchSize: records.length,
      streamArn: input.streamArn,
    },
  };
  input.log({ level: "error", msg: "stream batch given up", table: input.tableName, ...description.DDBStreamBatchInfo });
  if (input.onFailureQueueUrl) {
    await input.sqs.send(new SendMessageCommand({ QueueUrl: input.onFailureQueueUrl, MessageBody: JSON.stringify(description) }));
  }
}

function toLambdaRecord(record: StreamRecord, input: StreamPollerInput): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: input.region,
    eventSourceARN: input.streamArn,
    dynamodb: {
      ...(change.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
      // The streams client's attribute values have the same wire shape as Lambda's.
      Keys: change.Keys as NonNullable<DynamoDBRecord["dynamodb"]>["Keys"],
      ...(change.NewImage ? { NewImage: change.NewImage as NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"] } : {}),
      ...(change.OldImage ? { OldImage: change.OldImage as NonNullable<DynamoDBRecord["dynamodb"]>["OldImage"] } : {}),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
  };
}
