/**
 * Settlement through the local runtime: the planner's messages go through the real settlements
 * queue to the worker, statements through the payouts queue to a partner's payout endpoint (the
 * runtime's partner simulator, or a scripted server of this file), and payouts SQS gives up on
 * through the payouts DLQ to its handler. Queue timings are shortened (withQuickQueues) so a
 * redelivery and a dead-lettering happen within a test.
 */
import { randomUUID } from "node:crypto";
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import type { PayoutMessage, SettlementMessage } from "../../shared/api/messages.js";
import { localDate, nextPeriod, type Period, previousPeriod, startOfPeriod, statementId } from "../../shared/domain/settlement.js";
import { setMerchantStatus } from "../../shared/use-cases/merchants.js";
import { getStatement, reconcileCampaign, retryPayout } from "../../shared/use-cases/settlement-views.js";
import { payStatement, releaseHeldStatements, runSettlement, settleStatement } from "../../shared/use-cases/settlement.js";
import { createPayoutClient } from "../../shared/payout-client.js";
import { sendAll, sendOne } from "../../shared/queues/send.js";
import { queryAudit } from "../../shared/store/audit.js";
import { auditPartition, unsettledPartition } from "../../shared/store/keys.js";
import type { LedgerRecord } from "../../shared/domain/ledger.js";
import { readLedger } from "../../shared/store/ledger.js";
import { readRun } from "../../shared/store/settlement-runs.js";
import { readLines } from "../../shared/store/statement-lines.js";
import { type StatementRecord, readStatement, readStatementsOf } from "../../shared/store/statements.js";
import { platform } from "../../shared/wiring/platform.js";
import { type PayoutServer, alwaysFail, failTimes, startPayoutServer } from "../support/payout-server.js";
import { seedCampaign } from "../support/seed.js";
import { ledgerRecord, seedLedger, seedMerchant, seedPartner } from "../support/settlement.js";
import { withQuickQueues } from "../support/wiring.js";
import { eventually, startTestRuntime, tableNamesOf, testClients } from "./runtime-helpers.js";
import { InvalidStateError, PayoutFailedError } from "../../shared/errors.js";

/** A failed message comes back after 5 s; its second failure sends it to the dead-letter queue. */
const QUICK = { visibilityTimeoutSeconds: 5, maxReceiveCount: 2 };
const TZ = "Asia/Shanghai";
/** The runtime's partner simulator pays bank-a's merchants; the scripted server pays bank-s's. */
const SIMULATED = "bank-a";
const SCRIPTED = "bank-s";

const { db, sqs } = testClients();
let runtime: LocalRuntime;
let server: PayoutServer;
let tables: Record<"campaigns" | "inventory" | "redemptions" | "settlements" | "merchants" | "partners" | "audit", string>;

beforeAll(async () => {
  runtime = await startTestRuntime(withQuickQueues(platform, QUICK), "settle");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "redemptions", "settlements", "merchants", "partners", "audit"]);
  server = await startPayoutServer();
  await seedPartner(db, tables.partners, { id: SIMULATED, payoutUrl: runtime.partnerSimulator.payoutUrl });
  await seedPartner(db, tables.partners, { id: SCRIPTED, payoutUrl: server.payoutUrl });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  await server?.stop();
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const DAY = 86_400_000;
const now = () => new Date();

/** The day `n` days before today in the campaigns' zone. */
function daysAgo(n: number): Period {
  let period = localDate(new Date(), TZ);
  for (let i = 0; i < n; i++) period = previousPeriod(period);
  return period;
}

async function campaign(label: string): Promise<string> {
  const campaignId = unique(label);
  await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 10 * DAY).toISOString() });
  return campaignId;
}

async function merchant(campaignId: string, label: string, partnerId: string): Promise<string> {
  const id = `${campaignId}-${label}`;
  await seedMerchant(db, tables.merchants, { id, partnerId });
  return id;
}

