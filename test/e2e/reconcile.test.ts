/**
 * `npm run reconcile` as an operator runs it, in its own process against a local runtime's HTTP:
 * a campaign with settled and unsettled records balances (exit 0, the figures in fen and yuan);
 * after a statement's net is tampered with in the table it does not (exit 1, the problems
 * printed); and an unknown campaign or a refused token is said plainly (exit 1).
 */
import { randomUUID } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScript } from "../support/process.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { formatYuan } from "../../shared/domain/money.js";
import { localDate, previousPeriod, statementId } from "../../shared/domain/settlement.js";
import { runSettlement } from "../../shared/use-cases/settlement.js";
import { sendAll } from "../../shared/queues/send.js";
import { statementKey } from "../../shared/store/keys.js";
import { readStatement } from "../../shared/store/statements.js";
import { platform } from "../../shared/wiring/platform.js";
import { eventually, startTestRuntime, tableNamesOf, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";
import { ledgerRecord, seedLedger, seedMerchant, seedPartner } from "../support/settlement.js";

const { db, sqs } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;
let tables: Record<"campaigns" | "inventory" | "redemptions" | "settlements" | "merchants" | "partners", string>;

const ZONE = "Asia/Shanghai";
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "reconcile-e2e");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "redemptions", "settlements", "merchants", "partners"]);
  operatorToken = await signLocalToken({ sub: "op-reconcile", operator: true, settings: TEST_JWT });
  await seedPartner(db, tables.partners, { id: "bank-r", payoutUrl: runtime.partnerSimulator.payoutUrl });
});

afterAll(async () => {
  await runtime?.stop();
});

/** `npm run reconcile` in one process (no npm wrapper). */
const reconcile = (args: string[]) => runScript("scripts/reconcile.ts", args);

/** The printed row of a figure: label, fen, yuan. */
const figureLine = (label: string, fen: number) => new RegExp(`^  ${label}\\s+${fen} fen\\s+${formatYuan(fen).replace(/[.$¥-]/g, "\\$&")}`, "m");

describe("npm run reconcile", () => {
  const campaignId = unique("rc");
  const settled = [unique("rc-shop"), unique("rc-shop")];
  const late = unique("rc-shop");
  const yesterday = previousPeriod(localDate(new Date(), ZONE));

  beforeAll(async () => {
    await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 5 * 86_400_000).toISOString() });
    for (const id of [...settled, late]) await seedMerchant(db, tables.merchants, { id, partnerId: "bank-r" });
    const noon = `${yesterday}T12:00:00+08:00`;
    await seedLedger(db, tables.redemptions, [
      // Settled by yesterday's run: 3,000 + 6,000 − 3,000 for the first shop, 3,000 × 2 for the second.
      ledgerRecord({ campaignId, merchantId: settled[0]!, partnerId: "bank-r", occurredAt: noon, discount: 3_000 }),
      ledgerRecord({ campaignId, merchantId: settled[0]!, partnerId: "bank-r", occurredAt: noon, discount: 6_000 }),
      ledgerRecord({ campaignId, merchantId: settled[0]!, partnerId: "bank-r", occurredAt: `${yesterday}T15:00:00+08:00`, kind: "REVERSAL", discount: 3_000 }),
      ledgerRecord({ campaignId, merchantId: settled[1]!, partnerId: "bank-r", occurredAt: noon, discount: 3_000 }),
      ledgerRecord({ campaignId, merchantId: settled[1]!, partnerId: "bank-r", occurredAt: noon, discount: 3_000 }),
      // Today's: after the run's cut-off, so unsettled.
      ledgerRecord({ campaignId, merchantId: late, partnerId: "bank-r", occurredAt: new Date().toISOString(), discount: 6_000 }),
    ]);
    const send = async (messages: readonly unknown[]) => void (await sendAll(sqs, runtime.resources.queues.settlements!.url, messages));
    const planned = await runSettlement({ db, tables, now: () => new Date(), period: yesterday, campaignId, operator: "op-reconcile", send });
    expect(planned.runs[0]!.pairs).toBe(2);
    await eventually(
      async () => {
        const statements = await Promise.all(settled.map((merchantId) => readStatement(db, tables.settlements, { campaignId, merchantId, period: yesterday })));
        return statements.every((statement) => statement?.status === "PAID") ? true : undefined;
      },
      30_000,
      "two PAID statements",
    );
  });

  it("prints balanced books in fen and yuan and exits 0", async () => {
    const { code, stdout, stderr } = await reconcile(["--campaign", campaignId, "--url", runtime.url, "--token", operatorToken]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`campaign ${campaignId} on ${runtime.url}: balanced`);
    expect(stdout).toMatch(figureLine("redeemed", 21_000));
    expect(stdout).toMatch(figureLine("reversed", 3_000));
    expect(stdout).toMatch(figureLine("in statements", 12_000));
    expect(stdout).toMatch(figureLine("unsettled", 6_000));
    expect(stdout).toMatch(figureLine("difference", 0));
    expect(stdout).toMatch(figureLine("paid", 12_000));
    expect(stdout).toMatch(/^ {2}merchants\s+3$/m);
    expect(stdout).toMatch(/^ {2}records\s+6$/m);
    expect(stdout).toMatch(/^ {2}statements\s+BUILDING 0, PENDING 0, PAID 2, HELD 0, FAILED 0, CARRIED 0, FORFEITED 0$/m);
    expect(stdout).not.toContain("problems");

    const json = await reconcile(["--campaign", campaignId, "--url", runtime.url, "--token", operatorToken, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ campaignId, balanced: true, redeemed: 21_000, reversed: 3_000, inStatements: 12_000, unsettled: 6_000, difference: 0, problems: [] });
  });

  it("says plainly when the campaign is unknown or the token is refused, and exits 1", async () => {
    const missing = await reconcile(["--campaign", "no-such-campaign", "--url", runtime.url, "--token", operatorToken]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no campaign no-such-campaign on ${runtime.url} (404`);

    const forged = await signLocalToken({ sub: "op-reconcile", operator: true, settings: { secret: "not-the-secret" } });
    const unauthorized = await reconcile(["--campaign", campaignId, "--url", runtime.url, "--token", forged]);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain(`${runtime.url} refused the token (401`);

    const resident = await signLocalToken({ sub: "resident-reconcile", settings: TEST_JWT });
    const forbidden = await reconcile(["--campaign", campaignId, "--url", runtime.url, "--token", resident]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("the token is not an operator's");
    expect(forbidden.stdout).toBe("");
  });

  it("prints the problem and exits 1 when a statement's net was tampered with", async () => {
    const merchantId = settled[1]!;
    await db.send(
      new UpdateCommand({ TableName: tables.settlements, Key: statementKey(campaignId, merchantId, yesterday), UpdateExpression: "SET net = :net", ExpressionAttributeValues: { ":net": 6_100 } }),
    );
    const { code, stdout } = await reconcile(["--campaign", campaignId, "--url", runtime.url, "--token", operatorToken]);
    expect(code).toBe(1);
    expect(stdout).toContain(`campaign ${campaignId} on ${runtime.url}: NOT balanced`);
    expect(stdout).toMatch(figureLine("in statements", 12_100));
    expect(stdout).toMatch(figureLine("difference", -100));
    expect(stdout).toContain("problems (");
    expect(stdout).toContain(`  - statement ${statementId(campaignId, merchantId, yesterday)} has net 6100 but its records add up to 6000`);
    expect(stdout).toContain("(difference -100 fen)");
  });
});
