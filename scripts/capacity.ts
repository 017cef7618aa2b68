/**
 * `npm run capacity -- --attempts-per-second N [--wcu-per-attempt W] [--headroom H]`
 * prints how many inventory shards a drop needs for that claim rate, and why.
 */
import { z } from "zod";
import { parseCommandLine } from "./cli.js";
import { CLAIM_WCU_PER_ATTEMPT, DEFAULT_HEADROOM, planShards } from "../shared/domain/capacity.js";

const USAGE =
  "usage: npm run capacity -- --attempts-per-second N [--wcu-per-attempt W] [--headroom H]\n" +
  `  --wcu-per-attempt  write units one claim attempt costs (default ${CLAIM_WCU_PER_ATTEMPT})\n` +
  `  --headroom         safety factor ≥ 1 over the average load (default ${DEFAULT_HEADROOM})`;

// parseArgs hands over strings; each must read as a finite positive number.
const positiveNumber = z.string().trim().min(1, "must be a number").pipe(z.coerce.number<string>().positive());

const argsSchema = z.object({
  "attempts-per-second": z.string({ error: "is required" }).pipe(positiveNumber),
  "wcu-per-attempt": positiveNumber.default(CLAIM_WCU_PER_ATTEMPT),
  headroom: positiveNumber.default(DEFAULT_HEADROOM),
});

const args = parseCommandLine({
  usage: USAGE,
  options: {
    "attempts-per-second": { type: "string" },
    "wcu-per-attempt": { type: "string" },
    headroom: { type: "string" },
  },
  schema: argsSchema,
});
try {
  const plan = planShards({
    attemptsPerSecond: args["attempts-per-second"],
    wcuPerAttempt: args["wcu-per-attempt"],
    headroom: args.headroom,
  });
  console.log(`shards: ${plan.shards}`);
  console.log(plan.explanation);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
