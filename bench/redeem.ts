/**
 * `npm run bench:redeem [-- --payments 1000 --duplicates 0.2 --concurrency 50]`
 *
 * Partner payment webhooks against the local runtime over HTTP (issue 4, "Benchmark"). One bounded
 * run on 127.0.0.1: starts DynamoDB Local, fauxqs and the runtime with the platform wiring,
 * registers a partner and an approved merchant, seeds one published campaign and gives each payer
 * one voucher, then sends P distinct signed payments plus round(P × duplicates) re-deliveries of
 * random transactions, shuffled, C in flight, each signed at send time. It prints payments/s,
 * latency percentiles and, read back with consistent reads, how many duplicates were applied
 * (must be 0; exit 1 otherwise). Everything it started is stopped at the end, on error and on Ctrl-C.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { PaymentBody } from "../shared/api/payment-schemas.js";
import { parseArgs } from "node:util";
import { answersDifferingFromFirst, argumentsOrExit, fixed as figure, ledgerAgainstAnswers, numberArgument, percentile, pool, poolWithProgress, shuffle } from "./figures.js";

// Handlers log through Powertools; the benchmark wants their silence, and the SDK's Node-version notice is noise.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const VOUCHER_TYPE = "100-30";
const AMOUNT = 15_000;
/** Hard bound on the whole run, emulators included. */
const RUN_DEADLINE_MS = 5 * 60_000;

interface Settings {
  payments: number;
  duplicates: number;
  concurrency: number;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: {
      payments: { type: "string", default: "1000" },
      duplicates: { type: "string", default: "0.2" },
      concurrency: { type: "string", default: "50" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: npm run bench:redeem -- [--payments 1000] [--duplicates 0.2] [--concurrency 50]");
    process.exit(0);
  }
  return argumentsOrExit(() => ({
    payments: numberArgument("payments", values.payments, { min: 1, max: 20_000 }),
    duplicates: numberArgument("duplicates", values.duplicates, { min: 0, max: 10, integer: false }),
    concurrency: numberArgument("concurrency", values.concurrency, { min: 1, max: 1_000 }),
  }));
}

const fixed = (value: number, digits = 1) => figure(value, digits);

interface Delivery {
  transactionId: string;
  status: number;
  text: string;
  ms: number;
}

async function main(): Promise<number> {
  const settings = parseSettings();
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const say = (line = "") => process.stdout.write(`${line}\n`);

  // Project modules are imported only now, after the logging environment above is set.
  const { seedCampaign } = await import("../test/support/seed.js");
  const { readLedger } = await import("../shared/store/ledger.js");
  const { ScanCommand } = await import("@aws-sdk/lib-dynamodb");

  const P = settings.payments;
  const C = settings.concurrency;
  const D = Math.round(P * settings.duplicates);

  const { benchDocuments, guardedRun, registerBenchPartner, tableNames } = await import("./harness.js");
  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    const started = await run.startPlatform();
    const { runtime: rt } = started;
    const tables = tableNames(rt, ["campaigns", "inventory", "vouchers", "redemptions"]);
    const seedDocs = benchDocuments(run, started.emulators);

    // 2. A partner, its approved merchant.
    const { partnerId, merchantId, signed } = await registerBenchPartner(run, started, { concurrency: C, note });

    // 3. One published campaign; one voucher per payer, claimed through the use case.
    const campaignId = `bench-${randomUUID().slice(0, 8)}`;
    const dropId = "d1";
    note(`seeding campaign ${campaignId} and claiming ${P} vouchers (one per payer)…`);
    await seedCampaign(seedDocs, tables, { id: campaignId, perPersonLimit: 1, drops: [{ id: dropId, stock: { [VOUCHER_TYPE]: P }, shards: 4 }] });
    const { ClaimCaches, claimVoucher } = await import("../shared/use-cases/claim.js");
    const { documents } = await import("../shared/clients.js");
    const claimDeps = { db: documents(), tables, caches: new ClaimCaches(), now: () => new Date(), random: Math.random };
    const payers = Array.from({ length: P }, (_, i) => `bench-payer-${i.toString(36)}-${randomBytes(3).toString("hex")}`);
    await pool(P, C, signal, async (i) => {
      await claimVoucher({ residentId: payers[i]!, campaignId, dropId, voucherTypeId: VOUCHER_TYPE }, claimDeps);
    });

    // 4. The deliveries: P distinct payments plus D re-deliveries of random ones, shuffled.
    const occurredAt = new Date().toISOString();
    const payments: PaymentBody[] = payers.map((payerId, i) => ({
      eventId: `ev-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      transactionId: `txn-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      merchantId,
      payerId,
      amount: AMOUNT,
      occurredAt,
    }));
    const queue = shuffle([...payments, ...Array.from({ length: D }, () => payments[Math.floor(Math.random() * P)]!)]);

    note(`sending ${queue.length} signed payments (${P} distinct, ${D} duplicates), ${C} in flight…`);
    const deliveries: Delivery[] = [];
    const start = performance.now();
    await poolWithProgress(queue.length, C, signal, "sent", async (i) => {
      const payment = queue[i]!;
      const raw = JSON.stringify(payment);
      const t0 = performance.now();
      const response = await signed(`/partners/${partnerId}/payments`, raw);
      deliveries.push({ transactionId: payment.transactionId, status: response.status, text: response.text, ms: performance.now() - t0 });
    });
    const seconds = (performance.now() - start) / 1000;

    // 5. Verification, with consistent reads.
    note("verifying the ledger, the answers and the vouchers…");
    const differing = answersDifferingFromFirst(deliveries);
    const statuses: Record<string, number> = {};
    const redeemedTxns = new Set<string>();
    for (const d of deliveries) {
      statuses[d.status] = (statuses[d.status] ?? 0) + 1;
      if (d.status === 200) {
        const body = JSON.parse(d.text) as { discount?: number };
        if ((body.discount ?? 0) > 0) redeemedTxns.add(d.transactionId);
      }
    }
    const ledger = (await readLedger(seedDocs, tables.redemptions, campaignId, merchantId)).filter((e) => e.kind === "REDEMPTION");
    const check = ledgerAgainstAnswers(ledger, redeemedTxns);
    let redeemedVouchers = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await seedDocs.send(
        new ScanCommand({
          TableName: tables.vouchers,
          ConsistentRead: true,
          FilterExpression: "campaignId = :c AND #s = :r",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":c": campaignId, ":r": "REDEEMED" },
          ExclusiveStartKey: startKey,
        }),
      );
      redeemedVouchers += page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const duplicatesApplied = Math.max(0, check.extra) + differing;
    const consistent = check.extra === 0 && check.severalRecords === 0 && check.notAnswered === 0 && redeemedVouchers === redeemedTxns.size;

