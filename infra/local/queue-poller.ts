/**
 * Plays a Lambda SQS event source mapping: long-polls the queue, hands the handler a batch of
 * at most `batchSize` records, and deletes only the records that succeeded (ReportBatchItemFailures).
 * Failed records stay, reappear after the visibility timeout, and the queue's redrive policy
 * moves them to the dead-letter queue after maxReceiveCount, exactly as on AWS. A dead-letter
 * queue is polled the same way; it has no redrive policy, so its failed records come back until
 * their retention ends.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import type { Invoker } from "./invoker.js";
import type { Log } from "./log.js";

export interface QueuePollerInput {
  sqs: SQSClient;
  invoker: Invoker;
  log: Log;
  functionName: string;
  queueName: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  /** Parallel pollers, as Lambda runs several per mapping. */
  concurrency: number;
  /** Long-poll wait; short, so that stopping is prompt. */
  waitTimeSeconds?: number;
}

export interface Poller {
  stop(): Promise<void>;
}

export function startQueuePoller(input: QueuePollerInput): Poller {
  const controller = new AbortController();
  const loops = Array.from({ length: input.concurrency }, () => pollLoop(input, controller.signal));
  return {
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
    },
  };
}

async function pollLoop(input: QueuePollerInput, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    let messages: Message[];
    try {
      const received = await input.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: input.queueUrl,
          MaxNumberOfMessages: input.batchSize,
          WaitTimeSeconds: input.waitTimeSeconds ?? 1,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: signal },
      );
      messages = received.Messages ?? [];
    } catch (error) {
      if (signal.aborted) return;
      input.log({ level: "warn", msg: "receive failed", queue: input.queueName, error: String(error) });
      await sleep(500, signal);
      continue;
    }
    if (messages.length === 0) continue;
    await deliver(input, messages);
  }
}

/** Invokes the handler with one batch and deletes what it did not report as failed. */
export async function deliver(input: QueuePollerInput, messages: Message[]): Promise<void> {
  const event: SQSEvent = { Records: messages.map((message) => toRecord(message, input)) };
  let failed: Set<string>;
  try {
    const result = await input.invoker.invoke(input.functionName, event, {
      kind: "sqs",
      trigger: input.queueName,
      summarise: (value) => ({
        records: messages.length,
        failures: (value as SQSBatchResponse | undefined)?.batchItemFailures?.length ?? 0,
      }),
    });
    failed = failedIds(result, event);
  } catch {
    // A thrown error or a timeout fails the whole batch: nothing is deleted.
    return;
  }
  const succeeded = messages.filter((message) => !failed.has(message.MessageId!));
  for (let i = 0; i < succeeded.length; i += 10) {
    const chunk = succeeded.slice(i, i + 10);
    const deleted = await input.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: input.queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
    for (const failure of deleted.Failed ?? []) {
      input.log({ level: "warn", msg: "delete failed; the record will be delivered again", queue: input.queueName, failure });
    }
  }
}

/**
 * The record ids the handler reported as failed. As on AWS, a response naming an id that is not
 * in the batch (or an empty one) fails the whole batch.
 */
function failedIds(result: unknown, event: SQSEvent): Set<string> {
  const failures = (result as SQSBatchResponse | undefined)?.batchItemFailures;
  if (!Array.isArray(failures)) return new Set();
  const ids = new Set(event.Records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    if (typeof id !== "string" || !ids.has(id)) return ids;
    failed.add(id);
  }
  return failed;
}

function toRecord(message: Message, input: QueuePollerInput): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
    },
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: input.queueArn,
    awsRegion: input.region,
  };
}

function toMessageAttributes(raw: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const attributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? "String",
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return attributes;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes when the timer fires: pollers sleep on one signal thousands of times.
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
