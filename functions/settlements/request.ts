/** What the settlement handlers share: the queues by the URLs this function was handed, and the statement path. */
import type { PayoutMessage, SettlementMessage } from "../../shared/api/messages.js";
import { sqs } from "../../shared/clients.js";
import { queueUrl } from "../../shared/config.js";
import { statementPathSchema } from "../../shared/api/settlement-schemas.js";
import { type HttpEvent, parseWith } from "../../shared/http/traced-route.js";
import { sendAll, sendOne } from "../../shared/queues/send.js";

/** Settlement messages, SendMessageBatch 10 per call. */
export const sendSettlements = async (messages: readonly SettlementMessage[]): Promise<void> => {
  await sendAll(sqs(), queueUrl("settlements"), messages);
};

/** One statement to the payout queue. */
export const sendPayout = (message: PayoutMessage): Promise<void> => sendOne(sqs(), queueUrl("payouts"), message);

/** `{campaignId, merchantId, period}` of a one-statement route. */
export function statementPathOf(event: HttpEvent) {
  return parseWith(statementPathSchema, event.pathParameters ?? {}, "path");
}
