/**
 * `redrive` (infra/ops/redrive.ts) against the real fauxqs of the global setup: a queue and its
 * dead-letter queue created as provision.ts creates them, messages with attributes, and the
 * failures that must leave messages where they were. Then `npm run redrive` as a user runs it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runScript } from "../support/process.js";
import { physicalName } from "../../infra/local/provision.js";
import { writeStateFile } from "../../infra/local/state-file.js";
import { type RedriveCounts, RedriveStoppedError, redrive } from "../../infra/ops/redrive.js";
import { deadLetterQueueName } from "../../shared/wiring/define.js";
import { platform } from "../../shared/wiring/platform.js";
import { testClients, uniquePrefix } from "./runtime-helpers.js";

const { sqs } = testClients();
const prefix = uniquePrefix("redrive");
let pairs = 0;

afterAll(() => sqs.destroy());

/** A queue and its dead-letter queue, named and linked as provision.ts does it. */
async function queuePair(targetAttributes: Record<string, string> = {}, logical = `work${++pairs}`) {
  const create = async (name: string, attributes: Record<string, string>) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return QueueUrl!;
  };
  const dlqUrl = await create(physicalName(prefix, deadLetterQueueName(logical)), {});
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }));
  const targetUrl = await create(physicalName(prefix, logical), {
    VisibilityTimeout: "30",
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 3 }),
    ...targetAttributes,
  });
  return { logical, dlqUrl, targetUrl };
}

function attributesOf(n: number): Record<string, MessageAttributeValue> {
  return {
    kind: { DataType: "String", StringValue: "payout" },
    attempt: { DataType: "Number", StringValue: String(n) },
    digest: { DataType: "Binary", BinaryValue: Uint8Array.from([n, 255, 0, 7]) },
  };
}

/** `count` messages with bodies `{"n":i}` and three attributes each, put straight into `url`. */
async function fill(url: string, count: number, body = (n: number) => JSON.stringify({ n })): Promise<void> {
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => start + i).map((n) => ({
      Id: `e${n}`,
      MessageBody: body(n),
      MessageAttributes: attributesOf(n),
    }));
    const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    expect(answer.Failed ?? []).toEqual([]);
  }
}

/** Every visible message of `url`, received (and so hidden) until the queue answers empty. */
async function drain(url: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageAttributeNames: ["All"] }),
    );
    if (!Messages?.length) return messages;
    messages.push(...Messages);
  }
}

async function visible(url: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(Attributes?.ApproximateNumberOfMessages);
}

const numbers = (messages: Message[]) => messages.map((m) => (JSON.parse(m.Body!) as { n: number }).n).sort((a, b) => a - b);

describe("redrive on fauxqs", () => {
  it("moves every message back with its body and attributes, and empties the dead-letter queue", async () => {
    const { dlqUrl, targetUrl } = await queuePair();
    await fill(dlqUrl, 25);
    const progress: RedriveCounts[] = [];

    const result = await redrive({ sqs, sourceUrl: dlqUrl, targetUrl, progress: (counts) => progress.push(counts) });

    expect(result).toEqual({ moved: 25, failed: 0, notDeleted: 0, reasons: [] });
    expect(progress.length).toBeGreaterThanOrEqual(3); // at most 10 per batch
    expect(progress.at(-1)).toEqual({ moved: 25, failed: 0, notDeleted: 0 });
    expect(progress.map((p) => p.moved)).toEqual([...progress.map((p) => p.moved)].sort((a, b) => a - b));
    const moved = await drain(targetUrl);
    expect(numbers(moved)).toEqual(Array.from({ length: 25 }, (_, n) => n));
    for (const message of moved) {
      const n = (JSON.parse(message.Body!) as { n: number }).n;
      const expected = attributesOf(n);
      expect(message.MessageAttributes?.kind).toMatchObject(expected.kind!);
      expect(message.MessageAttributes?.attempt).toMatchObject(expected.attempt!);
      expect(message.MessageAttributes?.digest?.DataType).toBe("Binary");
      expect([...message.MessageAttributes!.digest!.BinaryValue!]).toEqual([n, 255, 0, 7]);
    }
    expect(await visible(dlqUrl)).toBe(0);
    expect(await drain(dlqUrl)).toEqual([]);
  });

  it("moves at most `max` messages and leaves the rest in the dead-letter queue", async () => {
    const { dlqUrl, targetUrl } = await queuePair();
    await fill(dlqUrl, 15);

    expect(await redrive({ sqs, sourceUrl: dlqUrl, targetUrl, max: 7 })).toMatchObject({ moved: 7, failed: 0 });
    const moved = await drain(targetUrl);
    const left = await drain(dlqUrl);
    expect(moved).toHaveLength(7);
    expect(left).toHaveLength(8);
    expect([...numbers(moved), ...numbers(left)].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, n) => n));
  });

  it("in a dry run counts the waiting messages and moves nothing", async () => {
    const { dlqUrl, targetUrl } = await queuePair();
    await fill(dlqUrl, 12);

    expect(await redrive({ sqs, sourceUrl: dlqUrl, targetUrl, dryRun: true })).toEqual({
      moved: 0,
      failed: 0,
      notDeleted: 0,
      waiting: 12,
      reasons: [],
    });
    expect(await visible(dlqUrl)).toBe(12);
    expect(await visible(targetUrl)).toBe(0);
  });

  it("leaves a message the target refuses in the dead-letter queue, visible again, and moves the others", async () => {
    // The target takes at most 1 KiB per message; one message in the dead-letter queue is larger.
    const { dlqUrl, targetUrl } = await queuePair({ MaximumMessageSize: "1024" });
    await fill(dlqUrl, 12, (n) => JSON.stringify({ n, pad: n === 5 ? "x".repeat(2_000) : "" }));

    const result = await redrive({ sqs, sourceUrl: dlqUrl, targetUrl });

    expect(result).toMatchObject({ moved: 11, failed: 1, notDeleted: 0 });
    expect(result.reasons.join()).toMatch(/InvalidParameterValue.*shorter than 1024 bytes/);
    expect(numbers(await drain(targetUrl))).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    // Shown again at the end of the run, not only after the 30 s visibility timeout.
    const left = await drain(dlqUrl);
    expect(numbers(left)).toEqual([5]);
    expect(left[0]?.MessageAttributes?.kind?.StringValue).toBe("payout");
  });

  it("stops when the target queue is gone, and loses nothing", async () => {
    const { dlqUrl, targetUrl } = await queuePair();
    await fill(dlqUrl, 13);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: targetUrl }));

    const error = await redrive({ sqs, sourceUrl: dlqUrl, targetUrl }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(RedriveStoppedError);
    expect((error as RedriveStoppedError).message).toMatch(/^SendMessageBatch to .* failed: .*QueueDoesNotExist/);
    expect((error as RedriveStoppedError).result).toMatchObject({ moved: 0, failed: 10, notDeleted: 0 });
    expect(numbers(await drain(dlqUrl))).toEqual(Array.from({ length: 13 }, (_, n) => n));
  });

  it("refuses a source that is its own target", async () => {
    const { dlqUrl } = await queuePair();
    await expect(redrive({ sqs, sourceUrl: dlqUrl, targetUrl: dlqUrl })).rejects.toThrow(/same queue/);
  });
});

