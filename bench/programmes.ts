/**
 * `npm run bench:programmes [-- --applications 1000 --concurrency 16]`
 *
 * Merchant programme awards reviewed and paid through the local runtime (docs/benchmarks.md). One
 * bounded run on 127.0.0.1: starts DynamoDB Local, fauxqs and the runtime with the platform wiring
 * (its real payouts queue, its poller and the partner simulator), seeds one partner paid through
 * the simulator, N approved merchants with a paper filing each and one growth-reward programme
 * whose budget covers every award; then, timed, each merchant applies for last month over HTTP
 * (a merchant's token) and an operator approves it over HTTP, N at a time up to the concurrency,
 * and the run waits until every award is PAID. It prints the time, the DynamoDB calls per
 * application (of the handlers: apply, approve, pay), the payouts the simulator accepted and the
 * programme's reconciliation. Exits 1 on any double payment (a payout key accepted twice, more
 * paid than approved), on an award not paid, or on books that do not balance.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { parseCommandLine } from "../scripts/cli.js";
import { pool } from "./figures.js";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const USAGE = [
  "usage: npm run bench:programmes -- [--applications N] [--concurrency C]",
  "  N growth-reward applications (one merchant each) applied for, approved and paid through the local payout queue",
  "  --applications N   applications (default 1000, at most 5000)",
  "  --concurrency C    requests in flight (default 16, at most 64)",
].join("\n");

const RUN_DEADLINE_MS = 15 * 60_000;
/** Payouts that make no progress for this long are stuck. */
const STALL_MS = 60_000;
const AWARD = 500_000;

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { applications: { type: "string" }, concurrency: { type: "string" } },
    schema: z.object({
      applications: z.coerce.number().int().min(1).max(5_000).default(1_000),
      concurrency: z.coerce.number().int().min(1).max(64).default(16),
    }),
  });
  const N = args.applications;
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const say = (line = "") => process.stdout.write(`${line}\n`);

  const { seedMerchant, seedPartner } = await import("../test/support/settlement.js");
  const { apiCall } = await import("../test/support/http.js");
  const { signLocalToken } = await import("../infra/local/jwt.js");
  const { MERCHANTS_GROUP, MERCHANT_ID_CLAIM } = await import("../shared/http/caller.js");
  const { localDate } = await import("../shared/domain/settlement.js");
  const { formatYuan } = await import("../shared/domain/money.js");
  const { createProgramme } = await import("../shared/use-cases/programmes.js");
  const { filePaper } = await import("../shared/use-cases/applications.js");
  const { reconcileProgramme } = await import("../shared/use-cases/programme-payouts.js");
  const { readProgramme } = await import("../shared/store/programmes.js");
  const { dynamoDb } = await import("../shared/clients.js");
  const { benchDocuments, guardedRun, tableNames } = await import("./harness.js");

  return guardedRun({ deadlineMs: RUN_DEADLINE_MS, note }, async (run) => {
    const { signal } = run;
    const { emulators, runtime: rt, jwt } = await run.startPlatform();
    // The handlers' own client (they run in this process): its calls are the platform's cost per application.
    const calls = new Map<string, number>();
    let counting = false;
    dynamoDb().middlewareStack.add(
      (next, context) => async (input) => {
        if (counting) {
          const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
          calls.set(command, (calls.get(command) ?? 0) + 1);
        }
        return next(input);
      },
      { step: "deserialize", name: "benchCountCalls", priority: "high" },
    );
    const db = benchDocuments(run, emulators);
    const tables = tableNames(rt, ["programmes", "merchants", "partners", "audit"]);
    const deps = { db, tables, now: () => new Date() };

    note(`seeding a partner, ${N} approved merchants with their paper filings and one programme…`);
    const partnerId = `bench-bank-${randomUUID().slice(0, 6)}`;
    await seedPartner(db, tables.partners, { id: partnerId, payoutUrl: rt.partnerSimulator.payoutUrl });
    const programmeId = `bench-growth-${randomUUID().slice(0, 6)}`;
    await createProgramme({
      ...deps,
      who: "bench",
      definition: {
        id: programmeId,
        name: "Bench growth",
        kind: "growth_reward",
        budget: AWARD * N,
        period: { from: "2020-01-01", to: "2099-12-31" },
        timezone: "Asia/Shanghai",
        tiers: [{ minGrowthPercent: 5, award: AWARD }],
      },
    });
    const merchants = Array.from({ length: N }, (_, i) => `bench-m-${i}-${randomUUID().slice(0, 4)}`);
    await pool(N, 16, signal, async (i) => {
      await seedMerchant(db, tables.merchants, { id: merchants[i]!, partnerId, sector: "appliance" });
      await filePaper({ ...deps, programmeId, who: "bench", filing: { merchantId: merchants[i]!, plan: "Bench", filedAt: "2020-01-02T00:00:00Z" } });
    });
    const [year, month] = localDate(new Date(), "Asia/Shanghai").slice(0, 7).split("-").map(Number) as [number, number];
    const lastMonth = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
    const operator = await signLocalToken({ sub: "bench-reviewer", operator: true, settings: jwt });
    const tokens = await Promise.all(merchants.map((merchantId) => signLocalToken({ sub: `owner-${merchantId}`, groups: [MERCHANTS_GROUP], claims: { [MERCHANT_ID_CLAIM]: merchantId }, settings: jwt })));

    note(`applying and approving ${N} applications, ${args.concurrency} at a time…`);
    counting = true;
    const started = performance.now();
    const refused: string[] = [];
    await pool(N, args.concurrency, signal, async (i) => {
      const applied = await apiCall(rt.url, "POST", `/merchant/programmes/${programmeId}/applications`, {
        token: tokens[i]!,
        body: { month: lastMonth, sales: { current: 10_600_000, lastYear: 10_000_000, previousMonth: 10_000_000 }, summary: "Bench" },
      });
      if (applied.status !== 201) return void refused.push(`apply ${merchants[i]}: ${applied.status} ${JSON.stringify(applied.body)}`);
      const { id } = applied.body as { id: string };
      const approved = await apiCall(rt.url, "POST", `/admin/applications/${id}/approve`, { token: operator });
      if (approved.status !== 200) refused.push(`approve ${id}: ${approved.status} ${JSON.stringify(approved.body)}`);
    });
    const reviewedSeconds = (performance.now() - started) / 1000;

    note("waiting for every award to be PAID…");
    let paid = 0;
    let lastProgress = performance.now();
    while (paid < N - refused.length) {
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = (await readProgramme(db, tables.programmes, programmeId))?.paid ?? 0;
      if (now / AWARD !== paid) lastProgress = performance.now();
      paid = now / AWARD;
      if (performance.now() - lastProgress > STALL_MS) break;
    }
    const seconds = (performance.now() - started) / 1000;
    counting = false;

    const accepted = rt.partnerSimulator.received.filter((request) => request.outcome === "accepted" && request.idempotencyKey.startsWith("application/"));
    const keys = new Map<string, number>();
    for (const request of accepted) keys.set(request.idempotencyKey, (keys.get(request.idempotencyKey) ?? 0) + 1);
    const doubled = [...keys.values()].filter((count) => count > 1).length;
    const books = await reconcileProgramme({ ...deps, programmeId });
    const totalCalls = [...calls.values()].reduce((sum, n) => sum + n, 0);

    say(`bench:programmes — ${N} growth-reward applications, concurrency ${args.concurrency}`);
    say(`  applied and approved in ${reviewedSeconds.toFixed(1)} s; every award paid after ${seconds.toFixed(1)} s (${(N / seconds).toFixed(1)} applications/s)`);
    say(`  DynamoDB calls per application (apply, approve, pay): ${(totalCalls / N).toFixed(1)} — ${[...calls].map(([command, n]) => `${command} ${(n / N).toFixed(1)}`).join(", ")}`);
    say(`  payouts accepted by the simulator: ${accepted.length} (${keys.size} keys, ${doubled} paid twice); paid ${formatYuan(books.paid)} of ${formatYuan(books.committed)} committed`);
    say(`  reconciliation: ${books.balanced ? "balanced" : `NOT balanced: ${books.problems.join("; ")}`}`);
    for (const line of refused.slice(0, 5)) say(`  refused: ${line}`);

    const failures = [
      ...(doubled > 0 ? [`${doubled} awards paid twice`] : []),
      ...(books.paid > books.committed ? ["more paid than committed"] : []),
      ...(refused.length > 0 ? [`${refused.length} requests refused`] : []),
      ...(paid !== N ? [`${N - paid} awards not paid`] : []),
      ...(books.balanced ? [] : ["the books do not balance"]),
    ];
    for (const failure of failures) say(`FAIL: ${failure}`);
    return failures.length > 0 ? 1 : 0;
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:programmes failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
