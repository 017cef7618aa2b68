/** The answer of GET /admin/campaigns/{id}/stats (API.md, stats). Money is integer fen. */
import * as z from "../zod.js";

const sales = z.object({
  redeemed: z.int().describe("Redemptions not reversed"),
  reversed: z.int(),
  subsidy: z.int().describe("Their discounts, fen"),
  grossSales: z.int().describe("Their payment amounts before discount, fen"),
  leverage: z.number().describe("grossSales ÷ subsidy, 2 decimals (0 without subsidy)"),
});

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
  })
  .meta({ id: "CampaignStats" });
