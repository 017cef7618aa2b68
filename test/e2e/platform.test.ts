/**
 * The platform as `npm start` builds it, over real HTTP on the emulators: health, the caller
 * endpoint and its authorizer, and the ticker schedule.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import { callerSchema, gatewayMessageSchema, healthReportSchema, publicHealthSchema } from "../../shared/api/schemas.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { runTicker } from "../../shared/use-cases/ticker.js";
import { readHeartbeat } from "../../shared/store/heartbeat.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, eventually, startTestRuntime, testClients } from "../integration/runtime-helpers.js";

let runtime: LocalRuntime;
const { db, sqs } = testClients();

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "platform", { autoSchedules: true });
});

afterAll(async () => {
  await runtime?.stop();
});

describe("GET /health", () => {
  it("answers anyone only ok and the time of the check: no table, queue or emulator", async () => {
    const response = await fetch(`${runtime.url}/health`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(publicHealthSchema.parse(JSON.parse(text))).toMatchObject({ status: "ok" });
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(["checkedAt", "status"]);
    expect(text).not.toContain(runtime.resources.tables.campaigns!.name);
    expect(text).not.toMatch(/https?:\/\//);
  });

  it("answers hits within a few seconds from one probe", async () => {
    const first = publicHealthSchema.parse(await (await fetch(`${runtime.url}/health`)).json());
    const second = publicHealthSchema.parse(await (await fetch(`${runtime.url}/health`)).json());
    expect(second.checkedAt).toBe(first.checkedAt);
  });
});

describe("GET /admin/health", () => {
  const adminHealth = (authorization?: string) => fetch(`${runtime.url}/admin/health`, authorization ? { headers: { authorization } } : {});

  it("answers 401 without a token and 403 to a resident", async () => {
    expect((await adminHealth()).status).toBe(401);
    const resident = await signLocalToken({ sub: "alice", settings: TEST_JWT });
    expect((await adminHealth(`Bearer ${resident}`)).status).toBe(403);
  });

  it("reports every table, queue and dead-letter queue, and both emulators, reachable to an operator", async () => {
    const operator = await signLocalToken({ sub: "bob", operator: true, settings: TEST_JWT });
    const response = await adminHealth(`Bearer ${operator}`);
    expect(response.status).toBe(200);
    const report = healthReportSchema.parse(await response.json());
    expect(report.status).toBe("ok");
    expect(Object.keys(report.tables).sort()).toEqual(Object.keys(platform.tables).sort());
    expect(Object.values(report.tables).every((table) => table.reachable)).toBe(true);
    expect(Object.keys(report.queues).sort()).toEqual(Object.keys(platform.queues).sort());
    expect(Object.keys(report.deadLetterQueues).sort()).toEqual(Object.keys(platform.queues).sort());
    for (const dlq of Object.values(report.deadLetterQueues)) {
      expect(dlq).toMatchObject({ reachable: true, detail: { messages: expect.any(Number) as number } });
    }
    expect(report.emulators?.dynamodb).toMatchObject({ name: "DynamoDB Local", version: "1.25.1", reachable: true, pid: expect.any(Number) as number });
    expect(report.emulators?.sqs).toMatchObject({ name: "fauxqs", version: "1.9.2", reachable: true });
  });

  it("counts the messages given up on in a dead-letter queue", async () => {
    const operator = await signLocalToken({ sub: "bob", operator: true, settings: TEST_JWT });
    // settlements-dlq has no consumer, so what lands there stays until an operator redrives it.
    await sqs.send(new SendMessageCommand({ QueueUrl: runtime.resources.queues.settlements!.deadLetterQueue.url, MessageBody: "{}" }));
    await eventually(
      async () => {
        const report = healthReportSchema.parse(await (await adminHealth(`Bearer ${operator}`)).json());
        return report.deadLetterQueues.settlements?.detail?.messages === 1 ? report : undefined;
      },
      15_000,
      "the settlements dead-letter queue's depth to show the message",
    );
  });

  it("lets in an operator of a stock Cognito pool, whose groups are in cognito:groups", async () => {
    const token = await new SignJWT({ "cognito:groups": ["merchants", "operators"] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("carol")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(TEST_JWT.secret));
    expect((await adminHealth(`Bearer ${token}`)).status).toBe(200);
  });
});

describe("GET /me", () => {
  const me = (authorization?: string) => fetch(`${runtime.url}/me`, authorization ? { headers: { authorization } } : {});

  it("answers 401 without a token, with an expired one, and with a badly signed one", async () => {
    const expired = await signLocalToken({ sub: "alice", expiresInSeconds: -1, settings: TEST_JWT });
    const forged = await signLocalToken({ sub: "alice", settings: { secret: "not-the-secret" } });
    const missing = await me();
    expect(missing.status).toBe(401);
    expect(gatewayMessageSchema.parse(await missing.json())).toEqual({ message: "Unauthorized" });
    expect((await me(`Bearer ${expired}`)).status).toBe(401);
    expect((await me(`Bearer ${forged}`)).status).toBe(401);
  });

  it("answers the caller as the platform sees them", async () => {
    const resident = await signLocalToken({ sub: "alice", settings: TEST_JWT });
    const operator = await signLocalToken({ sub: "bob", operator: true, settings: TEST_JWT });
    const asResident = await me(`Bearer ${resident}`);
    expect(asResident.status).toBe(200);
    expect(callerSchema.parse(await asResident.json())).toEqual({ sub: "alice", groups: [] });
    expect(await (await me(`Bearer ${operator}`)).json()).toEqual({ sub: "bob", groups: ["operators"] });
  });
});

describe("the ticker schedule", () => {
  it("fires at start and records its heartbeat once per scheduled time", async () => {
    const table = runtime.resources.tables.operations!.name;
    const tables = {
      campaignsTable: runtime.resources.tables.campaigns!.name,
      inventoryTable: runtime.resources.tables.inventory!.name,
      vouchersTable: runtime.resources.tables.vouchers!.name,
      settlement: {
        tables: {
          redemptions: runtime.resources.tables.redemptions!.name,
          settlements: runtime.resources.tables.settlements!.name,
          merchants: runtime.resources.tables.merchants!.name,
        },
        send: () => Promise.resolve(),
        sendPayout: () => Promise.resolve(),
      },
    };
    const first = await eventually(() => readHeartbeat(db, table), 10_000, "the first tick");
    expect(first.ticks).toBeGreaterThanOrEqual(1);

    const scheduledTime = new Date(Date.parse(first.lastScheduledTime) + 60_000).toISOString();
    const now = () => new Date();
    const deliveries = await Promise.all(
      Array.from({ length: 5 }, () => runTicker({ db, operationsTable: table, ...tables, scheduledTime, now })),
    );
    expect(deliveries.filter((outcome) => outcome.firstDelivery)).toHaveLength(1);
    const after = await readHeartbeat(db, table);
    expect(after?.ticks).toBe(first.ticks + 1);
    expect(after?.lastScheduledTime).toBe(scheduledTime);

    // Scheduler's own format ("…:00Z") names the same instant and is not counted again.
    const redelivered = await runTicker({ db, operationsTable: table, ...tables, scheduledTime: scheduledTime.replace(".000Z", "Z"), now });
    expect(redelivered.firstDelivery).toBe(false);
  });
});