const sendSettlements = async (messages: readonly unknown[]) => void (await sendAll(sqs, runtime.resources.queues.settlements!.url, messages));
const sendPayout = (message: PayoutMessage) => sendOne(sqs, runtime.resources.queues.payouts!.url, message);

/** Runs the period for one campaign as POST /admin/settlements/run does, through the settlements queue. */
async function run(campaignId: string, period: Period, send: (messages: readonly SettlementMessage[]) => Promise<void> = sendSettlements) {
  const result = await runSettlement({ db, tables, now, period, campaignId, operator: "op-1", send });
  return result.runs[0]!;
}

/** The settlement messages a run of the period would send, kept here instead of sent. */
async function planOnly(campaignId: string, period: Period): Promise<SettlementMessage[]> {
  const messages: SettlementMessage[] = [];
  await run(campaignId, period, (batch) => {
    messages.push(...batch);
    return Promise.resolve();
  });
  return messages;
}

const keyOf = (campaignId: string, merchantId: string, period: Period) => ({ campaignId, merchantId, period });

/** Waits until the statement is in one of `statuses`. */
function until(key: { campaignId: string; merchantId: string; period: Period }, statuses: StatementRecord["status"][], timeoutMs = 30_000): Promise<StatementRecord> {
  return eventually(
    async () => {
      const statement = await readStatement(db, tables.settlements, key);
      return statement && statuses.includes(statement.status) ? statement : undefined;
    },
    timeoutMs,
    `${statementId(key.campaignId, key.merchantId, key.period)} to be ${statuses.join(" or ")}`,
  );
}

/** Waits until the queue holds no message, visible or in flight: every delivery so far is handled. */
async function drained(queue: "settlements" | "payouts"): Promise<void> {
  await eventually(async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: runtime.resources.queues[queue]!.url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    return Attributes?.ApproximateNumberOfMessages === "0" && Attributes.ApproximateNumberOfMessagesNotVisible === "0" ? true : undefined;
  }, 30_000, `the ${queue} queue to drain`);
}

const keysOf = (entries: readonly Pick<LedgerRecord, "transactionId" | "kind">[]) => entries.map((entry) => `${entry.transactionId}#${entry.kind}`).sort();

async function markers(campaignId: string, merchantId: string): Promise<string[]> {
  const { Items } = await db.send(
    new QueryCommand({ TableName: tables.redemptions, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": unsettledPartition(campaignId, merchantId) }, ConsistentRead: true }),
  );
  return (Items ?? []).map((item) => `${String(item.transactionId)}#${String(item.kind)}`).sort();
}

// ---------------------------------------------------------------------------------------------

describe("a day's settlement", () => {
  it("with 50 merchants, run twice, gives the same statements, each paid once, and balances", async () => {
    const campaignId = unique("c");
    await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 5 * DAY).toISOString() });
    const yesterday = previousPeriod(localDate(new Date(), "Asia/Shanghai"));
    const noon = `${yesterday}T12:00:00+08:00`;
    const merchants = Array.from({ length: 50 }, (_, i) => `${campaignId}-m${i}`);
    await Promise.all(merchants.map((id) => seedMerchant(db, tables.merchants, { id, partnerId: "bank-a" })));
    await seedLedger(
      db,
      tables.redemptions,
      merchants.flatMap((merchantId, i) => Array.from({ length: 3 + (i % 3) }, () => ledgerRecord({ campaignId, merchantId, occurredAt: noon }))),
    );
    const deps = { db, tables, now: () => new Date() };
    const send = async (messages: readonly unknown[]) => void (await sendAll(sqs, runtime.resources.queues.settlements!.url, messages));
    const first = await runSettlement({ ...deps, period: yesterday, campaignId, operator: "op-1", send });
    expect(first.runs[0]!.pairs).toBe(50);
    const paid = await eventually(async () => {
      const statements = (await Promise.all(merchants.map((m) => readStatement(db, tables.settlements, { campaignId, merchantId: m, period: yesterday })))).filter(
        (s) => s?.status === "PAID",
      );
      return statements.length === 50 ? statements : undefined;
    }, 60_000, "50 PAID statements");
    expect(paid.map((s) => s!.redemptionCount ?? 0).reduce((a, b) => a + b, 0)).toBe(merchants.reduce((n, _, i) => n + 3 + (i % 3), 0));

    const second = await runSettlement({ ...deps, period: yesterday, campaignId, operator: "op-1", send });
    expect(second.runs[0]).toMatchObject({ firstRun: false, pairs: 0 });
    for (const merchantId of merchants) {
      const id = statementId(campaignId, merchantId, yesterday);
      expect(runtime.partnerSimulator.accepted.has(id)).toBe(true);
      expect((await readStatementsOf(db, tables.settlements, campaignId, merchantId)).length).toBe(1);
    }
    const books = await reconcileCampaign({ db, tables, campaignId });
    expect(books).toMatchObject({ balanced: true, difference: 0, unsettled: 0 });
    expect(books.paid).toBe(books.redeemed);
  }, 120_000);
});

