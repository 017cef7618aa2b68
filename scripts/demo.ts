/**
 * `npm run demo [-- --url http://127.0.0.1:3000] [--attempts 3000] [--concurrency 100] [--no-wait]`
 * plays a flash drop against the platform that `npm start` runs: residents grab the demo
 * campaign's first drop, with a progress line, then it prints what happened.
 */
import { z } from "zod";
import { runDemo } from "../infra/local/demo.js";
import { jwtSettingsFromEnv } from "../infra/local/jwt.js";
import { parseCommandLine } from "./cli.js";

const USAGE = "usage: npm run demo -- [--url URL] [--attempts N] [--concurrency N] [--no-wait]";

const argsSchema = z.object({
  url: z.url().default(`http://127.0.0.1:${process.env.PORT ?? "3000"}`),
  attempts: z.coerce.number().int().min(1).max(100_000).default(3_000),
  concurrency: z.coerce.number().int().min(1).max(1_000).default(100),
  "no-wait": z.boolean().default(false),
});

async function main(): Promise<void> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { url: { type: "string" }, attempts: { type: "string" }, concurrency: { type: "string" }, "no-wait": { type: "boolean" } },
    schema: argsSchema,
  });
  const { url, attempts, concurrency } = args;
  const progress = (line: string) => process.stderr.write(`\r\x1b[2K${line}`);
  try {
    const report = await runDemo({ url, attempts, concurrency, jwt: jwtSettingsFromEnv(), progress, waitForOpen: !args["no-wait"] });
    process.stderr.write("\n");
    console.log(`flash drop against ${url}: ${report.attempts} attempts by ${report.attempts} residents, ${concurrency} at a time`);
    console.log(`  claimed   ${report.claimed}`);
    console.log(`  sold out  ${report.soldOut}`);
    for (const [code, count] of Object.entries(report.other)) console.log(`  ${code.padEnd(9)} ${count}`);
    console.log(`  ${report.seconds.toFixed(2)} s, ${report.claimsPerSecond.toFixed(0)} claims/s`);
  } catch (error) {
    process.stderr.write("\n");
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

await main();
