/**
 * `npm run bench:claims [-- --attempts 3000 --stock 500 --concurrency 200 --shards N]`
 *
 * A flash drop against the local runtime over HTTP (issue 3, "Benchmark"; docs/benchmarks.md).
 * One bounded run on 127.0.0.1: starts DynamoDB Local, fauxqs and the runtime with the platform
 * wiring, seeds one published campaign, floods one drop, then measures:
 *  - correctness read back with consistent reads: oversell and per-person cap violations (exit 1 if any);
 *  - claims/s, attempts/s and latency percentiles of the flood;
 *  - DynamoDB calls and consumed capacity, counted by SDK middleware on the handlers' own client,
 *    per success and per LIMIT_REACHED rejection (calibrated sequential phases) and per rejected
 *    attempt after sell-out;
 *  - the raw baseline (the success's four DynamoDB calls issued straight at the emulator with
 *    the same concurrency) and, to explain the ratio, the same claims through the use case and
 *    through the handler without HTTP, with Node and Java CPU time per success;
 *  - the ratio claim path ÷ raw baseline as the median of four blocks of adjacent phases (raw,
 *    HTTP, HTTP, raw), so that the shared machine's drift between phases cancels;
 *  - the bundled claim handler's size, its top contributors, and its cold import time with and
 *    without source maps.
 * Everything it started is stopped at the end, on error and on Ctrl-C.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Context } from "aws-lambda";
import { ESM_REQUIRE_BANNER, unreachedModules } from "../infra/constructs/bundling.js";
import { platformFunctions } from "../shared/wiring/functions.js";
import { CAMPAIGN_COPY_PREFIX } from "../shared/store/keys.js";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { pool, percentile, fixed as figure } from "./figures.js";
import { BENCH_CLAIMS_FIGURES, CallTimer, writeBenchClaimsFigures } from "./dropday/calibration.js";
import { type ClaimAnswer, ClaimLoad, claimAnswer } from "./claim-load.js";
import { openConnections } from "./http-client.js";

// Handlers log through Powertools; the benchmark wants their silence, and the SDK's Node-version notice is noise.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const VOUCHER_TYPE = "100-30";
/** Hard bound on the whole run, emulators included. */
const RUN_DEADLINE_MS = 8 * 60_000;
/** The assumed round trip of one attempt from a phone, used to turn concurrency into attempts/s for planShards. */
const ASSUMED_ATTEMPT_SECONDS = 0.1;
/**
 * Rounds of the ratio, each a raw baseline and a claim-path phase side by side, in blocks of two
 * run raw, HTTP, HTTP, raw. The phase that runs second in a round is slower (over 63 rounds of
 * seven runs: 0.877 with raw first, 0.954 with HTTP first), so only a block of both orders
 * cancels it; the ratio is the median of the blocks' ratios. An even number.
 */
const RATIO_ROUNDS = 8;
/**
 * Successes in each phase of a pair. A phase with few successes per slot in flight is mostly
 * ramp and drain (with 500 and 200 in flight, the last 40 % ran with fewer in flight), which
 * weighs on the path with the longer round trip; 2,000 keeps the drain to a tenth.
 */
const PAIR_SUCCESSES = 2000;
/**
 * Claims over HTTP before anything is measured. V8 compiles the claim path's code (the SDK's
 * above all) over thousands of claims: after a warm-up of 400, the runtime spent 2.94 ms of Node
 * CPU per success over the next 500 claims, 2.52 ms over the 3,000 after them and 2.29 ms
 * after 4,000 more, the same claims each time (2026-12-05).
 */
const WARM_CLAIMS = 3000;

// ---------------------------------------------------------------------------------------------
// Arguments

interface Settings {
  attempts: number;
  stock: number;
  concurrency: number;
  shards: number | undefined;
  afterSellOut: number;
  calibrate: number;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      attempts: { type: "string", default: "3000" },
      stock: { type: "string", default: "500" },
      concurrency: { type: "string", default: "200" },
      shards: { type: "string" },
      "after-sellout": { type: "string", default: "1000" },
      calibrate: { type: "string", default: "200" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: npm run bench:claims -- [--attempts 3000] [--stock 500] [--concurrency 200] [--shards N]\n" +
        "                              [--after-sellout 1000] [--calibrate 200]",
    );
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      console.error(`--${name} must be a whole number in ${min}–${max}, got ${raw}`);
      process.exit(2);
    }
    return value;
  };
  const settings: Settings = {
    attempts: int("attempts", values.attempts, 1, 100_000),
    stock: int("stock", values.stock, 1, 100_000),
    concurrency: int("concurrency", values.concurrency, 1, 2_000),
    shards: values.shards === undefined ? undefined : int("shards", values.shards, 1, 1_000),
    afterSellOut: int("after-sellout", values["after-sellout"], 0, 100_000),
    calibrate: int("calibrate", values.calibrate, 1, 10_000),
  };
  if (settings.attempts < settings.stock) {
    console.error("--attempts must be at least --stock, or the drop never sells out");
    process.exit(2);
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// Counting DynamoDB calls and consumed capacity with SDK middleware

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const CAPACITY_COMMANDS = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactGetItems",
  "TransactWriteItems",
]);
const READ_COMMANDS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

interface Tally {
  calls: number;
  byCommand: Record<string, number>;
  failed: Record<string, number>;
  wcu: number;
  rcu: number;
  /** Write units reported per command, to price one shard attempt. */
  wcuByCommand: Record<string, number>;
  /** Calls that answered without a ConsumedCapacity (errors such as ConditionalCheckFailed). */
  unreported: number;
}

class DynamoCounter {
  private readonly tally: Tally = { calls: 0, byCommand: {}, failed: {}, wcu: 0, rcu: 0, wcuByCommand: {}, unreported: 0 };

  snapshot(): Tally {
    return structuredClone(this.tally);
  }

  since(before: Tally): Tally {
    return diffTally(this.tally, before);
  }

  record(command: string, output: { ConsumedCapacity?: Capacity | Capacity[] } | undefined, error?: string): void {
    const t = this.tally;
    t.calls += 1;
    t.byCommand[command] = (t.byCommand[command] ?? 0) + 1;
    if (error) t.failed[`${command}:${error}`] = (t.failed[`${command}:${error}`] ?? 0) + 1;
    const consumed = output?.ConsumedCapacity;
    if (consumed === undefined) {
      if (CAPACITY_COMMANDS.has(command)) t.unreported += 1;
      return;
    }
    for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
      const total = entry.CapacityUnits ?? 0;
      let wcu = 0;
      if (entry.WriteCapacityUnits !== undefined || entry.ReadCapacityUnits !== undefined) {
        wcu = entry.WriteCapacityUnits ?? 0;
        t.rcu += entry.ReadCapacityUnits ?? 0;
      } else if (READ_COMMANDS.has(command)) t.rcu += total;
      else wcu = total;
      t.wcu += wcu;
      t.wcuByCommand[command] = (t.wcuByCommand[command] ?? 0) + wcu;
    }
  }
}

