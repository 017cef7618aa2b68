/** The answer of GET /admin/campaigns/{id}/stats (API.md, stats). Money is integer fen. */
import * as z from "../zod.js";
import { fen } from "../domain/money.js";

const sales = z.object({
  redeemed: z.int().describe("Redemptions not reversed"),
  reversed: z.int(),
  subsidy: z.int().describe("Their discounts, fen"),
  grossSales: z.int().describe("Their payment amounts before discount, fen"),
  leverage: z.number().describe("grossSales ÷ subsidy, 2 decimals (0 without subsidy)"),
});

const programmeRow = z.object({
  awards: z.int().describe("Awards approved"),
  amount: fen.describe("What they commit, fen"),
  paid: fen.describe("Paid, fen"),
  pending: fen.describe("Approved, not paid yet (payout under way or FAILED), fen"),
});

/** The merchant programmes' awards (paid outside vouchers, from the programmes' own budgets), as the stats and the report show them. */
export const programmeFiguresSchema = z
  .object({
    total: programmeRow,
    byKind: z.record(z.string(), programmeRow).describe("growth_reward, event_subsidy, new_enterprise, trade_in"),
    byTier: z.record(z.string(), programmeRow).describe("Growth rewards by the tier reached (its minGrowthPercent)"),
    bySector: z.record(z.string(), programmeRow),
  })
  .meta({ id: "ProgrammeFigures" });

export const campaignStatsSchema = z
  .object({
    campaignId: z.string(),
    budget: z.int(),
    claimed: z.int().describe("Vouchers ever claimed"),
    redeemed: z.int().describe("Redemptions not reversed: vouchers and instant discounts"),
    reversed: z.int().describe("Redemptions reversed by refunds or fraud clawbacks: vouchers and instant discounts"),
    expired: z.int().describe("Vouchers that expired unused"),
    subsidy: z.int().describe("Discounts of the redemptions not reversed (vouchers and instant discounts), fen"),
    grossSales: z.int().describe("Their payment amounts before discount, fen"),
    redemptionRate: z.number().describe("Voucher redemptions not reversed ÷ vouchers claimed, 4 decimals (instant discounts need no claim)"),
    leverage: z.number().describe("grossSales ÷ subsidy, 2 decimals"),
    remainingBudget: z.int().describe("budget − subsidy − discounts of claimed vouchers still usable, fen"),
    instantDiscounts: z
      .object({
        applied: z.int().describe("Instant discounts applied and not reversed nor clawed back"),
        subsidy: z.int().describe("Their discounts, fen"),
        grossSales: z.int().describe("Their payment amounts before discount, less what was refunded, fen"),
      })
      .describe("The instant (card-swipe) part of the figures above, which cover both kinds of benefit; zeros when none"),
    bySector: z.record(z.string(), sales),
    byDay: z.record(
      z.string(),
      z.object({ claimed: z.int(), redeemed: z.int(), reversed: z.int(), expired: z.int(), subsidy: z.int(), grossSales: z.int() }),
    ).describe("By calendar day in the campaign's zone: claims by claim day, redemptions (and their reversals) by payment day, expiries by expiry day"),
    byMerchant: z.record(z.string(), sales),
    programmes: programmeFiguresSchema.describe("Every merchant programme's awards, platform-wide: not this campaign's money"),
  })
  .meta({ id: "CampaignStats" });
