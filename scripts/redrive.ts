/**
 * `npm run redrive -- --queue NAME [--max N] [--dry-run] [--aws [--region R]]` moves the messages
 * waiting in the dead-letter queue `<NAME>-dlq` back to the queue NAME: on the platform
 * `npm start` runs (found through its state file), or on AWS with `--aws`. See docs/runbook.md,
 * "Redrive".
 */
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../infra/local/emulators.js";
import { physicalName } from "../infra/local/provision.js";
import { runningPlatform, stateFilePath } from "../infra/local/state-file.js";
import { type RedriveCounts, type RedriveResult, RedriveStoppedError, redrive } from "../infra/ops/redrive.js";
import { awsQueueName, deadLetterQueueName } from "../shared/wiring/define.js";
import { platform } from "../shared/wiring/platform.js";
import { parseCommandLine } from "./cli.js";

// See infra/local/main.ts: the SDK's Node 22 notice is noise under the pinned versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = [
  "usage: npm run redrive -- --queue NAME [--max N] [--dry-run] [--aws [--region R]]",
  "  moves the messages of the dead-letter queue NAME-dlq back to the queue NAME",
  "  --queue NAME   logical queue name from shared/wiring/platform.ts",
  "  --max N        move at most N messages (default: all)",
  "  --dry-run      only count the waiting messages",
  "  --aws          on AWS (default credentials and region) instead of the local platform of npm start",
  "  --region R     AWS region (with --aws; default: from the environment)",
].join("\n");

const QUEUES = Object.keys(platform.queues).sort();
/** Queues whose dead-letter queue has a handler of its own: it empties them as messages arrive. */
const CONSUMED = new Map(platform.queueTriggers.filter((trigger) => trigger.deadLetter).map((trigger) => [trigger.queue as string, trigger.function as string]));
/** What to do instead, for each queue whose dead-letter queue is consumed. */
const INSTEAD: Record<string, string> = {
  payouts: "a payout given up on makes its statement FAILED; retry it with POST /admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout (docs/runbook.md)",
};

const argsSchema = z
  .object({
    queue: z
      .string({ error: (issue) => (issue.input === undefined ? "is required" : undefined) })
      .refine((name) => QUEUES.includes(name), { error: (issue) => `unknown queue "${String(issue.input)}": ${knownQueues()}` })
      .refine((name) => !CONSUMED.has(name), {
        error: (issue) => {
          const name = String(issue.input);
          return `${name}-dlq is emptied by its own handler (${CONSUMED.get(name)}), so there is nothing to redrive: ${INSTEAD[name] ?? "see docs/runbook.md"}`;
        },
      }),
    max: z.coerce.number().int().min(1).optional(),
    "dry-run": z.boolean().default(false),
    aws: z.boolean().default(false),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "is not an AWS region such as eu-west-1").optional(),
  })
  .refine((args) => args.aws || args.region === undefined, { path: ["region"], error: "needs --aws" });

function knownQueues(): string {
  return `the platform's queues are ${QUEUES.join(", ")}`;
}

/** A problem the user fixes by starting something or changing flags: said as it is, without "redrive failed". */
class UsageError extends Error {}

interface Target {
  sqs: SQSClient;
  /** Where, for messages: `the local platform (prefix p)` or `AWS (eu-west-1)`. */
  where: string;
  queueName: string;
  deadLetterName: string;
}

/** The local platform of `npm start`, from its state file. */
async function localTarget(queue: string): Promise<Target> {
  const file = stateFilePath();
  const state = await runningPlatform(file);
  if (!state) throw new UsageError("no local platform is running: start it with npm start, or pass --aws");
  return {
    sqs: new SQSClient({ endpoint: state.sqsEndpoint, region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS }),
    where: `the local platform at ${state.url} (pid ${state.pid}, prefix ${state.prefix})`,
    queueName: physicalName(state.prefix, queue),
    deadLetterName: physicalName(state.prefix, deadLetterQueueName(queue)),
  };
}

