/**
 * `npm run bench:settle [-- --merchants 50 --redemptions-per-merchant 20 --no-scaling]`
 *
 * A day's settlement through the local runtime (docs/benchmarks.md, "npm run bench:settle"). One
 * bounded run on 127.0.0.1: starts DynamoDB Local, fauxqs and the runtime with the platform
 * wiring (its real settlements and payouts queues, their pollers and the partner simulator),
 * seeds a published campaign, N approved merchants of one partner paid through the simulator and
 * N × R redemptions dated yesterday in Asia/Shanghai (ledger records and their unsettled markers,
 * written with the tests' factory), then plans the period with `runSettlement` into the
 * settlements queue and waits until every statement is PAID. It prints the time from planning to
 * the last payout, the statements, the subsidy, the payouts the simulator accepted and the
 * reconciliation; then does the same with 2N merchants in a fresh campaign and prints
 * time(2N) ÷ time(N) against the target ≤ 2.2. An unmeasured warm-up run comes first. Exits 1 if
 * a statement is not paid, the simulator did not accept one payout per statement for the seeded
 * subsidy, or the books do not balance. Everything it started is stopped at the end, on error and
 * on Ctrl-C.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { parseCommandLine } from "../scripts/cli.js";
import { pool } from "./figures.js";

// Handlers log through Powertools; the benchmark wants their silence, and the SDK's Node-version notice is noise.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = [
  "usage: npm run bench:settle -- [--merchants N] [--redemptions-per-merchant R] [--no-scaling]",
  "  settles N merchants × R redemptions of yesterday through the local queues, then 2N for the scaling ratio",
  "  --merchants N                  merchants with redemptions (default 50, at most 1000)",
  "  --redemptions-per-merchant R   redemptions per merchant (default 20, at most 500)",
  "  --no-scaling                   settle N only, without the 2N run and its ratio",
].join("\n");

/** Hard bound on the whole run, emulators included. */
const RUN_DEADLINE_MS = 15 * 60_000;
/** A settlement that makes no progress for this long is stuck (a poison message, a lost payout). */
const STALL_MS = 60_000;
const TIMEZONE = "Asia/Shanghai";
/** time(2N) ÷ time(N): settlement fans out per merchant, so doubling the merchants should about double the time. */
const SCALING_TARGET = 2.2;
/** Most merchants of the unmeasured warm-up run: the JIT warm-up of DynamoDB Local and Node would otherwise be billed to the N run. */
const WARM_UP_MERCHANTS = 50;

const argsSchema = z
  .object({
    merchants: z.coerce.number().int().min(1).max(1_000).default(50),
    "redemptions-per-merchant": z.coerce.number().int().min(1).max(500).default(20),
    "no-scaling": z.boolean().default(false),
  })
  .refine((args) => args.merchants * args["redemptions-per-merchant"] * (args["no-scaling"] ? 1 : 2) <= 100_000, {
    path: ["merchants"],
    error: "with --redemptions-per-merchant, more than 100,000 records to seed: lower one of them",
  });

