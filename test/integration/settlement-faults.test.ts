/**
 * Settlement under faults, on DynamoDB Local, calling the use cases directly (no runtime):
 *
 * - a settlement worker that crashes at its k-th call (to DynamoDB or to the payout queue),
 *   before or after that call took effect, for every k of a clean run, is finished by the next
 *   delivery: one statement, every record in it exactly once, totals equal to a recount, and a
 *   payout made once however many payout messages went out (invariant 5);
 * - concurrent deliveries of one message build one statement;
 * - a payout worker that crashes at any call, including after the partner accepted and before
 *   PAID is stored, pays the same idempotency key again and ends PAID once;
 * - property: random interleavings of redemptions, reversals (of settled and unsettled
 *   redemptions), late deliveries and runs of random periods keep every campaign's books
 *   balanced after every step (invariant 6) and settle every record in exactly one statement.
 */
import { randomUUID } from "node:crypto";
import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { PayoutMessage, SettlementMessage } from "../../shared/api/messages.js";
import { nextPeriod, type Period, periodCutoff, startOfPeriod, statementId, statementTotals } from "../../shared/domain/settlement.js";
import { reconcileCampaign } from "../../shared/use-cases/settlement-views.js";
import { type PayOutcome, payStatement, planSettlementRun, settleStatement } from "../../shared/use-cases/settlement.js";
import type { PostPayout } from "../../shared/payout-client.js";
import { issuedVoucherKey, statementKey, unsettledPartition } from "../../shared/store/keys.js";
import type { LedgerRecord } from "../../shared/domain/ledger.js";
import { readLedger } from "../../shared/store/ledger.js";
import { redeem } from "../../shared/store/redemptions.js";
import { reverse } from "../../shared/store/refunds.js";
import type { TransactionRecord } from "../../shared/store/transactions.js";
import { readLines } from "../../shared/store/statement-lines.js";
import { type StatementRecord, readStatement, readStatementsOf } from "../../shared/store/statements.js";
import type { VoucherItem } from "../../shared/store/vouchers.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { ledgerRecord, seedLedger, seedMerchant, seedPartner } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const TZ = "Asia/Shanghai";
type Tables = Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "settlements" | "merchants" | "partners", string>;
let tables: Tables;

const PARTNER = "bank-f";
/** The crash tests' merchant; each scenario has a campaign of its own, so statements never meet. */
const MERCHANT = "fm-1";
/** The property's merchants. */
const MERCHANTS = ["pm-0", "pm-1", "pm-2"];

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "settle-faults");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "redemptions", "settlements", "merchants", "partners"]);
  // The payout is never posted over HTTP here: every test hands payStatement a fake `post`.
  await seedPartner(db, tables.partners, { id: PARTNER, payoutUrl: "https://payouts.bank-f.example/payouts" });
  for (const id of [MERCHANT, ...MERCHANTS]) await seedMerchant(db, tables.merchants, { id, partnerId: PARTNER });
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const noSleep = () => Promise.resolve();

// ---------------------------------------------------------------------------------------------
// A partner that pays each idempotency key once, and a client that crashes on cue.

/** The partner side of payouts: calls per idempotency key; a key accepted once is answered with its first payoutId. */
class FakePartner {
  readonly calls = new Map<string, number>();
  readonly accepted = new Map<string, { payoutId: string; amount: number }>();
  readonly post: PostPayout = (request) => {
    const key = request.idempotencyKey;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const known = this.accepted.get(key) ?? { payoutId: `po-${randomUUID()}`, amount: request.body.amount };
    this.accepted.set(key, known);
    return Promise.resolve({ ok: true, payoutId: known.payoutId });
  };
}

class Crash extends Error {
  override readonly name = "Crash";
}
type Mode = "before" | "after";

/**
 * Counts the calls a use case makes through `step` (every DynamoDB `send` of `db`, and whatever
 * else the test routes through it: the payout queue, the partner) and throws Crash at the k-th
 * (or the first of that name), before the call is made or after it took effect. `names` records
 * each call, for reading a run.
 */
function faults(k: number | string, mode: Mode) {
  let calls = 0;
  let crashed = false;
  const names: string[] = [];
  const step = async <T>(name: string, real: () => Promise<T>): Promise<T> => {
    const n = ++calls;
    names.push(name);
    const crash = !crashed && (typeof k === "number" ? n === k : name === k);
    crashed ||= crash;
    if (crash && mode === "before") throw new Crash(`crash before call ${n} (${name})`);
    const result = await real();
    if (crash && mode === "after") throw new Crash(`crash after call ${n} (${name}) took effect`);
    return result;
  };
  const send = db.send.bind(db) as (command: object) => Promise<unknown>;
  const client = new Proxy(db, {
    get: (target, property) =>
      property === "send" ? (command: object) => step(command.constructor.name, () => send(command)) : (Reflect.get(target, property, target) as unknown),
  });
  return { db: client, step, calls: () => calls, names };
}
const NO_FAULT = Number.POSITIVE_INFINITY;

