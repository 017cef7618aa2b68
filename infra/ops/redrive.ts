/**
 * Moves the messages waiting in a dead-letter queue back to the queue they came from
 * (`npm run redrive`, docs/runbook.md "Redrive"). The same code serves fauxqs and AWS.
 *
 * Order of work per batch: receive, send to the target, then delete from the dead-letter queue
 * only what the target accepted. A crash or a failed call therefore never loses a message; at
 * worst a message already sent is still in the dead-letter queue and is sent again by the next
 * run. Consumers are idempotent (docs/architecture.md), so a duplicate is harmless.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** SQS batch calls take at most 10 entries. */
const BATCH_SIZE = 10;
/** Total payload of one SendMessageBatch (the sum of bodies and attributes), on AWS and fauxqs. */
const MAX_BATCH_BYTES = 1_048_576;

export interface RedriveCounts {
  /** Sent to the target (and, unless counted in `notDeleted`, deleted from the source). */
  moved: number;
  /** Refused by the target; still in the source queue. */
  failed: number;
  /** Sent to the target but not deleted from the source: a later run sends them again. */
  notDeleted: number;
}

export interface RedriveResult extends RedriveCounts {
  /** Dry run only: the source's ApproximateNumberOfMessages (visible messages). */
  waiting?: number;
  /** Distinct reasons the target gave for the failed entries, e.g. `InvalidParameterValue: …`. */
  reasons: string[];
}

export interface RedriveOptions {
  sqs: SQSClient;
  /** The dead-letter queue to empty. */
  sourceUrl: string;
  /** The queue its messages go back to. */
  targetUrl: string;
  /** Stop after this many messages were handled (moved or failed); all of them when omitted. */
  max?: number;
  /** Count the waiting messages and move nothing. */
  dryRun?: boolean;
  /** Called after every batch with the counts so far. */
  progress?: (counts: RedriveCounts) => void;
  /**
   * How long a received message stays hidden from other consumers of the source while it is
   * being moved. Failed messages are made visible again at the end of the run.
   */
  visibilityTimeoutSeconds?: number;
}

/** A call to SQS failed as a whole; `result` holds what was done before it. */
export class RedriveStoppedError extends Error {
  constructor(
    message: string,
    readonly result: RedriveResult,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RedriveStoppedError";
  }
}

/**
 * Moves up to `max` messages from `sourceUrl` to `targetUrl` (see the module comment for the
 * order of work) and counts them. Entries the target refuses are counted in `failed`; a call that
 * fails as a whole throws `RedriveStoppedError` with the counts so far.
 */
