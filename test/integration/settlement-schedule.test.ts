/**
 * The ticker's settlement jobs on DynamoDB Local: the daily run of each campaign is planned once,
 * from 02:00 in the campaign's zone, for the previous day; HELD statements whose merchant is no
 * longer suspended are released by the sweep even when the reinstatement's own release was lost.
 */
import { randomUUID } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { PayoutMessage, SettlementMessage } from "../../shared/api/messages.js";
import { localDate, nextPeriod, previousPeriod, startOfPeriod } from "../../shared/domain/settlement.js";
import { ValidationError } from "../../shared/errors.js";
import { releaseHeldStatements, runDueSettlements, runSettlement, settleStatement } from "../../shared/use-cases/settlement.js";
import { campaignKey, merchantKey } from "../../shared/store/keys.js";
import { readRun } from "../../shared/store/settlement-runs.js";
import { readStatement } from "../../shared/store/statements.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { ledgerRecord, seedLedger, seedMerchant } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const ZONE = "Asia/Shanghai";
let tables: Record<"campaigns" | "inventory" | "redemptions" | "settlements" | "merchants", string>;

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "settle-schedule");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "redemptions", "settlements", "merchants"]);
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
/** `hh:mm` local on `period` in Shanghai, as an instant. */
const localTime = (period: string, hours: number, minutes: number) => new Date(startOfPeriod(period, ZONE).getTime() + (hours * 60 + minutes) * 60_000);

describe("the daily settlement run", () => {
  it("is planned from 02:00 local for the previous day, once, with one message per merchant with work", async () => {
    const campaignId = unique("c");
    await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 5 * 86_400_000).toISOString() });
    // Records of today (local); the ticker's clock is set to tomorrow so they are all in the past.
    const today = localDate(new Date(), ZONE);
    const tomorrow = nextPeriod(today);
    const merchants = [unique("m"), unique("m"), unique("m")];
    await seedLedger(db, tables.redemptions, merchants.map((merchantId) => ledgerRecord({ campaignId, merchantId, occurredAt: localTime(today, 0, 1).toISOString() })));

    const sent: SettlementMessage[] = [];
    const tick = (at: Date) =>
      runDueSettlements({ db, tables, now: () => at, send: (messages) => Promise.resolve(void sent.push(...messages.filter((m) => m.campaignId === campaignId))) });

    // 01:59 tomorrow: the due period is still yesterday (already settled in real life); today's records are not its.
    const early = await tick(localTime(tomorrow, 1, 59));
    expect(early.planned.find((run) => run.campaignId === campaignId)).toMatchObject({ period: previousPeriod(today), pairs: 0 });
    expect(sent).toEqual([]);

    // 02:05 tomorrow: today is due, with its end as cut-off.
    const due = await tick(localTime(tomorrow, 2, 5));
    const run = due.planned.find((planned) => planned.campaignId === campaignId);
    expect(run).toMatchObject({ period: today, firstRun: true, pairs: 3, cutoff: startOfPeriod(tomorrow, ZONE).toISOString() });
    expect(sent.map((message) => message.merchantId).sort()).toEqual([...merchants].sort());
    expect(new Set(sent.map((message) => `${message.period} ${message.cutoff}`))).toEqual(new Set([`${today} ${run!.cutoff}`]));
    expect(await readRun(db, tables.settlements, campaignId, today)).toMatchObject({ status: "PLANNED", pairs: 3, runs: 1, lastRunBy: "schedule" });

    // Every later tick that day finds it planned.
    const later = await tick(localTime(tomorrow, 2, 6));
    expect(later.planned.find((planned) => planned.campaignId === campaignId)).toBeUndefined();
    expect(later.alreadyPlanned).toBeGreaterThanOrEqual(1);
    expect(sent).toHaveLength(3);
  });

  it("does not plan days before the campaign started", async () => {
    const campaignId = unique("c");
    const today = localDate(new Date(), ZONE);
    await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: localTime(today, 9, 0).toISOString() });
    const outcome = await runDueSettlements({ db, tables, now: () => localTime(today, 3, 0), send: () => Promise.resolve() });
    expect(outcome.planned.find((run) => run.campaignId === campaignId)).toBeUndefined();
    expect(await readRun(db, tables.settlements, campaignId, previousPeriod(today))).toBeUndefined();
  });
});