describe("the cut-off", () => {
  it("sends a record that arrives after a run to the next period's statement; running the period again adds nothing", async () => {
    const campaignId = await campaign("late");
    const P = daysAgo(4);
    const NEXT = nextPeriod(P);
    const m1 = await merchant(campaignId, "m1", SIMULATED);
    const m2 = await merchant(campaignId, "m2", SIMULATED);
    const onTime = ledgerRecord({ campaignId, merchantId: m1, transactionId: "on-time", occurredAt: `${P}T12:00:00+08:00` });
    // Recorded before the run, but it occurred at P's cut-off (the next local midnight): not P's.
    const atCutoff = ledgerRecord({ campaignId, merchantId: m1, transactionId: "at-cutoff", occurredAt: `${NEXT}T00:00:00+08:00` });
    await seedLedger(db, tables.redemptions, [onTime, atCutoff]);

    const first = await run(campaignId, P);
    expect(first).toMatchObject({ firstRun: true, pairs: 1, cutoff: startOfPeriod(NEXT, TZ).toISOString() });
    const settled = await until(keyOf(campaignId, m1, P), ["PAID"]);
    expect(settled).toMatchObject({ redemptionCount: 1, subsidy: 3_000, payable: 3_000 });
    expect(keysOf((await readLines(db, tables.settlements, settled)).records)).toEqual(["on-time#REDEMPTION"]);

    // Late: they occurred within P, but were recorded after P's first run.
    const arrivedBefore = (await readRun(db, tables.settlements, campaignId, P))!.arrivedBefore;
    const recordedAt = new Date(Date.parse(arrivedBefore) + 1).toISOString();
    const late1 = ledgerRecord({ campaignId, merchantId: m1, transactionId: "late-1", occurredAt: `${P}T18:00:00+08:00`, recordedAt });
    const late2 = ledgerRecord({ campaignId, merchantId: m2, transactionId: "late-2", occurredAt: `${P}T09:00:00+08:00`, recordedAt });
    await seedLedger(db, tables.redemptions, [late1, late2]);

    const again = await run(campaignId, P);
    // The same cut-off; both merchants have unsettled records before it, so both get a message…
    expect(again).toMatchObject({ firstRun: false, cutoff: first.cutoff, pairs: 2 });
    await drained("settlements");
    // …and neither worker adds anything: the statement is as it was, m2 gets none, the records wait.
    expect(await readStatement(db, tables.settlements, keyOf(campaignId, m1, P))).toEqual(settled);
    expect(keysOf((await readLines(db, tables.settlements, settled)).records)).toEqual(["on-time#REDEMPTION"]);
    expect(await readStatementsOf(db, tables.settlements, campaignId, m2)).toEqual([]);
    expect(await markers(campaignId, m1)).toEqual(["at-cutoff#REDEMPTION", "late-1#REDEMPTION"]);
    expect(await markers(campaignId, m2)).toEqual(["late-2#REDEMPTION"]);
    expect(runtime.partnerSimulator.accepted.get(settled.statementId)?.body).toMatchObject({ amount: 3_000 });

    const next = await run(campaignId, NEXT);
    expect(next).toMatchObject({ firstRun: true, pairs: 2, cutoff: startOfPeriod(nextPeriod(NEXT), TZ).toISOString() });
    const s1 = await until(keyOf(campaignId, m1, NEXT), ["PAID"]);
    const s2 = await until(keyOf(campaignId, m2, NEXT), ["PAID"]);
    expect(keysOf((await readLines(db, tables.settlements, s1)).records)).toEqual(["at-cutoff#REDEMPTION", "late-1#REDEMPTION"]);
    expect(keysOf((await readLines(db, tables.settlements, s2)).records)).toEqual(["late-2#REDEMPTION"]);
    expect(s1).toMatchObject({ redemptionCount: 2, payable: 6_000 });
    const held = Object.fromEntries(
      [...(await readLedger(db, tables.redemptions, campaignId, m1)), ...(await readLedger(db, tables.redemptions, campaignId, m2))].map((e) => [e.transactionId, e.statementId]),
    );
    expect(held).toEqual({ "on-time": settled.statementId, "at-cutoff": s1.statementId, "late-1": s1.statementId, "late-2": s2.statementId });
    expect(await markers(campaignId, m1)).toEqual([]);
    expect(await markers(campaignId, m2)).toEqual([]);
    expect((await readStatementsOf(db, tables.settlements, campaignId, m1)).map((s) => s.period)).toEqual([P, NEXT]);
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, difference: 0, unsettled: 0, paid: 12_000 });
  });
});

