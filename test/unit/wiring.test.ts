import { describe, expect, it } from "vitest";
import {
  deadLetterQueueName,
  defineWiring,
  functionEnvironment,
  queueUrlEnvVar,
  tableEnvVar,
  wiringProblems,
} from "../../shared/wiring/define.js";
import { platform } from "../../shared/wiring/platform.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { fixtureWiring } from "../fixtures/wiring.js";

const minimal: Wiring = {
  app: "probe",
  tables: { things: { description: "t", partitionKey: { name: "pk", type: "S" } } },
  queues: { work: { description: "q", visibilityTimeoutSeconds: 30, maxReceiveCount: 3 } },
  functions: { run: { description: "f", entry: "functions/run.ts", timeoutSeconds: 10, tables: { things: "read" } } },
  routes: [{ method: "GET", path: "/things/{id}", auth: "resident", function: "run" }],
  queueTriggers: [{ queue: "work", function: "run", batchSize: 5 }],
  streamTriggers: [],
  schedules: [{ name: "tick", description: "s", expression: "rate(1 minute)", timezone: "UTC", function: "run" }],
};

describe("the declarations in the repository", () => {
  it("are sound", () => {
    expect(wiringProblems(platform)).toEqual([]);
    expect(wiringProblems(fixtureWiring)).toEqual([]);
  });

  it("declare GET /health as public and GET /me for residents", () => {
    expect(platform.routes).toContainEqual({ method: "GET", path: "/health", auth: "public", function: "health" });
    expect(platform.routes).toContainEqual({ method: "GET", path: "/me", auth: "resident", function: "me" });
  });

  it("declare one ticker schedule", () => {
    expect(platform.schedules.filter((s) => s.name === "ticker")).toHaveLength(1);
  });
});

describe("wiringProblems", () => {
  it("accepts a sound declaration", () => {
    expect(wiringProblems(minimal)).toEqual([]);
  });

  it.each<[string, (w: Wiring) => Wiring, RegExp]>([
    ["a duplicate route", (w) => ({ ...w, routes: [...w.routes, ...w.routes] }), /declared twice/],
    ["a route to an unknown function", (w) => ({ ...w, routes: [{ method: "GET", path: "/x", auth: "public", function: "nope" }] }), /unknown function nope/],
    ["a bad path", (w) => ({ ...w, routes: [{ method: "GET", path: "things", auth: "public", function: "run" }] }), /path must look like/],
    ["an unknown table grant", (w) => ({ ...w, functions: { run: { ...w.functions.run!, tables: { ghosts: "read" } } } }), /unknown table ghosts/],
    ["a queue visibility shorter than its consumer", (w) => ({ ...w, queues: { work: { ...w.queues.work!, visibilityTimeoutSeconds: 5 } } }), /visibility timeout must exceed/],
    ["an oversized SQS batch", (w) => ({ ...w, queueTriggers: [{ queue: "work", function: "run", batchSize: 11 }] }), /batchSize must be 1–10/],
    ["a stream trigger on a table without a stream", (w) => ({ ...w, streamTriggers: [{ table: "things", function: "run", batchSize: 10, startingPosition: "LATEST", retryAttempts: 1 }] }), /declares no stream/],
    ["a bad schedule expression", (w) => ({ ...w, schedules: [{ ...w.schedules[0]!, expression: "every minute" }] }), /neither rate/],
    ["an unknown time zone", (w) => ({ ...w, schedules: [{ ...w.schedules[0]!, timezone: "Mars/Olympus" }] }), /unknown time zone/],
    ["two consumers of one queue", (w) => ({ ...w, queueTriggers: [...w.queueTriggers, ...w.queueTriggers] }), /two consumers/],
  ])("reports %s", (_, change, message) => {
    const problems = wiringProblems(change(minimal));
    expect(problems.some((problem) => message.test(problem)), problems.join("; ")).toBe(true);
  });

  it("reports every problem at once", () => {
    const broken: Wiring = { ...minimal, routes: [{ method: "GET", path: "bad", auth: "public", function: "nope" }], queueTriggers: [{ queue: "ghost", function: "run", batchSize: 0 }] };
    expect(wiringProblems(broken).length).toBeGreaterThanOrEqual(4);
    expect(() => defineWiring(broken)).toThrow(/invalid wiring/);
  });
});

describe("names derived from the declaration", () => {
  it("gives environment variables in SCREAMING_SNAKE", () => {
    expect(tableEnvVar("streamFailures")).toBe("VOUCHERS_TABLE_STREAM_FAILURES");
    expect(queueUrlEnvVar("payout")).toBe("VOUCHERS_QUEUE_PAYOUT_URL");
    expect(deadLetterQueueName("payout")).toBe("payout-dlq");
  });

  it("hands a function only the resources it may touch", () => {
    const env = functionEnvironment(fixtureWiring, "echo", {
      tables: { observations: "obs-physical", events: "events-physical" },
      queueUrls: { work: "http://q/work", streamFailures: "http://q/f" },
    });
    expect(env).toEqual({ VOUCHERS_TABLE_OBSERVATIONS: "obs-physical" });
  });
});
