/**
 * `npm run simulate:fraud [-- --merchants 60 --payers 3000 --seed 1 --history-days 7 --day YYYY-MM-DD]`
 *
 * The fraud simulation (issue 6): a campaign day of ordinary traffic with injected cash-out
 * rings, colluding merchants, a newly approved merchant spiking and payers hopping across
 * merchants (bench/fraud/traffic.ts, deterministic from the seed), played through the local
 * runtime's real payment path, then the fraud detector's flags scored against the labels:
 * precision and recall per rule and overall (bench/fraud/metrics.ts).
 *
 * One bounded run on 127.0.0.1: starts DynamoDB Local, fauxqs and the runtime with the platform
 * wiring (bench/harness.ts), registers a partner over HTTP (keeping its signing secret), seeds
 * the merchants with their approval instants and one published campaign whose daily drops hold
 * exactly the vouchers the traffic claims, then plays every event in time order: claims through
 * the claim use case at their simulated instant, payments and refunds as signed partner
 * webhooks over HTTP with their simulated `occurredAt`. Events of one payer run one after
 * another; different payers' overlap, `--concurrency` at a time. Then it waits until the
 * detector has applied every ledger record the traffic wrote (its markers in the fraud table, one
 * per record) and its flags have not changed for `--quiet-seconds`, fetches them (GET
 * /admin/fraud/flags, every status), and prints the table. Exit 0 with the figures, whatever
 * they are; 1 on an error (a payment not redeemed, no fraud route on the platform); 2 on bad
 * arguments. Everything it started is stopped at the end, on error and on Ctrl-C.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { z } from "zod";
import { parseCommandLine } from "../../scripts/cli.js";
import { FLAG_STATUSES } from "../../shared/domain/fraud.js";
import { type FlagLike, type RuleScore, score } from "./metrics.js";
import { playInOrder } from "./playback.js";
import { SIM_SECTORS, type Traffic, type TrafficEvent, TIMEZONE, generateTraffic } from "./traffic.js";
import { pool } from "../figures.js";

// Handlers log through Powertools; the simulation wants their silence, and the SDK's Node-version notice is noise.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = [
  "usage: npm run simulate:fraud -- [--merchants M] [--payers P] [--seed S] [--history-days D] [--day YYYY-MM-DD]",
  "                                 [--concurrency C] [--quiet-seconds Q] [--max-wait W]",
  "  plays a campaign day with injected fraud through the local runtime and scores the fraud detector's flags",
  "  --merchants M      established merchants (default 60, 20–2000); 4 newly approved ones come on top",
  "  --payers P         ordinary residents (default 3000, 200–100000); ring members and hoppers come on top",
  "  --seed S           the traffic's seed (default 1): the same seed gives the same events and labels",
  "  --history-days D   days of ordinary traffic before the campaign day, every merchant's baseline (default 7, 1–28)",
  "  --day YYYY-MM-DD   the campaign day in Asia/Shanghai (default yesterday there; must be over)",
  "  --concurrency C    events in flight, one at a time per payer (default 32)",
  "  --quiet-seconds Q  the flags count as final when unchanged for Q seconds (default 5)",
  "  --max-wait W       give the detector at most W seconds after the last event (default 900)",
].join("\n");

/** Hard bound on the whole run, emulators included. */
const RUN_DEADLINE_MS = 30 * 60_000;
/** Most events one run plays. */
const MAX_EVENTS = 400_000;
const FLAGS_ROUTE = "GET /admin/fraud/flags";

const yesterday = () => {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: TIMEZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
};

const argsSchema = z
  .object({
    merchants: z.coerce.number().int().min(20).max(2_000).default(60),
    payers: z.coerce.number().int().min(200).max(100_000).default(3_000),
    seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(1),
    "history-days": z.coerce.number().int().min(1).max(28).default(7),
    day: z.iso.date().optional(),
    concurrency: z.coerce.number().int().min(1).max(256).default(32),
    "quiet-seconds": z.coerce.number().min(1).max(120).default(5),
    "max-wait": z.coerce.number().int().min(5).max(3_600).default(900),
  })
  .refine((args) => args.day === undefined || args.day <= yesterday(), { path: ["day"], error: "must be a day that is over in Asia/Shanghai" });