function diffTally(now: Tally, before: Tally): Tally {
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => v !== 0)) as Record<string, number>;
  return {
    calls: now.calls - before.calls,
    byCommand: diff(now.byCommand, before.byCommand),
    failed: diff(now.failed, before.failed),
    wcu: now.wcu - before.wcu,
    rcu: now.rcu - before.rcu,
    wcuByCommand: diff(now.wcuByCommand, before.wcuByCommand),
    unreported: now.unreported - before.unreported,
  };
}

/** Every table a DynamoDB call's input names (a single table, a transaction's items, a batch's tables). */
function tablesOf(input: Record<string, unknown>): string[] {
  const named = typeof input.TableName === "string" ? [input.TableName] : [];
  const transacted = Array.isArray(input.TransactItems)
    ? (input.TransactItems as Record<string, { TableName?: unknown }>[]).flatMap((item) => Object.values(item).map((op) => op.TableName)).filter((table): table is string => typeof table === "string")
    : [];
  const batched = input.RequestItems !== null && typeof input.RequestItems === "object" ? Object.keys(input.RequestItems) : [];
  return [...named, ...transacted, ...batched];
}

/**
 * Counts `client`'s calls in `counter`. With `claimTables`, a call naming any other table is
 * another function's (the local runtime runs every function on the one shared client: the stats
 * projector reads campaigns and writes stats as claims stream in) and goes to `others` instead.
 */
function instrument(client: DynamoDBClient, counter: DynamoCounter, split?: { claimTables: ReadonlySet<string>; others: DynamoCounter }): void {
  const name = (context: { commandName?: string }) => (context.commandName ?? "Unknown").replace(/Command$/, "");
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as Record<string, unknown>;
      if (CAPACITY_COMMANDS.has(name(context)) && input.ReturnConsumedCapacity === undefined) {
        return next({ ...args, input: { ...input, ReturnConsumedCapacity: "TOTAL" } });
      }
      return next(args);
    },
    { step: "initialize", name: "benchReturnConsumedCapacity", priority: "high" },
  );
  // At the deserialize step, inside the SDK's retry loop: one count per call that reached the emulator.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const tables = tablesOf(args.input as Record<string, unknown>);
      const target = split && (tables.some((table) => !split.claimTables.has(table)) || writesCampaignCopy(args.input as Record<string, unknown>)) ? split.others : counter;
      try {
        const result = await next(args);
        target.record(name(context), result.output as { ConsumedCapacity?: Capacity | Capacity[] });
        return result;
      } catch (error) {
        target.record(name(context), undefined, error instanceof Error ? error.name : "Error");
        throw error;
      }
    },
    { step: "deserialize", name: "benchCountCalls", priority: "high" },
  );
}

/**
 * Whether a call writes a campaign's read copy: the replicator's (copyCampaign, on the campaigns
 * table's stream), which shares the claim's campaigns table but is not the claim's cost.
 */
function writesCampaignCopy(input: Record<string, unknown>): boolean {
  const pk = (input.Item as { pk?: unknown } | undefined)?.pk;
  const value = typeof pk === "string" ? pk : (pk as { S?: unknown } | undefined)?.S;
  return typeof value === "string" && value.startsWith(CAMPAIGN_COPY_PREFIX);
}

// ---------------------------------------------------------------------------------------------
// Small helpers


function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

const fixed = (value: number, digits = 2) => figure(value, digits);

