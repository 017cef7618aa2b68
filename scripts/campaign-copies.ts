/**
 * `npm run campaign:copies -- --campaign ID [--copies N] [--aws [--region R] [--stage S] [--table NAME]]`
 * rewrites a campaign's read copies (shared/store/campaign-copies.ts) from the campaign, read
 * strongly consistent: the same use case the replicator (`copyCampaign`) runs on the campaigns
 * stream. For the drop-day checklist (campaigns published before the replicator existed have no
 * copies) and after a `streamFailures` alarm (docs/runbook.md). On the platform `npm start` runs
 * (found through its state file), or on AWS with `--aws`: the campaigns table is the one table
 * CloudFormation named `<app>-stateful-Campaigns…` (`--stage S`: `S-vouchers-stateful-Campaigns…`),
 * or `--table NAME`. Exit 0 when the copies hold the campaign, 1 when there is no such campaign, it
 * is too large to copy, or nothing runs; 2 on bad arguments.
 */
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../infra/local/emulators.js";
import { physicalName } from "../infra/local/provision.js";
import { runningPlatform } from "../infra/local/state-file.js";
import { CAMPAIGN_COPIES, MAX_CAMPAIGN_COPIES } from "../shared/domain/shard-plan.js";
import { refreshCampaignCopies } from "../shared/use-cases/campaign-copies.js";
import { platform } from "../shared/wiring/platform.js";
import { parseCommandLine } from "./cli.js";

// See infra/local/main.ts: the SDK's Node 22 notice is noise under the pinned versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = [
  "usage: npm run campaign:copies -- --campaign ID [--copies N] [--aws [--region R] [--stage S] [--table NAME]]",
  "  rewrites the campaign's read copies from the campaign (strongly consistent read)",
  "  --campaign ID  the campaign",
  `  --copies N     how many copies to write, 1–${MAX_CAMPAIGN_COPIES} (default ${CAMPAIGN_COPIES}; under a drop plan its claimFunction.campaignCopies)`,
  "  --aws          on AWS (default credentials and region) instead of the local platform of npm start",
  "  --region R     AWS region (with --aws; default: from the environment)",
  "  --stage S      the stage deployed with -c vouchers:stage=S (with --aws)",
  "  --table NAME   the campaigns table's physical name (with --aws; default: found by its stack's name)",
].join("\n");

const argsSchema = z
  .object({
    campaign: z.string({ error: (issue) => (issue.input === undefined ? "is required" : undefined) }).min(1),
    copies: z.coerce.number().int().min(1).max(MAX_CAMPAIGN_COPIES).default(CAMPAIGN_COPIES),
    aws: z.boolean().default(false),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "is not an AWS region such as eu-west-1").optional(),
    stage: z.string().min(1).optional(),
    table: z.string().min(3).optional(),
  })
  .refine((args) => args.aws || (args.region === undefined && args.stage === undefined && args.table === undefined), { path: ["aws"], error: "--region, --stage and --table need --aws" });

/** A problem the user fixes by starting something or changing flags. */
class UsageError extends Error {}

interface Target {
  client: DynamoDBClient;
  table: string;
  where: string;
}

async function localTarget(): Promise<Target> {
  const state = await runningPlatform();
  if (!state) throw new UsageError("no local platform is running: start it with npm start, or pass --aws");
  return {
    client: new DynamoDBClient({ endpoint: state.dynamodbEndpoint, region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS }),
    table: physicalName(state.prefix, "campaigns"),
    where: `the local platform at ${state.url} (prefix ${state.prefix})`,
  };
}

/** AWS: the stateful stack leaves table names to CloudFormation, `<stack>-<logical id>-<suffix>`. */
async function awsTarget(args: { region?: string | undefined; stage?: string | undefined; table?: string | undefined }): Promise<Target> {
  const client = new DynamoDBClient(args.region ? { region: args.region } : {});
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    throw new UsageError("no AWS region: pass --region R, or set AWS_REGION (or a region in your AWS profile)");
  }
  if (args.table !== undefined) return { client, table: args.table, where: `AWS (${region})` };
  // As infra/stage.ts names a stage's app (not imported: it loads the CDK).
  const app = args.stage === undefined ? platform.app : `${args.stage}-${platform.app}`;
  const prefix = `${app}-stateful-Campaigns`;
  const found: string[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    found.push(...(page.TableNames ?? []).filter((name) => name.startsWith(prefix)));
    start = page.LastEvaluatedTableName;
  } while (start);
  if (found.length !== 1) {
    throw new UsageError(`${found.length === 0 ? "no table" : `${found.length} tables (${found.join(", ")})`} named ${prefix}… in ${region}: pass --table NAME`);
  }
  return { client, table: found[0]!, where: `AWS (${region})` };
}

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { campaign: { type: "string" }, copies: { type: "string" }, aws: { type: "boolean" }, region: { type: "string" }, stage: { type: "string" }, table: { type: "string" } },
    schema: argsSchema,
  });
  let target: Target | undefined;
  try {
    target = args.aws ? await awsTarget(args) : await localTarget();
    const db = DynamoDBDocumentClient.from(target.client, { marshallOptions: { removeUndefinedValues: true } });
    const refreshed = await refreshCampaignCopies({ db, tables: { campaigns: target.table }, now: () => new Date(), campaignId: args.campaign, copies: args.copies });
    console.log(JSON.stringify({ message: "campaign copies", campaignId: args.campaign, table: target.table, where: target.where, ...refreshed }, null, 2));
    if (refreshed.outcome === "absent") console.error(`no campaign ${args.campaign} in ${target.table}`);
    if (refreshed.outcome === "too-large") console.error(`campaign ${args.campaign} is too large for a read copy: claims read the campaign itself`);
    return refreshed.outcome === "written" ? 0 : 1;
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : `campaign copies failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    target?.client.destroy();
  }
}

process.exitCode = await main();
