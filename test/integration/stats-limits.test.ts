/**
 * Stats at the limits of number arithmetic, on DynamoDB Local: gross sales past 2^53 fen (two
 * payments of 5e15 fen, as accepted before amounts were bounded, used to fail the stats batch).
 * The projection applies them, its counters stay exact, and the figures are exact to the fen
 * whenever they are safe integers (refused by name, never rounded, when not).
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { getCampaignStats, projectStats } from "../../shared/use-cases/stats.js";
import { readStats } from "../../shared/store/stats.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { seedMerchant } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";
import { FenOverflowError } from "../../shared/errors.js";

const { db } = testClients();
let tables: { campaigns: string; inventory: string; merchants: string; stats: string };

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "stats-limits");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "merchants", "stats"]);
});

it("a batch whose gross sales pass 2^53 fen is applied exactly; figures are exact again once back within the safe integers", async () => {
  const campaignId = `c-${randomUUID().slice(0, 8)}`;
  const merchantId = `m-${randomUUID().slice(0, 8)}`;
  await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 2, drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 1 }] });
  await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", status: "APPROVED", sector: "supermarket" });
  const occurredAt = new Date().toISOString();
  const record = (kind: "REDEMPTION" | "REVERSAL", transactionId: string, amount: number, discount: number) => ({
    eventId: `${campaignId}-${kind}-${transactionId}`,
    eventName: "INSERT" as const,
    newImage: { pk: `LEDGER#${campaignId}#${merchantId}`, sk: `${occurredAt}#bank-a#${transactionId}#${kind[0]}`, kind, campaignId, merchantId, amount, discount, occurredAt, paymentOccurredAt: occurredAt },
  });

  const outcome = await projectStats({ db, tables, now: () => new Date(), changes: [record("REDEMPTION", "t1", 5e15, 3_000), record("REDEMPTION", "t2", 5e15, 3_000)] });

  expect(outcome.counted).toBe(2);
  expect((await readStats(db, tables.stats, campaignId)).get("TOTAL")).toMatchObject({ redemptions: 2, redemptionDiscount: 6_000, redemptionAmount: 10_000_000_000_000_000n });
  // 10^16 fen is no safe integer: the figure is refused by name rather than rounded.
  await expect(getCampaignStats({ db, tables, campaignId })).rejects.toBeInstanceOf(FenOverflowError);

  await projectStats({ db, tables, now: () => new Date(), changes: [record("REVERSAL", "t2", 5e15, -3_000)] });
  expect(await getCampaignStats({ db, tables, campaignId })).toMatchObject({ redeemed: 1, reversed: 1, subsidy: 3_000, grossSales: 5e15 });
});