/** CPU seconds used so far by a process (utime + stime), from /proc; undefined when unreadable. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface CpuMark {
  wall: number;
  node: NodeJS.CpuUsage;
  java: number | undefined;
}

interface CpuSpent {
  wallMs: number;
  nodeMs: number;
  javaMs: number | undefined;
}

class Cpu {
  constructor(private readonly javaPid: number) {}
  mark(): CpuMark {
    return { wall: performance.now(), node: process.cpuUsage(), java: processCpuSeconds(this.javaPid) };
  }
  since(mark: CpuMark): CpuSpent {
    const node = process.cpuUsage(mark.node);
    const java = processCpuSeconds(this.javaPid);
    return {
      wallMs: performance.now() - mark.wall,
      nodeMs: (node.user + node.system) / 1000,
      javaMs: java === undefined || mark.java === undefined ? undefined : (java - mark.java) * 1000,
    };
  }
}


// ---------------------------------------------------------------------------------------------
// The run

interface PhaseResult {
  label: string;
  successes: number;
  cpu: CpuSpent;
}

async function main(): Promise<number> {
  const settings = parseSettings();
  const loadAtStart = (await import("node:os")).loadavg();
  const out: string[] = [];
  const say = (line = "") => {
    out.push(line);
    process.stdout.write(`${line}\n`);
  };
  const note = (line: string) => process.stderr.write(`${line}\n`);

  // Project modules are imported only now, after the logging environment above is set.
  const { DYNAMODB_LOCAL_VERSION } = await import("../infra/local/dynamodb-local-dist.js");
  const { EMULATORS_CREDENTIALS, EMULATORS_REGION } = await import("../infra/local/emulators.js");
  const { signLocalToken, verifyBearer } = await import("../infra/local/jwt.js");
  const { seedCampaign } = await import("../test/support/seed.js");
  const { CLAIM_WCU_PER_ATTEMPT, planShards } = await import("../shared/domain/capacity.js");
  const { DynamoDBClient: Ddb, BatchGetItemCommand, PutItemCommand, UpdateItemCommand, TransactWriteItemsCommand } = await import("@aws-sdk/client-dynamodb");
  const { DynamoDBDocumentClient: Docs, DeleteCommand, ScanCommand } = await import("@aws-sdk/lib-dynamodb");

  const plan = planShards({ attemptsPerSecond: settings.concurrency / ASSUMED_ATTEMPT_SECONDS, wcuPerAttempt: CLAIM_WCU_PER_ATTEMPT });
  const shards = settings.shards ?? plan.shards;

  const { guardedRun, poster } = await import("./harness.js");
  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    const { emulators, runtime: rt, jwt } = await run.startPlatform();
    const cpu = new Cpu(emulators.dynamodb.pid);
    const tables = {
      campaigns: rt.resources.tables.campaigns!.name,
      inventory: rt.resources.tables.inventory!.name,
      vouchers: rt.resources.tables.vouchers!.name,
    };

    // The handlers' own client, counted; the benchmark's own clients are separate.
    const { dynamoDb, documents } = await import("../shared/clients.js");
    const handlerCounter = new DynamoCounter();
    // The stats projector and other stream consumers share the client; their calls are kept apart.
    const otherFunctions = new DynamoCounter();
    const claimTables = new Set([...Object.values(tables), rt.resources.tables.idempotency!.name]);
    instrument(dynamoDb(), handlerCounter, { claimTables, others: otherFunctions });
    const floodCalls = new CallTimer(dynamoDb());
    const clientConfig = { region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: emulators.dynamodb.endpoint, maxAttempts: 3 };
    const seedClient = new Ddb(clientConfig);
    run.onStop(() => seedClient.destroy());
    const seedDocs: DynamoDBDocumentClient = Docs.from(seedClient, { marshallOptions: { removeUndefinedValues: true } });
    const rawClient = new Ddb(clientConfig);
    run.onStop(() => rawClient.destroy());
    const rawCounter = new DynamoCounter();
    instrument(rawClient, rawCounter);

    // 2. One published campaign, limit 1 per person; one drop per phase so phases never share stock.
    const campaignId = `bench-${randomUUID().slice(0, 8)}`;
    const S = settings.stock;
    const P = Math.max(S, PAIR_SUCCESSES);
    const C = settings.concurrency;
    const calibrationStock = settings.calibrate * 2;
    const drops = {
      warm: { id: "warm", stock: WARM_CLAIMS },
      warmRaw: { id: "warm-raw", stock: 1500 },
      warmLoad: { id: "warm-load", stock: 1000 },
      calibration: { id: "calibration", stock: calibrationStock },
      flood: { id: "flood", stock: S },
      useCase: { id: "direct-use-case", stock: S },
      httpSuccess: { id: "http-successes", stock: S },
      handler: { id: "direct-handler", stock: S },
      raw: { id: "raw-baseline", stock: S },
      rawFirst: { id: "raw-baseline-first", stock: S },
      // The paired rounds of the ratio: raw and HTTP side by side, each round its own stock.
      ...Object.fromEntries(
        Array.from({ length: RATIO_ROUNDS }, (_, round) => [
          [`pairRaw${round}`, { id: `pair-raw-${round}`, stock: P }],
          [`pairHttp${round}`, { id: `pair-http-${round}`, stock: P }],
        ]).flat(),
      ),
    } as Record<string, { id: string; stock: number }> & Record<"warm" | "warmRaw" | "warmLoad" | "calibration" | "flood" | "useCase" | "httpSuccess" | "handler" | "raw" | "rawFirst", { id: string; stock: number }>;
    note(`seeding campaign ${campaignId}: flood drop of ${S} units over ${shards} shard(s)…`);
    await seedCampaign(seedDocs, tables, {
      id: campaignId,
      perPersonLimit: 1,
      drops: Object.values(drops).map((drop) => ({ id: drop.id, stock: { [VOUCHER_TYPE]: drop.stock }, shards })),
    });

    let personSeq = 0;
    const newPeople = (n: number, label: string) => Array.from({ length: n }, () => `bench-${label}-${(personSeq++).toString(36)}-${randomBytes(3).toString("hex")}`);
    const tokensFor = (people: string[]) => Promise.all(people.map((sub) => signLocalToken({ sub, settings: jwt, expiresInSeconds: 3600 })));
    const claimUrl = (dropId: string) => `${rt.url}/campaigns/${campaignId}/drops/${dropId}/claims`;
    const body = JSON.stringify({ voucherTypeId: VOUCHER_TYPE });

    /** One claim over HTTP, with no Idempotency-Key. */
    // node:http with a keep-alive agent: the load generator shares this process with the runtime,
    // and undici's fetch costs it about twice the CPU per request.
    const agent = new http.Agent({ keepAlive: true, maxSockets: C });
    const post = poster(agent);
    const claimOverHttp = async (dropId: string, token: string): Promise<ClaimAnswer> => {
      const started = performance.now();
      const response = await post(claimUrl(dropId), { authorization: `Bearer ${token}`, "content-type": "application/json" }, body);
      return claimAnswer(response.status, response.text, performance.now() - started);
    };
    // The ratio's claims come from a worker thread, off the runtime's event loop (claim-load.ts).
    const load = await ClaimLoad.start();
    run.onStop(() => load.close());

    const sequential = async (dropId: string, tokens: string[]) => {
      const answers: ClaimAnswer[] = [];
      for (const token of tokens) {
        signal.throwIfAborted();
        answers.push(await claimOverHttp(dropId, token));
      }
      return answers;
    };
    const countCodes = (answers: ClaimAnswer[]) => {
      const counts: Record<string, number> = {};
      for (const a of answers) counts[a.code] = (counts[a.code] ?? 0) + 1;
      return counts;
    };

    // Warm-up: JIT, sockets, the campaign cache; not measured.
    note(`warming up: ${WARM_CLAIMS} claims over HTTP, ${C} in flight…`);
    const warmTokens = await tokensFor(newPeople(WARM_CLAIMS, "warm"));
    await pool(warmTokens.length, C, signal, async (i) => void (await claimOverHttp(drops.warm.id, warmTokens[i]!)));

    // Calibrated phase: sequential successes without contention.
    note(`calibration: ${settings.calibrate} sequential successes, then the same people again (LIMIT_REACHED)…`);
    const calibrationTokens = await tokensFor(newPeople(settings.calibrate, "cal"));
    let before = handlerCounter.snapshot();
    const othersBefore = otherFunctions.snapshot();
    const successAnswers = await sequential(drops.calibration.id, calibrationTokens);
    const perSuccess = handlerCounter.since(before);
    const othersPerSuccess = otherFunctions.since(othersBefore);
    const calibrationSuccesses = successAnswers.filter((a) => a.status === 201).length;
    before = handlerCounter.snapshot();
    const limitAnswers = await sequential(drops.calibration.id, calibrationTokens);
    const perLimit = handlerCounter.since(before);
    const limitRejections = limitAnswers.filter((a) => a.code === "LIMIT_REACHED").length;

    const phases: PhaseResult[] = [];
    /** Runs a phase whose `run` answers how many successes it had, measuring its time and CPU. */
    const measurePhase = async (label: string, run: () => Promise<number>, record = true) => {
      const mark = cpu.mark();
      const successes = await run();
      const result = { label, successes, cpu: cpu.since(mark) };
      if (record) phases.push(result);
      return result;
    };
    /** A phase of `count` tasks, C in flight in this thread, each answering whether it succeeded. */
    const measure = (label: string, count: number, task: (i: number) => Promise<boolean>, record = true) =>
      measurePhase(
        label,
        async () => {
          let successes = 0;
          await pool(count, C, signal, async (i) => {
            if (await task(i)) successes += 1;
          });
          return successes;
        },
        record,
      );
    /** A phase of claims over HTTP sent by the load worker, C in flight. */
    const measureClaims = (label: string, dropId: string, tokens: string[], record = true) =>
      measurePhase(label, async () => (await load.run(claimUrl(dropId), tokens, body, C)).filter((answer) => answer.status === 201).length, record);

    const raw = rawClient;
    const rawBaseline = (label: string, dropId: string, count = S, record = true) => {
      note(`raw baseline (${label}): ${count} successes of BatchGetItem (link, counter) + UpdateItem (shard) + UpdateItem (counter) + PutItem (voucher), ${C} in flight…`);
      const rawPeople = newPeople(count, "raw");
      return measure(`raw baseline, ${label}`, count, async (i) => {
        const sub = rawPeople[i]!;
        const counterKey = { pk: { S: `PERSON#${sub}` }, sk: { S: `LIMIT#${campaignId}` } };
        // The claim's start (readClaimStart): the account's link item and its counter, in one consistent BatchGetItem.
        await raw.send(
          new BatchGetItemCommand({
            RequestItems: { [tables.vouchers]: { Keys: [{ pk: { S: `ACCOUNT#${sub}` }, sk: { S: "#ACCOUNT" } }, counterKey], ConsistentRead: true } },
          }),
        );
        // Random shard, as the claim does; on an empty one try the next (rare until the very end).
        const first = Math.floor(Math.random() * shards);
        for (let tries = 0; tries < shards; tries += 1) {
          const shard = (first + tries) % shards;
          try {
            await raw.send(
              new UpdateItemCommand({
                TableName: tables.inventory,
                Key: { pk: { S: `SHARD#${campaignId}#${dropId}#${VOUCHER_TYPE}#${shard}` } },
                UpdateExpression: "ADD remaining :minusOne",
                ConditionExpression: "remaining > :zero",
                ExpressionAttributeValues: { ":minusOne": { N: "-1" }, ":zero": { N: "0" } },
              }),
            );
          } catch (error) {
            if (error instanceof Error && error.name === "ConditionalCheckFailedException") continue;
            throw error;
          }
          const now = new Date();
          const voucherId = `v${now.getTime().toString(36)}${randomBytes(8).toString("hex")}`;
          const attempt = randomBytes(12).toString("base64url");
          const ref = `${voucherId} ${dropId} ${VOUCHER_TYPE} ${shard}`;
          // The claim's two cold writes (DESIGN.md §8): the counter's slot, then the voucher.
          await raw.send(
            new UpdateItemCommand({
              TableName: tables.vouchers,
              Key: counterKey,
              UpdateExpression: "ADD claimed :one, voucherIds :ids, admissions :admission, voucherRefs :refs",
              ConditionExpression: "(attribute_not_exists(claimed) OR claimed < :limit) AND NOT contains(voucherIds, :id)",
              ExpressionAttributeValues: {
                ":one": { N: "1" },
                ":limit": { N: "1" },
                ":id": { S: voucherId },
                ":ids": { SS: [voucherId] },
                ":admission": { SS: [`${attempt} ${ref}`] },
                ":refs": { SS: [ref] },
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          );
          await raw.send(
            new PutItemCommand({
              TableName: tables.vouchers,
              Item: {
                pk: { S: `ISSUED#${campaignId}#${dropId}#${VOUCHER_TYPE}#${shard}` },
                sk: { S: `VOUCHER#${voucherId}` },
                voucherId: { S: voucherId },
                campaignId: { S: campaignId },
                dropId: { S: dropId },
                voucherTypeId: { S: VOUCHER_TYPE },
                threshold: { N: "10000" },
                discount: { N: "3000" },
                claimedAt: { S: now.toISOString() },
                expiresAt: { S: new Date(now.getTime() + 7 * 86_400_000).toISOString() },
                status: { S: "CLAIMED" },
                owner: { S: sub },
                shard: { N: String(shard) },
                issueAttempt: { S: attempt },
              },
              ConditionExpression: "attribute_not_exists(pk)",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          );
          return true;
        }
        return false;
      }, record);
    };
    // DynamoDB Local's JIT needs a few thousand calls before its speed settles; warm it outside any measure.
    await rawBaseline("Java warm-up, not measured", drops.warmRaw.id, drops.warmRaw.stock, false);
    let before2 = rawCounter.snapshot();
    const rawFirstPhase = await rawBaseline("before the flood", drops.rawFirst.id);
    const rawFirstTally = rawCounter.since(before2);
    // What the former two-item transaction of the same two items would cost (DynamoDB Local's own figures), for comparison.
    const probeSub = `bench-probe-${randomBytes(3).toString("hex")}`;
    const probe = await raw.send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: "INDEXES",
        TransactItems: [
          { Update: { TableName: tables.vouchers, Key: { pk: { S: `PERSON#${probeSub}` }, sk: { S: `LIMIT#${campaignId}` } }, UpdateExpression: "ADD claimed :one", ExpressionAttributeValues: { ":one": { N: "1" } } } },
          { Put: { TableName: tables.vouchers, Item: { pk: { S: `ISSUED#probe#${probeSub}` }, sk: { S: "VOUCHER#probe" }, voucherId: { S: "probe" } } } },
        ],
      }),
    );
    const probeNoIndex = await raw.send(
      new TransactWriteItemsCommand({
        ReturnConsumedCapacity: "INDEXES",
        TransactItems: [
          { Update: { TableName: tables.vouchers, Key: { pk: { S: `PERSON#${probeSub}` }, sk: { S: "PROBE#2" } }, UpdateExpression: "ADD claimed :one", ExpressionAttributeValues: { ":one": { N: "1" } } } },
        ],
      }),
    );
    await seedDocs.send(new DeleteCommand({ TableName: tables.vouchers, Key: { pk: `ISSUED#probe#${probeSub}`, sk: "VOUCHER#probe" } }));

    // S successes over HTTP (stock for everyone, so no attempt is a rejection), right before the
    // flood and sent from this thread as the flood's claims are: the replay of `simulate:dropday`
    // takes the runtime's cost per DynamoDB call from this phase, so it must run as the flood does
    // and in the same state of the process and the emulator.
    const httpTokens = await tokensFor(newPeople(S, "ok"));
    const floodTokens = await tokensFor(newPeople(settings.attempts, "flood"));
    note(`claim path over HTTP: ${S} attempts into a drop with stock for all, ${C} in flight…`);
    await openConnections(post, rt.url, C);
    const httpPhase = await measure("claim path over HTTP, all succeed", S, async (i) => (await claimOverHttp(drops.httpSuccess.id, httpTokens[i]!)).status === 201);

    // 3. The flood.
    note(`flood: ${settings.attempts} attempts by ${settings.attempts} people, ${C} in flight, no Idempotency-Key…`);
    const floodAnswers: ClaimAnswer[] = [];
    let floodSuccesses = 0;
    let floodSoldOut = 0;
    let lastSuccessAt = 0;
    let firstSoldOutAt = 0;
    // The flood's clients start on open connections, as the warm-up left them (openConnections).
    await openConnections(post, rt.url, C);
    floodCalls.start();
    const floodStart = performance.now();
    const progress = () =>
      process.stderr.write(
        `\r  attempts ${floodAnswers.length}/${settings.attempts}  successes ${floodSuccesses}  sold-out ${floodSoldOut}  ` +
          `elapsed ${((performance.now() - floodStart) / 1000).toFixed(1)} s   `,
      );
    const ticker = setInterval(progress, 200);
    before = handlerCounter.snapshot();
    let soldOutSnapshot: Tally | undefined;
    const floodCpuMark = cpu.mark();
    try {
      await pool(settings.attempts, C, signal, async (i) => {
        const answer = await claimOverHttp(drops.flood.id, floodTokens[i]!);
        floodAnswers.push(answer);
        if (answer.status === 201) {
          floodSuccesses += 1;
          lastSuccessAt = performance.now();
        } else if (answer.code === "SOLD_OUT") {
          floodSoldOut += 1;
          if (firstSoldOutAt === 0) {
            firstSoldOutAt = performance.now();
            soldOutSnapshot = handlerCounter.snapshot();
          }
        }
      });
    } finally {
      clearInterval(ticker);
      progress();
      process.stderr.write("\n");
    }
    const floodEnd = performance.now();
    floodCalls.stop();
    const floodCpu = cpu.since(floodCpuMark);
    const floodTally = handlerCounter.since(before);
    const untilSoldOut = soldOutSnapshot ? structuredClone(soldOutSnapshot) : handlerCounter.snapshot();
    const floodBeforeSoldOut = diffTally(untilSoldOut, before);

    // After sell-out: new people, no DynamoDB call expected.
    let afterTally: Tally | undefined;
    let afterCodes: Record<string, number> = {};
    let afterRate = NaN;
    if (settings.afterSellOut > 0) {
      const afterTokens = await tokensFor(newPeople(settings.afterSellOut, "late"));
      note(`after sell-out: ${settings.afterSellOut} attempts by new people, ${C} in flight…`);
      const answers: ClaimAnswer[] = [];
      before = handlerCounter.snapshot();
      const t0 = performance.now();
      await pool(afterTokens.length, C, signal, async (i) => void answers.push(await claimOverHttp(drops.flood.id, afterTokens[i]!)));
      afterRate = answers.length / ((performance.now() - t0) / 1000);
      afterTally = handlerCounter.since(before);
      afterCodes = countCodes(answers);
    }

    // 4. The same successes below HTTP: raw SDK calls, the use case, the handler without the gateway.
    before2 = rawCounter.snapshot();
    const rawPhase = await rawBaseline("after the flood", drops.raw.id);
    const rawTally = rawCounter.since(before2);

    note(`use case direct: ${S} claims through claimVoucher (no HTTP, no handler), ${C} in flight…`);
    const { ClaimCaches, claimVoucher } = await import("../shared/use-cases/claim.js");
    const useCaseDeps = {
      db: documents(),
      tables,
      caches: new ClaimCaches(),
      now: () => new Date(),
      random: Math.random,
    };
    const useCasePeople = newPeople(S, "uc");
    await measure("use case, no HTTP", S, async (i) => {
      try {
        await claimVoucher({ residentId: useCasePeople[i]!, campaignId, dropId: drops.useCase.id, voucherTypeId: VOUCHER_TYPE }, useCaseDeps);
        return true;
      } catch {
        return false;
      }
    });

    note(`handler direct: ${S} invocations of functions/claims/claim.ts (middy, zod, errors; no HTTP, no JWT), ${C} in flight…`);
    const { handler } = (await import("../functions/claims/claim.js")) as unknown as {
      handler: (event: unknown, context: Context) => Promise<{ statusCode: number }>;
    };
    const handlerPeople = newPeople(S, "hd");
    const context = (): Context => ({
      callbackWaitsForEmptyEventLoop: false,
      functionName: "claimVoucher",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:claimVoucher",
      memoryLimitInMB: "1024",
      awsRequestId: randomUUID(),
      logGroupName: "/aws/lambda/claimVoucher",
      logStreamName: "local",
      getRemainingTimeInMillis: () => 10_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    });
    await measure("handler, no HTTP", S, async (i) => {
      const result = await handler(
        {
          version: "2.0",
          routeKey: "POST /campaigns/{id}/drops/{dropId}/claims",
          rawPath: `/campaigns/${campaignId}/drops/${drops.handler.id}/claims`,
          rawQueryString: "",
          headers: { "content-type": "application/json" },
          pathParameters: { id: campaignId, dropId: drops.handler.id },
          requestContext: {
            requestId: randomUUID(),
            routeKey: "POST /campaigns/{id}/drops/{dropId}/claims",
            http: { method: "POST", path: "/", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
            authorizer: { jwt: { claims: { sub: handlerPeople[i]! }, scopes: null } },
          },
          isBase64Encoded: false,
          body,
        },
        context(),
      );
      return result.statusCode === 201;
    });

    // The load worker warms up first, unmeasured: its JIT and its 200 sockets were cold, and its
    // first phase, the first pair's, ran 5–15 % below the rest.
    note("warming up the load worker…");
    await load.run(claimUrl(drops.warmLoad.id), await tokensFor(newPeople(drops.warmLoad.stock, "warm-load")), body, C);

    // The ratio, measured in adjacent phases so that the machine's drift between phases (another
    // process, a GC, DynamoDB Local's own warm-up) cancels: each round runs the raw baseline and
    // the claim path over HTTP one right after the other on fresh stock, raw first in even rounds
    // and HTTP first in odd ones, so that each block of two rounds runs raw, HTTP, HTTP, raw.
    const pairs: { raw: number; http: number }[] = [];
    for (let round = 0; round < RATIO_ROUNDS; round += 1) {
      const pairPeople = newPeople(P, `pair${round}`);
      const pairTokens = await tokensFor(pairPeople);
      const runRaw = () => rawBaseline(`paired round ${round + 1}`, drops[`pairRaw${round}`]!.id, P, false);
      const runHttp = async () => {
        note(`claim path over HTTP, paired round ${round + 1}: ${P} attempts, ${C} in flight…`);
        await load.open(rt.url, C);
        return measureClaims(`claim path over HTTP, paired round ${round + 1}`, drops[`pairHttp${round}`]!.id, pairTokens, false);
      };
      let rawRound: PhaseResult;
      let httpRound: PhaseResult;
      if (round % 2 === 0) {
        rawRound = await runRaw();
        httpRound = await runHttp();
      } else {
        httpRound = await runHttp();
        rawRound = await runRaw();
      }
      pairs.push({ raw: rawRound.successes / (rawRound.cpu.wallMs / 1000), http: httpRound.successes / (httpRound.cpu.wallMs / 1000) });
    }

    // Timings of the pieces only the HTTP path has.
    note("timing JWT verification and a bare HTTP round trip…");
    const jwtSample = floodTokens.slice(0, 2000);
    let jwtMark = cpu.mark();
    for (const token of jwtSample) await verifyBearer(`Bearer ${token}`, jwt);
    const jwtCpu = cpu.since(jwtMark);
    const jwtMicros = (jwtCpu.wallMs * 1000) / jwtSample.length;
    const echo = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const text = '{"ok":true}';
        response.writeHead(201, { "content-type": "application/json", "content-length": String(text.length) });
        response.end(text);
      });
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/`;
    const echoCount = 3000;
    jwtMark = cpu.mark();
    await load.run(echoUrl, Array.from({ length: echoCount }, () => "x"), body, C);
    const echoCpu = cpu.since(jwtMark);
    await new Promise<void>((r) => {
      echo.close(() => r());
      echo.closeAllConnections();
    });

    // 5. Correctness, read back with consistent reads.
    note("reading back vouchers, counters and shards (consistent reads)…");
    const vouchersPerDrop: Record<string, number> = {};
    const vouchersPerPerson = new Map<string, number>();
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> } = await seedDocs.send(
        new ScanCommand({ TableName: tables.vouchers, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.sk !== "string" || !item.sk.startsWith("VOUCHER#") || item.campaignId !== campaignId) continue;
        const drop = String(item.dropId);
        vouchersPerDrop[drop] = (vouchersPerDrop[drop] ?? 0) + 1;
        const owner = String(item.owner);
        vouchersPerPerson.set(owner, (vouchersPerPerson.get(owner) ?? 0) + 1);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const remainingPerDrop: Record<string, number> = {};
    start = undefined;
    do {
      const page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> } = await seedDocs.send(new ScanCommand({ TableName: tables.inventory, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const match = /^SHARD#([^#]+)#([^#]+)#/.exec(String(item.pk));
        if (!match || match[1] !== campaignId) continue;
        remainingPerDrop[match[2]!] = (remainingPerDrop[match[2]!] ?? 0) + Number(item.remaining);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const oversell: Record<string, number> = {};
    for (const drop of Object.values(drops)) oversell[drop.id] = (vouchersPerDrop[drop.id] ?? 0) - drop.stock;
    const floodOversell = Math.max(0, oversell[drops.flood.id]!);
    const anyOversell = Object.values(oversell).some((value) => value > 0);
    const capViolations = [...vouchersPerPerson.values()].filter((count) => count > 1).length;

    await run.stop();
    note("emulators and runtime stopped.");

    // 6. The bundle, built and timed with nothing else running.
    note("bundling functions/claims/claim.ts as the CDK construct does…");
    const bundle = await bundleFigures();

    // ------------------------------------------------------------------------------------------
    // Report
    const floodCodes = countCodes(floodAnswers);
    const latencies = floodAnswers.map((a) => a.ms).sort((a, b) => a - b);
    const sellOutSeconds = (lastSuccessAt - floodStart) / 1000;
    const claimsPerSecond = floodSuccesses / sellOutSeconds;
    const attemptsPerSecond = floodAnswers.length / ((floodEnd - floodStart) / 1000);
    const rateOf = (phase: PhaseResult) => phase.successes / (phase.cpu.wallMs / 1000);
    const rawRate = Math.max(rateOf(rawPhase), rateOf(rawFirstPhase));
    const singleRatio = rateOf(httpPhase) / rawRate;
    const blocks = Array.from({ length: pairs.length / 2 }, (_, b) => {
      const [first, second] = [pairs[2 * b]!, pairs[2 * b + 1]!];
      return (first.http + second.http) / (first.raw + second.raw);
    });
    const ratio = median(blocks);
    const per = (tally: Tally, n: number) => ({
      calls: tally.calls / n,
      wcu: tally.wcu / n,
      rcu: tally.rcu / n,
      commands: Object.entries(tally.byCommand)
        .map(([k, v]) => `${k} ${fixed(v / n, 2)}`)
        .join(", "),
    });
    const row = (key: string, value: string | number) => say(`  ${key.padEnd(42)} ${value}`);

    say();
    const os = await import("node:os");
    say(`Claim benchmark — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} cores, DynamoDB Local ${DYNAMODB_LOCAL_VERSION}, load average at start ${loadAtStart.map((v) => v.toFixed(2)).join(" ")}`);
    say("Flood (HTTP to the local runtime, one distinct person per attempt, NO Idempotency-Key)");
    row("attempts", settings.attempts);
    row("stock", S);
    row("concurrency (in flight)", C);
    row("shards", settings.shards === undefined ? `${shards} (planShards for ${C} in flight ≈ ${C / ASSUMED_ATTEMPT_SECONDS} attempts/s at ${ASSUMED_ATTEMPT_SECONDS * 1000} ms each)` : `${shards} (--shards)`);
    row("successes (201)", floodSuccesses);
    row("SOLD_OUT", floodSoldOut);
    row("other statuses", Object.entries(floodCodes).filter(([k]) => k !== "CLAIMED" && k !== "SOLD_OUT").map(([k, v]) => `${k} ${v}`).join(", ") || "none");
    row("oversell (vouchers − stock, flood drop)", `${floodOversell}${anyOversell ? `  (other drops: ${JSON.stringify(oversell)})` : ""}`);
    row("cap violations (persons over the limit)", capViolations);
    row("units conserved (vouchers + remaining)", `${(vouchersPerDrop[drops.flood.id] ?? 0) + (remainingPerDrop[drops.flood.id] ?? 0)} of ${S}`);
    row("time to sell-out", `${fixed(sellOutSeconds, 2)} s`);
    row("claims/s (successes ÷ time to sell-out)", fixed(claimsPerSecond, 0));
    row("attempts/s overall", fixed(attemptsPerSecond, 0));
    row("latency p50 / p95 / p99", `${fixed(percentile(latencies, 50), 1)} / ${fixed(percentile(latencies, 95), 1)} / ${fixed(percentile(latencies, 99), 1)} ms`);
    row("flood DynamoDB calls (all)", `${floodTally.calls}: ${Object.entries(floodTally.byCommand).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    row("flood failed calls", Object.entries(floodTally.failed).map(([k, v]) => `${k} ${v}`).join(", ") || "none");
    row("flood consumed WCU / RCU (reported)", `${fixed(floodTally.wcu, 1)} / ${fixed(floodTally.rcu, 1)}`);
    row("calls until first SOLD_OUT", `${floodBeforeSoldOut.calls} (${fixed(floodBeforeSoldOut.calls / Math.max(1, floodSuccesses), 2)} per success)`);
    say();
    say("DynamoDB cost (SDK middleware on the handlers' own client, ReturnConsumedCapacity TOTAL)");
    const s = per(perSuccess, Math.max(1, calibrationSuccesses));
    const l = per(perLimit, Math.max(1, limitRejections));
    row("per success (calibrated)", `${fixed(s.calls)} calls, ${fixed(s.wcu)} WCU (target ≤ 3.2), ${fixed(s.rcu)} RCU  [${s.commands}]  (${calibrationSuccesses} sequential successes)`);
    const o = per(othersPerSuccess, Math.max(1, calibrationSuccesses));
    row("  meanwhile, other functions (stats projector, campaign copies)", `${fixed(o.calls)} calls, ${fixed(o.wcu)} WCU, ${fixed(o.rcu)} RCU per success  [${o.commands}]  (not the claim's: tables other than the claim's, and the campaigns' read copies)`);
    row("per LIMIT_REACHED rejection (calibrated)", `${fixed(l.calls)} calls, ${fixed(l.wcu)} WCU, ${fixed(l.rcu)} RCU  [${l.commands}]  (${limitRejections} rejections)`);
    if (afterTally) {
      const rejected = Object.entries(afterCodes).filter(([k]) => k !== "CLAIMED").reduce((sum, [, v]) => sum + v, 0);
      row("per rejected attempt after sell-out", `${fixed(afterTally.calls / Math.max(1, rejected), 4)} calls (${afterTally.calls} calls for ${rejected} rejections: ${JSON.stringify(afterCodes)}) at ${fixed(afterRate, 0)} attempts/s`);
    }
    const successfulUpdates = (perSuccess.byCommand.UpdateItem ?? 0) - Object.entries(perSuccess.failed).filter(([k]) => k.startsWith("UpdateItem:")).reduce((sum, [, v]) => sum + v, 0);
    row("WCU per successful UpdateItem (shard take, counter slot)", successfulUpdates > 0 ? `${fixed((perSuccess.wcuByCommand.UpdateItem ?? 0) / successfulUpdates, 2)} (CLAIM_WCU_PER_ATTEMPT is ${CLAIM_WCU_PER_ATTEMPT})` : "n/a");
    const voucherPuts = perSuccess.byCommand.PutItem ?? 0;
    row("WCU per voucher put (PutItem)", voucherPuts > 0 ? `${fixed((perSuccess.wcuByCommand.PutItem ?? 0) / voucherPuts, 2)}; TransactWriteItems per success: ${fixed((perSuccess.byCommand.TransactWriteItems ?? 0) / Math.max(1, calibrationSuccesses), 2)}` : "n/a");
    row("for comparison: TransactWriteItems counter+voucher, INDEXES", JSON.stringify(probe.ConsumedCapacity));
    row("for comparison: TransactWriteItems one Update, INDEXES", JSON.stringify(probeNoIndex.ConsumedCapacity));
    row("calls without ConsumedCapacity (errors)", `${floodTally.unreported} in the flood (e.g. ConditionalCheckFailed: billed 1 WCU on AWS, not reported)`);
    say();
    say("Raw baseline and where the time goes (same emulator, same concurrency, same number of successes)");
    for (const phase of phases) {
      const rate = phase.successes / (phase.cpu.wallMs / 1000);
      row(phase.label, `${fixed(rate, 0)} successes/s; Node CPU ${fixed(phase.cpu.nodeMs / phase.successes, 3)} ms/success; Java CPU ${phase.cpu.javaMs === undefined ? "n/a" : fixed(phase.cpu.javaMs / phase.successes, 3)} ms/success (${phase.successes} successes)`);
    }
    row("claim path over HTTP (the flood)", `${fixed(claimsPerSecond, 0)} claims/s; Node CPU ${fixed(floodCpu.nodeMs / Math.max(1, floodAnswers.length), 3)} ms/attempt; Java CPU ${floodCpu.javaMs === undefined ? "n/a" : fixed(floodCpu.javaMs / Math.max(1, floodAnswers.length), 3)} ms/attempt`);
    for (const [label, tally, phase] of [["before", rawFirstTally, rawFirstPhase], ["after", rawTally, rawPhase]] as const) {
      row(`raw baseline ${label}: calls per success`, `${fixed(tally.calls / Math.max(1, phase.successes))} (${Object.entries(tally.byCommand).map(([k, v]) => `${k} ${v}`).join(", ")}), ${fixed(tally.wcu / Math.max(1, phase.successes))} WCU; failed: ${Object.entries(tally.failed).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
    }
    row(
      "RATIO claim path ÷ raw baseline",
      `${fixed(ratio, 2)}  (target ≥ 0.9; median of ${blocks.length} blocks raw, HTTP, HTTP, raw of ${P} successes a phase: ${blocks.map((block) => fixed(block, 2)).join(", ")})`,
    );
    row(
      "  its rounds, HTTP/raw successes/s",
      pairs.map((pair, round) => `${round % 2 === 0 ? "raw first" : "HTTP first"} ${fixed(pair.http, 0)}/${fixed(pair.raw, 0)} = ${fixed(pair.http / pair.raw, 2)}`).join(", "),
    );
    row("  the single phases above, for comparison", `${fixed(singleRatio, 2)} (${fixed(rateOf(httpPhase), 0)} successes/s over HTTP, the load generator in the runtime's thread, against the faster raw baseline, ${fixed(rawRate, 0)}/s; minutes apart)`);
    row("JWT verification (jose HS256)", `${fixed((jwtCpu.nodeMs * 1000) / jwtSample.length, 1)} µs Node CPU, ${fixed(jwtMicros, 1)} µs wall per token (sequential, 2,000 tokens)`);
    row("bare HTTP round trip (load worker → node:http)", `${fixed((echoCpu.nodeMs * 1000) / echoCount, 0)} µs Node CPU per request, ${fixed(echoCount / (echoCpu.wallMs / 1000), 0)} requests/s at ${C} in flight`);
    say();
    say("Bundle of functions/claims/claim.ts (esbuild as infra/constructs/voucher-function.ts: ESM, node22, minified, SDK inside)");
    row("size", `${fixed(bundle.bytes / 1024, 1)} KB (target ≤ 300 KB); source map ${fixed(bundle.mapBytes / 1024, 1)} KB beside it`);
    for (const [pkg, bytes] of bundle.byPackage.slice(0, 8)) row(`  ${pkg}`, `${fixed(bytes / 1024, 1)} KB (${fixed((100 * bytes) / bundle.bytes, 0)} %)`);
    row("  of which zod locales (error messages; English only, shared/zod-mini.ts)", `${fixed(bundle.zodLocales / 1024, 1)} KB`);
    row("cold import p50 without source maps (7 runs)", `${fixed(bundle.importP50, 1)} ms (target ≤ 50 ms); runs: ${bundle.importRuns.map((v) => fixed(v, 0)).join(", ")}`);
    row("cold import p50 with --enable-source-maps", `${fixed(bundle.importMapsP50, 1)} ms (as the construct sets NODE_OPTIONS in Lambda)`);
    for (const part of bundle.parts) row(`  alone: ${part.specifier}`, `${fixed(part.bytes / 1024, 0)} KB, import p50 ${fixed(part.importP50, 1)} ms`);
    say();
    const ok = floodOversell === 0 && !anyOversell && capViolations === 0;
    say(ok ? "RESULT: no oversell, no cap violation." : "RESULT: FAILED — oversell or cap violation above.");
    writeFileSync(join(tmpdir(), "bench-claims-last.txt"), `${out.join("\n")}\n`);

    // The setting and per-call figures, for npm run simulate:dropday (its calibration and --replay).
    const handlerPhase = phases.find((phase) => phase.label === "handler, no HTTP");
    writeBenchClaimsFigures(resolve(REPO_ROOT, BENCH_CLAIMS_FIGURES), {
      version: 1,
      measuredAt: new Date().toISOString(),
      setting: { attempts: settings.attempts, stock: S, concurrency: C, shards },
      flood: {
        sellOutSeconds,
        successes: floodSuccesses,
        latencyMeanMs: latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, latencies.length),
        successLatencyMeanMs: floodAnswers.filter((a) => a.status === 201).reduce((sum, a) => sum + a.ms, 0) / Math.max(1, floodSuccesses),
        latencyP50Ms: percentile(latencies, 50),
        latencyP99Ms: percentile(latencies, 99),
        callMs: floodCalls.figures(),
      },
      // Little's law on the phase after sell-out: C in flight at afterRate answers per second.
      afterSellOutMeanMs: Number.isFinite(afterRate) && afterRate > 0 ? (C / afterRate) * 1000 : null,
      perSuccess: {
        calls: Object.fromEntries(Object.entries(perSuccess.byCommand).map(([command, calls]) => [command, calls / Math.max(1, calibrationSuccesses)])),
        wcu: perSuccess.wcu / Math.max(1, calibrationSuccesses),
        rcu: perSuccess.rcu / Math.max(1, calibrationSuccesses),
      },
      import: { p50Ms: bundle.importP50, p50WithSourceMapsMs: bundle.importMapsP50 },
      handlerCpuMsPerSuccess: handlerPhase && handlerPhase.successes > 0 ? handlerPhase.cpu.nodeMs / handlerPhase.successes : null,
      // The replay's server: what this saturated runtime serves at the flood's concurrency.
      saturated: {
        successesPerSecond: rateOf(httpPhase),
        soldOutAnswersPerSecond: Number.isFinite(afterRate) && afterRate > 0 ? afterRate : null,
        rawCallsPerSecond: Math.max(...([[rawPhase, rawTally], [rawFirstPhase, rawFirstTally]] as const).map(([phase, tally]) => tally.calls / (phase.cpu.wallMs / 1000))),
        floodCpu: { wallMs: floodCpu.wallMs, nodeMs: floodCpu.nodeMs, javaMs: floodCpu.javaMs ?? null },
      },
    });
    note(`figures for npm run simulate:dropday written to ${BENCH_CLAIMS_FIGURES}`);
    return ok ? 0 : 1;
  });
}

