/**
 * The EMF lines the handler chains write (shared/observability): business metrics counted from
 * what a use case answered, in namespace Vouchers with the function's `service` dimension, one line
 * per invocation; nothing when nothing was counted; nothing at all off Lambda unless asked for.
 * Powertools Metrics writes to stdout, which these tests read.
 */
import type { Context } from "aws-lambda";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// Before the metrics module is evaluated: publish here, as on Lambda, under the claim function's
// name. Put back afterwards: the next test file in this worker must not publish.
const before = vi.hoisted(() => {
  const saved = { POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED, POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME };
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  process.env.POWERTOOLS_SERVICE_NAME = "claimVoucher";
  return saved;
});
afterAll(() => {
  for (const [name, value] of Object.entries(before)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

import { LimitReachedError, SoldOutError } from "../../shared/errors.js";
import { isStalePending, PAYOUT_RESEND_AFTER_MS, STALE_PENDING_MS } from "../../shared/domain/settlement.js";
import { httpRoute } from "../../shared/http/route.js";
import { BUSINESS_METRIC, countClaim, countSettlement, countTick } from "../../shared/observability/business-metrics.js";
import { metricsPublished } from "../../shared/observability/metrics.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import type { SettleOutcome } from "../../shared/use-cases/settlement.js";
import { httpEvent } from "../support/http-event.js";

const context = { awsRequestId: "req-1", functionName: "vouchers-stateless-ClaimVoucher", getRemainingTimeInMillis: () => 1000 } as unknown as Context;

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

let written: string[] = [];
beforeEach(() => {
  written = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The EMF lines written since the test began, but the cold-start line (counted once per process). */
function emfLines(): EmfLine[] {
  return written
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) => "_aws" in line && line.ColdStart === undefined);
}

/** A line's metric names with their values. */
function valuesOf(line: EmfLine): Record<string, unknown> {
  return Object.fromEntries(line._aws.CloudWatchMetrics[0]!.Metrics.map((metric) => [metric.Name, line[metric.Name]]));
}

const claimEvent = httpEvent({ claims: { sub: "alice" } });

describe("the claim handler's chain", () => {
  it("writes one EMF line per claim, in namespace Vouchers, with the function's service dimension", async () => {
    const route = httpRoute("resident", async () => ({ status: 201, body: await countClaim(Promise.resolve({ voucherId: "v-1" })) }));
    expect(await route(claimEvent, context)).toMatchObject({ statusCode: 201 });
    const [line, ...rest] = emfLines();
    expect(rest).toEqual([]);
    expect(line!._aws.CloudWatchMetrics).toEqual([{ Namespace: "Vouchers", Dimensions: [["service"]], Metrics: [{ Name: "ClaimSucceeded", Unit: "Count" }] }]);
    expect(line!.service).toBe("claimVoucher");
    expect(valuesOf(line!)).toEqual({ ClaimSucceeded: 1 });
  });

  it.each([
    ["sold out", new SoldOutError("Sold out"), 409, BUSINESS_METRIC.claimSoldOut],
    ["limit reached", new LimitReachedError("Limit reached"), 409, BUSINESS_METRIC.claimLimitReached],
  ])("counts a claim refused as %s, and the answer is the refusal", async (_, error, status, metric) => {
    const route = httpRoute("resident", async () => ({ status: 201, body: await countClaim(Promise.reject(error)) }));
    expect(await route(claimEvent, context)).toMatchObject({ statusCode: status });
    expect(emfLines().map(valuesOf)).toEqual([{ [metric]: 1 }]);
  });

  it("counts nothing for other errors, and writes no line (nor a warning) when nothing was counted", async () => {
    const route = httpRoute("resident", async () => ({ status: 201, body: await countClaim(Promise.reject(new Error("boom"))) }));
    expect(await route(claimEvent, context)).toMatchObject({ statusCode: 500 });
    const quiet = httpRoute("public", () => ({ status: 200, body: { ok: true } }));
    expect(await quiet(httpEvent(), context)).toMatchObject({ statusCode: 200 });
    expect(emfLines()).toEqual([]);
    expect(written.join("")).not.toContain("No application metrics");
  });

  it("adds up the claims of one invocation into one line", async () => {
    const route = httpRoute("resident", async () => {
      await countClaim(Promise.resolve("a"));
      await countClaim(Promise.resolve("b"));
      return { status: 201 };
    });
    await route(claimEvent, context);
    const [line] = emfLines();
    expect(line!.ClaimSucceeded).toEqual([1, 1]);
  });
});

describe("a traced queue or schedule handler", () => {
  const settled = (status: "PENDING" | "HELD"): SettleOutcome => ({ outcome: "settled", statement: { status } as never, recordsHeldNow: 1 });

  it("writes each settled statement with its status as a dimension", async () => {
    const handler = tracedHandler((statuses: ("PENDING" | "HELD")[]) => {
      for (const status of statuses) countSettlement(settled(status));
      return Promise.resolve();
    });
    await handler(["PENDING", "HELD"], context);
    const lines = emfLines();
    expect(lines.map((line) => line._aws.CloudWatchMetrics[0]!.Dimensions)).toEqual([[["service", "status"]], [["service", "status"]]]);
    expect(lines.map((line) => [line.status, line.StatementSettled])).toEqual([["PENDING", 1], ["HELD", 1]]);
  });

  it("writes the ticker's heartbeat, its re-sends and the statements PENDING over an hour, 0 included", async () => {
    const handler = tracedHandler((resends: number[]) => {
      countTick({ settlement: { resentPayouts: resends.map((count) => ({ statementId: `s${count}`, dueAt: "", resends: count, pendingOverHour: isStalePending({ resends: count }) })) } as never });
      return Promise.resolve();
    });
    await handler([1, 4], context);
    await handler([], context);
    expect(emfLines().map(valuesOf)).toEqual([
      { TickerHeartbeat: 1, PayoutResent: 2, PendingStatementsOverHour: 1 },
      { TickerHeartbeat: 1, PendingStatementsOverHour: 0 },
    ]);
  });

  it("still writes what was counted when the handler throws", async () => {
    const handler = tracedHandler(() => {
      countTick({ settlement: { resentPayouts: [] } as never });
      return Promise.reject(new Error("boom"));
    });
    await expect(handler({}, context)).rejects.toThrow("boom");
    expect(emfLines().map(valuesOf)).toEqual([{ TickerHeartbeat: 1, PendingStatementsOverHour: 0 }]);
  });
});

describe("where metrics are published", () => {
  it.each([
    [{}, false],
    [{ AWS_LAMBDA_FUNCTION_NAME: "fn" }, true],
    [{ AWS_LAMBDA_FUNCTION_NAME: "fn", POWERTOOLS_METRICS_DISABLED: "true" }, false],
    [{ POWERTOOLS_METRICS_DISABLED: "false" }, true],
    [{ POWERTOOLS_METRICS_DISABLED: "1" }, false],
  ])("with %j: %s", (env, published) => {
    expect(metricsPublished(env)).toBe(published);
  });
});

describe("statements PENDING over an hour", () => {
  it("are those the sweep re-sends for the 4th time or later (a re-send each 15 minutes)", () => {
    expect(STALE_PENDING_MS / PAYOUT_RESEND_AFTER_MS).toBe(4);
    expect([1, 2, 3, 4, 5].map((resends) => isStalePending({ resends }))).toEqual([false, false, false, true, true]);
  });
});
