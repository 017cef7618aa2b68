/**
 * The local invoker ends a handler at its timeout the way Lambda does: the invocation reports a
 * timeout, and no AWS request the handler makes afterwards is sent.
 */
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../infra/local/log.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { defineWiring } from "../../shared/wiring/define.js";
import { fixtureDocs } from "../fixtures/wiring.js";
import { startTestRuntime, testClients } from "./runtime-helpers.js";

const wiring = defineWiring({
  app: "timeouts",
  tables: { observations: { description: "What the late writer wrote.", partitionKey: { name: "pk", type: "S" }, sortKey: { name: "sk", type: "S" } } },
  queues: {},
  functions: {
    lateWrite: {
      description: "Sleeps, then writes.",
      entry: "test/fixtures/functions/late-write.ts",
      timeoutSeconds: 1,
      tables: { observations: "write" },
    },
  },
  routes: [{ method: "GET", path: "/late-write", auth: "public", function: "lateWrite", docs: fixtureDocs("lateWrite") }],
  queueTriggers: [],
  streamTriggers: [],
  schedules: [],
});

const { db } = testClients();
const lines: LogLine[] = [];
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime(wiring, "timeouts", { log: (line) => lines.push(line) });
});

afterAll(async () => {
  await runtime?.stop();
});

const written = async (id: string) =>
  (await db.send(new GetCommand({ TableName: runtime.resources.tables.observations!.name, Key: { pk: "late-write", sk: id }, ConsistentRead: true })))
    .Item;

describe("a handler past its timeout", () => {
  it("writes normally when it finishes in time", async () => {
    const id = randomUUID();
    const response = await fetch(`${runtime.url}/late-write?sleepMs=0&id=${id}`);
    expect(response.status).toBe(200);
    expect(await written(id)).toBeDefined();
  });

  it("is reported as timed out, and its DynamoDB put after the timeout never reaches the emulator", async () => {
    const id = randomUUID();
    const response = await fetch(`${runtime.url}/late-write?sleepMs=1500&id=${id}`);
    expect(response.status).toBe(500);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "invocation failed", function: "lateWrite", error: expect.stringMatching(/^HandlerTimeoutError: /) as string }),
    );
    // The handler wakes at 1.5 s and tries its put; give it ample time to land if it could.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await written(id)).toBeUndefined();
  });
});