describe("a poison message", () => {
  it("lands in the settlements DLQ while the rest of its batch settles and is paid", async () => {
    const campaignId = await campaign("poison");
    const P = daysAgo(2);
    const merchants = await Promise.all(["a", "b", "c", "d"].map((label) => merchant(campaignId, label, SIMULATED)));
    await seedLedger(db, tables.redemptions, merchants.map((merchantId) => ledgerRecord({ campaignId, merchantId, occurredAt: `${P}T10:00:00+08:00` })));
    const messages = await planOnly(campaignId, P);
    expect(messages).toHaveLength(4);
    const poison = JSON.stringify({ campaignId: "x" });
    const bodies = [...messages.slice(0, 2).map((m) => JSON.stringify(m)), poison, ...messages.slice(2).map((m) => JSON.stringify(m))];
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: runtime.resources.queues.settlements!.url, Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })) }),
    );
    expect(sent.Failed ?? []).toEqual([]);

    for (const merchantId of merchants) {
      const statement = await until(keyOf(campaignId, merchantId, P), ["PAID"]);
      expect(runtime.partnerSimulator.accepted.get(statement.statementId)?.body).toMatchObject({ amount: 3_000 });
    }
    const dlq = runtime.resources.queues.settlements!.deadLetterQueue.url;
    const receive = async (): Promise<Message[]> =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }))).Messages ?? [];
    const dead = await eventually(async () => {
      const found = await receive();
      return found.length > 0 ? found : undefined;
    }, 45_000, "the poison message in settlements-dlq");
    // Only the poison message was given up on, and the settlements queue is empty.
    expect(dead.map((m) => m.Body)).toEqual([poison]);
    expect(await receive()).toEqual([]);
    await drained("settlements");
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, unsettled: 0, paid: 12_000 });
  }, 90_000);
});

