/**
 * `npm run bench:lottery [-- --registrations 100000 --stock 5000 --concurrency 200]`
 *
 * Lottery drops against the local runtime (issue 13, "Benchmarks and tests"). One bounded run on
 * 127.0.0.1: starts DynamoDB Local, fauxqs and the runtime, creates and publishes over HTTP a
 * campaign with two lottery drops (voucher types `a` and `b`, each `--stock` units), registers N
 * distinct residents for the first over HTTP with C in flight (registrations/s, DynamoDB calls per
 * registration counted per request), and writes 2N registrations for the second straight into
 * the table (the draw, not registration, is measured there). Then it plans each draw as the
 * ticker would after registration closed (the draws queue, ranked and merged by the runtime's
 * workers) and times it until the result is published: the draw time at N and 2N and their
 * ratio. Last, the verifier of `npm run verify-draw` checks both published results. Exit 1 when a
 * draw does not verify, issues other than min(stock, registrations) vouchers, or registration
 * answers other than 201.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { argumentsOrExit, fixed, numberArgument, percentile, poolWithProgress } from "./figures.js";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = "usage: npm run bench:lottery [-- --registrations N (default 100000) --stock K (default 5000) --concurrency C (default 200)]";
/** Hard bound on the whole run, emulators included. */
const RUN_DEADLINE_MS = 30 * 60_000;

function parseSettings(args: string[]): { registrations: number; stock: number; concurrency: number } | "help" {
  if (args.includes("--help") || args.includes("-h")) return "help";
  const value = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index === -1 ? undefined : args[index + 1];
  };
  return {
    registrations: value("registrations") === undefined ? 100_000 : numberArgument("registrations", value("registrations"), { min: 1, max: 2_000_000 }),
    stock: value("stock") === undefined ? 5_000 : numberArgument("stock", value("stock"), { min: 1, max: 1_000_000 }),
    concurrency: value("concurrency") === undefined ? 200 : numberArgument("concurrency", value("concurrency"), { min: 1, max: 1_000 }),
  };
}

