/**
 * A payout message lost after its statement became PENDING (issue 10, item 13), on the emulators:
 * the payout queue's SendMessage fails (aws-sdk-client-mock on a real SQS client, the one fault
 * fauxqs cannot produce) in the settlement worker, in a release of a HELD statement and in an
 * operator's retry. Each statement is left PENDING with no message; the ticker's sweep, on an
 * injected clock, sends it again once PAYOUT_RESEND_AFTER_MS has passed (not before, and not
 * again on the next tick), through the real queue, and the payout worker, fed the message twice,
 * pays the statement exactly once.
 */
import { randomUUID } from "node:crypto";
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, describe, expect, it } from "vitest";
import { type PayoutMessage, payoutMessageSchema } from "../../shared/api/messages.js";
import { PAYOUT_RESEND_AFTER_MS, periodCutoff } from "../../shared/domain/settlement.js";
import { retryPayout } from "../../shared/use-cases/settlement-views.js";
import { payStatement, settleStatement } from "../../shared/use-cases/settlement.js";
import { runTicker } from "../../shared/use-cases/ticker.js";
import type { PostPayout } from "../../shared/payout-client.js";
import { sendOne } from "../../shared/queues/send.js";
import { moveStatement, readStatement } from "../../shared/store/statements.js";
import { platform } from "../../shared/wiring/platform.js";
import { ledgerRecord, seedLedger, seedMerchant, seedPartner } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const TZ = "Asia/Shanghai";
const PARTNER = "bank-lost";
const PERIOD = "2026-03-01";
/** The settlement run: 03:00 in Shanghai the day after the period. */
const T0 = new Date("2026-03-01T19:00:00Z");
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);

type Tables = Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "settlements" | "merchants" | "partners" | "operations" | "audit", string>;
let tables: Tables;
let payoutsQueue: string;

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "lost-payout");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "redemptions", "settlements", "merchants", "partners", "operations", "audit"]);
  payoutsQueue = resources.queues.payouts!.url;
  await seedPartner(db, tables.partners, { id: PARTNER, payoutUrl: "https://payouts.bank-lost.example/payouts" });
}, 60_000);

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** The payout queue through an SQS client whose SendMessage fails until told otherwise, then reaches the real queue. */
function payoutQueue() {
  const { sqs } = testClients();
  const { sqs: real } = testClients();
  let failing = true;
  mockClient(sqs)
    .on(SendMessageCommand)
    .callsFake((input: SendMessageCommand["input"]) => {
      if (failing) throw Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable", $fault: "server" });
      return real.send(new SendMessageCommand(input));
    });
  return {
    sendPayout: (message: PayoutMessage) => sendOne(sqs, payoutsQueue, message),
    fail: (value: boolean) => void (failing = value),
  };
}

/** The payout messages of `statementId` waiting in the real queue (received and deleted). */
async function drainPayouts(statementIds: readonly string[]): Promise<PayoutMessage[]> {
  const { sqs } = testClients();
  const found: PayoutMessage[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: payoutsQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (Messages.length === 0) empty++;
    for (const message of Messages) {
      const body = payoutMessageSchema.parse(JSON.parse(message.Body!));
      if (statementIds.includes(`${body.campaignId}/${body.merchantId}/${body.period}`)) found.push(body);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: payoutsQueue, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  return found;
}

/** A partner that pays each idempotency key once. */
function fakePartner() {
  const accepted = new Map<string, string>();
  let calls = 0;
  const post: PostPayout = (request) => {
    calls++;
    if (!accepted.has(request.idempotencyKey)) accepted.set(request.idempotencyKey, `po-${randomUUID()}`);
    return Promise.resolve({ ok: true, payoutId: accepted.get(request.idempotencyKey)! });
  };
  return { post, accepted, calls: () => calls };
}

async function tick(minutes: number, sendPayout: (message: PayoutMessage) => Promise<void>) {
  return runTicker({
    db,
    operationsTable: tables.operations,
    campaignsTable: tables.campaigns,
    inventoryTable: tables.inventory,
    vouchersTable: tables.vouchers,
    settlement: { tables: { redemptions: tables.redemptions, settlements: tables.settlements, merchants: tables.merchants }, send: () => Promise.resolve(), sendPayout },
    scheduledTime: at(minutes).toISOString(),
    now: () => at(minutes),
  });
}

/** A merchant with two redemptions in PERIOD, and the settlement message of its statement. */
async function unsettledMerchant(campaignId: string) {
  const merchantId = unique("m");
  await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: PARTNER });
  await seedLedger(db, tables.redemptions, [
    ledgerRecord({ campaignId, merchantId, partnerId: PARTNER, occurredAt: "2026-03-01T10:00:00+08:00", recordedAt: "2026-03-01T02:00:01Z" }),
    ledgerRecord({ campaignId, merchantId, partnerId: PARTNER, occurredAt: "2026-03-01T11:00:00+08:00", recordedAt: "2026-03-01T03:00:01Z" }),
  ]);
  const message = { campaignId, merchantId, period: PERIOD, cutoff: periodCutoff(PERIOD, TZ, T0).cutoff.toISOString(), arrivedBefore: T0.toISOString() };
  return { merchantId, message, statementId: `${campaignId}/${merchantId}/${PERIOD}` };
}

