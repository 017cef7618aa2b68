/**
 * `npm run capacity -- --attempts-per-second N --stock S [measured inputs] [--json] [--out plan.json]`
 * prints the plan for a drop (shards, warm throughput, provisioned concurrency, quota raises) and
 * why; `--out` writes it for the CDK app (`-c vouchers:dropPlan=plan.json`, docs/deploy.md).
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { numberFlagSchema, parseCommandLine } from "./cli.js";
import {
  CAMPAIGN_CACHE_FLOOR_MS,
  CLAIM_WCU_PER_ATTEMPT,
  DEFAULT_CLAIM_MS,
  DEFAULT_HEADROOM,
  DEFAULT_IDEMPOTENCY_WCU_PER_ATTEMPT,
  DEFAULT_KEYED_SHARE,
  DEFAULT_RCU_PER_ATTEMPT,
  DEFAULT_WCU_PER_SUCCESS,
  DROP_PLAN_TABLES,
  type DropPlan,
  planDrop,
} from "../shared/domain/capacity.js";

const USAGE =
  "usage: npm run capacity -- --attempts-per-second N --stock S [--json] [--out plan.json]\n" +
  "                           [--wcu-per-attempt W] [--wcu-per-success W] [--rcu-per-attempt R]\n" +
  "                           [--idempotency-wcu W] [--keyed-share F] [--claim-ms MS] [--headroom H]\n" +
  "  --attempts-per-second  claim attempts per second expected at the drop's peak\n" +
  "  --stock                units of stock in the drop (a shard holds at least one)\n" +
  `  --wcu-per-attempt      write units one shard attempt costs (default ${CLAIM_WCU_PER_ATTEMPT})\n` +
  `  --wcu-per-success      write units of a success in all, shard included (default ${DEFAULT_WCU_PER_SUCCESS}; bench:claims "per success")\n` +
  `  --rcu-per-attempt      read units per attempt on vouchers (default ${DEFAULT_RCU_PER_ATTEMPT})\n` +
  `  --idempotency-wcu      write units of a keyed attempt's idempotency record (default ${DEFAULT_IDEMPOTENCY_WCU_PER_ATTEMPT})\n` +
  `  --keyed-share          share 0–1 of attempts with an Idempotency-Key (default ${DEFAULT_KEYED_SHARE})\n` +
  `  --claim-ms             p99 duration of a warm claim on Lambda, ms (default ${DEFAULT_CLAIM_MS})\n` +
  `  --headroom             safety factor ≥ 1 over the average load (default ${DEFAULT_HEADROOM})\n` +
  "  --json                 print the plan as JSON\n" +
  "  --out FILE             write the plan as JSON to FILE (for -c vouchers:dropPlan=FILE)";

const positiveNumber = numberFlagSchema.pipe(z.number().positive());

const argsSchema = z.object({
  "attempts-per-second": z.string({ error: "is required" }).pipe(positiveNumber),
  stock: z.string({ error: "is required" }).pipe(numberFlagSchema.pipe(z.number().int("must be a whole number").positive())),
  "wcu-per-attempt": positiveNumber.optional(),
  "wcu-per-success": positiveNumber.optional(),
  "rcu-per-attempt": numberFlagSchema.pipe(z.number().nonnegative()).optional(),
  "idempotency-wcu": numberFlagSchema.pipe(z.number().nonnegative()).optional(),
  "keyed-share": numberFlagSchema.pipe(z.number().min(0).max(1)).optional(),
  "claim-ms": positiveNumber.optional(),
  headroom: positiveNumber.optional(),
  json: z.boolean().optional(),
  out: z.string().min(1).optional(),
});

const args = parseCommandLine({
  usage: USAGE,
  options: {
    "attempts-per-second": { type: "string" },
    stock: { type: "string" },
    "wcu-per-attempt": { type: "string" },
    "wcu-per-success": { type: "string" },
    "rcu-per-attempt": { type: "string" },
    "idempotency-wcu": { type: "string" },
    "keyed-share": { type: "string" },
    "claim-ms": { type: "string" },
    headroom: { type: "string" },
    json: { type: "boolean" },
    out: { type: "string" },
  },
  schema: argsSchema,
});

let plan: DropPlan;
try {
  plan = planDrop({
    attemptsPerSecond: args["attempts-per-second"],
    stock: args.stock,
    ...(args["wcu-per-attempt"] === undefined ? {} : { wcuPerAttempt: args["wcu-per-attempt"] }),
    ...(args["wcu-per-success"] === undefined ? {} : { wcuPerSuccess: args["wcu-per-success"] }),
    ...(args["rcu-per-attempt"] === undefined ? {} : { rcuPerAttempt: args["rcu-per-attempt"] }),
    ...(args["idempotency-wcu"] === undefined ? {} : { idempotencyWcuPerAttempt: args["idempotency-wcu"] }),
    ...(args["keyed-share"] === undefined ? {} : { keyedShare: args["keyed-share"] }),
    ...(args["claim-ms"] === undefined ? {} : { claimMs: args["claim-ms"] }),
    ...(args.headroom === undefined ? {} : { headroom: args.headroom }),
  });
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

const json = `${JSON.stringify(plan, null, 2)}\n`;
if (args.out !== undefined) writeFileSync(resolve(args.out), json);
if (args.json) {
  process.stdout.write(json);
} else {
  const n = (value: number) => value.toLocaleString("en-US");
  console.log(`shards: ${plan.shards}`);
  for (const table of DROP_PLAN_TABLES) {
    const warm = plan.warmThroughput[table];
    console.log(`warm throughput ${table}: ${n(warm.readUnitsPerSecond)} RCU/s, ${n(warm.writeUnitsPerSecond)} WCU/s`);
  }
  console.log(`provisioned concurrency (claimVoucher): ${n(plan.claimFunction.provisionedConcurrency)}`);
  console.log(`campaign cache (claimVoucher, CLAIM_CAMPAIGN_CACHE_MS): ${n(plan.claimFunction.campaignCacheMs ?? CAMPAIGN_CACHE_FLOOR_MS)} ms`);
  console.log(
    plan.quotaRaises.length === 0
      ? "quota raises: none (AWS's defaults suffice)"
      : `quota raises: ${plan.quotaRaises.map((raise) => `${raise.quota} ${n(raise.from)} → ${n(raise.to)}`).join("; ")}`,
  );
  for (const line of plan.explanation) console.log(line);
  if (args.out !== undefined) console.log(`plan written to ${args.out}: deploy it with -c vouchers:dropPlan=${args.out}`);
}
