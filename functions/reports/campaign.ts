/**
 * GET /admin/reports/campaigns/{id}?format=csv|json (operator): the bureau's report of a campaign.
 * JSON by default; CSV as an attachment, UTF-8 with a BOM (shared/domain/report.ts has the layout).
 */
import { reportQuerySchema } from "../../shared/api/report-schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { type HttpReply, httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { campaignReport } from "../../shared/use-cases/report.js";
import { pathIdOf } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event }): Promise<HttpReply> => {
  const campaignId = pathIdOf(event);
  const { format } = parseWith(reportQuerySchema, event.queryStringParameters ?? {}, "query");
  const answer = await campaignReport({
    ...dependenciesOf("campaignReport"),
    campaignId,
    format,
  });
  if (answer.format === "json") return { status: 200, body: answer.report, headers: { "cache-control": "no-store" } };
  return {
    status: 200,
    text: answer.csv,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${campaignId}-report.csv"`,
      "cache-control": "no-store",
    },
  };
});
