/**
 * `npm run report -- --campaign ID [--format csv|json] [--out FILE] [--url URL] [--token TOKEN]`
 * fetches the bureau's report of a campaign (GET /admin/reports/campaigns/{id}) and writes it to
 * FILE or stdout, the bytes as the platform sent them (the CSV's BOM kept), with a short summary
 * on stderr. CSV by default. By default it asks the platform `npm start` runs (found through its
 * state file) with a local operator token; on AWS, pass the API's `--url` and an operator's
 * `--token`. Exit 0 when the report was written, 1 when it could not be fetched or written, 2 on
 * bad arguments.
 */
import { writeFile } from "node:fs/promises";
import { z } from "zod";
import { jwtSettingsFromEnv, signLocalToken } from "../infra/local/jwt.js";
import { campaignReportSchema } from "../shared/api/report-schemas.js";
import { idSchema } from "../shared/domain/campaign.js";
import { formatYuan } from "../shared/domain/money.js";
import { BOM, REPORT_HEADERS, parseCsv } from "../shared/domain/report.js";
import { parseCommandLine } from "./cli.js";
import { CommandError, getCampaignResource, targetPlatform } from "./operator-client.js";

const USAGE = [
  "usage: npm run report -- --campaign ID [--format csv|json] [--out FILE] [--url URL] [--token TOKEN]",
  "  the bureau's report of a campaign, as the platform makes it; a summary goes to stderr",
  "  --campaign ID      the campaign",
  "  --format csv|json  csv (default: UTF-8 with a BOM, for spreadsheet programs) or json",
  "  --out FILE         write the report to FILE (default: stdout)",
  "  --url URL          the platform's base URL (default: the local platform of npm start)",
  "  --token TOKEN      an operator's bearer token (default: a local one, signed with VOUCHERS_LOCAL_JWT_SECRET)",
].join("\n");

const argsSchema = z.object({
  campaign: z.string({ error: (issue) => (issue.input === undefined ? "is required" : undefined) }).pipe(idSchema),
  format: z.enum(["csv", "json"], { error: "must be csv or json" }).default("csv"),
  out: z.string().min(1).optional(),
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  token: z.string().min(1).optional(),
});

/** The report's bytes, exactly as the platform answered them. */
async function fetchReport(base: string, campaignId: string, format: "csv" | "json", token: string): Promise<Buffer> {
  return getCampaignResource(base, `/admin/reports/campaigns/${encodeURIComponent(campaignId)}?format=${format}`, campaignId, token);
}

interface Headline {
  dropsHeld: string;
  participatingMerchants: string;
  vouchersIssued: string;
  claimed: string;
  redeemed: string;
  subsidy: string;
  grossSales: string;
  leverage: string;
}

/** The figures of the summary line, read back from what was written (so the summary checks it). */
function headline(bytes: Buffer, format: "csv" | "json", url: string): Headline {
  const fail = (why: string): never => {
    throw new CommandError(`GET ${url} answered 200 with ${why}`);
  };
  const money = (fen: string | number) => `${fen} fen (${formatYuan(Number(fen))})`;
  if (format === "json") {
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString("utf8"));
    } catch {
      return fail("a body that is not JSON");
    }
    const parsed = campaignReportSchema.safeParse(body);
    if (!parsed.success) return fail(`an unexpected body: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    const s = parsed.data.summary;
    return {
      dropsHeld: String(s.dropsHeld),
      participatingMerchants: String(s.participatingMerchants),
      vouchersIssued: String(s.vouchersIssued),
      claimed: String(s.claimed),
      redeemed: String(s.redeemed),
      subsidy: money(s.subsidy),
      grossSales: money(s.grossSales),
      leverage: String(s.leverage),
    };
  }
  const text = bytes.toString("utf8");
  if (!text.startsWith(BOM)) fail("CSV without a byte-order mark");
  const rows = parseCsv(text);
  const value = (label: string) => rows.find((row) => row[0] === label)?.[1] ?? fail(`CSV without the figure "${label}"`);
  return {
    dropsHeld: value(REPORT_HEADERS.dropsHeld),
    participatingMerchants: value(REPORT_HEADERS.participatingMerchants),
    vouchersIssued: value(REPORT_HEADERS.vouchersIssued),
    claimed: value(REPORT_HEADERS.claimed),
    redeemed: value(REPORT_HEADERS.redeemed),
    subsidy: money(value(REPORT_HEADERS.subsidy)),
    grossSales: money(value(REPORT_HEADERS.grossSales)),
    leverage: value(REPORT_HEADERS.leverage),
  };
}

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { campaign: { type: "string" }, format: { type: "string" }, out: { type: "string" }, url: { type: "string" }, token: { type: "string" } },
    schema: argsSchema,
  });
  try {
    const base = await targetPlatform(args.url);
    // Without --token, a local operator token: what `npm run token -- --sub … --operator` prints.
    const token = args.token ?? (await signLocalToken({ sub: "report-cli", operator: true, expiresInSeconds: 300, settings: jwtSettingsFromEnv() }));
    const bytes = await fetchReport(base, args.campaign, args.format, token);
    const figures = headline(bytes, args.format, `${base}/admin/reports/campaigns/${args.campaign}`);
    if (args.out !== undefined) {
      try {
        await writeFile(args.out, bytes);
      } catch (error) {
        throw new CommandError(`could not write ${args.out}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else {
      await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
    }
    console.error(
      [
        `campaign ${args.campaign} on ${base}: ${args.format} report, ${bytes.length} bytes, written to ${args.out ?? "stdout"}`,
        `  drops held ${figures.dropsHeld}, participating merchants ${figures.participatingMerchants}`,
        `  vouchers issued ${figures.vouchersIssued}, claimed ${figures.claimed}, redeemed ${figures.redeemed}`,
        `  subsidy ${figures.subsidy}, sales driven ${figures.grossSales}, leverage ${figures.leverage}`,
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    console.error(error instanceof CommandError ? error.message : `report failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
