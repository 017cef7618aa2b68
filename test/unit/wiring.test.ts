import { describe, expect, it } from "vitest";
import {
  awsQueueName,
  consumedQueueName,
  deadLetterQueueName,
  defineWiring,
  functionEnvironment,
  queueUrlEnvVar,
  tableEnvVar,
  wiringProblems,
} from "../../shared/wiring/define.js";
import { platform } from "../../shared/wiring/platform.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { fixtureDocs, fixtureWiring } from "../fixtures/wiring.js";

const minimal: Wiring = {
  app: "probe",
  tables: { things: { description: "t", partitionKey: { name: "pk", type: "S" } } },
  queues: { work: { description: "q", visibilityTimeoutSeconds: 30, maxReceiveCount: 3 } },
  functions: { run: { description: "f", entry: "functions/run.ts", timeoutSeconds: 10, tables: { things: "read" } } },
  routes: [{ method: "GET", path: "/things/{id}", auth: "resident", function: "run", docs: fixtureDocs("getThing") }],
  queueTriggers: [{ queue: "work", function: "run", batchSize: 5 }],
  streamTriggers: [],
  schedules: [{ name: "tick", description: "s", expression: "rate(1 minute)", timezone: "UTC", function: "run" }],
};

describe("the declarations in the repository", () => {
  it("are sound", () => {
    expect(wiringProblems(platform)).toEqual([]);
    expect(wiringProblems(fixtureWiring)).toEqual([]);
  });

  it("declare GET /health as public, GET /admin/health for operators and GET /me for residents", () => {
    expect(platform.routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/health", auth: "public", function: "health" }));
    expect(platform.routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/admin/health", auth: "operator", function: "health" }));
    expect(Object.keys(platform.functions.health.deadLetterQueues ?? {}).sort()).toEqual(Object.keys(platform.queues).sort());
    expect(platform.routes).toContainEqual(expect.objectContaining({ method: "GET", path: "/me", auth: "resident", function: "me" }));
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
    ["a route to an unknown function", (w) => ({ ...w, routes: [{ method: "GET", path: "/x", auth: "public", function: "nope", docs: fixtureDocs("getX") }] }), /unknown function nope/],
    ["a bad path", (w) => ({ ...w, routes: [{ method: "GET", path: "things", auth: "public", function: "run", docs: fixtureDocs("getThings") }] }), /path must look like/],
    ["an unknown table grant", (w) => ({ ...w, functions: { run: { ...w.functions.run!, tables: { ghosts: "read" } } } }), /unknown table ghosts/],
    ["a bucket grant on an unknown bucket", (w) => ({ ...w, functions: { run: { ...w.functions.run!, buckets: { ghosts: "read" } } } }), /unknown bucket ghosts/],
    ["a bucket name that is not camelCase", (w) => ({ ...w, buckets: { "Evidence-Files": { description: "b" } } }), /buckets name "Evidence-Files" must be camelCase/],
    ["a dead-letter grant on an unknown queue", (w) => ({ ...w, functions: { run: { ...w.functions.run!, deadLetterQueues: { ghost: "describe" } } } }), /dead-letter queue of unknown queue ghost/],
    ["a queue visibility shorter than its consumer", (w) => ({ ...w, queues: { work: { ...w.queues.work!, visibilityTimeoutSeconds: 5 } } }), /visibility timeout must exceed/],
    ["an oversized SQS batch", (w) => ({ ...w, queueTriggers: [{ queue: "work", function: "run", batchSize: 11 }] }), /batchSize must be 1–10/],
    ["a stream trigger on a table without a stream", (w) => ({ ...w, streamTriggers: [{ table: "things", function: "run", batchSize: 10, startingPosition: "LATEST", retryAttempts: 1 }] }), /declares no stream/],
    ["a bad schedule expression", (w) => ({ ...w, schedules: [{ ...w.schedules[0]!, expression: "every minute" }] }), /neither rate/],
    ["an unknown time zone", (w) => ({ ...w, schedules: [{ ...w.schedules[0]!, timezone: "Mars/Olympus" }] }), /unknown time zone/],
    ["two consumers of one queue", (w) => ({ ...w, queueTriggers: [...w.queueTriggers, ...w.queueTriggers] }), /^queue work has two consumers/],
    [
      "two consumers of one dead-letter queue",
      (w) => ({ ...w, queueTriggers: [{ queue: "work", deadLetter: true, function: "run", batchSize: 1 }, { queue: "work", deadLetter: true, function: "run", batchSize: 2 }] }),
      /^dead-letter queue work-dlq has two consumers/,
    ],
    [
      "a dead-letter consumer slower than the queue's visibility timeout",
      (w) => ({ ...w, queues: { work: { ...w.queues.work!, visibilityTimeoutSeconds: 5 } }, queueTriggers: [{ queue: "work", deadLetter: true, function: "run", batchSize: 1 }] }),
      /^dead-letter queue work-dlq: visibility timeout \(that of queue work\) must exceed the timeout of run/,
    ],
    ["a dead-letter trigger on an unknown queue", (w) => ({ ...w, queueTriggers: [{ queue: "ghost", deadLetter: true, function: "run", batchSize: 1 }] }), /unknown queue ghost/],
    ["a queue whose AWS names exceed 80 characters", (w) => ({ ...w, queues: { [`w${"x".repeat(80)}`]: w.queues.work! }, queueTriggers: [] }), /must be at most 80 characters/],
  ])("reports %s", (_, change, message) => {
    const problems = wiringProblems(change(minimal));
    expect(problems.some((problem) => message.test(problem)), problems.join("; ")).toBe(true);
  });

  it("accepts one consumer of a queue and another of its dead-letter queue", () => {
    const both: Wiring = {
      ...minimal,
      functions: { ...minimal.functions, givenUp: { description: "f", entry: "functions/given-up.ts", timeoutSeconds: 10 } },
      queueTriggers: [...minimal.queueTriggers, { queue: "work", deadLetter: true, function: "givenUp", batchSize: 10 }],
    };
    expect(wiringProblems(both)).toEqual([]);
    // deadLetter: false is the queue itself, so it counts as the queue's second consumer.
    const twice: Wiring = { ...minimal, queueTriggers: [...minimal.queueTriggers, { queue: "work", deadLetter: false, function: "run", batchSize: 1 }] };
    expect(wiringProblems(twice)).toEqual(["queue work has two consumers"]);
  });

  it("reports every problem at once", () => {
    const broken: Wiring = { ...minimal, routes: [{ method: "GET", path: "bad", auth: "public", function: "nope", docs: fixtureDocs("getBad") }], queueTriggers: [{ queue: "ghost", function: "run", batchSize: 0 }] };
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

  it("names queues on AWS after the app, so tools find them with GetQueueUrl", () => {
    expect(awsQueueName("vouchers", "settlements")).toBe("vouchers-settlements");
    expect(awsQueueName("vouchers", deadLetterQueueName("settlements"))).toBe("vouchers-settlements-dlq");
  });

  it("names the queue a trigger consumes", () => {
    expect(consumedQueueName({ queue: "work" })).toBe("work");
    expect(consumedQueueName({ queue: "work", deadLetter: false })).toBe("work");
    expect(consumedQueueName({ queue: "work", deadLetter: true })).toBe("work-dlq");
  });

  it("hands a function only the resources it may touch", () => {
    const env = functionEnvironment(fixtureWiring, "echo", {
      tables: { observations: "obs-physical", events: "events-physical" },
      queueUrls: { work: "http://q/work", streamFailures: "http://q/f" },
    });
    expect(env).toEqual({ VOUCHERS_TABLE_OBSERVATIONS: "obs-physical" });
  });

  it("hands a function the names of the buckets it may touch, and no other", () => {
    const wiring: Wiring = {
      ...minimal,
      buckets: { evidence: { description: "b" }, other: { description: "b" } },
      functions: { run: { ...minimal.functions.run!, buckets: { evidence: "read" } } },
    };
    expect(wiringProblems(wiring)).toEqual([]);
    const env = functionEnvironment(wiring, "run", { tables: { things: "things-physical" }, queueUrls: {}, buckets: { evidence: "t1-evidence", other: "t1-other" } });
    expect(env).toEqual({ VOUCHERS_TABLE_THINGS: "things-physical", VOUCHERS_BUCKET_EVIDENCE: "t1-evidence" });
  });

  it("hands the health function the URLs of the dead-letter queues it may read", () => {
    const env = functionEnvironment(fixtureWiring, "health", {
      tables: { observations: "obs-physical", events: "events-physical" },
      queueUrls: { work: "http://q/work", streamFailures: "http://q/f" },
      deadLetterQueueUrls: { work: "http://q/work-dlq", streamFailures: "http://q/f-dlq" },
    });
    expect(env).toMatchObject({ VOUCHERS_QUEUE_WORK_URL: "http://q/work", VOUCHERS_DEAD_LETTER_QUEUE_WORK_URL: "http://q/work-dlq" });
    expect(Object.values(env)).not.toContain("http://q/f-dlq");
  });
});
