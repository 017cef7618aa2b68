/**
 * GET /admin/reports/campaigns/{id}: the bureau's report of a campaign (shared/domain/report.ts),
 * from the campaign and its drops (read strongly consistent) and the projected stats, the same
 * figures GET /admin/campaigns/{id}/stats answers, with the merchant programmes' awards.
 */
import { type CampaignReport, buildCampaignReport, campaignReportCsv } from "../domain/report.js";
import { NotFoundError } from "../errors.js";
import { loadCampaign } from "../store/campaigns.js";
import { readStats } from "../store/stats.js";
import { instantDiscountsView, statsView } from "./stats.js";
import type { Dependencies } from "./dependencies.js";
import { programmeAwardFigures } from "./programme-payouts.js";

/** The report object (the JSON format). */
export async function getCampaignReport(input: Dependencies<"campaigns" | "stats" | "programmes"> & { campaignId: string }): Promise<CampaignReport> {
  const loaded = await loadCampaign(input.db, input.tables.campaigns, input.campaignId, { consistent: true });
  if (!loaded) throw new NotFoundError(`Campaign ${input.campaignId} not found`);
  const buckets = await readStats(input.db, input.tables.stats, input.campaignId);
  const stats = { ...statsView(loaded.campaign, buckets), byInstantDiscount: instantDiscountsView(buckets) };
  const report = buildCampaignReport({ campaign: loaded.campaign, drops: loaded.drops, stats, now: input.now() });
  return { ...report, programmes: await programmeAwardFigures(input) };
}

/** The report in the format asked for: the object for json, the CSV text (BOM first) for csv. */
export async function campaignReport(
  input: Dependencies<"campaigns" | "stats" | "programmes"> & { campaignId: string; format: "json" | "csv" },
): Promise<{ format: "json"; report: CampaignReport } | { format: "csv"; csv: string }> {
  const report = await getCampaignReport(input);
  return input.format === "csv" ? { format: "csv", csv: campaignReportCsv(report) } : { format: "json", report };
}
