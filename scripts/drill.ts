/**
 * `npm run drill -- --faults SPEC [--seed N] [--size small|medium|large] [--fresh]` plays the
 * money paths under injected faults (infra/local/faults.ts) and then checks every invariant of
 * DESIGN.md §6 a client can observe (scripts/drill-checks.ts). It plays on the platform `npm
 * start` runs (its state file), whose own VOUCHERS_FAULTS apply, or on a fresh platform it starts
 * with `--faults` and stops at the end, emulators included. Exit 0 when nothing broke, 1 on any
 * violation (each printed) or when the drill could not run, 2 on bad arguments.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { faultTallyPath } from "../infra/local/fault-mode.js";
import { FAULT_NAMES, type FaultSnapshot, parseFaultSpec, seededRandom } from "../infra/local/faults.js";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../infra/local/emulators.js";
import { jwtSettingsFromEnv, signLocalToken } from "../infra/local/jwt.js";
import { physicalName } from "../infra/local/provision.js";
import { REPOSITORY_ROOT } from "../infra/local/runtime.js";
import { type LocalPlatformState, runningPlatform, stateFilePath } from "../infra/local/state-file.js";
import { signPayload } from "../shared/domain/signature.js";
import { localDate } from "../shared/domain/settlement.js";
import { issuedPartition, ledgerPartition } from "../shared/store/keys.js";
import { queryAll } from "../shared/store/dynamo.js";
import { parseCommandLine } from "./cli.js";
import { checkInvariants, type Deliveries, type DrillObservations, type IssuedVoucher, type LedgerRecord, ledgerRecordId } from "./drill-checks.js";

// See infra/local/main.ts: the SDK's Node 22 notice is noise under the pinned versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ALL_FAULTS = "dynamodb.throttle=0.05,dynamodb.conflict=0.02,dynamodb.lost-answer=0.02,sqs.send-fail=0.02,payout.fail=0.05";

const USAGE = [
  "usage: npm run drill -- [--faults SPEC] [--seed N] [--size small|medium|large] [--fresh] [--settle-timeout S]",
  "  plays a flash drop with keyed retries, partner payments delivered several times, partial and full",
  "  refunds and a settlement run with payouts under injected faults, then checks the invariants of",
  "  DESIGN.md §6; exit 0 when none broke, 1 on any violation (each printed)",
  `  --faults SPEC        name=probability,… (default ${ALL_FAULTS});`,
  `                       faults: ${FAULT_NAMES.join(", ")}`,
  "  --seed N             seed of the injected faults and of the drill's own choices (default: drawn, printed)",
  "  --size S             small (40 residents), medium (200) or large (1000); default small",
  "  --fresh              start a fresh platform with these faults even when npm start is running",
  "                       (without a running platform the drill always starts one, and stops it at the end)",
  "  --settle-timeout S   seconds to wait for statements to settle and be paid (default 240: longer than",
  "                       the settlement queue's visibility timeout, so a failed build is redelivered)",
  "  DRILL_PLATFORM_LOG=FILE keeps a fresh platform's whole output, its JSON logs included",
  "On a platform npm start runs, its own VOUCHERS_FAULTS / VOUCHERS_FAULTS_SEED apply, not --faults.",
].join("\n");

const argsSchema = z.object({
  faults: z
    .string()
    .default(ALL_FAULTS)
    .superRefine((spec, ctx) => {
      try {
        parseFaultSpec(spec);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      }
    }),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).optional(),
  size: z.enum(["small", "medium", "large"]).default("small"),
  fresh: z.boolean().default(false),
  // Beyond the settlement queue's visibility timeout (180 s), so a failed build is redelivered in time.
  "settle-timeout": z.coerce.number().int().min(5).max(3_600).default(240),
});

const SIZES = {
  small: { residents: 40, stock: { "100-30": 12, "200-60": 8 }, merchants: 3, concurrency: 12 },
  medium: { residents: 200, stock: { "100-30": 60, "200-60": 40 }, merchants: 5, concurrency: 24 },
  large: { residents: 1_000, stock: { "100-30": 300, "200-60": 200 }, merchants: 10, concurrency: 48 },
} as const;
const VOUCHER_TYPES = [
  { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 },
  { id: "200-60", threshold: 20_000, discount: 6_000, validDays: 7 },
];
const ZONE = "Asia/Shanghai";
const SHARDS = 2;

/** A problem said plainly (no platform, a refused setup call); exit 1 without a stack. */
class DrillError extends Error {}

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  body: unknown;
  /** Tries it took (network errors, 429 and 5xx are retried with the same request). */
  tries: number;
}

