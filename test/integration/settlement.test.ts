/**
 * Settlement through the local runtime: the planner's messages go through the real settlements
 * queue to the worker, statements through the payouts queue to the partner simulator.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { localDate, previousPeriod, statementId } from "../../shared/domain/settlement.js";
import { reconcileCampaign } from "../../shared/operations/settlement-views.js";
import { runSettlement } from "../../shared/operations/settlement.js";
import { sendAll } from "../../shared/queues/send.js";
import { readStatement, readStatementsOf } from "../../shared/store/settlements.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { ledgerRecord, seedLedger, seedMerchant, seedPartner } from "../support/settlement.js";
import { eventually, startTestRuntime, testClients } from "./runtime-helpers.js";

const { db, sqs } = testClients();
let runtime: LocalRuntime;
let tables: Record<"campaigns" | "inventory" | "redemptions" | "settlements" | "merchants" | "partners", string>;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "settle");
  const name = (logical: string) => runtime.resources.tables[logical]!.name;
  tables = {
    campaigns: name("campaigns"),
    inventory: name("inventory"),
    redemptions: name("redemptions"),
    settlements: name("settlements"),
    merchants: name("merchants"),
    partners: name("partners"),
  };
  await seedPartner(db, tables.partners, { id: "bank-a", payoutUrl: runtime.partnerSimulator.payoutUrl });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const DAY = 86_400_000;

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
    expect(paid.map((s) => s!.redemptionCount).reduce((a, b) => a + b, 0)).toBe(merchants.reduce((n, _, i) => n + 3 + (i % 3), 0));

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
