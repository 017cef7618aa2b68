/**
 * The business metrics of real handlers, run by the local runtime on DynamoDB Local: the claim
 * handler counts claims that succeeded and sold out, the ticker its heartbeat (what the heartbeat
 * alarm watches). Metrics are published here as on Lambda (POWERTOOLS_METRICS_DISABLED=false); the
 * EMF lines Powertools writes to stdout are read and kept out of the test output.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Before any handler module is loaded: publish, as on Lambda. Put back afterwards for the next file.
const saved = vi.hoisted(() => {
  const value = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  return value;
});

import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { platform } from "../../shared/wiring/platform.js";
import { apiCall } from "../support/http.js";
import { seedCampaign } from "../support/seed.js";
import { TEST_JWT, startTestRuntime, tableNamesOf, testClients } from "./runtime-helpers.js";

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

const { db } = testClients();
let runtime: LocalRuntime;
const emf: EmfLine[] = [];

beforeAll(async () => {
  const write = process.stdout.write.bind(process.stdout);
  // EMF lines are kept for the tests; everything else is written as usual.
  const capture = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const lines = String(chunk)
      .split("\n")
      .filter((line) => line.includes('"_aws"'));
    if (lines.length === 0) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    for (const line of lines) emf.push(JSON.parse(line) as EmfLine);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  runtime = await startTestRuntime(platform, "metrics");
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  vi.restoreAllMocks();
  if (saved === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = saved;
});

/** The values of metric `name` written since line `from`, in namespace Vouchers. */
function valuesOf(name: string, from: number): unknown[] {
  return emf
    .slice(from)
    .filter((line) => line._aws.CloudWatchMetrics.some((set) => set.Namespace === "Vouchers" && set.Metrics.some((metric) => metric.Name === name)))
    .flatMap((line) => line[name]);
}

describe("business metrics of the handlers", () => {
  it("the claim handler counts a claim that succeeded and one that found the drop sold out", async () => {
    const campaignId = `metrics-${randomUUID().slice(0, 8)}`;
    await seedCampaign(db, tableNamesOf(runtime.resources, ["campaigns", "inventory"]), { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 1 }, shards: 1 }] });
    const from = emf.length;
    const claim = async (sub: string) =>
      apiCall(runtime.url, "POST", `/campaigns/${campaignId}/drops/d1/claims`, { token: await signLocalToken({ sub, settings: TEST_JWT }), body: { voucherTypeId: "100-30" } });

    expect((await claim("alice")).status).toBe(201);
    expect((await claim("bob")).status).toBe(409);

    expect(valuesOf("ClaimSucceeded", from)).toEqual([1]);
    expect(valuesOf("ClaimSoldOut", from)).toEqual([1]);
    const line = emf.slice(from).find((candidate) => "ClaimSucceeded" in candidate)!;
    expect(line._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([["service"]]);
  });

  it("the ticker writes its heartbeat on every firing, and the count of statements PENDING over an hour", async () => {
    const from = emf.length;
    await runtime.fireSchedule("ticker");
    await runtime.fireSchedule("ticker");
    expect(valuesOf("TickerHeartbeat", from)).toEqual([1, 1]);
    expect(valuesOf("PendingStatementsOverHour", from)).toEqual([0, 0]);
  });
});
