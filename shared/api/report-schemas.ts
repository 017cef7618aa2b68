/**
 * GET /admin/reports/campaigns/{id}?format=csv|json: the query and the JSON answer (the bureau's
 * report, shared/domain/report.ts). Money is integer fen, with the same amount as yuan text.
 */
import * as z from "../zod.js";
import { programmeFiguresSchema } from "./stats-schemas.js";

export const REPORT_FORMATS = ["json", "csv"] as const;

export const reportQuerySchema = z.object({
  format: z.enum(REPORT_FORMATS).default("json").describe("json (default) or csv (UTF-8 with a BOM, CRLF line ends)"),
});

const yuan = z.string().describe("The same amount in yuan, e.g. ¥90.00");

export const campaignReportSchema = z
  .object({
    campaign: z.object({
      id: z.string(),
      name: z.string(),
      timezone: z.string(),
      startsAt: z.string(),
      endsAt: z.string(),
      status: z.string(),
      budget: z.int().describe("fen"),
    }),
    reportDate: z.string().describe("The day the report was made, YYYY-MM-DD in the campaign's zone"),
    summary: z.object({
      dropsHeld: z.int().describe("Drops (场次) opened by now"),
      dropsScheduled: z.int().describe("Every drop of the campaign"),
      participatingMerchants: z.int().describe("Merchants with at least one redemption not reversed"),
      vouchersIssued: z.int().describe("Units put up in the drops held; a unit rolled over counts once"),
      claimed: z.int(),
      redeemed: z.int().describe("Redemptions not reversed (vouchers and instant discounts)"),
      reversed: z.int(),
      expired: z.int(),
      redemptionRate: z.number().describe("Voucher redemptions not reversed ÷ vouchers claimed"),
      budget: z.int(),
      budgetYuan: yuan,
      subsidy: z.int().describe("Discounts of the redemptions not reversed, fen"),
      subsidyYuan: yuan,
      grossSales: z.int().describe("Sales driven: their payment amounts before discount, fen"),
      grossSalesYuan: yuan,
      leverage: z.number().describe("grossSales ÷ subsidy, 2 decimals"),
      remainingBudget: z.int(),
      remainingBudgetYuan: yuan,
    }),
    bySector: z.array(
      z.object({
        sector: z.string(),
        sectorName: z.string().describe("The sector's Chinese name"),
        redeemed: z.int(),
        reversed: z.int(),
        subsidy: z.int(),
        subsidyYuan: yuan,
        grossSales: z.int(),
        grossSalesYuan: yuan,
        leverage: z.number(),
      }),
    ),
    byDay: z.array(
      z.object({
        date: z.string(),
        claimed: z.int(),
        redeemed: z.int(),
        reversed: z.int(),
        expired: z.int(),
        subsidy: z.int(),
        subsidyYuan: yuan,
        grossSales: z.int(),
        grossSalesYuan: yuan,
      }),
    ).describe("Oldest first, by calendar day in the campaign's zone"),
    byInstantDiscount: z
      .array(
        z.object({
          instantDiscountId: z.string(),
          tiers: z.string().describe("Its tiers, lowest first: 满¥100.00减¥20.00; 满¥300.00减¥60.00"),
          applied: z.int().describe("Instant discounts applied and not reversed"),
          reversed: z.int().describe("Reversed by refunds or fraud clawbacks"),
          subsidy: z.int(),
          subsidyYuan: yuan,
          grossSales: z.int(),
          grossSalesYuan: yuan,
        }),
      )
      .describe("Per card-swipe instant discount, in definition order; also counted in the figures above, which cover both kinds of benefit"),
    programmes: programmeFiguresSchema.optional().describe("Every merchant programme's awards, platform-wide (the same figures as the stats): not this campaign's money"),
  })
  .meta({ id: "CampaignReport" });