export async function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const { sqs, sourceUrl, targetUrl } = options;
  if (sourceUrl === targetUrl) throw new Error(`source and target are the same queue (${sourceUrl})`);
  if (options.max !== undefined && !(Number.isInteger(options.max) && options.max >= 1)) {
    throw new Error(`max must be a positive integer, not ${options.max}`);
  }
  if (options.dryRun) {
    return { moved: 0, failed: 0, notDeleted: 0, waiting: await countWaiting(sqs, sourceUrl), reasons: [] };
  }

  const max = options.max ?? Number.POSITIVE_INFINITY;
  const result: RedriveResult = { moved: 0, failed: 0, notDeleted: 0, reasons: [] };
  const reasons = new Set<string>();
  // Each message is tried once per run: one the target refuses comes back after its visibility
  // timeout in a long run and must not be counted (or sent) twice.
  const tried = new Set<string>();
  // Messages this run holds hidden but did not delete, by id, with their latest receipt handle
  // (only the latest one is valid); shown again at the end.
  const held = new Map<string, string>();
  let staleReceives = 0;
  const hold = (message: Message) => {
    if (message.MessageId && message.ReceiptHandle) held.set(message.MessageId, message.ReceiptHandle);
  };
  const stopped = (what: string, error: unknown) =>
    new RedriveStoppedError(`${what} failed: ${describeError(error)}`, { ...result, reasons: [...reasons] }, { cause: error });

  try {
    while (result.moved + result.failed < max) {
      let received: Message[];
      try {
        const answer = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: sourceUrl,
            MaxNumberOfMessages: Math.min(BATCH_SIZE, max - result.moved - result.failed),
            VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"],
          }),
        );
        received = answer.Messages ?? [];
      } catch (error) {
        throw stopped(`ReceiveMessage from ${sourceUrl}`, error);
      }
      if (received.length === 0) break;
      const fresh: Message[] = [];
      for (const message of received) {
        if (message.MessageId && tried.has(message.MessageId)) hold(message);
        else fresh.push(message);
      }
      // Only messages already tried, three times in a row: what is still visible is what this
      // run could not move, so stop rather than circle (a long run with many failures).
      if (fresh.length === 0) {
        if (++staleReceives >= 3) break;
        continue;
      }
      staleReceives = 0;
      for (const message of fresh) if (message.MessageId) tried.add(message.MessageId);

      const chunks = chunksBySize(fresh);
      for (const [index, chunk] of chunks.entries()) {
        const sent: Message[] = [];
        try {
          const answer = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: targetUrl,
              Entries: chunk.map((message, i) => ({
                Id: `m${i}`,
                MessageBody: message.Body ?? "",
                ...(message.MessageAttributes ? { MessageAttributes: copyAttributes(message.MessageAttributes) } : {}),
              })),
            }),
          );
          for (const entry of answer.Successful ?? []) sent.push(chunk[entryIndex(entry.Id)]!);
          for (const entry of answer.Failed ?? []) {
            result.failed += 1;
            reasons.add(`${entry.Code ?? "Failed"}: ${entry.Message ?? "no message"}`);
            hold(chunk[entryIndex(entry.Id)]!);
          }
        } catch (error) {
          result.failed += chunk.length;
          // This chunk and those of the batch not tried yet: shown again at the end, not in 30 s.
          chunks.slice(index).flat().forEach(hold);
          throw stopped(`SendMessageBatch to ${targetUrl}`, error);
        }
        result.moved += sent.length;
        if (sent.length === 0) continue;
        try {
          const answer = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: sourceUrl,
              Entries: sent.map((message, i) => ({ Id: `m${i}`, ReceiptHandle: message.ReceiptHandle })),
            }),
          );
          for (const entry of answer.Failed ?? []) {
            result.notDeleted += 1;
            hold(sent[entryIndex(entry.Id)]!);
          }
        } catch (error) {
          result.notDeleted += sent.length;
          sent.forEach(hold);
          throw stopped(`DeleteMessageBatch from ${sourceUrl}`, error);
        }
      }
      options.progress?.({ moved: result.moved, failed: result.failed, notDeleted: result.notDeleted });
    }
  } finally {
    // What this run could not move would stay hidden until its visibility timeout; show it again
    // now so a run right after this one sees it. Best effort: it reappears on its own anyway.
    await release(sqs, sourceUrl, [...held.values()]);
  }
  result.reasons = [...reasons];
  return result;
}

/** The source's ApproximateNumberOfMessages: visible messages, not those being received. */
export async function countWaiting(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** Body and attributes as received, in the shape SendMessageBatch takes (list values are reserved by SQS). */
function copyAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
      },
    ]),
  );
}

/** Splits a batch so each SendMessageBatch stays within the total payload limit (one message always fits alone). */
function chunksBySize(messages: Message[]): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageSize(message);
    if (current.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** As SQS counts it: body, and for each attribute its name, data type and value. */
function messageSize(message: Message): number {
  let size = Buffer.byteLength(message.Body ?? "", "utf8");
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name, "utf8") + Buffer.byteLength(value.DataType ?? "", "utf8");
    if (value.StringValue !== undefined) size += Buffer.byteLength(value.StringValue, "utf8");
    if (value.BinaryValue !== undefined) size += value.BinaryValue.byteLength;
  }
  return size;
}

function entryIndex(id: string | undefined): number {
  return Number(id?.slice(1));
}

async function release(sqs: SQSClient, queueUrl: string, receiptHandles: string[]): Promise<void> {
  for (let i = 0; i < receiptHandles.length; i += BATCH_SIZE) {
    const handles = receiptHandles.slice(i, i + BATCH_SIZE);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles.map((ReceiptHandle, j) => ({ Id: `m${j}`, ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      )
      .catch(() => undefined);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