/** Tallies of what the drill saw from the platform (retries, error codes). */
const seen = { retried: 0, networkErrors: 0, byStatus: new Map<number, number>() };

/**
 * One HTTP call, retried on a network error, 429 or 5xx with the same body and headers (and a
 * fresh signature), as a well-behaved client does; `IDEMPOTENCY_IN_PROGRESS` (409) too.
 */
async function call(
  base: string,
  method: string,
  route: string,
  options: { body?: unknown; headers?: () => Record<string, string>; rawBody?: string; tries?: number } = {},
): Promise<Answer> {
  const raw = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const tries = options.tries ?? 8;
  for (let attempt = 1; ; attempt += 1) {
    let status: number;
    let body: unknown;
    let retryAfter: number;
    try {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: { ...(raw === undefined ? {} : { "content-type": "application/json" }), ...options.headers?.() },
        ...(raw === undefined ? {} : { body: raw }),
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      const text = await response.text();
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      retryAfter = Number(response.headers.get("retry-after") ?? 0);
    } catch (error) {
      seen.networkErrors += 1;
      if (attempt >= tries) throw new DrillError(`${method} ${route}: no answer after ${tries} tries (${String(error)})`);
      seen.retried += 1;
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
      continue;
    }
    seen.byStatus.set(status, (seen.byStatus.get(status) ?? 0) + 1);
    const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
    const retryable = status === 429 || status >= 500 || (status === 409 && code === "IDEMPOTENCY_IN_PROGRESS");
    if (!retryable || attempt >= tries) return { status, body, tries: attempt };
    seen.retried += 1;
    await sleep(Math.max(retryAfter * 1_000 * Math.random(), Math.min(2_000, 50 * 2 ** attempt * Math.random())));
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

interface Platform {
  state: LocalPlatformState;
  tallyFile: string;
  stop(): Promise<void>;
}

/** A fresh platform: `npm start` in a child process with the faults on, its own state file and prefix. */
async function startFreshPlatform(spec: string, seed: number): Promise<Platform> {
  const stateFile = path.join(tmpdir(), `drill-platform-${randomUUID()}.json`);
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "infra/local/main.ts"], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...process.env,
      PORT: "0",
      VOUCHERS_SEED: "0",
      VOUCHERS_LOCAL_PREFIX: `drill-${randomUUID().slice(0, 8)}`,
      VOUCHERS_LOCAL_STATE_FILE: stateFile,
      VOUCHERS_FAULTS: spec,
      VOUCHERS_FAULTS_SEED: String(seed),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? (process.env.DRILL_PLATFORM_LOG ? "WARN" : "CRITICAL"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // DRILL_PLATFORM_LOG=FILE keeps the fresh platform's whole output (its JSON logs too) for a post-mortem.
  const log = process.env.DRILL_PLATFORM_LOG ? createWriteStream(process.env.DRILL_PLATFORM_LOG) : undefined;
  child.stdout!.on("data", (chunk: Buffer) => log?.write(chunk));
  child.stderr!.on("data", (chunk: Buffer) => log?.write(chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const onLine = (chunk: Buffer) => {
    output += chunk.toString();
    // The platform's own lines (not its JSON logs), so the drill's output shows its faults.
    for (const line of chunk.toString().split("\n")) if (line.trim() !== "" && !/^(\{|\[dynamodb-local\]|\[fauxqs\])/.test(line)) say(`  [platform] ${line}`);
  };
  child.stdout!.on("data", onLine);
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const code = await Promise.race([exited, sleep(30_000).then(() => "timeout" as const)]);
    if (code === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
    await rm(stateFile, { force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new DrillError(`the platform exited with ${child.exitCode}:\n${output.slice(-2_000)}`);
    if (/Voucher platform listening on/.test(output)) {
      const state = await runningPlatform(stateFile).catch(() => undefined);
      if (state) return { state, tallyFile: faultTallyPath(stateFile), stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new DrillError(`the platform did not come up within 90 s:\n${output.slice(-2_000)}`);
    }
    await sleep(200);
  }
}

async function readTally(file: string): Promise<FaultSnapshot | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as FaultSnapshot;
  } catch {
    return undefined;
  }
}

const tallyLine = (tally: FaultSnapshot | undefined) =>
  tally ? FAULT_NAMES.map((name) => `${name} ${tally.injected[name] ?? 0}`).join(", ") : "no tally (the platform runs without faults)";

interface Claimed {
  resident: string;
  voucherId: string;
  voucherTypeId: string;
}

interface Paid {
  transactionId: string;
  merchantId: string;
  amount: number;
  occurredAt: string;
  voucherId: string | null;
}

async function drill(platform: Platform, args: z.infer<typeof argsSchema>, seed: number): Promise<number> {
  const started = Date.now();
  const base = platform.state.url;
  const size = SIZES[args.size];
  // The drill's own choices (amounts, which refunds), from the seed: a stream apart from the faults'.
  const random = seededRandom(seed ^ 0x5bd1e995);
  const jwt = jwtSettingsFromEnv();
  const run = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const progress = async (phase: string, detail: string) => say(`[${elapsed()}] ${phase}: ${detail} · faults so far: ${tallyLine(await readTally(platform.tallyFile))}`);
  const operator = await signLocalToken({ sub: `drill-operator-${run}`, operator: true, expiresInSeconds: 3_600, settings: jwt });
  const asOperator = () => ({ authorization: `Bearer ${operator}` });
  const must = (answer: Answer, what: string, ok: number[]) => {
    if (!ok.includes(answer.status)) throw new DrillError(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, unknown>;
  };

  // Setup: a partner, its merchants, a campaign with one open drop.
  const partnerId = `drill-bank-${run}`;
  let registered = await call(base, "POST", "/admin/partners", { body: { id: partnerId, name: "Drill Bank" }, headers: asOperator });
  // A lost answer after the partner was stored: its secret is gone with it, so roll a new one.
  if (registered.status === 409) registered = await call(base, "POST", `/admin/partners/${partnerId}/rotate-secret`, { headers: asOperator });
  const partner = must(registered, "registering the partner", [200, 201]);
  const secret = String(partner.signingSecret);
  const payoutUrl = typeof partner.payoutUrl === "string" ? partner.payoutUrl : "";
  const signed = (route: string, body: unknown) => {
    const raw = JSON.stringify(body);
    return call(base, "POST", route, { rawBody: raw, headers: () => ({ "x-voucher-signature": signPayload(secret, Math.floor(Date.now() / 1000), raw) }) });
  };
  const merchants = Array.from({ length: size.merchants }, (_, i) => `drill-shop-${run}-${i}`);
  for (const merchantId of merchants) {
    must(await signed(`/partners/${partnerId}/merchants`, { id: merchantId, name: `演练商户 ${merchantId}`, sector: "supermarket" }), `submitting ${merchantId}`, [201, 409]);
    const approved = await call(base, "POST", `/admin/merchants/${merchantId}/approve`, { headers: asOperator });
    // A lost answer after the approval committed: the retry finds the merchant APPROVED already.
    const already = approved.status === 409 && (approved.body as { error?: { details?: { status?: string } } }).error?.details?.status === "APPROVED";
    if (!already) must(approved, `approving ${merchantId}`, [200]);
  }
  const campaignId = `drill-${run}`;
  const at = (seconds: number) => new Date((Math.floor(Date.now() / 1000) + seconds) * 1000).toISOString();
  const stock: Record<string, number> = { ...size.stock };
  const budget = Object.entries(stock).reduce((sum, [type, n]) => sum + n * VOUCHER_TYPES.find((t) => t.id === type)!.discount, 0);
  must(
    await call(base, "POST", "/admin/campaigns", {
      headers: asOperator,
      body: {
        id: campaignId,
        name: `Drill ${run}`,
        timezone: ZONE,
        budget,
        startsAt: at(-3_600),
        endsAt: at(30 * 86_400),
        perPersonLimit: 1,
        sectors: ["supermarket", "restaurant"],
        refundPolicy: "void",
        rollover: false,
        voucherTypes: VOUCHER_TYPES,
        drops: [{ id: "flash", opensAt: at(-5), closesAt: at(3_600), stock, shards: SHARDS }],
      },
    }),
    "creating the campaign",
    [201, 409],
  );
  must(await call(base, "POST", `/admin/campaigns/${campaignId}/publish`, { headers: asOperator }), "publishing the campaign", [200]);
  await progress("setup", `partner ${partnerId}, ${merchants.length} merchants, campaign ${campaignId} (stock ${JSON.stringify(stock)}, limit 1 per person)`);

  // 1. A flash drop: every resident claims, a quarter twice (the second must hit the limit), each
  // attempt with its own Idempotency-Key, retried with that key on 429, 5xx or no answer.
  const attempts = Array.from({ length: size.residents }, (_, i) => [{ i, second: false }, ...(i % 4 === 0 ? [{ i, second: true }] : [])]).flat();
  const claimed: Claimed[] = [];
  const claimCodes = new Map<string, number>();
  await inParallel(attempts, size.concurrency, async ({ i, second }) => {
    const resident = `drill-resident-${run}-${i}`;
    const token = await signLocalToken({ sub: resident, expiresInSeconds: 3_600, settings: jwt });
    const voucherTypeId = (i + (second ? 1 : 0)) % 3 === 0 ? "200-60" : "100-30";
    const key = `${resident}-${second ? "again" : "first"}`;
    const answer = await call(base, "POST", `/campaigns/${campaignId}/drops/flash/claims`, {
      body: { voucherTypeId },
      headers: () => ({ authorization: `Bearer ${token}`, "idempotency-key": key }),
    });
    const code = answer.status === 201 ? "CLAIMED" : ((answer.body as { error?: { code?: string } })?.error?.code ?? String(answer.status));
    claimCodes.set(code, (claimCodes.get(code) ?? 0) + 1);
    if (answer.status === 201) claimed.push({ resident, voucherId: String((answer.body as { voucherId: string }).voucherId), voucherTypeId });
  });
  await progress("flash drop", `${attempts.length} claims by ${size.residents} residents: ${[...claimCodes.entries()].map(([c, n]) => `${c} ${n}`).join(", ")}`);

  // 2. Payments: each holder pays once at some merchant, the webhook delivered three times (two at
  // once, one later); a few residents without a voucher pay too.
  const deliveries: Deliveries[] = [];
  const paid: Paid[] = [];
  const payers = [...claimed.map((c) => ({ resident: c.resident, voucherTypeId: c.voucherTypeId })), ...Array.from({ length: 5 }, (_, i) => ({ resident: `drill-resident-${run}-none-${i}`, voucherTypeId: "100-30" }))];
  // Whole seconds, as partners send them, after every claim committed.
  const paymentOccurredAt = at(0);
  const payments = payers.map((payer, i) => {
    const threshold = VOUCHER_TYPES.find((t) => t.id === payer.voucherTypeId)!.threshold;
    return {
      eventId: randomUUID(),
      transactionId: `drill-txn-${run}-${i}`,
      merchantId: merchants[i % merchants.length]!,
      payerId: payer.resident,
      // Mostly above the threshold, one in eight just below it.
      amount: i % 8 === 7 ? threshold - 1 : threshold + Math.floor(random() * 20_000),
      occurredAt: paymentOccurredAt,
    };
  });
  await inParallel(payments, size.concurrency, async (payment) => {
    const route = `/partners/${partnerId}/payments`;
    const answers = await Promise.all([signed(route, payment), signed(route, payment)]);
    answers.push(await signed(route, payment));
    deliveries.push({ route: "payments", partnerId, key: payment.transactionId, answers: answers.map(({ status, body }) => ({ status, body })) });
    const ok = answers.find((a) => a.status === 200)?.body as { voucherId?: string | null } | undefined;
    if (ok) paid.push({ transactionId: payment.transactionId, merchantId: payment.merchantId, amount: payment.amount, occurredAt: payment.occurredAt, voucherId: ok.voucherId ?? null });
  });
  const discounted = paid.filter((p) => p.voucherId);
  await progress("payments", `${payments.length} transactions × 3 deliveries: ${discounted.length} with a discount, ${paid.length - discounted.length} without`);

  // 3. Refunds of half the discounted payments: a third partial (1,000 fen), a third full, a third
  // two partial refunds at once; each refund event delivered twice at once.
  const refundEvents: { transactionId: string; body: Record<string, unknown> }[] = [];
  discounted.forEach((payment, i) => {
    if (i % 2 === 1) return;
    const refund = (amount?: number) => ({
      transactionId: payment.transactionId,
      body: { eventId: randomUUID(), transactionId: payment.transactionId, occurredAt: payment.occurredAt, ...(amount === undefined ? {} : { amount }) },
    });
    const kind = (i / 2) % 3;
    if (kind === 0) refundEvents.push(refund(1_000));
    else if (kind === 1) refundEvents.push(refund());
    else refundEvents.push(refund(2_000), refund(payment.amount - 2_000));
  });
  const refundCodes = new Map<string, number>();
  await inParallel(refundEvents, size.concurrency, async (event) => {
    const route = `/partners/${partnerId}/refunds`;
    const answers = await Promise.all([signed(route, event.body), signed(route, event.body)]);
    deliveries.push({ route: "refunds", partnerId, key: String(event.body.eventId), answers: answers.map(({ status, body }) => ({ status, body })) });
    const first = answers[0];
    const code = first.status === 200 ? `reversed=${String((first.body as { reversed?: boolean }).reversed)}` : ((first.body as { error?: { code?: string } })?.error?.code ?? String(first.status));
    refundCodes.set(code, (refundCodes.get(code) ?? 0) + 1);
  });
  await progress("refunds", `${refundEvents.length} refund events × 2 deliveries: ${[...refundCodes.entries()].map(([c, n]) => `${c} ${n}`).join(", ")}`);

  // 4. Settlement of today (cut-off: the moment of the run), paid through the partner simulator.
  const period = localDate(new Date(), ZONE);
  await sleep(1_100);
  must(await call(base, "POST", "/admin/settlements/run", { headers: asOperator, body: { period, campaignId } }), "the settlement run", [202]);
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: platform.state.dynamodbEndpoint }),
  );
  const table = (logical: string) => physicalName(platform.state.prefix, logical);
  const partition = (tableName: string, pk: string) =>
    queryAll(db, { TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk }, ConsistentRead: true });
  const readLedger = async () =>
    (await Promise.all(merchants.map((m) => partition(table("redemptions"), ledgerPartition(campaignId, m))))).flat().map(
      (item): LedgerRecord => ({
        kind: item.kind as LedgerRecord["kind"],
        eventId: typeof item.eventId === "string" ? item.eventId : undefined,
        campaignId: String(item.campaignId),
        merchantId: String(item.merchantId),
        partnerId: String(item.partnerId),
        transactionId: String(item.transactionId),
        voucherId: String(item.voucherId),
        discount: Number(item.discount),
      }),
    );
  type Statement = { statementId: string; campaignId: string; merchantId: string; period: string; status: string };
  const listStatements = async () => {
    const items: Statement[] = [];
    let token: string | undefined;
    do {
      const page = must(
        await call(base, "GET", `/admin/settlements?period=${period}&limit=100${token ? `&nextToken=${encodeURIComponent(token)}` : ""}`, { headers: asOperator }),
        "listing statements",
        [200],
      ) as { items: Statement[]; nextToken?: string };
      items.push(...page.items.filter((s) => s.campaignId === campaignId));
      token = page.nextToken;
    } while (token);
    return items;
  };
  const FINAL = new Set(["PAID", "CARRIED", "HELD", "FORFEITED"]);
  const retried = new Set<string>();
  let statements: Statement[];
  let ledger: LedgerRecord[];
  const settleDeadline = Date.now() + args["settle-timeout"] * 1_000;
  for (let round = 0; ; round += 1) {
    statements = await listStatements();
    ledger = await readLedger();
    const merchantsWithRecords = new Set(ledger.map((r) => r.merchantId));
    for (const statement of statements.filter((s) => s.status === "FAILED" && !retried.has(s.statementId))) {
      retried.add(statement.statementId);
      must(
        await call(base, "POST", `/admin/settlements/${statement.campaignId}/${statement.merchantId}/${statement.period}/retry-payout`, { headers: asOperator }),
        `retrying the payout of ${statement.statementId}`,
        [200, 202, 409],
      );
    }
    const done = statements.length >= merchantsWithRecords.size && statements.every((s) => FINAL.has(s.status));
    if (round % 5 === 0 || done) {
      const byStatus = new Map<string, number>();
      for (const s of statements) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
      await progress("settlement", `period ${period}: ${statements.length} statements (${[...byStatus.entries()].map(([s, n]) => `${s} ${n}`).join(", ") || "none yet"}), ${retried.size} payouts retried`);
    }
    if (done) break;
    if (Date.now() > settleDeadline) {
      say(`  warning: after ${args["settle-timeout"]} s, ${statements.filter((s) => !FINAL.has(s.status)).map((s) => `${s.statementId} ${s.status}`).join(", ") || "some merchants have no statement"} (a payout redelivered after its visibility timeout, or lost)`);
      break;
    }
    await sleep(1_000);
  }

  // 5. What the invariants are checked on.
  const held = await Promise.all(
    statements.map(async (s) => {
      const detail = must(await call(base, "GET", `/admin/settlements/${s.campaignId}/${s.merchantId}/${s.period}`, { headers: asOperator }), `reading ${s.statementId}`, [200]) as Record<
        "redemptions" | "reversals" | "clawbacks" | "refunds",
        { partnerId: string; transactionId: string; eventId?: string }[]
      >;
      const lines = (kind: LedgerRecord["kind"], list: { partnerId: string; transactionId: string; eventId?: string }[] = []) =>
        list.map((line) => ledgerRecordId({ ...line, kind }));
      return {
        statementId: s.statementId,
        status: s.status,
        records: [
          ...lines("REDEMPTION", detail.redemptions),
          ...lines("REVERSAL", detail.reversals),
          ...lines("CLAWBACK", detail.clawbacks),
          ...lines("PARTIAL_REFUND", detail.refunds),
        ],
      };
    }),
  );
  const vouchers: IssuedVoucher[] = [];
  for (const voucherTypeId of Object.keys(stock)) {
    for (let shard = 0; shard < SHARDS; shard += 1) {
      for (const item of await partition(table("vouchers"), issuedPartition(campaignId, "flash", voucherTypeId, shard))) {
        vouchers.push({ voucherId: String(item.voucherId), owner: String(item.owner), campaignId, dropId: "flash", voucherTypeId });
      }
    }
  }
  const payoutList = payoutUrl ? ((await (await fetch(payoutUrl)).json()) as { items: { statementId?: string; outcome: string; payoutId?: string }[] }).items : [];
  type Reconciliation = { balanced: boolean; difference: number; problems: string[]; redeemed: number; reversed: number; inStatements: number; unsettled: number; paid: number };
  // Under heavy faults the reconciliation (many reads) can fail every retry: the other invariants
  // are still checked, and the run fails as unchecked rather than passing.
  const reconciliation = await call(base, "GET", `/admin/campaigns/${campaignId}/reconciliation`, { headers: asOperator });
  const books = reconciliation.status === 200 ? (reconciliation.body as Reconciliation) : undefined;
  const unchecked = books ? [] : [`invariant 6 not checked: the reconciliation answered ${reconciliation.status} after ${reconciliation.tries} tries`];
  const observed: DrillObservations = {
    stocks: Object.entries(stock).map(([voucherTypeId, n]) => ({ campaignId, dropId: "flash", voucherTypeId, stock: n })),
    limits: { [campaignId]: 1 },
    vouchers,
    answeredClaims: claimed,
    ledger,
    deliveries,
    statements: held,
    payouts: payoutList.filter((p) => p.statementId?.startsWith(`${campaignId}/`)).map((p) => ({ statementId: p.statementId, outcome: p.outcome, payoutId: p.payoutId })),
    books: books ? [{ campaignId, balanced: books.balanced, difference: books.difference, problems: books.problems }] : [],
  };
  const violations = [...checkInvariants(observed), ...unchecked];
  const tally = await readTally(platform.tallyFile);

  say("");
  say(`drill ${args.size}, seed ${seed}, on ${base}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`  faults injected   ${tallyLine(tally)}`);
  say(`  vouchers issued   ${vouchers.length} of stock ${Object.values(stock).reduce((a, b) => a + b, 0)} (${claimed.length} claims answered 201)`);
  say(`  ledger            ${ledger.filter((r) => r.kind === "REDEMPTION").length} redemptions, ${ledger.filter((r) => r.kind === "REVERSAL").length} reversals, ${ledger.filter((r) => r.kind === "PARTIAL_REFUND").length} partial refunds`);
  say(`  statements        ${held.length} (${held.map((s) => s.status).join(", ")}); payouts received ${observed.payouts.length}, accepted ${observed.payouts.filter((p) => p.outcome === "accepted").length}`);
  if (books) say(`  books             redeemed ${books.redeemed}, reversed ${books.reversed}, in statements ${books.inStatements}, unsettled ${books.unsettled}, paid ${books.paid} fen: ${books.balanced ? "balanced" : "NOT balanced"}`);
  say(`  client retries    ${seen.retried} (network errors ${seen.networkErrors}; answers ${[...seen.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ")})`);
  if (violations.length === 0) {
    say("no invariant broken");
    return 0;
  }
  say(`${violations.length} invariant violation(s) or unchecked invariant(s):`);
  for (const violation of violations) say(`  - ${violation}`);
  return 1;
}

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { faults: { type: "string" }, seed: { type: "string" }, size: { type: "string" }, fresh: { type: "boolean" }, "settle-timeout": { type: "string" } },
    schema: argsSchema,
  });
  const seed = args.seed ?? Math.floor(Math.random() * 2 ** 31);
  let platform: Platform | undefined;
  try {
    const running = args.fresh ? undefined : await runningPlatform();
    if (running) {
      const tallyFile = faultTallyPath(stateFilePath());
      const tally = await readTally(tallyFile);
      say(`drill on the running platform ${running.url}: its own faults apply (${tally ? JSON.stringify(tally.spec) : "none"}), not --faults`);
      platform = { state: running, tallyFile, stop: () => Promise.resolve() };
    } else {
      say(`drill: starting a fresh platform with faults ${args.faults} (seed ${seed})…`);
      const starting = Date.now();
      platform = await startFreshPlatform(args.faults, seed);
      say(`  up in ${((Date.now() - starting) / 1000).toFixed(1)} s`);
    }
    return await drill(platform, args, seed);
  } catch (error) {
    console.error(error instanceof DrillError ? `drill failed: ${error.message}` : `drill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    // A fresh platform stops with its emulators: no java or node process outlives the drill.
    const stopping = Date.now();
    await platform?.stop();
    if (platform) say(`platform stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  }
}

// Exit at once: kept-alive sockets of the HTTP and SDK clients would hold the process for seconds.
process.exit(await main());
