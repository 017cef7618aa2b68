/**
 * `npm run bench:instant [-- --payments 2000 --quota 500 --concurrency 50 --duplicates 0.2]`
 *
 * Card-swipe instant discounts against the local runtime over HTTP (issue 12, "Benchmarks and
 * tests"; docs/benchmarks.md). One bounded run on 127.0.0.1: starts DynamoDB Local, fauxqs and
 * the runtime with the platform wiring, registers a partner and an approved merchant over HTTP,
 * seeds one published campaign whose only benefit is an instant discount for that partner
 * (quota.total = --quota, one use per card), then sends P signed payments by P distinct cards
 * that hold no voucher, every amount above a tier, C in flight, each signed at send time; a
 * share of them is delivered again, half beside the first delivery (both in flight) and half
 * after the flood, once the quota is gone. It prints payments/s, latency percentiles, how many
 * transactions were applied against the quota, the handlers' DynamoDB calls per payment answered
 * before exhaustion (applied) and after it (QUOTA_EXHAUSTED), counted per request, and, read back
 * with consistent reads (the quota's shards, the ledger), how many duplicates were applied.
 * Exit 1 on any unit over the quota, any duplicate applied, applied ≠ min(quota, payments), or
 * read-backs that disagree with the answers. Everything it started is stopped at the end, on
 * error and on Ctrl-C.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { PaymentBody } from "../shared/api/payment-schemas.js";
import { answersDifferingFromFirst, argumentsOrExit, fixed, ledgerAgainstAnswers, percentile, poolWithProgress } from "./figures.js";
import { INSTANT_TIERS, INSTANT_USAGE, type PlannedDelivery, instantAmount, instantVerdict, parseInstantSettings, planDeliveries, tierDiscount } from "./instant-plan.js";

// Handlers log through Powertools; the benchmark wants their silence, and the SDK's Node-version notice is noise.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const INSTANT_DISCOUNT_ID = "swipe";
/** Hard bound on the whole run, emulators included. */
const RUN_DEADLINE_MS = 6 * 60_000;

/** One delivery as sent and answered, with the DynamoDB calls the handlers made for it. */
interface Delivery extends PlannedDelivery {
  phase: "flood" | "later";
  transactionId: string;
  status: number;
  text: string;
  ms: number;
  calls: Record<string, number>;
}

/** What an answer says, as far as the benchmark cares. */
function readAnswer(delivery: Delivery): { applied: boolean; discount: number; campaignId?: string; instantDiscountId?: string; reason?: string } {
  if (delivery.status !== 200) return { applied: false, discount: 0, reason: `HTTP ${delivery.status}` };
  const body = JSON.parse(delivery.text) as { discount?: number; campaignId?: string; instantDiscountId?: string; reason?: string };
  const discount = body.discount ?? 0;
  return { applied: discount > 0, discount, ...body };
}