/** `npm run redrive` in one process (no npm wrapper), with its own state file. */
const runCommand = (args: string[], env: Record<string, string> = {}) => runScript("scripts/redrive.ts", args, env);

describe("npm run redrive", () => {
  const declared = Object.keys(platform.queues).sort();
  let directory: string;
  let stateFile: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "redrive-"));
    stateFile = path.join(directory, "local-platform.json");
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("prints its usage on --help (exit 0) and with bad arguments (exit 2)", async () => {
    const help = await runCommand(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run redrive -- --queue NAME/);

    for (const args of [[], ["--queue"], ["--queue", "x", "--max", "0"], ["--queue", "x", "--region", "eu-west-1"], ["--bogus"]]) {
      const bad = await runCommand(args);
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr, args.join(" ")).toContain("usage: npm run redrive");
    }
  });

  it("refuses an unknown queue, naming the platform's queues", async () => {
    const { code, stderr } = await runCommand(["--queue", "noSuchQueue"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown queue "noSuchQueue"');
    expect(stderr).toContain(`the platform's queues are ${declared.join(", ")}`);
  });

  it("refuses a queue whose dead-letter queue has a handler of its own, saying what to do instead", async () => {
    const { code, stderr } = await runCommand(["--queue", "payouts"]);
    expect(code).toBe(2);
    expect(stderr).toContain("payouts-dlq is emptied by its own handler (recordPayoutFailure)");
    expect(stderr).toContain("retry-payout");
  });

  it("says when no local platform runs, and redrives the queue of the one its state file names", async () => {
    const logical = "settlements";
    const env = { VOUCHERS_LOCAL_STATE_FILE: stateFile };
    const missing = await runCommand(["--queue", logical], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no local platform is running: start it with npm start, or pass --aws");
    const state = { url: "http://127.0.0.1:1", prefix, dynamodbEndpoint: inject("dynamodbEndpoint"), sqsEndpoint: inject("sqsEndpoint") };
    // A file left by a killed runtime: its pid (above Linux's largest) is not alive.
    await writeStateFile({ ...state, pid: 2 ** 22 + 1, startedAt: new Date().toISOString() }, stateFile);
    const dead = await runCommand(["--queue", logical], env);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain("no local platform is running");

    const { dlqUrl, targetUrl } = await queuePair({}, logical);
    await fill(dlqUrl, 12);
    await writeStateFile({ ...state, pid: process.pid, startedAt: new Date().toISOString() }, stateFile);
    const dry = await runCommand(["--queue", logical, "--dry-run"], env);
    expect(dry.stdout).toContain("about 12 messages wait in");
    expect(await visible(dlqUrl)).toBe(12);

    const partial = await runCommand(["--queue", logical, "--max", "5"], env);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toContain(`moved 5 messages from ${physicalName(prefix, deadLetterQueueName(logical))}`);
    const rest = await runCommand(["--queue", logical], env);
    expect(rest.stdout).toContain("moved 7 messages");
    expect(await visible(dlqUrl)).toBe(0);
    expect(await visible(targetUrl)).toBe(12);
  });
});