const payDeps = (post: PostPayout, minutes: number) => ({ db, tables, post, now: () => at(minutes), attempts: 1, sleep: () => Promise.resolve() });

describe("a payout message lost after its statement became PENDING", () => {
  it("is sent again by the ticker's sweep once 15 minutes have passed, once per 15 minutes, and the statement is paid exactly once", async () => {
    const queue = payoutQueue();
    const campaignId = unique("c");
    const { message, statementId } = await unsettledMerchant(campaignId);

    // The settlement worker: the statement becomes PENDING, then SendMessage fails. Suppose every
    // redelivery fails alike and the settlement message ends in its DLQ: nothing sends it again.
    await expect(settleStatement({ db, tables, now: () => T0, message, sendPayout: queue.sendPayout })).rejects.toThrow("Service Unavailable");
    expect(await readStatement(db, tables.settlements, message)).toMatchObject({ status: "PENDING", payable: 6_000 });
    queue.fail(false);

    expect((await tick(5, queue.sendPayout)).settlement.resentPayouts).toEqual([]);
    expect(await drainPayouts([statementId])).toEqual([]);

    const due = await tick(PAYOUT_RESEND_AFTER_MS / MINUTE + 1, queue.sendPayout);
    expect(due.settlement.resentPayouts).toEqual([expect.objectContaining({ statementId, resends: 1 })]);
    // Not again on the next tick: the next re-send is 15 minutes out.
    expect((await tick(PAYOUT_RESEND_AFTER_MS / MINUTE + 2, queue.sendPayout)).settlement.resentPayouts).toEqual([]);
    const sent = await drainPayouts([statementId]);
    expect(sent).toEqual([{ campaignId, merchantId: message.merchantId, period: PERIOD }]);
    expect(await readStatement(db, tables.settlements, message)).toMatchObject({ status: "PENDING", payoutResends: 1 });

    // The same statement's message twice, concurrently (a re-send beside a late original): paid once.
    const partner = fakePartner();
    const outcomes = await Promise.all([sent[0]!, sent[0]!].map((body) => payStatement({ ...payDeps(partner.post, 20), message: body })));
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(expect.arrayContaining(["paid"]));
    expect([...partner.accepted.keys()]).toEqual([statementId]);
    const paid = await readStatement(db, tables.settlements, message);
    expect(paid).toMatchObject({ status: "PAID", payoutId: partner.accepted.get(statementId) });
    expect(paid?.payoutDueAt).toBeUndefined();

    // Paid: never sent again.
    expect((await tick(60, queue.sendPayout)).settlement.resentPayouts).toEqual([]);
    expect(await drainPayouts([statementId])).toEqual([]);
  }, 60_000);

  it("is sent again after a release of a HELD statement and after an operator's retry whose sends failed", async () => {
    const queue = payoutQueue();
    const campaignId = unique("c");
    const held = await unsettledMerchant(campaignId);
    const failed = await unsettledMerchant(campaignId);
    const working = () => Promise.resolve();
    // One statement HELD (its merchant suspended at settlement, since reinstated), one FAILED (its payout gave up).
    await settleStatement({ db, tables, now: () => T0, message: held.message, sendPayout: working });
    await settleStatement({ db, tables, now: () => T0, message: failed.message, sendPayout: working });
    await moveStatement(db, tables, { ...held.message, statementId: held.statementId }, { to: "HELD" }, T0.toISOString());
    await moveStatement(db, tables, { ...failed.message, statementId: failed.statementId }, { to: "FAILED", reason: "gave up" }, T0.toISOString());

    // The ticker's release moves the HELD statement to PENDING, and its send fails.
    const release = await tick(1, queue.sendPayout);
    expect(release.settlement.releaseFailed).toContain("Service Unavailable");
    // No longer HELD, so no later release finds it.
    expect((await tick(2, queue.sendPayout)).settlement.released).toEqual([]);
    // The operator's retry moves the FAILED statement to PENDING, and its send fails: a 500, and a second retry is refused (no longer FAILED).
    const retry = { db, tables, key: failed.message, operator: "op-1", now: () => at(3), sendPayout: queue.sendPayout };
    await expect(retryPayout(retry)).rejects.toThrow("Service Unavailable");
    await expect(retryPayout(retry)).rejects.toMatchObject({ code: "INVALID_STATE" });
    for (const { message } of [held, failed]) expect(await readStatement(db, tables.settlements, message)).toMatchObject({ status: "PENDING" });
    queue.fail(false);

    expect((await tick(10, queue.sendPayout)).settlement.resentPayouts).toEqual([]);
    const due = await tick(18, queue.sendPayout);
    expect(due.settlement.resentPayouts.map((resent) => resent.statementId).sort()).toEqual([held.statementId, failed.statementId].sort());
    const sent = await drainPayouts([held.statementId, failed.statementId]);
    expect(sent).toHaveLength(2);

    const partner = fakePartner();
    for (const body of sent) expect(await payStatement({ ...payDeps(partner.post, 20), message: body })).toMatchObject({ outcome: "paid" });
    expect([...partner.accepted.keys()].sort()).toEqual([held.statementId, failed.statementId].sort());
    for (const { message } of [held, failed]) expect(await readStatement(db, tables.settlements, message)).toMatchObject({ status: "PAID" });
  }, 60_000);
});