describe("an operator's run", () => {
  it("of a period that has begun in one campaign's zone but not another's is refused with nothing planned", async () => {
    const [east, west] = [unique("c"), unique("c")];
    await seedCampaign(db, tables, { id: east, drops: [] });
    await seedCampaign(db, tables, { id: west, drops: [] });
    await db.send(
      new UpdateCommand({ TableName: tables.campaigns, Key: campaignKey(west), UpdateExpression: "SET #zone = :zone", ExpressionAttributeNames: { "#zone": "timezone" }, ExpressionAttributeValues: { ":zone": "America/Los_Angeles" } }),
    );
    // 10:00 in Shanghai is the evening before in Los Angeles.
    const today = localDate(new Date(), ZONE);
    const sent: SettlementMessage[] = [];
    const run = runSettlement({ db, tables, now: () => localTime(today, 10, 0), period: today, operator: "op-1", send: (m) => Promise.resolve(void sent.push(...m)) });
    const error = await run.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ path: "period", message: `${today} has not begun in America/Los_Angeles` }]);
    expect(sent).toEqual([]);
    expect(await readRun(db, tables.settlements, east, today)).toBeUndefined();
  });
});

describe("the HELD sweep", () => {
  it("releases a HELD statement once its merchant is no longer suspended, and leaves suspended merchants' statements held", async () => {
    const campaignId = unique("c");
    await seedCampaign(db, tables, { id: campaignId, drops: [] });
    const yesterday = previousPeriod(localDate(new Date(), ZONE));
    const [reinstated, stillSuspended] = [unique("m"), unique("m")];
    for (const merchantId of [reinstated, stillSuspended]) {
      await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", status: "SUSPENDED" });
      await seedLedger(db, tables.redemptions, [ledgerRecord({ campaignId, merchantId, occurredAt: localTime(yesterday, 12, 0).toISOString() })]);
    }
    const payouts: PayoutMessage[] = [];
    const sendPayout = (message: PayoutMessage) => Promise.resolve(void payouts.push(message));
    const now = () => new Date();
    const cutoff = startOfPeriod(nextPeriod(yesterday), ZONE).toISOString();
    for (const merchantId of [reinstated, stillSuspended]) {
      const outcome = await settleStatement({ db, tables, now, sendPayout, message: { campaignId, merchantId, period: yesterday, cutoff, arrivedBefore: now().toISOString() } });
      expect(outcome).toMatchObject({ outcome: "settled", statement: { status: "HELD", payable: 3_000 } });
    }
    expect(payouts).toEqual([]);

    // The merchant is reinstated, but the reinstatement's own release never ran (a crash).
    await db.send(
      new UpdateCommand({ TableName: tables.merchants, Key: merchantKey(reinstated), UpdateExpression: "SET #s = :a", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":a": "APPROVED" } }),
    );
    const released = await releaseHeldStatements({ db, tables, now, sendPayout });
    expect(released).toContain(`${campaignId}/${reinstated}/${yesterday}`);
    expect(released).not.toContain(`${campaignId}/${stillSuspended}/${yesterday}`);
    expect(payouts.filter((message) => message.campaignId === campaignId)).toEqual([{ campaignId, merchantId: reinstated, period: yesterday }]);
    expect((await readStatement(db, tables.settlements, { campaignId, merchantId: reinstated, period: yesterday }))?.status).toBe("PENDING");
    expect((await readStatement(db, tables.settlements, { campaignId, merchantId: stillSuspended, period: yesterday }))?.status).toBe("HELD");

    // A second sweep releases nothing more.
    expect((await releaseHeldStatements({ db, tables, now, sendPayout })).filter((id) => id.startsWith(campaignId))).toEqual([]);
  });
});
