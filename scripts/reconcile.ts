/**
 * `npm run reconcile -- --campaign ID [--url URL] [--token TOKEN] [--json]` asks a running
 * platform whether a campaign's books balance (DESIGN.md invariant 6, GET
 * /admin/campaigns/{id}/reconciliation) and prints the figures in fen and yuan, then each problem.
 * By default it asks the platform `npm start` runs (found through its state file) with a local
 * operator token; on AWS, pass the API's `--url` and an operator's `--token`. Exit 0 when the
 * books balance, 1 when they do not or the question could not be asked, 2 on bad arguments.
 */
import { z } from "zod";
import { jwtSettingsFromEnv, signLocalToken } from "../infra/local/jwt.js";
import { reconciliationSchema } from "../shared/api/settlement-schemas.js";
import { idSchema } from "../shared/domain/campaign.js";
import { formatYuan } from "../shared/domain/money.js";
import { STATEMENT_STATUSES } from "../shared/domain/settlement.js";
import { parseCommandLine } from "./cli.js";
import { CommandError, getCampaignResource, targetPlatform } from "./operator-client.js";

const USAGE = [
  "usage: npm run reconcile -- --campaign ID [--url URL] [--token TOKEN] [--json]",
  "  checks that a campaign's books balance to the fen; exit 0 when they do, 1 when not",
  "  --campaign ID   the campaign",
  "  --url URL       the platform's base URL (default: the local platform of npm start)",
  "  --token TOKEN   an operator's bearer token (default: a local one, signed with VOUCHERS_LOCAL_JWT_SECRET)",
  "  --json          print the reconciliation as JSON",
].join("\n");

const argsSchema = z.object({
  campaign: z.string({ error: (issue) => (issue.input === undefined ? "is required" : undefined) }).pipe(idSchema),
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  token: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

type Reconciliation = z.infer<typeof reconciliationSchema>;

async function fetchReconciliation(base: string, campaignId: string, token: string): Promise<Reconciliation> {
  const path = `/admin/campaigns/${encodeURIComponent(campaignId)}/reconciliation`;
  const url = `${base}${path}`;
  const text = (await getCampaignResource(base, path, campaignId, token, "application/json")).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CommandError(`GET ${url} answered 200 with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const parsed = reconciliationSchema.safeParse(body);
  if (!parsed.success) throw new CommandError(`GET ${url} answered 200 with an unexpected body: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  return parsed.data;
}

function print(books: Reconciliation, base: string): void {
  const money = (fen: number) => `${String(fen).padStart(14)} fen  ${formatYuan(fen).padStart(16)}`;
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(16)}${value}`);
  console.log(`campaign ${books.campaignId} on ${base}: ${books.balanced ? "balanced" : "NOT balanced"}`);
  row("redeemed", money(books.redeemed));
  row("reversed", money(books.reversed));
  row("in statements", money(books.inStatements));
  row("unsettled", money(books.unsettled));
  row("difference", money(books.difference));
  const share = books.budget > 0 ? ` (${((books.paid / books.budget) * 100).toFixed(2)} % of the budget)` : "";
  row("paid", `${money(books.paid)}${share}`);
  row("budget", money(books.budget));
  row("merchants", String(books.merchants));
  row("records", String(books.records));
  row("statements", STATEMENT_STATUSES.map((status) => `${status} ${books.statements[status] ?? 0}`).join(", "));
  if (books.problems.length > 0) {
    console.log(`problems (${books.problems.length}):`);
    for (const problem of books.problems) console.log(`  - ${problem}`);
  }
}

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { campaign: { type: "string" }, url: { type: "string" }, token: { type: "string" }, json: { type: "boolean" } },
    schema: argsSchema,
  });
  try {
    const base = await targetPlatform(args.url);
    // Without --token, a local operator token: what `npm run token -- --sub … --operator` prints.
    const token = args.token ?? (await signLocalToken({ sub: "reconcile-cli", operator: true, expiresInSeconds: 300, settings: jwtSettingsFromEnv() }));
    const books = await fetchReconciliation(base, args.campaign, token);
    if (args.json) console.log(JSON.stringify(books, null, 2));
    else print(books, base);
    return books.balanced ? 0 : 1;
  } catch (error) {
    console.error(error instanceof CommandError ? error.message : `reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
