/**
 * What `bench:claims` measured, as the drop-day model reads it: the run's setting and its per-call
 * figures, written to `.cache/bench-claims.json` at the end of every run. The simulator takes its
 * per-call costs (WCU per success, calls per success, the import time behind a cold start, the
 * handler's CPU time) from here, and `--replay` plays this very run's setting to check that the
 * model predicts its sell-out time.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { z } from "zod";

/** Where `bench:claims` writes its figures, relative to the repository root. */
export const BENCH_CLAIMS_FIGURES = ".cache/bench-claims.json";

const ms = z.number().nonnegative();
const count = z.number().nonnegative();

export const benchClaimsFiguresSchema = z
  .object({
    version: z.literal(1),
    measuredAt: z.iso.datetime(),
    setting: z.object({ attempts: z.number().int().positive(), stock: z.number().int().positive(), concurrency: z.number().int().positive(), shards: z.number().int().positive() }),
    flood: z.object({
      /** From the first attempt to the last success, seconds. */
      sellOutSeconds: z.number().positive(),
      successes: count,
      latencyMeanMs: ms,
      /** Mean latency of the attempts answered 201. */
      successLatencyMeanMs: ms,
      latencyP50Ms: ms,
      latencyP99Ms: ms,
      /** Mean latency of each DynamoDB command the handlers sent during the flood, timed around the SDK call. */
      callMs: z.record(z.string(), z.object({ calls: count, meanMs: ms })),
    }),
    /** Mean latency of attempts answered from the sold-out cache at the same concurrency: HTTP, gateway, handler, no DynamoDB. */
    afterSellOutMeanMs: ms.nullable(),
    perSuccess: z.object({ calls: z.record(z.string(), count), wcu: count, rcu: count }),
    import: z.object({ p50Ms: ms, p50WithSourceMapsMs: ms }),
    /** Node CPU per success of the handler called directly (no HTTP), ms. */
    handlerCpuMsPerSuccess: ms.nullable(),
    /**
     * What the saturated local runtime serves, measured in the same run with the flood's
     * concurrency: the `--replay` server's rates. Absent in files written before 2026-12-05.
     */
    saturated: z
      .object({
        /** The same claims over HTTP into a drop with stock for all (the single HTTP phase, right before the flood), successes/s. */
        successesPerSecond: z.number().positive(),
        /** Answers/s from the sold-out cache after sell-out (no DynamoDB call). */
        soldOutAnswersPerSecond: z.number().positive().nullable(),
        /** The raw baseline (the success's calls straight at DynamoDB Local, no HTTP), DynamoDB calls/s of its faster run. */
        rawCallsPerSecond: z.number().positive(),
        /** The flood's wall time and CPU: Node (load, gateway, handlers) and DynamoDB Local's Java (null where not measurable). */
        floodCpu: z.object({ wallMs: ms, nodeMs: ms, javaMs: ms.nullable() }).strict(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type BenchClaimsFigures = z.infer<typeof benchClaimsFiguresSchema>;

/** Reads and checks a figures file; throws an Error saying what is wrong. */
export function readBenchClaimsFigures(path: string): BenchClaimsFigures {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path} (run npm run bench:claims first): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = benchClaimsFiguresSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path} is not a bench:claims figures file of version 1: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  }
  return parsed.data;
}

/** Writes a figures file (checked first), creating its folder. */
export function writeBenchClaimsFigures(path: string, figures: BenchClaimsFigures): void {
  const checked = benchClaimsFiguresSchema.parse(figures);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(checked, null, 2)}\n`);
}

/**
 * Times every call a DynamoDB client sends, by command, from the outside of the SDK's stack
 * (serialisation, retries and the round trip included), while it is switched on.
 */
export class CallTimer {
  private on = false;
  private readonly calls = new Map<string, { calls: number; totalMs: number }>();

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.on) return next(args);
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
          const entry = this.calls.get(command) ?? { calls: 0, totalMs: 0 };
          entry.calls += 1;
          entry.totalMs += performance.now() - started;
          this.calls.set(command, entry);
        }
      },
      { step: "initialize", name: "dropDayCallTimer", priority: "high" },
    );
  }

  start(): void {
    this.on = true;
  }

  stop(): void {
    this.on = false;
  }

  /** Calls and mean latency by command, over the time it was on. */
  figures(): Record<string, { calls: number; meanMs: number }> {
    return Object.fromEntries([...this.calls].map(([command, { calls, totalMs }]) => [command, { calls, meanMs: calls > 0 ? totalMs / calls : 0 }]));
  }
}