    await run.stop();
    note("emulators and runtime stopped.");

    const latencies = deliveries.map((d) => d.ms).sort((a, b) => a - b);
    const row = (key: string, value: string | number) => say(`  ${key.padEnd(40)} ${value}`);
    say();
    say(`Redeem benchmark — ${new Date().toISOString()} — Node ${process.version}`);
    row("payments sent (distinct / duplicates)", `${deliveries.length} (${P} / ${D})`);
    row("concurrency (in flight)", C);
    row("statuses", Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(", "));
    row("payments/s", fixed(deliveries.length / seconds, 0));
    row("latency p50 / p95 / p99", `${fixed(percentile(latencies, 50))} / ${fixed(percentile(latencies, 95))} / ${fixed(percentile(latencies, 99))} ms`);
    row("redeemed (distinct txns with a discount)", redeemedTxns.size);
    row("ledger redemption records", ledger.length);
    row("txns with more than one ledger record", check.severalRecords);
    row("ledger records not answered a discount", check.notAnswered);
    row("vouchers REDEEMED", redeemedVouchers);
    row("answers differing from the first", differing);
    row("duplicates applied (must be 0)", duplicatesApplied);
    say();
    const ok = duplicatesApplied === 0 && consistent;
    say(ok ? "RESULT: every duplicate answered the same, none applied." : "RESULT: FAILED — see the figures above.");
    return ok ? 0 : 1;
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\nbench:redeem failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
