/** What the programme handlers share: the payout queue by the URL this function was handed, and the path's id. */
import type { ProgrammePayoutMessage } from "../../shared/api/messages.js";
import { sqs } from "../../shared/clients.js";
import { queueUrl } from "../../shared/config.js";
import { sendOne } from "../../shared/queues/send.js";

/** One approved application or trade-in record to the payout queue, beside the statements. */
export const sendProgrammePayout = (message: ProgrammePayoutMessage): Promise<void> => sendOne(sqs(), queueUrl("payouts"), message);

export { pathIdOf } from "../merchants/request.js";