describe("payouts through a partner that fails", () => {
  it("that fails twice then succeeds ends in one PAID: the worker tries again within the delivery", async () => {
    const campaignId = await campaign("flaky");
    const P = daysAgo(2);
    const merchantId = await merchant(campaignId, "m", SCRIPTED);
    server.when(`${campaignId}/`, failTimes(2));
    await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, occurredAt: `${P}T10:00:00+08:00`, discount: 6_000 })]);
    await run(campaignId, P);
    const paid = await until(keyOf(campaignId, merchantId, P), ["PAID"]);
    await drained("payouts");
    const id = paid.statementId;
    // Three calls with one key: two 503s, then accepted, once.
    expect(server.calls.get(id)).toBe(3);
    expect(server.accepted.get(id)).toEqual({ payoutId: paid.payoutId, amount: 6_000 });
    // No delivery failed, so no failed attempt is counted, and no error is left.
    expect(paid.payoutAttempts).toBeUndefined();
    expect(paid.lastPayoutError).toBeUndefined();
    // Only a FAILED payout can be retried.
    await expect(retryPayout({ db, tables, key: keyOf(campaignId, merchantId, P), operator: "op-1", now, sendPayout })).rejects.toThrow(InvalidStateError);
  });

  it("that fails two deliveries then succeeds ends in one PAID, with the failed attempts recorded", async () => {
    const campaignId = await campaign("flaky2");
    const P = daysAgo(2);
    const merchantId = await merchant(campaignId, "m", SCRIPTED);
    server.when(`${campaignId}/`, failTimes(2));
    await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, occurredAt: `${P}T10:00:00+08:00` })]);
    // Settled here rather than by the runtime, so each delivery of its payout is this test's call.
    const [message] = await planOnly(campaignId, P);
    const payouts: PayoutMessage[] = [];
    await settleStatement({ db, tables, now, message: message!, sendPayout: (payout) => Promise.resolve(void payouts.push(payout)) });
    const id = statementId(campaignId, merchantId, P);
    const deliver = () => payStatement({ db, tables, now, post: createPayoutClient({ rules: { allowHttp: true } }), attempts: 1, timeoutMs: 5_000, message: payouts[0]! });

    await expect(deliver()).rejects.toThrow(PayoutFailedError);
    expect(await readStatement(db, tables.settlements, message!)).toMatchObject({ status: "PENDING", payoutAttempts: 1, lastPayoutError: expect.stringContaining("HTTP 503") as string });
    await expect(deliver()).rejects.toThrow(PayoutFailedError);
    expect(await readStatement(db, tables.settlements, message!)).toMatchObject({ status: "PENDING", payoutAttempts: 2 });
    const outcome = await deliver();
    const paid = await readStatement(db, tables.settlements, message!);
    expect(outcome).toEqual({ outcome: "paid", payoutId: server.accepted.get(id)!.payoutId });
    expect(paid).toMatchObject({ status: "PAID", payoutAttempts: 2, payoutId: server.accepted.get(id)!.payoutId });
    expect(paid!.lastPayoutError).toBeUndefined();
    expect(server.calls.get(id)).toBe(3);
    // A fourth delivery (a duplicate message) does not pay again.
    expect(await deliver()).toEqual({ outcome: "skipped", status: "PAID" });
    expect(server.calls.get(id)).toBe(3);
    expect([...server.accepted.keys()].filter((key) => key.startsWith(`${campaignId}/`))).toEqual([id]);
  });

  it("that always fails ends FAILED through the payouts DLQ; an operator's retry pays it once and is audited", async () => {
    const campaignId = await campaign("down");
    const P = daysAgo(2);
    const merchantId = await merchant(campaignId, "m", SCRIPTED);
    server.when(`${campaignId}/`, alwaysFail);
    await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, occurredAt: `${P}T10:00:00+08:00` })]);
    await run(campaignId, P);
    const key = keyOf(campaignId, merchantId, P);
    const failed = await until(key, ["FAILED"], 60_000);
    const id = failed.statementId;
    expect(failed.lastPayoutError).toContain("HTTP 503");
    expect(failed.failedAt).toBeDefined();
    // Each failed delivery is counted (a delivery cut short by its timeout would not be).
    expect(failed.payoutAttempts).toBeGreaterThanOrEqual(1);
    expect(failed.payoutAttempts).toBeLessThanOrEqual(QUICK.maxReceiveCount);
    expect(server.calls.get(id)).toBeGreaterThanOrEqual(3);
    expect(server.accepted.has(id)).toBe(false);

    server.when(`${campaignId}/`, () => true);
    const view = await retryPayout({ db, tables, key, operator: "op-7", now, sendPayout });
    expect(view.status).toBe("PENDING");
    const paid = await until(key, ["PAID"]);
    expect(server.accepted.get(id)).toEqual({ payoutId: paid.payoutId, amount: 3_000 });
    expect(paid.lastPayoutError).toBeUndefined();
    const { items } = await queryAudit(db, tables.audit, { entity: auditPartition("STATEMENT", id), limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ action: "statement.retry-payout", who: "op-7", before: { status: "FAILED" }, after: { status: "PENDING" } });
    await drained("payouts");
    expect([...server.accepted.keys()].filter((k) => k.startsWith(`${campaignId}/`))).toEqual([id]);
  }, 90_000);
});