/**
 * A client that stops before the first DynamoDB call `at` picks (by command name and input)
 * until released: one delivery held at a chosen step while another runs.
 */
function paused(at: (name: string, input: Record<string, unknown>) => boolean) {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let stopped = false;
  const send = db.send.bind(db) as (command: { input: Record<string, unknown> }) => Promise<unknown>;
  const client = new Proxy(db, {
    get: (target, property) =>
      property === "send"
        ? async (command: { input: Record<string, unknown> }) => {
            if (!stopped && at(command.constructor.name, command.input)) {
              stopped = true;
              reach();
              await released;
            }
            return send(command);
          }
        : (Reflect.get(target, property, target) as unknown),
  });
  return { db: client, reached, release };
}

// ---------------------------------------------------------------------------------------------
// The crash scenario: a carried statement from the day before, then 70 records on day P.

const PREV = "2031-03-09";
const P = "2031-03-10";
/** Both days are over: cut-offs are their ends. */
const NOW = new Date("2031-03-12T04:00:00Z");
const clock = () => NOW;
const RECORDS = 70;
const CARRIED = -500;

/** Plans `period` for the campaign and returns the settlement messages the planner sent. */
async function plan(campaignId: string, period: Period, now: () => Date = clock): Promise<SettlementMessage[]> {
  const sent: SettlementMessage[] = [];
  const send = (messages: readonly SettlementMessage[]) => {
    sent.push(...messages);
    return Promise.resolve();
  };
  await planSettlementRun({ db, tables, now, campaign: { id: campaignId, timezone: TZ }, period, by: "test", send });
  return sent;
}

interface Scenario {
  campaignId: string;
  message: SettlementMessage;
  /** The records of day P, as seeded. */
  records: LedgerRecord[];
}

/**
 * A fresh campaign whose merchant has a CARRIED statement for PREV (a lone clawback of 500) and
 * 70 records on P: 64 redemptions, 3 of them reversed on P (cancelled within the statement), and
 * 3 reversals of redemptions settled before (clawback). Returns P's settlement message.
 */
async function scenario(): Promise<Scenario> {
  const campaignId = unique("cf");
  await seedCampaign(db, tables, { id: campaignId, drops: [] });
  await seedLedger(db, tables.redemptions, [
    ledgerRecord({ campaignId, merchantId: MERCHANT, partnerId: PARTNER, kind: "REVERSAL", discount: -CARRIED, occurredAt: `${PREV}T20:00:00+08:00` }),
  ]);
  const [previous] = await plan(campaignId, PREV);
  const carried = await settleStatement({ db, tables, now: clock, message: previous!, sendPayout: () => Promise.reject(new Error("a carried statement is not paid")) });
  expect(carried).toMatchObject({ outcome: "settled", statement: { status: "CARRIED", payable: CARRIED } });

  const at = (minute: number) => new Date(Date.parse(`${P}T08:00:00+08:00`) + minute * 60_000).toISOString();
  const redemptions = Array.from({ length: 64 }, (_, i) =>
    ledgerRecord({ campaignId, merchantId: MERCHANT, partnerId: PARTNER, transactionId: `t${i}`, discount: i % 2 ? 6_000 : 3_000, amount: 30_000, occurredAt: at(i) }),
  );
  const cancelled = [5, 17, 40].map((i) =>
    ledgerRecord({
      campaignId,
      merchantId: MERCHANT,
      partnerId: PARTNER,
      transactionId: `t${i}`,
      kind: "REVERSAL",
      discount: redemptions[i]!.discount,
      amount: 30_000,
      occurredAt: at(600 + i),
      paymentOccurredAt: at(i),
    }),
  );
  const clawbacks = [1, 2, 3].map((i) =>
    ledgerRecord({ campaignId, merchantId: MERCHANT, partnerId: PARTNER, transactionId: `old-${i}`, kind: "REVERSAL", discount: 3_000, occurredAt: at(700 + i), paymentOccurredAt: `${PREV}T09:00:00+08:00` }),
  );
  const records = [...redemptions, ...cancelled, ...clawbacks];
  expect(records).toHaveLength(RECORDS);
  await seedLedger(db, tables.redemptions, records);
  const messages = await plan(campaignId, P);
  expect(messages).toHaveLength(1);
  return { campaignId, message: messages[0]!, records };
}

