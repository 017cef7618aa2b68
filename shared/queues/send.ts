/**
 * Sending to SQS: many messages with SendMessageBatch, 10 per call (SQS's limit), retrying the
 * entries a call reports as failed. Consumers are idempotent, so a message sent twice after a
 * crash does no harm; one never sent would be lost, so a send that keeps failing throws.
 */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { backoffDelay, sleep } from "../domain/backoff.js";

/** Entries per SendMessageBatch call. */
export const SQS_BATCH_LIMIT = 10;
const ATTEMPTS = 4;

/** Sends every body (JSON-encoded) to the queue; returns the number of SendMessageBatch calls made. */
export async function sendAll(sqs: SQSClient, queueUrl: string, bodies: readonly unknown[]): Promise<number> {
  let calls = 0;
  for (let i = 0; i < bodies.length; i += SQS_BATCH_LIMIT) {
    let pending = bodies.slice(i, i + SQS_BATCH_LIMIT).map((body, index) => ({ Id: String(index), MessageBody: JSON.stringify(body) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      calls++;
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      const senderFault = (result.Failed ?? []).find((failure) => failure.SenderFault);
      if (senderFault) throw new Error(`SQS refused message ${senderFault.Id}: ${senderFault.Code ?? ""} ${senderFault.Message ?? ""}`);
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length > 0 && attempt >= ATTEMPTS) throw new Error(`${pending.length} messages could not be sent to ${queueUrl} after ${ATTEMPTS} attempts`);
      if (pending.length > 0) await sleep(backoffDelay(attempt + 1, { baseMs: 50 }));
    }
  }
  return calls;
}

/** Sends one body (JSON-encoded) to the queue. */
export async function sendOne(sqs: SQSClient, queueUrl: string, body: unknown): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
}
