/** The draws queue, by the URL this function was handed. */
import type { DrawChunkMessage } from "../../shared/api/messages.js";
import { sqs } from "../../shared/clients.js";
import { queueUrl } from "../../shared/config.js";
import { sendAll } from "../../shared/queues/send.js";

/** One message per chunk, SendMessageBatch 10 per call. */
export const sendDrawChunks = async (messages: readonly DrawChunkMessage[]): Promise<void> => {
  await sendAll(sqs(), queueUrl("draws"), messages);
};