/** The part of a flag the simulation reads; the rest (evidence, severity) is the detector's. */
const flagSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  rule: z.string(),
  merchantId: z.string(),
  payerId: z.string().nullish().transform((value) => value ?? undefined),
  severity: z.unknown().optional(),
  status: z.string().optional(),
  createdAt: z.string().optional(),
});
type Flag = z.infer<typeof flagSchema>;
const flagPageSchema = z.object({ items: z.array(flagSchema), nextToken: z.string().nullish() });

/** A problem said as it is, without a stack. */
class SimulationError extends Error {}

interface Tally {
  claims: number;
  payments: number;
  redeemed: number;
  noDiscount: Record<string, number>;
  refunds: number;
  reversed: number;
}

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: {
      merchants: { type: "string" },
      payers: { type: "string" },
      seed: { type: "string" },
      "history-days": { type: "string" },
      day: { type: "string" },
      concurrency: { type: "string" },
      "quiet-seconds": { type: "string" },
      "max-wait": { type: "string" },
    },
    schema: argsSchema,
  });
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const say = (line = "") => process.stdout.write(`${line}\n`);

  const day = args.day ?? yesterday();
  const campaignId = `sim-fraud-${args.seed}`;
  const generated = performance.now();
  let traffic: Traffic;
  try {
    traffic = generateTraffic({ seed: args.seed, merchants: args.merchants, payers: args.payers, day, historyDays: args["history-days"], campaignId });
  } catch (error) {
    if (error instanceof RangeError) throw new SimulationError(`cannot generate this traffic: ${error.message}`);
    throw error;
  }
  if (traffic.events.length > MAX_EVENTS) throw new SimulationError(`${traffic.events.length} events is more than one run plays (${MAX_EVENTS}): lower --payers or --history-days`);
  const count = (kind: TrafficEvent["kind"]) => traffic.events.filter((event) => event.kind === kind).length;
  note(
    `traffic (seed ${args.seed}): ${traffic.days[0]} … ${day} (${TIMEZONE}), ${traffic.merchants.length} merchants, ${traffic.payerIds.length} payers who pay, ` +
      `${count("claim")} claims, ${count("payment")} payments, ${count("refund")} refunds, ${traffic.labels.filter((l) => l.expected).length} labels ` +
      `(generated in ${((performance.now() - generated) / 1000).toFixed(1)} s)`,
  );

  // Project modules are imported only now, after the logging environment above is set.
  const { EMULATORS_CREDENTIALS, EMULATORS_REGION } = await import("../../infra/local/emulators.js");
  const { signLocalToken } = await import("../../infra/local/jwt.js");
  const { seedCampaign } = await import("../../test/support/seed.js");
  const { seedMerchant } = await import("../../test/support/settlement.js");
  const { SIGNATURE_HEADER, signPayload } = await import("../../shared/domain/signature.js");
  const { ClaimCaches, claimVoucher } = await import("../../shared/use-cases/claim.js");
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const { DynamoDBDocumentClient, ScanCommand } = await import("@aws-sdk/lib-dynamodb");
  const { fraudAppliedKey } = await import("../../shared/store/keys.js");
  const { guardedRun } = await import("../harness.js");

  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    setMaxListeners(args.concurrency + 16, signal);
    const { emulators, runtime: rt, jwt } = await run.startPlatform();
    const hasDetector = rt.system.routes.some((route) => route.key === FLAGS_ROUTE);
    if (!hasDetector) note(`this platform has no ${FLAGS_ROUTE} yet: the traffic is played, but there are no flags to score`);

    const name = (logical: string) => rt.resources.tables[logical]!.name;
    const tables = { campaigns: name("campaigns"), inventory: name("inventory"), vouchers: name("vouchers"), merchants: name("merchants") };
    const ddb = new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: emulators.dynamodb.endpoint, maxAttempts: 3 });
    const db = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    run.onStop(() => ddb.destroy());

    const operatorToken = await signLocalToken({ sub: "fraud-simulation", operator: true, settings: jwt });
    const call = async (method: "GET" | "POST", path: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(`${rt.url}${path}`, {
          method,
          signal,
          headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
          body: init.body,
        });
        const text = await response.text();
        // Throttled or unavailable: the platform asks for the same request again.
        if ((response.status === 429 || response.status === 503) && attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        return { status: response.status, text };
      }
    };
    const expectOk = (what: string, response: { status: number; text: string }, status = 200): unknown => {
      if (response.status !== status) throw new SimulationError(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 300)}`);
      return JSON.parse(response.text) as unknown;
    };
    const asOperator = (method: "GET" | "POST", path: string, body?: unknown) =>
      call(method, path, { headers: { authorization: `Bearer ${operatorToken}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

    // 1. A partner (over HTTP, for its signing secret), the merchants with their approval instants, the campaign.
    const partnerId = `sim-bank-${randomUUID().slice(0, 6)}`;
    const partner = z
      .object({ signingSecret: z.string() })
      .parse(expectOk("POST /admin/partners", await asOperator("POST", "/admin/partners", { id: partnerId, name: "Simulated Bank" }), 201));
    const signed = (path: string, body: unknown) => {
      const raw = JSON.stringify(body);
      return call("POST", path, { headers: { [SIGNATURE_HEADER]: signPayload(partner.signingSecret, Math.floor(Date.now() / 1000), raw) }, body: raw });
    };
    note(`seeding ${traffic.merchants.length} merchants and campaign ${campaignId} (${traffic.drops.length} daily drops, per-person limit ${traffic.maxClaimsPerPayer})…`);
    await pool(traffic.merchants.length, 8, signal, (i) => {
      const merchant = traffic.merchants[i]!;
      const approvedAt = new Date(merchant.approvedAt).toISOString();
      return seedMerchant(db, tables.merchants, { id: merchant.id, partnerId, sector: merchant.sector, name: merchant.name, at: approvedAt, approvedAt });
    });
    await seedCampaign(db, tables, {
      id: campaignId,
      perPersonLimit: traffic.maxClaimsPerPayer,
      sectors: [...SIM_SECTORS],
      startsAt: traffic.campaignStartsAt,
      endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      drops: traffic.drops.map((drop) => ({ id: drop.id, stock: drop.stock, shards: 4, opensAt: drop.opensAt, closesAt: drop.closesAt })),
    });

    // 2. The events, in time order; each payer's one after another.
    const caches = new ClaimCaches();
    const tally: Tally = { claims: 0, payments: 0, redeemed: 0, noDiscount: {}, refunds: 0, reversed: 0 };
    const paymentAnswer = z.union([
      z.object({ discount: z.int().positive() }),
      z.object({ discount: z.literal(0), reason: z.string() }),
    ]);
    const play = async (event: TrafficEvent) => {
      switch (event.kind) {
        case "claim": {
          const at = new Date(event.at);
          await claimVoucher(
            { residentId: event.payerId, campaignId, dropId: event.dropId, voucherTypeId: event.voucherTypeId },
            { db, tables, caches, now: () => at, random: Math.random },
          );
          tally.claims++;
          return;
        }
        case "payment": {
          const { eventId, transactionId, merchantId, payerId, amount, at: occurredAt } = event;
          const answer = paymentAnswer.parse(
            expectOk(`payment ${transactionId}`, await signed(`/partners/${partnerId}/payments`, { eventId, transactionId, merchantId, payerId, amount, occurredAt })),
          );
          tally.payments++;
          if (answer.discount > 0) tally.redeemed++;
          else if ("reason" in answer) tally.noDiscount[answer.reason] = (tally.noDiscount[answer.reason] ?? 0) + 1;
          return;
        }
        case "refund": {
          const { eventId, transactionId, at: occurredAt } = event;
          const answer = z
            .object({ reversed: z.boolean() })
            .parse(expectOk(`refund ${transactionId}`, await signed(`/partners/${partnerId}/refunds`, { eventId, transactionId, occurredAt })));
          tally.refunds++;
          if (answer.reversed) tally.reversed++;
          return;
        }
      }
    };

    note(`playing ${traffic.events.length} events, ${args.concurrency} in flight…`);
    const started = performance.now();
    let done = 0;
    let clock = traffic.start;
    let lastLogged = 0;
    const progress = (final = false) => {
      const seconds = (performance.now() - started) / 1000;
      const line = `  played ${done}/${traffic.events.length} events, simulated clock ${clock.slice(0, 16).replace("T", " ")}, ${(done / Math.max(seconds, 0.001)).toFixed(0)} events/s, ${seconds.toFixed(1)} s`;
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
      else if (final || Date.now() - lastLogged >= 2_000) {
        lastLogged = Date.now();
        process.stderr.write(`${line}\n`);
      }
    };
    const ticker = setInterval(progress, 250);
    try {
      await playInOrder(traffic.events, args.concurrency, signal, async (event) => {
        await play(event);
        done++;
        if (event.at > clock) clock = event.at;
      });
    } finally {
      clearInterval(ticker);
      progress(true);
    }
    const playSeconds = (performance.now() - started) / 1000;
    const expectedPayments = count("payment");
    if (tally.redeemed !== expectedPayments) {
      throw new SimulationError(
        `${expectedPayments - tally.redeemed} of ${expectedPayments} payments were not redeemed (${JSON.stringify(tally.noDiscount)}): the traffic and the campaign disagree`,
      );
    }

    /**
     * Ledger records the detector has applied: its markers (one per record, written in the same
     * transaction as the record's counters) in the run's own fraud table, counted with a scan.
     */
    const countApplied = async (): Promise<number> => {
      const prefix = `${fraudAppliedKey("", "").pk.split("#")[0]}#`;
      let total = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({
            TableName: name("fraud"),
            Select: "COUNT",
            FilterExpression: "begins_with(pk, :prefix)",
            ExpressionAttributeValues: { ":prefix": prefix },
            ExclusiveStartKey: startKey,
          }),
        );
        total += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return total;
    };

    // 3. Wait for the detector to apply every ledger record the traffic wrote, then for its flags to settle.
    let flags: Flag[] = [];
    let waited = 0;
    let settled = false;
    let applied = 0;
    const ledgerRecords = tally.redeemed + tally.reversed;
    if (hasDetector) {
      note(`waiting for the detector: ${ledgerRecords} ledger records applied, then the flags unchanged for ${args["quiet-seconds"]} s (at most ${args["max-wait"]} s)…`);
      const waitStarted = Date.now();
      let lastSignature = "";
      let quietSince = Date.now();
      let lastLogged = 0;
      while (Date.now() - waitStarted < args["max-wait"] * 1000) {
        signal.throwIfAborted();
        if (applied < ledgerRecords) applied = await countApplied();
        flags = await fetchFlags(asOperator, expectOk, campaignId);
        const signature = flags.map((flag) => flag.id).sort().join(",");
        if (signature !== lastSignature) {
          lastSignature = signature;
          quietSince = Date.now();
        }
        const line = `  detector applied ${applied}/${ledgerRecords} records, ${flags.length} flags, unchanged for ${((Date.now() - quietSince) / 1000).toFixed(0)} s, ${((Date.now() - waitStarted) / 1000).toFixed(0)} s`;
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
        else if (Date.now() - lastLogged >= 5_000) {
          lastLogged = Date.now();
          process.stderr.write(`${line}\n`);
        }
        if (applied >= ledgerRecords && Date.now() - quietSince >= args["quiet-seconds"] * 1000) {
          settled = true;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      if (process.stderr.isTTY) process.stderr.write("\n");
      waited = (Date.now() - waitStarted) / 1000;
      if (!settled) note(`the detector had not settled after ${args["max-wait"]} s (${applied}/${ledgerRecords} records applied): scoring the ${flags.length} flags there are`);
    }

    await run.stop();
    note("emulators and runtime stopped.");

    // 4. The report.
    report(say, { traffic, tally, playSeconds, flags, waited, settled, hasDetector, args: { ...args, day } });
    if (!hasDetector) {
      say();
      say(`RESULT: no fraud detector on this platform (${FLAGS_ROUTE} is not routed): nothing to score.`);
      return 1;
    }
    return 0;
  });
}

