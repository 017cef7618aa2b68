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
import { setMaxListeners } from "node:events";
import http from "node:http";
import { parseArgs } from "node:util";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { pool, percentile, fixed as figure } from "./figures.js";

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
  const num = (name: string, raw: string | undefined, min: number, max: number, integer: boolean): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value)) || value < min || value > max) {
      console.error(`--${name} must be ${integer ? "a whole number" : "a number"} in ${min}–${max}, got ${raw}`);
      process.exit(2);
    }
    return value;
  };
  return {
    payments: num("payments", values.payments, 1, 20_000, true),
    duplicates: num("duplicates", values.duplicates, 0, 10, false),
    concurrency: num("concurrency", values.concurrency, 1, 1_000, true),
  };
}


const fixed = (value: number, digits = 1) => figure(value, digits);


interface Payment {
  eventId: string;
  transactionId: string;
  merchantId: string;
  payerId: string;
  amount: number;
  occurredAt: string;
}

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
  const { EMULATORS_CREDENTIALS, EMULATORS_REGION } = await import("../infra/local/emulators.js");
  const { signLocalToken } = await import("../infra/local/jwt.js");
  const { seedCampaign } = await import("../test/support/seed.js");
  const { SIGNATURE_HEADER, signPayload } = await import("../shared/domain/signature.js");
  const { readLedger } = await import("../shared/store/ledger.js");
  const { DynamoDBClient: Ddb } = await import("@aws-sdk/client-dynamodb");
  const { DynamoDBDocumentClient: Docs, ScanCommand } = await import("@aws-sdk/lib-dynamodb");

  const P = settings.payments;
  const C = settings.concurrency;
  const D = Math.round(P * settings.duplicates);

  const { guardedRun } = await import("./harness.js");
  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    // Every request in flight listens on the signal.
    setMaxListeners(C + 16, signal);
    const { emulators, runtime: rt, jwt } = await run.startPlatform();
    const tables = {
      campaigns: rt.resources.tables.campaigns!.name,
      inventory: rt.resources.tables.inventory!.name,
      vouchers: rt.resources.tables.vouchers!.name,
      redemptions: rt.resources.tables.redemptions!.name,
    };
    const seedClient = new Ddb({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: emulators.dynamodb.endpoint, maxAttempts: 3 });
    const seedDocs: DynamoDBDocumentClient = Docs.from(seedClient, { marshallOptions: { removeUndefinedValues: true } });

    // node:http with a keep-alive agent: the load generator shares this process with the runtime.
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: C });
    run.onStop(() => httpAgent.destroy());
    const post = (path: string, headers: Record<string, string>, payload: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = http.request(
          `${rt.url}${path}`,
          { method: "POST", agent: httpAgent, signal, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
          },
        );
        request.on("error", reject);
        request.end(payload);
      });
    const expectStatus = (what: string, response: { status: number; text: string }, status: number) => {
      if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 300)}`);
      return JSON.parse(response.text) as Record<string, unknown>;
    };

    // 2. A partner, its approved merchant.
    const partnerId = `bench-bank-${randomBytes(3).toString("hex")}`;
    const merchantId = `bench-shop-${randomBytes(3).toString("hex")}`;
    const operatorToken = await signLocalToken({ sub: "bench-operator", operator: true, settings: jwt });
    const asOperator = (path: string, body: unknown = {}) => post(path, { authorization: `Bearer ${operatorToken}` }, JSON.stringify(body));
    let secret = "";
    const signed = (path: string, raw: string) => post(path, { [SIGNATURE_HEADER]: signPayload(secret, Math.floor(Date.now() / 1000), raw) }, raw);
    note(`registering partner ${partnerId} and merchant ${merchantId}…`);
    const partner = expectStatus(
      "POST /admin/partners",
      await asOperator("/admin/partners", { id: partnerId, name: "Bench Bank", payoutUrl: "https://payouts.bench.example/v1" }),
      201,
    );
    secret = String(partner.signingSecret);
    expectStatus(
      "POST /partners/{id}/merchants",
      await signed(`/partners/${partnerId}/merchants`, JSON.stringify({ id: merchantId, name: "Bench Supermarket", sector: "supermarket" })),
      201,
    );
    expectStatus("POST /admin/merchants/{id}/approve", await asOperator(`/admin/merchants/${merchantId}/approve`), 200);

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
    const payments: Payment[] = payers.map((payerId, i) => ({
      eventId: `ev-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      transactionId: `txn-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      merchantId,
      payerId,
      amount: AMOUNT,
      occurredAt,
    }));
    const queue: Payment[] = [...payments, ...Array.from({ length: D }, () => payments[Math.floor(Math.random() * P)]!)];
    for (let i = queue.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }

    note(`sending ${queue.length} signed payments (${P} distinct, ${D} duplicates), ${C} in flight…`);
    const deliveries: Delivery[] = [];
    const start = performance.now();
    const progress = () =>
      process.stderr.write(`\r  sent ${deliveries.length}/${queue.length}  elapsed ${((performance.now() - start) / 1000).toFixed(1)} s   `);
    const ticker = setInterval(progress, 200);
    try {
      await pool(queue.length, C, signal, async (i) => {
        const payment = queue[i]!;
        const raw = JSON.stringify(payment);
        const t0 = performance.now();
        const response = await signed(`/partners/${partnerId}/payments`, raw);
        deliveries.push({ transactionId: payment.transactionId, status: response.status, text: response.text, ms: performance.now() - t0 });
      });
    } finally {
      clearInterval(ticker);
      progress();
      process.stderr.write("\n");
    }
    const seconds = (performance.now() - start) / 1000;

    // 5. Verification, with consistent reads.
    note("verifying the ledger, the answers and the vouchers…");
    const firstAnswer = new Map<string, string>();
    let differing = 0;
    const statuses: Record<string, number> = {};
    const redeemedTxns = new Set<string>();
    for (const d of deliveries) {
      statuses[d.status] = (statuses[d.status] ?? 0) + 1;
      const answer = `${d.status} ${d.text}`;
      const first = firstAnswer.get(d.transactionId);
      if (first === undefined) firstAnswer.set(d.transactionId, answer);
      else if (first !== answer) differing += 1;
      if (d.status === 200) {
        const body = JSON.parse(d.text) as { discount?: number };
        if ((body.discount ?? 0) > 0) redeemedTxns.add(d.transactionId);
      }
    }
    const ledger = (await readLedger(seedDocs, tables.redemptions, campaignId, merchantId)).filter((e) => e.kind === "REDEMPTION");
    const ledgerPerTxn = new Map<string, number>();
    for (const entry of ledger) ledgerPerTxn.set(entry.transactionId, (ledgerPerTxn.get(entry.transactionId) ?? 0) + 1);
    const txnsWithSeveralEntries = [...ledgerPerTxn.values()].filter((n) => n > 1).length;
    const ledgerNotAnswered = [...ledgerPerTxn.keys()].filter((t) => !redeemedTxns.has(t)).length;
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

    const extraEntries = ledger.length - redeemedTxns.size;
    const duplicatesApplied = Math.max(0, extraEntries) + differing;
    const consistent = extraEntries === 0 && txnsWithSeveralEntries === 0 && ledgerNotAnswered === 0 && redeemedVouchers === redeemedTxns.size;

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
    row("txns with more than one ledger record", txnsWithSeveralEntries);
    row("ledger records not answered a discount", ledgerNotAnswered);
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
