import { describe, expect, it } from "vitest";
import {
  cachedHealthCheck,
  checkHealth,
  type HealthProbes,
  type HealthReport,
  publicHealth,
} from "../../shared/use-cases/health.js";

const now = () => new Date("2026-11-22T02:00:00Z");
const healthy: HealthProbes = {
  table: () => Promise.resolve({ tableStatus: "ACTIVE" }),
  queue: () => Promise.resolve({ messages: 0 }),
  emulator: () => Promise.resolve({}),
  classify: () => "unreachable",
};

describe("checkHealth", () => {
  it("is ok when every probe answers", async () => {
    const report = await checkHealth({
      tables: { campaigns: "t-campaigns" },
      queues: { payout: "http://q" },
      deadLetterQueues: { payout: "http://q-dlq" },
      probes: healthy,
      now,
    });
    expect(report.status).toBe("ok");
    expect(report.tables.campaigns).toMatchObject({ name: "t-campaigns", reachable: true });
    expect(report.queues.payout).toMatchObject({ url: "http://q", reachable: true });
    expect(report.emulators).toBeUndefined();
    expect(report.checkedAt).toBe("2026-11-22T02:00:00.000Z");
  });

  it("reports the depth of each dead-letter queue", async () => {
    const report = await checkHealth({
      tables: {},
      queues: { payouts: "http://q" },
      deadLetterQueues: { payouts: "http://q-dlq" },
      probes: { ...healthy, queue: (url) => Promise.resolve({ messages: url.endsWith("-dlq") ? 3 : 0 }) },
      now,
    });
    expect(report.deadLetterQueues.payouts).toEqual({ url: "http://q-dlq", reachable: true, detail: { messages: 3 } });
  });

  it("is degraded, and names a classified reason without the error's own text, when a probe fails or hangs", async () => {
    const report = await checkHealth({
      tables: { campaigns: "t-campaigns" },
      queues: { payout: "http://q" },
      deadLetterQueues: {},
      emulators: { dynamodb: { name: "DynamoDB Local", version: "1.25.1", endpoint: "http://127.0.0.1:1" } },
      probes: {
        ...healthy,
        table: () => Promise.reject(new Error("User: arn:aws:sts::123456789012:assumed-role/x is not authorized")),
        queue: () => new Promise(() => undefined),
        emulator: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")),
        classify: () => "unreachable",
      },
      now,
      timeoutMs: 50,
    });
    expect(report.status).toBe("degraded");
    expect(report.tables.campaigns).toEqual({ name: "t-campaigns", reachable: false, reason: "unreachable" });
    expect(report.queues.payout).toEqual({ url: "http://q", reachable: false, reason: "timeout" });
    expect(report.emulators?.dynamodb).toMatchObject({ reachable: false, reason: "unreachable", version: "1.25.1" });
    expect(JSON.stringify(report)).not.toMatch(/123456789012|ECONNREFUSED|not authorized/);
  });
});

describe("publicHealth", () => {
  it("keeps only the status and the time of the check", async () => {
    const report = await checkHealth({ tables: { campaigns: "t-campaigns" }, queues: { payout: "https://sqs/123456789012/q" }, deadLetterQueues: {}, probes: healthy, now });
    expect(publicHealth(report)).toEqual({ status: "ok", checkedAt: "2026-11-22T02:00:00.000Z" });
  });
});

describe("cachedHealthCheck", () => {
  function counted(): { check: () => Promise<HealthReport>; probes: () => number } {
    let probes = 0;
    return {
      check: () => {
        probes += 1;
        return checkHealth({ tables: { campaigns: "t" }, queues: {}, deadLetterQueues: {}, probes: healthy, now: () => new Date(clock) });
      },
      probes: () => probes,
    };
  }
  let clock = 0;

  it("answers two hits within the window with one probe, and probes again after it", async () => {
    clock = Date.parse("2026-11-22T02:00:00Z");
    const { check, probes } = counted();
    const health = cachedHealthCheck(check, { ttlMs: 5_000, now: () => clock });
    const first = await health();
    clock += 4_999;
    const second = await health();
    expect(probes()).toBe(1);
    expect(second).toBe(first);
    clock += 1;
    const third = await health();
    expect(probes()).toBe(2);
    expect(third.checkedAt).toBe("2026-11-22T02:00:05.000Z");
  });

  it("shares one probe between concurrent hits", async () => {
    clock = 0;
    const { check, probes } = counted();
    const health = cachedHealthCheck(check, { ttlMs: 5_000, now: () => clock });
    await Promise.all([health(), health(), health()]);
    expect(probes()).toBe(1);
  });

  it("does not keep a check that threw", async () => {
    clock = 0;
    let calls = 0;
    const health = cachedHealthCheck(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error("boom")) : checkHealth({ tables: {}, queues: {}, deadLetterQueues: {}, probes: healthy, now });
      },
      { ttlMs: 5_000, now: () => clock },
    );
    await expect(health()).rejects.toThrow("boom");
    await expect(health()).resolves.toMatchObject({ status: "ok" });
  });
});