type Operator = (method: "GET" | "POST", path: string) => Promise<{ status: number; text: string }>;

/** Every flag of the campaign, of every status (the list answers one status at a time), page by page. */
async function fetchFlags(asOperator: Operator, expectOk: (what: string, response: { status: number; text: string }) => unknown, campaignId: string): Promise<Flag[]> {
  const flags: Flag[] = [];
  for (const status of FLAG_STATUSES) {
    let nextToken: string | undefined;
    do {
      const query = new URLSearchParams({ status, campaignId, limit: "100", ...(nextToken === undefined ? {} : { nextToken }) });
      const page = flagPageSchema.parse(expectOk("GET /admin/fraud/flags", await asOperator("GET", `/admin/fraud/flags?${query.toString()}`)));
      flags.push(...page.items.filter((flag) => flag.campaignId === campaignId));
      nextToken = page.nextToken ?? undefined;
    } while (nextToken !== undefined);
  }
  return flags;
}

function report(
  say: (line?: string) => void,
  input: {
    traffic: Traffic;
    tally: Tally;
    playSeconds: number;
    flags: readonly FlagLike[];
    waited: number;
    settled: boolean;
    hasDetector: boolean;
    args: { merchants: number; payers: number; seed: number; "history-days": number; day: string };
  },
): void {
  const { traffic, tally, args } = input;
  const row = (key: string, value: string | number) => say(`  ${key.padEnd(34)} ${value}`);
  const bySource = new Map<string, number>();
  for (const event of traffic.events) {
    if (event.kind !== "payment") continue;
    const group = event.source.replace(/-\d+$/, "");
    bySource.set(group, (bySource.get(group) ?? 0) + 1);
  }
  say();
  say(`Fraud simulation — ${new Date().toISOString()} — Node ${process.version}`);
  row("command", `npm run simulate:fraud -- --merchants ${args.merchants} --payers ${args.payers} --seed ${args.seed} --history-days ${args["history-days"]} --day ${args.day}`);
  row("days (Asia/Shanghai)", `${traffic.days[0]} … ${traffic.days.at(-1)} (${traffic.days.length}; injections on the last)`);
  row("merchants / payers who paid", `${traffic.merchants.length} / ${traffic.payerIds.length}`);
  row("payments by source", [...bySource].map(([source, n]) => `${source} ${n}`).join(", "));
  row("claims / payments redeemed", `${tally.claims} / ${tally.redeemed} of ${tally.payments}`);
  row("refunds (reversed)", `${tally.refunds} (${tally.reversed})`);
  row("played in", `${input.playSeconds.toFixed(1)} s (${((tally.claims + tally.payments + tally.refunds) / input.playSeconds).toFixed(0)} events/s)`);
  if (!input.hasDetector) return;
  row("waited for the detector", `${input.waited.toFixed(1)} s${input.settled ? "" : " (NOT settled: the figures may be short)"}`);
  row("flags of the campaign", input.flags.length);

  const result = score(input.flags, traffic.labels);
  const pct = (value: number | null) => (value === null ? "n/a" : `${(value * 100).toFixed(0)} %`);
  const header = ["rule", "labels", "flags", "TP", "FP", "FN", "tolerated", "precision", "recall", "F1"];
  const cells = (r: RuleScore) => [r.rule, r.labels, r.flags, r.truePositives, r.falsePositives, r.falseNegatives, r.tolerated, pct(r.precision), pct(r.recall), pct(r.f1)].map(String);
  const rows = [...result.rules.map(cells), cells(result.overall)];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((cellsOfRow) => cellsOfRow[i]!.length)));
  const line = (cellsOfRow: string[]) => `  ${cellsOfRow.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")}`;
  say();
  say(line(header));
  for (const cellsOfRow of rows.slice(0, -1)) say(line(cellsOfRow));
  say(line(widths.map((width) => "-".repeat(width))));
  say(line(rows.at(-1)!));
  say();
  say("  TP, FP: distinct accusations (rule + merchant, + payer for repeat-payer; rule + payer for payer-spread) matching an");
  say("  injected label or none; FN: labels no flag matches; tolerated: flags an injection may rightly raise besides its own.");
  const roles = new Map(traffic.merchants.map((merchant) => [merchant.id, `${merchant.role}, ${merchant.sector}, ${merchant.dailyMean.toFixed(1)}/day`]));
  if (result.overall.missed.length > 0) {
    say();
    say("  missed:");
    for (const label of result.overall.missed) say(`    ${label.rule} ${label.merchantId}${label.payerId ? ` ${label.payerId}` : ""} (${label.scenario})`);
  }
  if (result.overall.falsePositiveKeys.length > 0) {
    say();
    say("  false positives (rule|merchant|payer, and what the merchant is):");
    for (const key of result.overall.falsePositiveKeys.slice(0, 30)) say(`    ${key}  ${roles.get(key.split("|")[1] ?? "") ?? ""}`);
    if (result.overall.falsePositiveKeys.length > 30) say(`    … and ${result.overall.falsePositiveKeys.length - 30} more`);
  }
}


try {
  process.exitCode = await main();
} catch (error) {
  const message = error instanceof SimulationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`\nsimulate:fraud failed: ${message}\n`);
  process.exitCode = 1;
}