async function main(): Promise<number> {
  const settings = argumentsOrExit(() => parseInstantSettings(process.argv.slice(2)));
  if (settings === "help") {
    console.log(INSTANT_USAGE);
    return 0;
  }
  const loadAtStart = (await import("node:os")).loadavg();
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const say = (line = "") => process.stdout.write(`${line}\n`);

  // Project modules are imported only now, after the logging environment above is set.
  const { DYNAMODB_LOCAL_VERSION } = await import("../infra/local/dynamodb-local-dist.js");
  const { seedCampaign } = await import("../test/support/seed.js");
  const { readLedger } = await import("../shared/store/ledger.js");
  const { TOTAL_PERIOD, readQuotaTaken } = await import("../shared/store/instant-quota.js");

  const P = settings.payments;
  const Q = settings.quota;
  const C = settings.concurrency;
  const plan = planDeliveries(P, settings.duplicates);

  const { DELIVERY_HEADER, benchDocuments, callsIn, countCallsPerRequest, guardedRun, registerBenchPartner, tableNames } = await import("./harness.js");
  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    const started = await run.startPlatform();
    const { runtime: rt } = started;
    const tables = tableNames(rt, ["campaigns", "inventory", "redemptions"]);
    const docs = benchDocuments(run, started.emulators);
    const calls = countCallsPerRequest(run);

    // 2. A partner, its approved merchant; one published campaign with the instant discount alone.
    const { partnerId, merchantId, signed } = await registerBenchPartner(run, started, { concurrency: C, note });
    const campaignId = `bench-${randomUUID().slice(0, 8)}`;
    note(`seeding campaign ${campaignId}: instant discount ${INSTANT_DISCOUNT_ID}, quota ${Q}, one use per card, for ${partnerId}…`);
    await seedCampaign(docs, tables, {
      id: campaignId,
      drops: [],
      instantDiscounts: [
        { id: INSTANT_DISCOUNT_ID, tiers: INSTANT_TIERS.map((tier) => ({ ...tier })), quota: { total: Q }, perPayer: { total: 1 }, partners: [partnerId] },
      ],
    });

    // 3. The deliveries: P payments by P cards, some delivered again beside the first and after the flood.
    const occurredAt = new Date().toISOString();
    const payments: PaymentBody[] = Array.from({ length: P }, (_, i) => ({
      eventId: `ev-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      transactionId: `txn-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      merchantId,
      payerId: `card-${i.toString(36)}-${randomBytes(4).toString("hex")}`,
      amount: instantAmount(i),
      occurredAt,
    }));
    const deliveries: Delivery[] = [];
    const send = async (phase: Delivery["phase"], planned: PlannedDelivery, index: number) => {
      const payment = payments[planned.payment]!;
      const raw = JSON.stringify(payment);
      const id = `${phase}-${index}`;
      const t0 = performance.now();
      const response = await signed(`/partners/${partnerId}/payments`, raw, { [DELIVERY_HEADER]: id });
      const ms = performance.now() - t0;
      deliveries.push({ ...planned, phase, transactionId: payment.transactionId, status: response.status, text: response.text, ms, calls: calls.of(id) ?? {} });
    };
    const floodRedeliveries = plan.flood.filter((d) => d.redelivery).length;
    note(`sending ${plan.flood.length} signed payments (${P} distinct, ${floodRedeliveries} re-delivered beside the first), ${C} in flight…`);
    const floodStart = performance.now();
    await poolWithProgress(plan.flood.length, C, signal, "flood", (i) => send("flood", plan.flood[i]!, i));
    const floodSeconds = (performance.now() - floodStart) / 1000;
    note(`sending ${plan.later.length} re-deliveries after the flood, ${C} in flight…`);
    const laterStart = performance.now();
    await poolWithProgress(plan.later.length, C, signal, "later", (i) => send("later", plan.later[i]!, i));
    const laterSeconds = (performance.now() - laterStart) / 1000;

    // 4. Verification: the answers, then the quota's shards and the ledger with consistent reads.
    note("verifying the answers, the quota and the ledger…");
    const differing = answersDifferingFromFirst(deliveries);
    const statuses: Record<string, number> = {};
    const firstReasons: Record<string, number> = {};
    const appliedTxns = new Set<string>();
    let wrongDiscount = 0;
    for (const delivery of deliveries) {
      statuses[delivery.status] = (statuses[delivery.status] ?? 0) + 1;
      const answer = readAnswer(delivery);
      const outcome = answer.applied ? "APPLIED" : (answer.reason ?? "no reason");
      if (!delivery.redelivery) firstReasons[outcome] = (firstReasons[outcome] ?? 0) + 1;
      if (!answer.applied) continue;
      appliedTxns.add(delivery.transactionId);
      const amount = payments[delivery.payment]!.amount;
      if (answer.discount !== tierDiscount(amount) || answer.campaignId !== campaignId || answer.instantDiscountId !== INSTANT_DISCOUNT_ID) wrongDiscount += 1;
    }
    const applied = appliedTxns.size;
    const quotaUsed = await readQuotaTaken(docs, tables.inventory, { campaignId, instantDiscountId: INSTANT_DISCOUNT_ID, period: TOTAL_PERIOD }, Q);
    const ledger = (await readLedger(docs, tables.redemptions, campaignId, merchantId)).filter((record) => record.kind === "REDEMPTION");
    const check = ledgerAgainstAnswers(ledger, appliedTxns);
    const ledgerNotInstant = ledger.filter((record) => record.instantDiscountId !== INSTANT_DISCOUNT_ID).length;
    const { expectedApplied, overQuota, duplicatesApplied, failures } = instantVerdict({ payments: P, quota: Q, applied, quotaUsed, ledger: check, ledgerNotInstant, wrongDiscount, differing });

    await run.stop();
    note("emulators and runtime stopped.");

    // ------------------------------------------------------------------------------------------
    // Report
    const latencies = (phase: Delivery["phase"]) =>
      deliveries
        .filter((d) => d.phase === phase)
        .map((d) => d.ms)
        .sort((a, b) => a - b);
    const spread = (sorted: number[]) => `${fixed(percentile(sorted, 50), 1)} / ${fixed(percentile(sorted, 95), 1)} / ${fixed(percentile(sorted, 99), 1)} ms`;
    /** Mean DynamoDB calls of a group of deliveries, in all and by command (and item kind). */
    const callsPer = (group: Delivery[]) => {
      if (group.length === 0) return "n/a (none)";
      const byCommand: Record<string, number> = {};
      for (const d of group) for (const [command, n] of Object.entries(d.calls)) byCommand[command] = (byCommand[command] ?? 0) + n;
      const total = callsIn(byCommand);
      const detail = Object.entries(byCommand)
        .sort((a, b) => b[1] - a[1])
        .map(([command, n]) => `${command} ${fixed(n / group.length, 2)}`)
        .join(", ");
      return `${fixed(total / group.length, 2)}  [${detail}]  (${group.length} payments)`;
    };
    const firsts = deliveries.filter((d) => !d.redelivery);
    const before = firsts.filter((d) => readAnswer(d).applied);
    const after = firsts.filter((d) => readAnswer(d).reason === "QUOTA_EXHAUSTED");
    const withoutQuotaWrite = after.filter((d) => (d.calls["UpdateItem QUOTA"] ?? 0) === 0).length;
    const row = (key: string, value: string | number) => say(`  ${key.padEnd(52)} ${value}`);
    const os = await import("node:os");

    say();
    say(
      `Instant-discount benchmark — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} cores, DynamoDB Local ${DYNAMODB_LOCAL_VERSION}, load average at start ${loadAtStart.map((v) => v.toFixed(2)).join(" ")}`,
    );
    row("payments (distinct cards, one each)", P);
    row("quota (total; one use per card)", Q);
    row("re-deliveries beside the first / after", `${floodRedeliveries} / ${plan.later.length} (--duplicates ${settings.duplicates})`);
    row("concurrency (in flight)", C);
    row("statuses", Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(", "));
    row("first answers", Object.entries(firstReasons).map(([k, v]) => `${k} ${v}`).join(", "));
    row("payments/s (flood)", `${fixed(plan.flood.length / floodSeconds, 0)} (${plan.flood.length} in ${fixed(floodSeconds, 2)} s)`);
    row("latency p50 / p95 / p99 (flood)", spread(latencies("flood")));
    if (plan.later.length > 0) {
      row("re-deliveries after the flood: per s; p50/p95/p99", `${fixed(plan.later.length / laterSeconds, 0)}; ${spread(latencies("later"))}`);
    }
    row(`applied (distinct transactions; must be ${expectedApplied})`, applied);
    row("quota units used (read from its shards)", quotaUsed);
    row("ledger REDEMPTION records", `${ledger.length}${ledgerNotInstant > 0 ? ` (${ledgerNotInstant} without the instant discount's id)` : ""}`);
    row("transactions with more than one record", check.severalRecords);
    row("records of transactions not answered applied", check.notAnswered);
    row("answers with a wrong tier or campaign", wrongDiscount);
    row("answers differing from the first delivery's", differing);
    row("over quota (must be 0)", overQuota);
    row("duplicates applied (must be 0)", duplicatesApplied);
    say();
    say("DynamoDB calls per payment (the handlers' client, counted per HTTP request; by command and item kind)");
    row("before exhaustion (first delivery, applied)", callsPer(before));
    row("after exhaustion (first delivery, QUOTA_EXHAUSTED)", callsPer(after));
    row("  of which without a quota write", `${withoutQuotaWrite} of ${after.length}`);
    row("re-deliveries beside the first", callsPer(deliveries.filter((d) => d.redelivery && d.phase === "flood")));
    row("re-deliveries after the flood", callsPer(deliveries.filter((d) => d.phase === "later")));
    row("calls outside the payments (consumers)", callsIn(calls.outside));
    say();
    say(failures.length === 0 ? `RESULT: applied exactly ${applied}, never over the quota, no duplicate applied.` : `RESULT: FAILED — ${failures.join("; ")}.`);
    return failures.length === 0 ? 0 : 1;
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\nbench:instant failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