describe("a suspended merchant", () => {
  const suspend = (merchantId: string) =>
    setMerchantStatus({ db, tables, now, merchantId, action: "suspend", reason: "under review", operator: "op-1" });
  const reinstate = (merchantId: string) =>
    setMerchantStatus({
      db,
      tables,
      now,
      merchantId,
      action: "reinstate",
      operator: "op-1",
      releaseHeld: (id) => releaseHeldStatements({ db, tables, now, sendPayout, merchantId: id }),
    });

  it("has its statement HELD, not paid, and paid once on reinstatement", async () => {
    const campaignId = await campaign("held");
    const P = daysAgo(2);
    const merchantId = await merchant(campaignId, "m", SCRIPTED);
    await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, occurredAt: `${P}T10:00:00+08:00` })]);
    await suspend(merchantId);
    await run(campaignId, P);
    await until(keyOf(campaignId, merchantId, P), ["HELD", "PENDING", "PAID"]);
    await drained("settlements");
    await drained("payouts");
    const held = (await readStatement(db, tables.settlements, keyOf(campaignId, merchantId, P)))!;
    expect(held).toMatchObject({ status: "HELD", payable: 3_000 });
    expect(held.heldAt).toBeDefined();
    expect(server.calls.has(held.statementId)).toBe(false);

    await reinstate(merchantId);
    const paid = await until(keyOf(campaignId, merchantId, P), ["PAID"]);
    expect(paid.releasedAt).toBeDefined();
    expect(server.calls.get(held.statementId)).toBe(1);
    expect(server.accepted.get(held.statementId)).toEqual({ payoutId: paid.payoutId, amount: 3_000 });
  });

  it("suspended between the statement's finish and its payout has it held by the payout worker", async () => {
    const campaignId = await campaign("held2");
    const P = daysAgo(2);
    const merchantId = await merchant(campaignId, "m", SCRIPTED);
    await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, occurredAt: `${P}T10:00:00+08:00` })]);
    const [message] = await planOnly(campaignId, P);
    const payouts: PayoutMessage[] = [];
    const settled = await settleStatement({ db, tables, now, message: message!, sendPayout: (payout) => Promise.resolve(void payouts.push(payout)) });
    expect(settled).toMatchObject({ outcome: "settled", statement: { status: "PENDING" } });
    await suspend(merchantId);
    // The payout message the worker sent reaches the payout worker only now.
    await sendPayout(payouts[0]!);
    await until(keyOf(campaignId, merchantId, P), ["HELD", "PAID", "FAILED"]);
    await drained("payouts");
    const held = (await readStatement(db, tables.settlements, keyOf(campaignId, merchantId, P)))!;
    expect(held.status).toBe("HELD");
    expect(server.calls.has(held.statementId)).toBe(false);

    await reinstate(merchantId);
    const paid = await until(keyOf(campaignId, merchantId, P), ["PAID"]);
    expect(server.calls.get(held.statementId)).toBe(1);
    expect(paid.payable).toBe(3_000);
  });
});