async function main(): Promise<number> {
  const settings = argumentsOrExit(() => parseSettings(process.argv.slice(2)));
  if (settings === "help") {
    console.log(USAGE);
    return 0;
  }
  const os = await import("node:os");
  const loadAtStart = os.loadavg();
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const say = (line = "") => process.stdout.write(`${line}\n`);

  const { BatchWriteCommand } = await import("@aws-sdk/lib-dynamodb");
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  const { EMULATORS_CREDENTIALS, EMULATORS_REGION } = await import("../infra/local/emulators.js");
  const { signLocalToken } = await import("../infra/local/jwt.js");
  const { sendAll } = await import("../shared/queues/send.js");
  const { newRegistrationId, registrationShard } = await import("../shared/domain/lottery.js");
  const { startDraw } = await import("../shared/use-cases/lottery.js");
  const { fetchDrawResult, fetchPublishedCommitment, verifyDraw } = await import("../scripts/draw-verifier.js");
  const { DELIVERY_HEADER, benchDocuments, callsIn, countCallsPerRequest, guardedRun, poster, tableNames } = await import("./harness.js");
  const http = await import("node:http");

  const N = settings.registrations;
  const K = settings.stock;
  const C = settings.concurrency;
  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const started = await run.startPlatform();
    const { runtime: rt, jwt } = started;
    const tables = tableNames(rt, ["campaigns", "lottery"]);
    const docs = benchDocuments(run, started.emulators);
    const calls = countCallsPerRequest(run);
    const agent = new http.Agent({ keepAlive: true, maxSockets: C });
    run.onStop(() => agent.destroy());
    const post = poster(agent, run.signal);
    // Each request in flight listens for the run's abort.
    setMaxListeners(C + 16, run.signal);
    const sqs = new SQSClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: started.emulators.sqs.endpoint, maxAttempts: 3 });
    run.onStop(() => sqs.destroy());
    const operator = await signLocalToken({ sub: "bench-operator", operator: true, expiresInSeconds: 3_600, settings: jwt });
    const asOperator = { authorization: `Bearer ${operator}`, "content-type": "application/json" };

    // 1. A campaign with two lottery drops, created and published over HTTP (the seeds are drawn at publish).
    const campaignId = `bench-lot-${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const DAY = 86_400_000;
    const lottery = (id: string, type: string) => ({
      id,
      opensAt: at(-1_000),
      closesAt: at(2 * DAY),
      stock: { [type]: K },
      shards: 4,
      allocation: "lottery",
      registration: { opensAt: at(-1_000), closesAt: at(DAY) },
      drawAt: at(DAY),
    });
    const campaign = {
      id: campaignId,
      name: "bench lottery",
      budget: 2 * K * 3_000,
      startsAt: at(-60_000),
      endsAt: at(3 * DAY),
      perPersonLimit: 1,
      sectors: ["supermarket"],
      refundPolicy: "void",
      voucherTypes: [
        { id: "a", threshold: 10_000, discount: 3_000, validDays: 7 },
        { id: "b", threshold: 10_000, discount: 3_000, validDays: 7 },
      ],
      drops: [lottery("n", "a"), lottery("n2", "b")],
    };
    for (const [path, body] of [["/admin/campaigns", campaign], [`/admin/campaigns/${campaignId}/publish`, {}]] as const) {
      const answer = await post(`${rt.url}${path}`, asOperator, JSON.stringify(body));
      if (answer.status >= 300) throw new Error(`POST ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }

    // 2. N registrations over HTTP, C in flight, each by a resident of its own.
    note(`registering ${N} residents for drop n over HTTP, ${C} in flight…`);
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    const tallies: Record<string, number>[] = [];
    const registerStart = performance.now();
    await poolWithProgress(N, C, run.signal, "registrations", async (i) => {
      const token = await signLocalToken({ sub: `resident-${i}`, expiresInSeconds: 3_600, settings: jwt });
      const id = `r-${i}`;
      const t0 = performance.now();
      const answer = await post(
        `${rt.url}/campaigns/${campaignId}/drops/n/registrations`,
        { authorization: `Bearer ${token}`, "content-type": "application/json", [DELIVERY_HEADER]: id },
        JSON.stringify({ voucherTypeId: "a" }),
      );
      latencies.push(performance.now() - t0);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      tallies.push(calls.of(id) ?? {});
    });
    const registerSeconds = (performance.now() - registerStart) / 1000;

    // 3. 2N registrations for drop n2, straight into the table, 25 per BatchWriteItem.
    note(`writing ${2 * N} registrations for drop n2 into the table…`);
    const registeredAt = new Date().toISOString();
    const batches = Math.ceil((2 * N) / 25);
    await poolWithProgress(batches, 16, run.signal, "batches", async (b) => {
      const items = Array.from({ length: Math.min(25, 2 * N - b * 25) }, (_, j) => {
        const person = `seeded-${b * 25 + j}`;
        const shard = registrationShard(person);
        return {
          pk: `ENTRY#${campaignId}#n2#${shard}`,
          sk: person,
          campaignId,
          dropId: "n2",
          registrationId: newRegistrationId(new Date()),
          voucherTypeId: "b",
          resident: person,
          personKey: person,
          shard,
          registeredAt,
        };
      });
      let pending: Record<string, unknown>[] = items.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const answer = await docs.send(new BatchWriteCommand({ RequestItems: { [tables.lottery]: pending } }));
        pending = (answer.UnprocessedItems?.[tables.lottery] ?? []);
      }
    });

    // 4. The draws, planned as the ticker would after registration closed, timed until published.
    const drawsQueue = rt.resources.queues.draws!.url;
    const afterClose = new Date(now + DAY + 1_000);
    const timeDraw = async (dropId: string): Promise<number> => {
      note(`drawing ${dropId}…`);
      const t0 = performance.now();
      await startDraw({ db: docs, tables, now: () => afterClose, campaignId, dropId, send: async (messages) => void (await sendAll(sqs, drawsQueue, messages)) });
      for (;;) {
        run.signal.throwIfAborted();
        const response = await fetch(`${rt.url}/campaigns/${campaignId}/drops/${dropId}/draw?limit=1`);
        await response.arrayBuffer();
        if (response.status === 200) return (performance.now() - t0) / 1000;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const drawN = await timeDraw("n");
    const draw2N = await timeDraw("n2");

    // 5. The verifier of npm run verify-draw, on both published results.
    const verdicts = [];
    for (const dropId of ["n", "n2"]) {
      note(`verifying the draw of ${dropId}…`);
      const result = await fetchDrawResult(rt.url, { campaignId, dropId, pageSize: 1_000 });
      verdicts.push({ dropId, result, verdict: verifyDraw(result, await fetchPublishedCommitment(rt.url, campaignId, dropId)) });
    }
    await run.stop();
    note("emulators and runtime stopped.");

    // Report
    const byCommand: Record<string, number> = {};
    for (const tally of tallies) for (const [command, n] of Object.entries(tally)) byCommand[command] = (byCommand[command] ?? 0) + n;
    const perRegistration = `${fixed(callsIn(byCommand) / Math.max(1, tallies.length), 2)}  [${Object.entries(byCommand)
      .sort((a, b) => b[1] - a[1])
      .map(([command, n]) => `${command} ${fixed(n / tallies.length, 2)}`)
      .join(", ")}]`;
    const sorted = latencies.sort((a, b) => a - b);
    const row = (key: string, value: string | number) => say(`  ${key.padEnd(44)} ${value}`);
    const failures: string[] = [];
    if ((statuses["201"] ?? 0) !== N) failures.push(`registrations answered ${JSON.stringify(statuses)}, not ${N} × 201`);
    for (const { dropId, result, verdict } of verdicts) {
      if (!verdict.ok) failures.push(`the draw of ${dropId} does not verify: ${verdict.checks.filter((check) => !check.ok).map((check) => check.check).join(", ")}`);
      const expected = Math.min(K, dropId === "n" ? N : 2 * N);
      const issued = Object.values(result.issued).reduce((sum, n) => sum + n, 0);
      if (issued !== expected) failures.push(`the draw of ${dropId} issued ${issued}, not ${expected}`);
    }
    say();
    say(`Lottery benchmark — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} cores, load average at start ${loadAtStart.map((v) => v.toFixed(2)).join(" ")}`);
    row("registrations over HTTP (N)", N);
    row("stock per drop (K)", K);
    row("concurrency (in flight)", C);
    row("statuses", Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(", "));
    row("registrations/s", `${fixed(N / registerSeconds, 0)} (${N} in ${fixed(registerSeconds, 2)} s)`);
    row("latency p50 / p95 / p99", `${fixed(percentile(sorted, 50), 1)} / ${fixed(percentile(sorted, 95), 1)} / ${fixed(percentile(sorted, 99), 1)} ms`);
    row("DynamoDB calls per registration", perRegistration);
    row("draw time, N registrations", `${fixed(drawN, 2)} s`);
    row("draw time, 2N registrations", `${fixed(draw2N, 2)} s`);
    row("ratio (target ≤ 2.2)", fixed(draw2N / drawN, 2));
    for (const { dropId, result, verdict } of verdicts) {
      row(`verify-draw, drop ${dropId}`, `${verdict.ok ? "agrees" : "DOES NOT AGREE"} (${result.registrations} registrations, winners ${JSON.stringify(result.winners)}, issued ${JSON.stringify(result.issued)})`);
    }
    say();
    say(failures.length === 0 ? "RESULT: both draws verified, vouchers issued = min(stock, registrations)." : `RESULT: FAILED — ${failures.join("; ")}.`);
    return failures.length === 0 ? 0 : 1;
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\nbench:lottery failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