/** Unsettled markers left for (campaign, merchant). */
async function markers(campaignId: string, merchantId: string): Promise<number> {
  const { Items } = await db.send(
    new QueryCommand({ TableName: tables.redemptions, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": unsettledPartition(campaignId, merchantId) }, ConsistentRead: true }),
  );
  return Items?.length ?? 0;
}

const recordKey = (entry: Pick<LedgerRecord, "partnerId" | "transactionId" | "kind">) => `${entry.partnerId}#${entry.transactionId}#${entry.kind}`;

/**
 * What must hold once the scenario's message has been delivered until it succeeded: one statement
 * for P (beside PREV's), every record of P in it exactly once, its totals a recount of its lines,
 * PREV's statement folded in once; then every payout message sent pays it once.
 */
async function expectSettledOnce(s: Scenario, payouts: readonly PayoutMessage[], label: string): Promise<void> {
  const id = statementId(s.campaignId, MERCHANT, P);
  const previousId = statementId(s.campaignId, MERCHANT, PREV);
  const statements = await readStatementsOf(db, tables.settlements, s.campaignId, MERCHANT);
  expect(statements.map((statement) => statement.period), label).toEqual([PREV, P]);
  const [previous, statement] = statements as [StatementRecord, StatementRecord];
  expect(statement.status, label).toBe("PENDING");
  expect(previous, label).toMatchObject({ status: "CARRIED", carriedInto: id });

  const ledger = await readLedger(db, tables.redemptions, s.campaignId, MERCHANT);
  const ofP = ledger.filter((entry) => entry.statementId !== previousId);
  expect(ofP.map(recordKey).sort(), label).toEqual(s.records.map(recordKey).sort());
  expect(ofP.every((entry) => entry.statementId === id), label).toBe(true);
  expect(await markers(s.campaignId, MERCHANT), label).toBe(0);

  const lines = await readLines(db, tables.settlements, statement);
  expect(lines.records.map(recordKey).sort(), label).toEqual(s.records.map(recordKey).sort());
  expect(lines.carried, label).toEqual([{ carriedFrom: previousId, period: PREV, payable: CARRIED }]);
  const recount = statementTotals(ofP, [CARRIED]);
  expect(recount).toMatchObject({ redemptionCount: 61, cancelledCount: 3, clawbackCount: 3, clawback: 9_000, carriedIn: CARRIED });
  expect(statement, label).toMatchObject(recount);

  expect(payouts.length, label).toBeGreaterThan(0);
  expect(payouts.every((payout) => statementId(payout.campaignId, payout.merchantId, payout.period) === id), label).toBe(true);
  const partner = new FakePartner();
  const outcomes: PayOutcome[] = [];
  for (const message of payouts) outcomes.push(await payStatement({ db, tables, now: clock, post: partner.post, sleep: noSleep, message }));
  expect(outcomes.filter((outcome) => outcome.outcome === "paid"), label).toHaveLength(1);
  expect(partner.calls, label).toEqual(new Map([[id, 1]]));
  const paid = await readStatement(db, tables.settlements, statement);
  expect(paid, label).toMatchObject({ status: "PAID", payoutId: partner.accepted.get(id)!.payoutId });
  expect(partner.accepted.get(id)!.amount, label).toBe(recount.payable);

  const books = await reconcileCampaign({ db, tables, campaignId: s.campaignId });
  expect(books, label).toMatchObject({ balanced: true, difference: 0, unsettled: 0, problems: [] });
}

/** Delivers the scenario's message through `client`, with its payout sends (into `payouts`) counted as calls too. */
function deliver(s: Scenario, client: ReturnType<typeof faults>, payouts: PayoutMessage[]) {
  return settleStatement({
    db: client.db,
    tables,
    now: clock,
    message: s.message,
    sendPayout: (message) =>
      client.step("sendPayout", () => {
        payouts.push(message);
        return Promise.resolve();
      }),
  });
}

describe("a settlement worker crashing at any step", () => {
  /** A clean delivery of a fresh scenario: how many calls it makes, and which. */
  async function cleanRun(): Promise<string[]> {
    const s = await scenario();
    const counted = faults(NO_FAULT, "before");
    const payouts: PayoutMessage[] = [];
    await deliver(s, counted, payouts);
    await expectSettledOnce(s, payouts, "clean run");
    return counted.names;
  }

  it.each(["before", "after"] as const)("is finished by redelivery, crashing %s its k-th call, for every k: one statement, records once, paid once", async (mode) => {
    const calls = await cleanRun();
    // 70 records take three transactions (33 + 33 + 4), and the carried statement a fourth.
    expect(calls.filter((name) => name === "TransactWriteCommand")).toHaveLength(4);
    expect(calls.at(-1)).toBe("sendPayout");
    for (let k = 1; k <= calls.length; k++) {
      const label = `crash ${mode} call ${k} of ${calls.length} (${calls[k - 1]})`;
      const s = await scenario();
      const payouts: PayoutMessage[] = [];
      const crashing = faults(k, mode);
      await expect(deliver(s, crashing, payouts), label).rejects.toThrow(Crash);
      expect(crashing.calls(), label).toBe(k);
      // SQS delivers the message again: once to finish, once more as a duplicate.
      const again = await deliver(s, faults(NO_FAULT, "before"), payouts);
      expect(again, label).toMatchObject({ outcome: "settled", statement: { status: "PENDING" } });
      const duplicate = await deliver(s, faults(NO_FAULT, "before"), payouts);
      expect(duplicate, label).toMatchObject({ outcome: "settled", recordsHeldNow: 0 });
      await expectSettledOnce(s, payouts, label);
    }
  }, 120_000);

  it("builds one statement when three deliveries of the message run at once", async () => {
    const s = await scenario();
    const payouts: PayoutMessage[] = [];
    const outcomes = await Promise.all([1, 2, 3].map(() => deliver(s, faults(NO_FAULT, "before"), payouts)));
    expect(outcomes.every((outcome) => outcome.outcome === "settled")).toBe(true);
    // Between them the deliveries held each record once.
    expect(outcomes.reduce((sum, outcome) => sum + (outcome.outcome === "settled" ? outcome.recordsHeldNow : 0), 0)).toBe(RECORDS);
    await expectSettledOnce(s, payouts, "concurrent deliveries");
  });
});

describe("a delivery that resumes after another delivery finished the statement", () => {
  const settle = (client: typeof db, message: SettlementMessage, payouts: PayoutMessage[] = []) =>
    settleStatement({ db: client, tables, now: clock, message, sendPayout: (payout) => Promise.resolve(void payouts.push(payout)) });

  it("adds no record to it: a record that became visible meanwhile waits for a later statement", async () => {
    const s = await scenario();
    // The first delivery stops before it reads the records to hold (the second unsettled query).
    let unsettledQueries = 0;
    const slow = paused((name, input) => name === "QueryCommand" && input.TableName === tables.redemptions && ++unsettledQueries === 2);
    const first = settle(slow.db, s.message);
    await slow.reached;
    const payouts: PayoutMessage[] = [];
    await settle(db, s.message, payouts);
    const finished = await readStatement(db, tables.settlements, s.message);
    expect(finished).toMatchObject({ status: "PENDING", redemptionCount: 61 });
    // A payment recorded before the run's arrivedBefore whose transaction commits only now.
    const lateCommit = ledgerRecord({ campaignId: s.campaignId, merchantId: MERCHANT, partnerId: PARTNER, transactionId: "late-commit", occurredAt: `${P}T23:00:00+08:00` });
    expect(lateCommit.recordedAt < s.message.arrivedBefore).toBe(true);
    await seedLedger(db, tables.redemptions, [lateCommit]);
    slow.release();
    await first;

    expect(await readStatement(db, tables.settlements, s.message)).toEqual(finished);
    const ledger = await readLedger(db, tables.redemptions, s.campaignId, MERCHANT);
    expect(ledger.find((entry) => entry.transactionId === "late-commit")?.statementId).toBeUndefined();
    expect(await markers(s.campaignId, MERCHANT)).toBe(1);
    expect((await readLines(db, tables.settlements, s.message)).records).toHaveLength(RECORDS);
    expect(await reconcileCampaign({ db, tables, campaignId: s.campaignId })).toMatchObject({ balanced: true, difference: 0, unsettled: 3_000, problems: [] });
    // The next period's statement takes it.
    const [next] = await plan(s.campaignId, nextPeriod(P));
    expect(await settle(db, next!)).toMatchObject({ outcome: "settled", recordsHeldNow: 1, statement: { redemptionCount: 1, net: 3_000 } });
    expect(await reconcileCampaign({ db, tables, campaignId: s.campaignId })).toMatchObject({ balanced: true, difference: 0, unsettled: 0 });
  });

  it("cannot finish it without a record the other put in while it was adding up: it fails, the other finishes with every line", async () => {
    const s = await scenario();
    // The finisher has read the lines and stops before finishing.
    const finisher = paused((name, input) => name === "UpdateCommand" && input.TableName === tables.settlements);
    const finishing = settle(finisher.db, s.message);
    await finisher.reached;
    // A record becomes visible late; the other delivery holds it, and stops before it adds up.
    const lateCommit = ledgerRecord({ campaignId: s.campaignId, merchantId: MERCHANT, partnerId: PARTNER, transactionId: "late-commit", occurredAt: `${P}T23:00:00+08:00` });
    await seedLedger(db, tables.redemptions, [lateCommit]);
    const holder = paused((name, input) => name === "QueryCommand" && input.TableName === tables.settlements && String(input.KeyConditionExpression).includes(":period"));
    const payouts: PayoutMessage[] = [];
    const holding = settle(holder.db, s.message, payouts);
    await holder.reached;

    finisher.release();
    // Its totals would leave the late record out: it does not finish, and its message is delivered again.
    await expect(finishing).rejects.toThrow(/gained lines/);
    holder.release();
    expect(await holding).toMatchObject({ outcome: "settled", recordsHeldNow: 1, statement: { status: "PENDING", redemptionCount: 62 } });
    expect(await settle(db, s.message, payouts)).toMatchObject({ outcome: "settled", recordsHeldNow: 0, statement: { status: "PENDING", redemptionCount: 62 } });
    expect((await readLines(db, tables.settlements, s.message)).records).toHaveLength(RECORDS + 1);
    expect(await reconcileCampaign({ db, tables, campaignId: s.campaignId })).toMatchObject({ balanced: true, difference: 0, unsettled: 0, problems: [] });
  });

  it("folds no carried statement into it: one that was carried meanwhile goes into the next statement", async () => {
    const campaignId = unique("cr");
    await seedCampaign(db, tables, { id: campaignId, drops: [] });
    const NEXT = nextPeriod(P);
    await seedLedger(db, tables.redemptions, [
      ledgerRecord({ campaignId, merchantId: MERCHANT, partnerId: PARTNER, kind: "REVERSAL", discount: 500, occurredAt: `${PREV}T20:00:00+08:00` }),
      ledgerRecord({ campaignId, merchantId: MERCHANT, partnerId: PARTNER, transactionId: "p1", occurredAt: `${P}T10:00:00+08:00` }),
      ledgerRecord({ campaignId, merchantId: MERCHANT, partnerId: PARTNER, transactionId: "n1", occurredAt: `${NEXT}T10:00:00+08:00` }),
    ]);
    // PREV's statement holds its clawback but its worker crashed before finishing it: BUILDING.
    const [previous] = await plan(campaignId, PREV);
    // Its only UpdateCommand is the finish.
    await expect(settle(faults("UpdateCommand", "before").db, previous!)).rejects.toThrow(Crash);
    expect(await readStatement(db, tables.settlements, previous!)).toMatchObject({ status: "BUILDING" });

    // P's first delivery stops before it reads the carried statements; a second finishes P meanwhile.
    const [message] = await plan(campaignId, P);
    const slow = paused((name, input) => name === "QueryCommand" && input.TableName === tables.settlements && String(input.KeyConditionExpression).includes(":period"));
    const first = settle(slow.db, message!);
    await slow.reached;
    await settle(db, message!);
    const finished = await readStatement(db, tables.settlements, message!);
    expect(finished).toMatchObject({ status: "PENDING", net: 3_000, carriedIn: 0, payable: 3_000 });
    // PREV's message is delivered again: it is finished, CARRIED.
    await settle(db, previous!);
    expect(await readStatement(db, tables.settlements, previous!)).toMatchObject({ status: "CARRIED", payable: -500 });
    slow.release();
    await first;

    // P is as it was, and PREV was not folded into it…
    expect(await readStatement(db, tables.settlements, message!)).toEqual(finished);
    expect((await readLines(db, tables.settlements, message!)).carried).toEqual([]);
    expect((await readStatement(db, tables.settlements, previous!))?.carriedInto).toBeUndefined();
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, problems: [] });
    // …but into the next statement, which pays the merchant 3 000 − 500.
    const [next] = await plan(campaignId, NEXT);
    expect(await settle(db, next!)).toMatchObject({ statement: { status: "PENDING", net: 3_000, carriedIn: -500, payable: 2_500 } });
    expect(await readStatement(db, tables.settlements, previous!)).toMatchObject({ carriedInto: statementId(campaignId, MERCHANT, NEXT) });
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, difference: 0, unsettled: 0, problems: [] });
  });
});