describe("reversals", () => {
  it("of a settled redemption are clawed back; a net ≤ 0 is carried into the next statement, which pays the rest once", async () => {
    const campaignId = await campaign("claw");
    const [D1, D2, D3] = [daysAgo(6), daysAgo(5), daysAgo(4)];
    const merchantId = await merchant(campaignId, "m", SIMULATED);
    const at = (day: Period, time: string) => `${day}T${time}+08:00`;
    const redemption = (transactionId: string, day: Period, discount = 3_000) =>
      ledgerRecord({ campaignId, merchantId, partnerId: SIMULATED, transactionId, discount, occurredAt: at(day, "12:00:00") });
    const reversal = (transactionId: string, day: Period, paidOn: Period, discount = 3_000) =>
      ledgerRecord({ campaignId, merchantId, partnerId: SIMULATED, transactionId, kind: "REVERSAL", discount, occurredAt: at(day, "15:00:00"), paymentOccurredAt: at(paidOn, "12:00:00") });
    const accepted = (id: string) => runtime.partnerSimulator.accepted.get(id)?.body;

    // Day 1: two redemptions, settled and paid.
    await seedLedger(db, tables.redemptions, [redemption("t1", D1), redemption("t2", D1)]);
    await run(campaignId, D1);
    const day1 = await until(keyOf(campaignId, merchantId, D1), ["PAID"]);
    expect(day1).toMatchObject({ redemptionCount: 2, net: 6_000, payable: 6_000 });
    expect(accepted(day1.statementId)).toMatchObject({ amount: 6_000 });

    // Day 2: only the reversal of t1, settled on day 1: clawed back, nothing to pay, carried.
    await seedLedger(db, tables.redemptions, [reversal("t1", D2, D1)]);
    await run(campaignId, D2);
    const day2 = await until(keyOf(campaignId, merchantId, D2), ["CARRIED", "PENDING", "PAID"]);
    expect(day2).toMatchObject({ status: "CARRIED", redemptionCount: 0, clawbackCount: 1, clawback: 3_000, net: -3_000, carriedIn: 0, payable: -3_000 });
    expect(day2.carriedInto).toBeUndefined();

    // Day 3: redemptions, one of them refunded the same day (before settlement): cancelled within the statement.
    await seedLedger(db, tables.redemptions, [redemption("t3", D3), redemption("t4", D3, 6_000), redemption("t5", D3), reversal("t5", D3, D3)]);
    await run(campaignId, D3);
    const day3 = await until(keyOf(campaignId, merchantId, D3), ["PAID"]);
    expect(day3).toMatchObject({
      redemptionCount: 2,
      subsidy: 9_000,
      cancelledCount: 1,
      clawbackCount: 0,
      clawback: 0,
      net: 9_000,
      carriedIn: -3_000,
      payable: 6_000,
    });
    await drained("payouts");
    expect(accepted(day3.statementId)).toMatchObject({ amount: 6_000 });
    expect(accepted(day2.statementId)).toBeUndefined();
    expect(await readStatement(db, tables.settlements, keyOf(campaignId, merchantId, D2))).toMatchObject({ status: "CARRIED", carriedInto: day3.statementId });
    const shown = await getStatement({ db, tables, key: keyOf(campaignId, merchantId, D3) });
    expect(shown.carried).toEqual([{ statementId: day2.statementId, period: D2, payable: -3_000 }]);
    expect(shown.redemptions.map((r) => r.transactionId).sort()).toEqual(["t3", "t4", "t5"]);
    expect(shown.reversals.map((r) => [r.transactionId, r.discount])).toEqual([["t5", -3_000]]);

    // 18 000 redeemed − 6 000 reversed (t1 clawed back, t5 cancelled) = 12 000 paid (6 000 on day 1, 6 000 on day 3).
    const books = await reconcileCampaign({ db, tables, campaignId });
    expect(books).toMatchObject({ balanced: true, difference: 0, unsettled: 0, redeemed: 18_000, reversed: 6_000, inStatements: 12_000, paid: 12_000 });
    expect(books.statements).toMatchObject({ PAID: 2, CARRIED: 1, PENDING: 0, BUILDING: 0 });
  });
});