interface Figures {
  label: string;
  campaignId: string;
  merchants: number;
  records: number;
  /** Planning start to the latest `paidAt`. */
  seconds: number;
  planSeconds: number;
  statements: Record<string, number>;
  subsidy: number;
  seededSubsidy: number;
  payouts: number;
  paidOut: number;
  /** DynamoDB calls of the settlement and payout workers, by command. */
  workerCalls: Map<string, { n: number; ms: number }>;
  reconcileSeconds: number;
  balanced: boolean;
  difference: number;
  problems: string[];
}

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { merchants: { type: "string" }, "redemptions-per-merchant": { type: "string" }, "no-scaling": { type: "boolean" } },
    schema: argsSchema,
  });
  const N = args.merchants;
  const R = args["redemptions-per-merchant"];
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const say = (line = "") => process.stdout.write(`${line}\n`);

  // Project modules are imported only now, after the logging environment above is set.
  const { EMULATORS_CREDENTIALS, EMULATORS_REGION } = await import("../infra/local/emulators.js");
  const { seedCampaign } = await import("../test/support/seed.js");
  const { ledgerRecord, seedLedger, seedMerchant, seedPartner } = await import("../test/support/settlement.js");
  const { localDate, previousPeriod } = await import("../shared/domain/settlement.js");
  const { formatYuan, sumFen } = await import("../shared/domain/money.js");
  const { runSettlement } = await import("../shared/use-cases/settlement.js");
  const { reconcileCampaign } = await import("../shared/use-cases/settlement-views.js");
  const { statementRecordSchema } = await import("../shared/store/statements.js");
  const { sendAll } = await import("../shared/queues/send.js");
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const { DynamoDBDocumentClient, QueryCommand } = await import("@aws-sdk/lib-dynamodb");
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  const { dynamoDb } = await import("../shared/clients.js");
  const { guardedRun } = await import("./harness.js");

  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    const { emulators, runtime: rt } = await run.startPlatform();
    // The handlers' own DynamoDB client (the runtime runs them in this process): its calls, by command, are the
    // workers' cost. Created only now: the client reads its endpoint from the environment the runtime has just set.
    const calls = new Map<string, { n: number; ms: number }>();
    dynamoDb().middlewareStack.add(
      (next, context) => async (input) => {
        const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
        const t0 = performance.now();
        try {
          return await next(input);
        } finally {
          const tally = calls.get(command) ?? { n: 0, ms: 0 };
          calls.set(command, { n: tally.n + 1, ms: tally.ms + performance.now() - t0 });
        }
      },
      // Inside the SDK's retry loop: one count per call that reached the emulator.
      { step: "deserialize", name: "benchCountCalls", priority: "high" },
    );
    const name = (logical: string) => rt.resources.tables[logical]!.name;
    const tables = {
      campaigns: name("campaigns"),
      inventory: name("inventory"),
      redemptions: name("redemptions"),
      settlements: name("settlements"),
      merchants: name("merchants"),
      partners: name("partners"),
    };
    const config = { region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, maxAttempts: 3 };
    const ddb = new DynamoDBClient({ ...config, endpoint: emulators.dynamodb.endpoint });
    const db = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    const sqs = new SQSClient({ ...config, endpoint: emulators.sqs.endpoint });
    run.onStop(() => {
      sqs.destroy();
      ddb.destroy();
    });
    const settlementsQueue = rt.resources.queues.settlements!.url;
    const send = async (messages: readonly unknown[]) => void (await sendAll(sqs, settlementsQueue, messages));

    const partnerId = `bench-bank-${randomUUID().slice(0, 6)}`;
    await seedPartner(db, tables.partners, { id: partnerId, payoutUrl: rt.partnerSimulator.payoutUrl });
    // Yesterday in the campaign's zone: its day is over, so the run's cut-off is the day's end.
    const period = previousPeriod(localDate(new Date(), TIMEZONE));

    /** Seeds a campaign of `merchants` × R and settles it; everything but seeding and reconciling is timed. */
    const settleOnce = async (label: string, merchants: number): Promise<Figures> => {
      const campaignId = `bench-${randomUUID().slice(0, 8)}`;
      note(`${label}: seeding campaign ${campaignId}, ${merchants} merchants × ${R} redemptions of ${period}…`);
      await seedCampaign(db, tables, { id: campaignId, drops: [], startsAt: new Date(Date.now() - 5 * 86_400_000).toISOString() });
      const merchantIds = Array.from({ length: merchants }, (_, i) => `${campaignId}-m${String(i).padStart(4, "0")}`);
      await pool(merchantIds.length, 8, signal, (i) => seedMerchant(db, tables.merchants, { id: merchantIds[i]!, partnerId }));
      // Both voucher types, spread over the day from 08:00 to 21:59 local time.
      const records = merchantIds.flatMap((merchantId, m) =>
        Array.from({ length: R }, (_, r) => {
          const big = (m + r) % 3 === 0;
          const minute = (m * 7 + r * 13) % 840;
          const at = `${period}T${String(8 + Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}:00+08:00`;
          return ledgerRecord({ campaignId, merchantId, partnerId, occurredAt: at, amount: big ? 25_000 : 12_000, discount: big ? 6_000 : 3_000 });
        }),
      );
      const slices = 4;
      const per = Math.ceil(records.length / slices);
      await Promise.all(Array.from({ length: slices }, (_, i) => seedLedger(db, tables.redemptions, records.slice(i * per, (i + 1) * per))));
      signal.throwIfAborted();

      note(`${label}: planning ${period} and waiting for ${merchants} statements to be PAID…`);
      calls.clear();
      const started = Date.now();
      const planned = await runSettlement({ db, tables, now: () => new Date(), period, campaignId, operator: "bench", send });
      const planSeconds = (Date.now() - started) / 1000;
      const pairs = planned.runs[0]?.pairs ?? 0;
      if (pairs !== merchants) throw new Error(`${label}: the run planned ${pairs} merchants, not ${merchants}`);

      const statements = await waitUntilPaid(campaignId, merchants, started);
      const latestPaid = Math.max(...statements.map((statement) => Date.parse(statement.paidAt ?? "")));
      const seconds = (latestPaid - started) / 1000;
      if (process.stderr.isTTY) process.stderr.write("\n");
      const workerCalls = new Map(calls);

      const reconcileStarted = Date.now();
      const books = await reconcileCampaign({ db, tables, campaignId });
      const reconcileSeconds = (Date.now() - reconcileStarted) / 1000;
      const accepted = [...rt.partnerSimulator.accepted.entries()].filter(([key]) => key.startsWith(`${campaignId}/`));
      const counts: Record<string, number> = {};
      for (const statement of statements) counts[statement.status] = (counts[statement.status] ?? 0) + 1;
      return {
        label,
        campaignId,
        merchants,
        records: records.length,
        seconds,
        planSeconds,
        statements: counts,
        subsidy: sumFen(statements.map((statement) => statement.subsidy ?? 0)),
        seededSubsidy: sumFen(records.map((record) => record.discount)),
        payouts: accepted.length,
        paidOut: sumFen(accepted.map(([, payout]) => (payout.body as { amount: number }).amount)),
        workerCalls,
        reconcileSeconds,
        balanced: books.balanced,
        difference: books.difference,
        problems: books.problems,
      };
    };

    /**
     * Polls the campaign's statements on the `byPeriod` index (one query a poll, not one read per
     * merchant, so the watching does not compete with the workers) until `count` are PAID.
     */
    const waitUntilPaid = async (campaignId: string, count: number, started: number) => {
      let lastProgress = Date.now();
      let lastSeen = "";
      let lastLogged = 0;
      for (;;) {
        signal.throwIfAborted();
        const statements = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await db.send(
            new QueryCommand({
              TableName: tables.settlements,
              IndexName: "byPeriod",
              KeyConditionExpression: "period = :period AND begins_with(campaignMerchant, :campaign)",
              ExpressionAttributeValues: { ":period": period, ":campaign": `${campaignId}#` },
              ExclusiveStartKey: startKey,
            }),
          );
          statements.push(...(page.Items ?? []).map((item) => statementRecordSchema.parse(item)));
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        const finished = statements.filter((statement) => statement.status !== "BUILDING").length;
        const paid = statements.filter((statement) => statement.status === "PAID");
        const line = `  statements finished ${finished}/${count}, PAID ${paid.length}/${count}, ${((Date.now() - started) / 1000).toFixed(1)} s`;
        // On a terminal one line is rewritten; in a log, a line every 2 s and the last one.
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
        else if (paid.length === count || Date.now() - lastLogged >= 2_000) {
          lastLogged = Date.now();
          process.stderr.write(`${line}\n`);
        }
        if (paid.length === count) return paid;
        const seen = `${statements.length}/${finished}/${paid.length}`;
        if (seen !== lastSeen) {
          lastSeen = seen;
          lastProgress = Date.now();
        } else if (Date.now() - lastProgress > STALL_MS) {
          const other = statements.filter((statement) => statement.status !== "PAID").map((statement) => `${statement.statementId} ${statement.status}`);
          throw new Error(`no progress for ${STALL_MS / 1000} s; not paid: ${other.slice(0, 5).join(", ") || "(statements missing)"}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    await settleOnce("warm-up (not measured)", Math.min(WARM_UP_MERCHANTS, N));
    const results = [await settleOnce("N", N)];
    if (!args["no-scaling"]) results.push(await settleOnce("2N", 2 * N));

    await run.stop();
    note("emulators and runtime stopped.");

    const row = (key: string, value: string | number) => say(`  ${key.padEnd(34)} ${value}`);
    let ok = true;
    say();
    say(`Settlement benchmark — ${new Date().toISOString()} — Node ${process.version} — period ${period} (${TIMEZONE})`);
    for (const figures of results) {
      const paid = figures.statements.PAID ?? 0;
      const correct =
        paid === figures.merchants && figures.payouts === figures.merchants && figures.subsidy === figures.seededSubsidy && figures.paidOut === figures.subsidy && figures.balanced;
      ok &&= correct;
      say();
      say(`${figures.label}: campaign ${figures.campaignId}`);
      row("merchants / records", `${figures.merchants} / ${figures.records}`);
      row("seconds (plan → last PAID)", `${figures.seconds.toFixed(2)} (planning ${figures.planSeconds.toFixed(2)})`);
      row("merchants/s · records/s", `${(figures.merchants / figures.seconds).toFixed(1)} · ${(figures.records / figures.seconds).toFixed(0)}`);
      row("statements", Object.entries(figures.statements).map(([status, n]) => `${status} ${n}`).join(", "));
      row("total subsidy", `${figures.subsidy} fen (${formatYuan(figures.subsidy)}); seeded ${formatYuan(figures.seededSubsidy)}`);
      row("payouts accepted by the simulator", `${figures.payouts} (${formatYuan(figures.paidOut)})`);
      const byCommand = [...figures.workerCalls].sort((a, b) => b[1].ms - a[1].ms);
      const totalCalls = byCommand.reduce((sum, [, tally]) => sum + tally.n, 0);
      row("DynamoDB calls per statement", `${(totalCalls / figures.merchants).toFixed(1)} (${byCommand.map(([command, { n }]) => `${command} ${(n / figures.merchants).toFixed(1)}`).join(", ")})`);
      row("DynamoDB mean latency", byCommand.map(([command, { n, ms }]) => `${command} ${(ms / n).toFixed(0)} ms`).join(", "));
      row("reconciliation", `${figures.balanced ? "balanced" : "NOT balanced"}, difference ${figures.difference} fen (${figures.reconcileSeconds.toFixed(2)} s)`);
      for (const problem of figures.problems) row("  problem", problem);
    }
    if (results.length === 2) {
      const ratio = results[1]!.seconds / results[0]!.seconds;
      say();
      row("time(2N) ÷ time(N)", `${ratio.toFixed(2)} (target ≤ ${SCALING_TARGET}): ${ratio <= SCALING_TARGET ? "PASS" : "MISS"}`);
    }
    say();
    say(ok ? "RESULT: every statement PAID once, the books balance." : "RESULT: FAILED — see the figures above.");
    return ok ? 0 : 1;
  });
}


try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\nbench:settle failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