/** AWS, with the default credential chain; the stateful stack names queues with `awsQueueName`. */
async function awsTarget(queue: string, region: string | undefined): Promise<Target> {
  const sqs = new SQSClient(region ? { region } : {});
  let resolved: string;
  try {
    resolved = await sqs.config.region();
  } catch {
    throw new UsageError("no AWS region: pass --region R, or set AWS_REGION (or a region in your AWS profile)");
  }
  return {
    sqs,
    where: `AWS (${resolved})`,
    queueName: awsQueueName(platform.app, queue),
    deadLetterName: awsQueueName(platform.app, deadLetterQueueName(queue)),
  };
}

async function queueUrl(target: Target, name: string): Promise<string> {
  try {
    const { QueueUrl } = await target.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error("GetQueueUrl returned no URL");
    return QueueUrl;
  } catch (error) {
    const code = (error as { name?: string } | null)?.name;
    if (code === "QueueDoesNotExist" || code === "AWS.SimpleQueueService.NonExistentQueue") {
      throw new Error(`queue ${name} does not exist on ${target.where}`, { cause: error });
    }
    throw new Error(`could not look up queue ${name} on ${target.where}: ${errorMessage(error)}`, { cause: error });
  }
}

function progressWriter(dlq: string): (counts: RedriveCounts) => void {
  // On a terminal one line is rewritten; in a log, a line every 100 messages.
  let lastLogged = 0;
  return ({ moved, failed }) => {
    const line = `${dlq}: ${moved} moved, ${failed} failed`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
    else if (moved + failed - lastLogged >= 100) {
      lastLogged = moved + failed;
      process.stderr.write(`${line}\n`);
    }
  };
}

function report(result: RedriveResult, from: string, to: string): boolean {
  console.log(`moved ${result.moved} message${result.moved === 1 ? "" : "s"} from ${from} to ${to}`);
  let ok = true;
  if (result.failed > 0) {
    ok = false;
    console.log(`  ${result.failed} refused by ${to}, still in ${from}: ${result.reasons.join("; ") || "no reason given"}`);
  }
  if (result.notDeleted > 0) {
    ok = false;
    console.log(
      `  ${result.notDeleted} sent but not deleted from ${from}: a later redrive sends them again (consumers are idempotent)`,
    );
  }
  return ok;
}

async function main(): Promise<void> {
  const args = parseCommandLine({
    usage: USAGE,
    options: {
      queue: { type: "string" },
      max: { type: "string" },
      "dry-run": { type: "boolean" },
      aws: { type: "boolean" },
      region: { type: "string" },
    },
    schema: argsSchema,
  });

  let target: Target | undefined;
  try {
    target = args.aws ? await awsTarget(args.queue, args.region) : await localTarget(args.queue);
    const sourceUrl = await queueUrl(target, target.deadLetterName);
    const targetUrl = await queueUrl(target, target.queueName);
    if (args["dry-run"]) {
      const { waiting } = await redrive({ sqs: target.sqs, sourceUrl, targetUrl, dryRun: true });
      console.log(
        `dry run on ${target.where}: about ${waiting} message${waiting === 1 ? "" : "s"} wait in ${target.deadLetterName}; ` +
          `a redrive would move ${args.max !== undefined ? `at most ${args.max} of them` : "them"} to ${target.queueName}. Nothing moved.`,
      );
      return;
    }
    console.error(`redriving ${target.deadLetterName} → ${target.queueName} on ${target.where}${args.max ? `, at most ${args.max}` : ""}…`);
    let result: RedriveResult;
    try {
      result = await redrive({ sqs: target.sqs, sourceUrl, targetUrl, max: args.max, progress: progressWriter(target.deadLetterName) });
    } finally {
      if (process.stderr.isTTY) process.stderr.write("\n");
    }
    if (!report(result, target.deadLetterName, target.queueName)) process.exitCode = 1;
  } catch (error) {
    if (error instanceof RedriveStoppedError && target) {
      report(error.result, target.deadLetterName, target.queueName);
      console.error(`redrive stopped: ${error.message}`);
      console.error("  nothing was lost: what was not moved is still in the dead-letter queue; fix the cause and run again");
    } else if (error instanceof UsageError) {
      console.error(error.message);
    } else {
      console.error(`redrive failed: ${errorMessage(error)}`);
    }
    process.exitCode = 1;
  } finally {
    target?.sqs.destroy();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

await main();
