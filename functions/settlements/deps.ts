/** What the settlement handlers share: tables and queues by the names this function was handed. */
import type { PayoutMessage, SettlementMessage } from "../../shared/api/messages.js";
import { documents, sqs } from "../../shared/clients.js";
import { queueUrl, tableName } from "../../shared/config.js";
import { statementPathSchema } from "../../shared/api/settlement-schemas.js";
import { type HttpEvent, parseWith } from "../../shared/http/route.js";
import { sendAll, sendOne } from "../../shared/queues/send.js";

/** The named tables of this function, as `{ name: physical name }`. */
export function tables<T extends string>(...names: T[]): Record<T, string> {
  return Object.fromEntries(names.map((name) => [name, tableName(name)])) as Record<T, string>;
}

export const db = documents;
export const now = () => new Date();

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
