/** The draws queue, by the URL this function was handed. */
import type { DrawMessage } from "../../shared/api/messages.js";
import { sqs } from "../../shared/clients.js";
import { queueUrl } from "../../shared/config.js";
import { sendAll } from "../../shared/queues/send.js";

/** Chunks to rank or batches of winners to issue, SendMessageBatch 10 per call. */
export const sendDrawMessages = async (messages: readonly DrawMessage[]): Promise<void> => {
  await sendAll(sqs(), queueUrl("draws"), messages);
};
