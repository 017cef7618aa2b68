/**
 * `npm run sweep:expired -- [--now ISO] [--max N]` runs the expiry sweep by hand on the
 * platform `npm start` runs (found through its state file): the same use case the daily
 * `expiry-sweep` schedule runs, against its tables, printing the outcome the schedule logs. The
 * running platform's stream pollers then project the expiries into the stats. `--now` sweeps as
 * if it were that instant (rehearsals: vouchers claimed today are due 8 days on). Exit 0 when the
 * sweep completed, 1 when it stopped early, failed somewhere, or nothing is running; 2 on bad
 * arguments. On AWS invoke the function instead (docs/runbook.md, "Voucher expiry").
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../infra/local/emulators.js";
import { physicalName } from "../infra/local/provision.js";
import { runningPlatform } from "../infra/local/state-file.js";
import { sweepExpiredVouchers } from "../shared/use-cases/expiry.js";
import { parseCommandLine } from "./cli.js";

const USAGE = [
  "usage: npm run sweep:expired -- [--now ISO] [--max N]",
  "  marks CLAIMED vouchers past expiry + the grace period EXPIRED on the local platform of npm start",
  "  --now ISO   sweep as if it were this instant (default: now)",
  "  --max N     start at most N voucher writes (default: the function's own limit)",
].join("\n");

const argsSchema = z.object({
  now: z.iso.datetime({ offset: true }).optional(),
  max: z.coerce.number().int().positive().optional(),
});

async function main(): Promise<number> {
  const args = parseCommandLine({ usage: USAGE, options: { now: { type: "string" }, max: { type: "string" } }, schema: argsSchema });
  const state = await runningPlatform();
  if (!state) {
    console.error("no local platform is running: start it with npm start (on AWS, invoke the sweep function; see docs/runbook.md)");
    return 1;
  }
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: state.dynamodbEndpoint, region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS }));
  const now = args.now === undefined ? new Date() : new Date(args.now);
  const outcome = await sweepExpiredVouchers({
    db,
    tables: { campaigns: physicalName(state.prefix, "campaigns"), vouchers: physicalName(state.prefix, "vouchers") },
    now: () => now,
    ...(args.max === undefined ? {} : { limits: { maxVouchers: args.max } }),
  });
  console.log(JSON.stringify({ message: "expiry sweep", platform: state.url, ...outcome }, null, 2));
  return outcome.complete && outcome.failed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