describe("reconciliation", () => {
  /** Sets attributes of a statement behind the platform's back. */
  const tamper = (key: { campaignId: string; merchantId: string; period: Period }, values: Record<string, number>) =>
    db.send(
      new UpdateCommand({
        TableName: tables.settlements,
        Key: statementKey(key.campaignId, key.merchantId, key.period),
        UpdateExpression: `SET ${Object.keys(values).map((name) => `${name} = :${name}`).join(", ")}`,
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value])),
      }),
    );

  it("names a carried payable that is not counted where it was folded, and a net that is not its records'", async () => {
    const s = await scenario();
    await deliver(s, faults(NO_FAULT, "before"), []);
    expect(await reconcileCampaign({ db, tables, campaignId: s.campaignId })).toMatchObject({ balanced: true, problems: [] });
    const statement = (await readStatement(db, tables.settlements, s.message))!;

    // The clawback carried in from PREV, dropped: nets still balance, the merchant would be overpaid.
    await tamper(s.message, { carriedIn: 0, payable: statement.net! });
    const dropped = await reconcileCampaign({ db, tables, campaignId: s.campaignId });
    expect(dropped).toMatchObject({ balanced: false, difference: 0 });
    expect(dropped.problems).toEqual([`statement ${statement.statementId} counts 0 carried in, but the statements carried into it have payables ${CARRIED}`]);

    // A net one fen off its records.
    await tamper(s.message, { carriedIn: CARRIED, payable: statement.payable!, net: statement.net! + 1 });
    const off = await reconcileCampaign({ db, tables, campaignId: s.campaignId });
    expect(off).toMatchObject({ balanced: false, difference: -1 });
    expect(off.problems).toHaveLength(3);
    expect(off.problems.join("\n")).toContain(`statement ${statement.statementId} has net ${statement.net! + 1} but its records add up to ${statement.net}`);
  });
});

