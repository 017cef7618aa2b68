import { describe, expect, it } from "vitest";
import { checkHealth, type HealthProbes } from "../../shared/operations/health.js";

const now = () => new Date("2026-11-22T02:00:00Z");
const healthy: HealthProbes = {
  table: () => Promise.resolve({ tableStatus: "ACTIVE" }),
  queue: () => Promise.resolve({ messages: 0 }),
  emulator: () => Promise.resolve({}),
};

describe("checkHealth", () => {
  it("is ok when every probe answers", async () => {
    const report = await checkHealth({ tables: { campaigns: "t-campaigns" }, queues: { payout: "http://q" }, probes: healthy, now });
    expect(report.status).toBe("ok");
    expect(report.tables.campaigns).toMatchObject({ name: "t-campaigns", reachable: true });
    expect(report.queues.payout).toMatchObject({ url: "http://q", reachable: true });
    expect(report.emulators).toBeUndefined();
    expect(report.checkedAt).toBe("2026-11-22T02:00:00.000Z");
  });

  it("is degraded, and says why, when a probe fails or hangs", async () => {
    const report = await checkHealth({
      tables: { campaigns: "t-campaigns" },
      queues: { payout: "http://q" },
      emulators: { dynamodb: { name: "DynamoDB Local", version: "1.25.1", endpoint: "http://127.0.0.1:1" } },
      probes: {
        ...healthy,
        queue: () => new Promise(() => undefined),
        emulator: () => Promise.reject(new Error("ECONNREFUSED")),
      },
      now,
      timeoutMs: 50,
    });
    expect(report.status).toBe("degraded");
    expect(report.tables.campaigns?.reachable).toBe(true);
    expect(report.queues.payout).toMatchObject({ reachable: false, error: "no answer within 50 ms" });
    expect(report.emulators?.dynamodb).toMatchObject({ reachable: false, error: "ECONNREFUSED", version: "1.25.1" });
  });
});