// ---------------------------------------------------------------------------------------------
// Bundle figures

interface BundleFigures {
  bytes: number;
  mapBytes: number;
  byPackage: [string, number][];
  /** Bytes of zod's translated error messages, which its namespace export drags in. */
  zodLocales: number;
  importRuns: number[];
  importP50: number;
  importMapsP50: number;
  parts: { specifier: string; bytes: number; importP50: number }[];
}

const IMPORT_PROBE =
  "const t = performance.now(); await import(process.argv[1]); process.stdout.write('IMPORT_MS ' + (performance.now() - t) + '\\n');";

/** Imports a file in a fresh node process and returns what the child measured around `import()`. */
function timeImport(file: string, nodeOptions: string[] = []): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, "--input-type=module", "-e", IMPORT_PROBE, pathToFileURL(file).href], {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", POWERTOOLS_SERVICE_NAME: "claimVoucher" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const match = /IMPORT_MS ([\d.]+)/.exec(stdout);
      if (code === 0 && match) resolvePromise(Number(match[1]));
      else reject(new Error(`import of ${file} failed (exit ${code}): ${stderr.slice(0, 500)}`));
    });
  });
}

function packageOf(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return `(app) ${input.split("/")[0]}/`;
  const parts = input.slice(at + "node_modules/".length).split("/");
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

async function bundleFigures(): Promise<BundleFigures> {
  const esbuild = await import("esbuild");
  const dir = mkdtempSync(join(tmpdir(), "bench-claims-bundle-"));
  try {
    const common = {
      bundle: true,
      platform: "node" as const,
      format: "esm" as const,
      target: "node22",
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      mainFields: ["module", "main"],
      banner: { js: ESM_REQUIRE_BANNER },
      external: unreachedModules(platformFunctions.claimVoucher),
      metafile: true,
      logLevel: "silent" as const,
      absWorkingDir: REPO_ROOT,
    };
    const outfile = join(dir, "index.mjs");
    const result = await esbuild.build({ ...common, entryPoints: [resolve(REPO_ROOT, "functions/claims/claim.ts")], outfile });
    const output = Object.values(result.metafile!.outputs).find((o) => o.entryPoint !== undefined)!;
    const grouped = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) grouped.set(packageOf(input), (grouped.get(packageOf(input)) ?? 0) + bytesInOutput);
    const byPackage = [...grouped.entries()].sort((a, b) => b[1] - a[1]);
    const zodLocales = Object.entries(output.inputs)
      .filter(([input]) => /node_modules\/zod\/.*\/locales\//.test(input))
      .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);

    const importRuns: number[] = [];
    for (let i = 0; i < 7; i += 1) importRuns.push(await timeImport(outfile));
    const mapsRuns: number[] = [];
    for (let i = 0; i < 7; i += 1) mapsRuns.push(await timeImport(outfile, ["--enable-source-maps"]));

    // Each big dependency bundled alone, to see what its share of the import costs.
    const parts: BundleFigures["parts"] = [];
    for (const specifier of [
      "@aws-sdk/client-dynamodb",
      "@aws-sdk/lib-dynamodb",
      "@aws-lambda-powertools/logger",
      "@aws-lambda-powertools/metrics",
      "zod/mini",
      "@middy/core",
    ]) {
      const entry = join(dir, `part-${parts.length}.mjs`);
      writeFileSync(entry, `import * as m from ${JSON.stringify(specifier)}; globalThis.__keep = m;\n`);
      const partOut = join(dir, `part-${parts.length}.out.mjs`);
      await esbuild.build({ ...common, entryPoints: [entry], outfile: partOut, nodePaths: [join(REPO_ROOT, "node_modules")] });
      const runs: number[] = [];
      for (let i = 0; i < 5; i += 1) runs.push(await timeImport(partOut));
      parts.push({ specifier, bytes: statSync(partOut).size, importP50: median(runs) });
    }
    return {
      bytes: statSync(outfile).size,
      mapBytes: statSync(`${outfile}.map`).size,
      byPackage,
      zodLocales,
      importRuns,
      importP50: median(importRuns),
      importMapsP50: median(mapsRuns),
      parts,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\nbench:claims failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