describe("a payout worker crashing at any step", () => {
  it.each(["before", "after"] as const)("pays once when it crashes %s its k-th call, for every k, and the message is delivered again", async (mode) => {
    const calls = ["GetCommand", "GetCommand", "GetCommand", "post", "UpdateCommand"];
    for (let k = 1; k <= calls.length; k++) {
      const label = `crash ${mode} call ${k} (${calls[k - 1]})`;
      const s = await scenario();
      const payouts: PayoutMessage[] = [];
      await deliver(s, faults(NO_FAULT, "before"), payouts);
      const id = statementId(s.campaignId, MERCHANT, P);
      const partner = new FakePartner();
      const crashing = faults(k, mode);
      const first = payStatement({
        db: crashing.db,
        tables,
        now: clock,
        sleep: noSleep,
        post: (request) => crashing.step("post", () => partner.post(request)),
        message: payouts[0]!,
      });
      await expect(first, label).rejects.toThrow(Crash);
      expect(crashing.names, label).toEqual(calls.slice(0, k));
      // Crashed after the partner accepted (its answer lost, or PAID not stored): still PENDING.
      const partnerAccepted = k > 4 || (k === 4 && mode === "after");
      expect((await readStatement(db, tables.settlements, s.message))?.status, label).toBe(k === 5 && mode === "after" ? "PAID" : "PENDING");

      const again = await payStatement({ db, tables, now: clock, sleep: noSleep, post: partner.post, message: payouts[0]! });
      const statement = await readStatement(db, tables.settlements, s.message);
      expect(statement, label).toMatchObject({ status: "PAID", payoutId: partner.accepted.get(id)!.payoutId, payable: partner.accepted.get(id)!.amount });
      // The same idempotency key twice when the partner had accepted it already; one payout either way.
      expect(partner.accepted.size, label).toBe(1);
      expect(partner.calls.get(id), label).toBe(k === 5 && mode === "after" ? 1 : partnerAccepted ? 2 : 1);
      expect(again.outcome, label).toBe(k === 5 && mode === "after" ? "skipped" : "paid");
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Property: any interleaving keeps the books.

const DAYS = ["2031-05-01", "2031-05-02", "2031-05-03", "2031-05-04", "2031-05-05"];
/** The clock starts at 10:00 on the last day ("today": its runs cut off at now), a minute per step. */
const START = Date.parse(`${DAYS[4]}T10:00:00+08:00`);
const FAR_PERIOD = "2031-06-01";
const FAR_NOW = Date.parse("2031-06-05T00:00:00+08:00");

type Step =
  | { kind: "pay"; merchant: number; day: number; second: number; big: boolean }
  | { kind: "refund"; pick: number; fraction: number }
  | { kind: "run"; day: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("pay" as const), merchant: fc.nat({ max: 2 }), day: fc.nat({ max: 4 }), second: fc.nat({ max: 86_399 }), big: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("refund" as const), pick: fc.nat({ max: 1_000 }), fraction: fc.nat({ max: 1_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("run" as const), day: fc.nat({ max: 4 }) }) },
);

/** A scripted interleaving that has every kind of event the property is about. */
const SCRIPTED: Step[] = [
  { kind: "pay", merchant: 0, day: 0, second: 36_000, big: false },
  { kind: "pay", merchant: 0, day: 0, second: 40_000, big: true },
  { kind: "run", day: 0 },
  // The first redemption is settled: its reversal is clawed back.
  { kind: "refund", pick: 0, fraction: 500 },
  { kind: "pay", merchant: 1, day: 1, second: 1_000, big: false },
  // Not settled yet: cancelled within its statement.
  { kind: "refund", pick: 1, fraction: 10 },
  // Day 0 ran already: a late delivery.
  { kind: "pay", merchant: 0, day: 0, second: 50_000, big: false },
  { kind: "run", day: 0 },
  { kind: "run", day: 1 },
  { kind: "pay", merchant: 2, day: 4, second: 3_600, big: true },
  { kind: "run", day: 4 },
  { kind: "pay", merchant: 2, day: 4, second: 7_200, big: false },
  { kind: "run", day: 4 },
  { kind: "run", day: 3 },
];

interface Coverage {
  settledReversals: number;
  unsettledReversals: number;
  lateRecords: number;
  runs: number;
}

async function redemptionOf(
  campaignId: string,
  now: Date,
  spec: { merchantId: string; occurredAt: Date; big: boolean },
): Promise<TransactionRecord> {
  const [voucherTypeId, discount, amount, threshold] = spec.big ? ["200-60", 6_000, 25_000, 20_000] : ["100-30", 3_000, 12_000, 10_000];
  const voucherId = unique("v");
  const payerId = unique("payer");
  const voucher: VoucherItem = {
    voucherId,
    campaignId,
    dropId: "d1",
    voucherTypeId,
    threshold,
    discount,
    claimedAt: "2031-04-01T00:00:00.000Z",
    expiresAt: "2031-12-31T00:00:00.000Z",
    status: "CLAIMED",
    owner: payerId,
    shard: 0,
  };
  await db.send(new PutCommand({ TableName: tables.vouchers, Item: { ...issuedVoucherKey(campaignId, "d1", voucherTypeId, 0, voucherId), ...voucher } }));
  const transactionId = unique("t");
  const outcome = await redeem(db, tables, {
    payment: {
      partnerId: PARTNER,
      transactionId,
      eventId: unique("e"),
      merchantId: spec.merchantId,
      payerId,
      amount,
      occurredAt: spec.occurredAt.toISOString(),
      recordedAt: now.toISOString(),
    },
    benefit: { kind: "voucher", voucher },
    answer: { transactionId, campaignId: voucher.campaignId, voucherId, discount, payable: amount - discount },
  });
  if (outcome.outcome !== "redeemed") throw new Error(`redeem: ${outcome.outcome}`);
  return outcome.record;
}

/** Every record of the campaign held by how many statements' lines, and whether its own statementId agrees. */
async function holdings(campaignId: string): Promise<{ ledger: LedgerRecord[]; statements: StatementRecord[]; heldBy: Map<string, string[]> }> {
  const ledger: LedgerRecord[] = [];
  const statements: StatementRecord[] = [];
  const heldBy = new Map<string, string[]>();
  for (const merchantId of MERCHANTS) {
    ledger.push(...(await readLedger(db, tables.redemptions, campaignId, merchantId)));
    for (const statement of await readStatementsOf(db, tables.settlements, campaignId, merchantId)) {
      statements.push(statement);
      for (const line of (await readLines(db, tables.settlements, statement)).records) {
        heldBy.set(recordKey(line), [...(heldBy.get(recordKey(line)) ?? []), statement.statementId]);
      }
    }
  }
  return { ledger, statements, heldBy };
}

async function playScenario(steps: readonly Step[], coverage: Coverage): Promise<void> {
  const campaignId = unique("cp");
  await seedCampaign(db, tables, { id: campaignId, drops: [] });
  let now = START;
  const clockNow = () => new Date(now);
  const partner = new FakePartner();
  const open: TransactionRecord[] = [];
  const cutoffs: string[] = [];

  const pay = (message: PayoutMessage) => payStatement({ db, tables, now: clockNow, post: partner.post, sleep: noSleep, message }).then(() => undefined);
  const run = async (period: Period) => {
    const { cutoff } = await planSettlementRun({
      db,
      tables,
      now: clockNow,
      campaign: { id: campaignId, timezone: TZ },
      period,
      by: "property",
      send: async (messages) => {
        for (const message of messages) await settleStatement({ db, tables, now: clockNow, message, sendPayout: pay });
      },
    });
    cutoffs.push(cutoff);
    coverage.runs++;
  };

  for (const [index, step] of steps.entries()) {
    now += 60_000;
    if (step.kind === "pay") {
      const dayStart = startOfPeriod(DAYS[step.day]!, TZ).getTime();
      // Today's payments happened before the clock started: no payment is in the future.
      const second = step.day === 4 ? step.second % 36_000 : step.second;
      const occurredAt = new Date(dayStart + second * 1_000);
      if (cutoffs.some((cutoff) => occurredAt.toISOString() < cutoff)) coverage.lateRecords++;
      open.push(await redemptionOf(campaignId, clockNow(), { merchantId: MERCHANTS[step.merchant]!, occurredAt, big: step.big }));
    } else if (step.kind === "refund") {
      if (open.length === 0) continue;
      const [record] = open.splice(step.pick % open.length, 1) as [TransactionRecord];
      const paidAt = Date.parse(record.occurredAt!);
      const entry = (await readLedger(db, tables.redemptions, campaignId, record.merchantId!)).find((e) => e.kind === "REDEMPTION" && e.transactionId === record.transactionId);
      if (entry?.statementId === undefined) coverage.unsettledReversals++;
      else coverage.settledReversals++;
      const occurredAt = new Date(paidAt + Math.floor(((now - paidAt) * step.fraction) / 1_000)).toISOString();
      const refund = { eventId: unique("e"), occurredAt, answer: { transactionId: record.transactionId, reversed: true, refunded: record.amount!, remaining: 0 }, recordedAt: clockNow().toISOString() };
      const outcome = await reverse(db, tables, { record, refund, refundPolicy: "void" });
      expect(outcome.outcome).toBe("reversed");
    } else {
      await run(DAYS[step.day]!);
    }
    const books = await reconcileCampaign({ db, tables, campaignId });
    expect(books, `after step ${index}: ${JSON.stringify(step)}`).toMatchObject({ balanced: true, difference: 0, problems: [] });
  }

  // Before the final run: no record is in two statements, and each names the one holding it.
  const before = await holdings(campaignId);
  for (const entry of before.ledger) {
    const heldBy = before.heldBy.get(recordKey(entry)) ?? [];
    expect(heldBy.length).toBeLessThanOrEqual(1);
    expect(heldBy).toEqual(entry.statementId === undefined ? [] : [entry.statementId]);
  }

  // A run of a far period, once it is over, settles everything left.
  now = FAR_NOW;
  expect(periodCutoff(FAR_PERIOD, TZ, clockNow()).periodOver).toBe(true);
  await run(FAR_PERIOD);
  const books = await reconcileCampaign({ db, tables, campaignId });
  expect(books).toMatchObject({ balanced: true, difference: 0, unsettled: 0, problems: [] });
  const after = await holdings(campaignId);
  for (const entry of after.ledger) expect(after.heldBy.get(recordKey(entry))).toEqual([entry.statementId]);
  expect(after.heldBy.size).toBe(after.ledger.length);
  // Statements: none left unfinished; each PAID one paid once, with its payable; nothing else paid.
  for (const statement of after.statements) {
    expect(["PAID", "CARRIED"]).toContain(statement.status);
    if (statement.status === "PAID") {
      expect(partner.calls.get(statement.statementId)).toBe(1);
      expect(partner.accepted.get(statement.statementId)?.amount).toBe(statement.payable);
    } else {
      expect(partner.calls.has(statement.statementId)).toBe(false);
    }
    // Every record a statement holds occurred before its cut-off, which is at most the end of its period.
    const lines = await readLines(db, tables.settlements, statement);
    for (const line of lines.records) expect(line.occurredAt < statement.cutoff).toBe(true);
    expect(statement.cutoff <= startOfPeriod(nextPeriod(statement.period), TZ).toISOString()).toBe(true);
  }
  expect(books.paid).toBe([...partner.accepted.values()].reduce((sum, payout) => sum + payout.amount, 0));
}

describe("property: payments, reversals, late deliveries and runs in any order", () => {
  it("keep the books balanced after every step, and settle every record in exactly one statement", async () => {
    const coverage: Coverage = { settledReversals: 0, unsettledReversals: 0, lateRecords: 0, runs: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 4, maxLength: 16 }), async (steps) => {
        await playScenario(steps, coverage);
      }),
      { numRuns: 20, examples: [[SCRIPTED]] },
    );
    // The interleavings did contain what the property is about.
    expect(coverage.settledReversals).toBeGreaterThan(0);
    expect(coverage.unsettledReversals).toBeGreaterThan(0);
    expect(coverage.lateRecords).toBeGreaterThan(0);
    expect(coverage.runs).toBeGreaterThan(16);
  }, 120_000);
});
