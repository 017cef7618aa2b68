/**
 * Settlement use cases (DESIGN.md §2, invariants 5–7): planning a period's run, the settlement
 * worker that builds one statement, the payout worker, the payout DLQ's recorder, and the release
 * of HELD statements. Each is idempotent: SQS and Scheduler deliver at least once, and a crash at
 * any step is finished by the next delivery.
 */
import type { PayoutMessage, SettlementMessage } from "../api/messages.js";
import { PayoutFailedError, ValidationError } from "../errors.js";
import {
  dueSettlementPeriod,
  localDate,
  type Period,
  isStalePending,
  payoutResendAt,
  periodCutoff,
  startOfPeriod,
  statementId,
  statementOutcome,
  statementTotals,
} from "../domain/settlement.js";
import type { PayoutRequest, PostPayout } from "../payout-client.js";
import type { CampaignRecord } from "../store/campaigns.js";
import { queryListed } from "../store/campaign-writes.js";
import { readMerchant } from "../store/merchants.js";
import { liveSecrets } from "../domain/partner.js";
import { readPartner } from "../store/partners.js";
import { merchantsWithUnsettled, readUnsettled } from "../store/ledger.js";
import { deferPayoutDue, queryPayoutsDue, recordPayoutAttempt } from "../store/payouts.js";
import { finishRun, readRun, startRun } from "../store/settlement-runs.js";
import { foldCarried, holdRecords, readCarried, readLines } from "../store/statement-lines.js";
import { type StatementRecord, createStatement, finishStatement, moveStatement, queryHeld, readStatement } from "../store/statements.js";
import type { Dependencies } from "./dependencies.js";
import { backoffDelay, sleep } from "../domain/backoff.js";

/** Sends settlement messages (SendMessageBatch, 10 per call). */
export type SendSettlements = (messages: readonly SettlementMessage[]) => Promise<void>;
/** Sends one statement to the payout queue. */
export type SendPayout = (message: PayoutMessage) => Promise<void>;

// ---------------------------------------------------------------------------------------------
// Planning.

export interface PlannedRun {
  campaignId: string;
  period: Period;
  /** UTC ISO. */
  cutoff: string;
  /** False when an earlier run of the period fixed the cut-off and this one reused it. */
  firstRun: boolean;
  /** Pairs (campaign × merchant) sent to the settlement queue. */
  pairs: number;
}

/**
 * Plans a run of `period` for one campaign: fixes (or reuses) the period's cut-off, finds the
 * merchants with unsettled records before it, and sends one settlement message per merchant.
 * The run stays PLANNING until every message is sent, so a crash is planned again.
 */
export async function planSettlementRun(
  input: Dependencies<"redemptions" | "settlements"> & { campaign: Pick<CampaignRecord, "id" | "timezone">; period: Period; by: string; send: SendSettlements },
): Promise<PlannedRun> {
  const now = input.now();
  const { cutoff } = periodCutoff(input.period, input.campaign.timezone, now);
  const { first, run } = await startRun(input.db, input.tables.settlements, {
    campaignId: input.campaign.id,
    period: input.period,
    cutoff: cutoff.toISOString(),
    arrivedBefore: now.toISOString(),
    at: now.toISOString(),
    by: input.by,
  });
  const merchants = await merchantsWithUnsettled(input.db, input.tables.redemptions, input.campaign.id, run.cutoff);
  await input.send(
    merchants.map((merchantId) => ({ campaignId: input.campaign.id, merchantId, period: input.period, cutoff: run.cutoff, arrivedBefore: run.arrivedBefore })),
  );
  await finishRun(input.db, input.tables.settlements, run, merchants.length);
  return { campaignId: input.campaign.id, period: input.period, cutoff: run.cutoff, firstRun: first, pairs: merchants.length };
}

/** The zone whose calendar day begins first (UTC+14): a period that has not begun there has begun nowhere. */
const EARLIEST_ZONE = "Pacific/Kiritimati";

/**
 * POST /admin/settlements/run: plans `period` for every published or paused campaign (or the one
 * named). 400, with nothing planned, when the period has not begun in some campaign's zone.
 */
export async function runSettlement(
  input: Dependencies<"campaigns" | "redemptions" | "settlements"> & { period: Period; campaignId?: string | undefined; operator: string; send: SendSettlements },
): Promise<{ period: Period; runs: PlannedRun[] }> {
  const notBegun = (zone: string) =>
    new ValidationError("The body is invalid", { details: [{ path: "period", message: `${input.period} has not begun in ${zone}` }] });
  if (input.period > localDate(input.now(), EARLIEST_ZONE)) throw notBegun("any time zone");
  const campaigns = (await listedCampaigns(input)).filter((campaign) => input.campaignId === undefined || campaign.id === input.campaignId);
  if (input.campaignId !== undefined && campaigns.length === 0) {
    throw new ValidationError("The body is invalid", { details: [{ path: "campaignId", message: `no published or paused campaign ${input.campaignId}` }] });
  }
  // Checked for every campaign before any is planned, so a refused run has done nothing.
  const now = input.now();
  for (const campaign of campaigns) {
    if (now.getTime() < startOfPeriod(input.period, campaign.timezone).getTime()) throw notBegun(campaign.timezone);
  }
  const runs: PlannedRun[] = [];
  for (const campaign of campaigns) runs.push(await planSettlementRun({ ...input, campaign, by: input.operator }));
  return { period: input.period, runs };
}

export interface ScheduledSettlements {
  /** Runs planned by this call. */
  planned: PlannedRun[];
  /** Campaigns whose due period was planned already. */
  alreadyPlanned: number;
  failed: { campaignId: string; error: string }[];
}

/**
 * The ticker's part: for each published or paused campaign, once it is 02:00 in its zone, plans
 * the previous day's run unless it is planned already. A failure is reported and retried by the
 * next tick; it does not stop the other campaigns.
 */
export async function runDueSettlements(
  input: Dependencies<"campaigns" | "redemptions" | "settlements"> & { send: SendSettlements },
): Promise<ScheduledSettlements> {
  const outcome: ScheduledSettlements = { planned: [], alreadyPlanned: 0, failed: [] };
  const now = input.now();
  for (const campaign of await listedCampaigns(input)) {
    const period = dueSettlementPeriod(now, campaign.timezone);
    // Nothing can have happened before the campaign's first day.
    if (period < localDate(new Date(campaign.startsAt), campaign.timezone)) continue;
    try {
      const run = await readRun(input.db, input.tables.settlements, campaign.id, period);
      if (run?.status === "PLANNED") {
        outcome.alreadyPlanned++;
        continue;
      }
      outcome.planned.push(await planSettlementRun({ ...input, campaign, period, by: "schedule" }));
    } catch (error) {
      outcome.failed.push({ campaignId: campaign.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcome;
}

async function listedCampaigns(input: Dependencies<"campaigns">): Promise<CampaignRecord[]> {
  const campaigns: CampaignRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await queryListed(input.db, input.tables.campaigns, { limit: 100, ...(startKey ? { startKey } : {}) });
    campaigns.push(...page.campaigns);
    startKey = page.lastKey;
  } while (startKey);
  return campaigns;
}

// ---------------------------------------------------------------------------------------------
// The settlement worker.

export type SettleOutcome =
  /** No record to settle and no statement: nothing was written. */
  | { outcome: "nothing-to-settle" }
  /** The statement is finished (now or by an earlier delivery). */
  | { outcome: "settled"; statement: StatementRecord; recordsHeldNow: number };

/**
 * Builds the statement of one (campaign, merchant, period), or finishes one a crash left
 * BUILDING, then hands a PENDING statement to the payout queue. Steps, each safe to repeat:
 * create the statement (conditional), hold its records (transactions that move each record
 * from unsettled to the statement once, while it is BUILDING), fold carried statements in (the
 * same), add up its lines, finish it (conditional on BUILDING and on the lines added up being
 * all it holds), send the payout.
 */
export async function settleStatement(
  input: Dependencies<"redemptions" | "settlements" | "merchants"> & { message: SettlementMessage; sendPayout: SendPayout },
): Promise<SettleOutcome> {
  const { db, tables, message } = input;
  let statement = await readStatement(db, tables.settlements, message);
  let recordsHeldNow = 0;
  if (!statement) {
    const unsettled = await readUnsettled(db, tables.redemptions, message);
    if (unsettled.length === 0) return { outcome: "nothing-to-settle" };
    const at = input.now().toISOString();
    ({ statement } = await createStatement(db, tables.settlements, {
      statementId: statementId(message.campaignId, message.merchantId, message.period),
      campaignId: message.campaignId,
      merchantId: message.merchantId,
      period: message.period,
      status: "BUILDING",
      cutoff: message.cutoff,
      arrivedBefore: message.arrivedBefore,
      createdAt: at,
      updatedAt: at,
    }));
  }
  if (statement.status === "BUILDING") {
    // The statement's own cut-off, not the message's: a redelivery of a later run finishes the same statement.
    const unsettled = await readUnsettled(db, tables.redemptions, statement);
    recordsHeldNow = await holdRecords(db, tables, statement, unsettled);
    for (const carried of await readCarried(db, tables.settlements, statement)) await foldCarried(db, tables.settlements, statement, carried);
    const lines = await readLines(db, tables.settlements, statement);
    const totals = statementTotals(lines.records, lines.carried.map((line) => line.payable));
    const merchant = await readMerchant(db, tables.merchants, statement.merchantId);
    if (!merchant) throw new Error(`merchant ${statement.merchantId} of statement ${statement.statementId} does not exist`);
    const status = statementOutcome(totals.payable, merchant.status);
    const lineCount = lines.records.length + lines.carried.length;
    await finishStatement(db, tables.settlements, statement, { totals, status, partnerId: merchant.partnerId, at: input.now().toISOString(), lines: lineCount });
    statement = await readStatement(db, tables.settlements, statement);
    if (!statement) throw new Error(`statement ${statementId(message.campaignId, message.merchantId, message.period)} vanished`);
    // Still BUILDING: a concurrent delivery put a line after this one read them, so these totals
    // would leave it out. Fail this delivery; the next one (or the concurrent one) adds up every line.
    if (statement.status === "BUILDING") throw new Error(`statement ${statement.statementId} gained lines while it was being finished; it is settled on redelivery`);
  }
  // Sent on every delivery while PENDING: the first send may have been lost to a crash, and the payout worker pays once.
  if (statement.status === "PENDING") await input.sendPayout(payoutMessageOf(statement));
  return { outcome: "settled", statement, recordsHeldNow };
}

function payoutMessageOf(statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period">): PayoutMessage {
  return { campaignId: statement.campaignId, merchantId: statement.merchantId, period: statement.period };
}

// ---------------------------------------------------------------------------------------------
// Payouts.

/** How a payout is sent and tried, beside the tables. */
export interface PayoutSending {
  post: PostPayout;
  /** Tries within one delivery, with exponential back-off between them. */
  attempts?: number;
  baseDelayMs?: number;
  /** Per call; keep the tries within the function's timeout. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type PayOutcome =
  | { outcome: "paid"; payoutId: string }
  /** The merchant is suspended: the statement is HELD, not paid (invariant 7). */
  | { outcome: "held" }
  /** Not PENDING (paid, held or failed already): nothing to do. */
  | { outcome: "skipped"; status: StatementRecord["status"] };

/**
 * Pays one PENDING statement through the payout endpoint of the partner that acquired the
 * merchant, with the statement id as idempotency key. Throws PayoutFailedError when every try
 * of this delivery failed (the attempt and its error are recorded on the statement).
 */
export async function payStatement(input: Dependencies<"settlements" | "merchants" | "partners"> & PayoutSending & { message: PayoutMessage }): Promise<PayOutcome> {
  const { db, tables, message } = input;
  const statement = await readStatement(db, tables.settlements, message);
  if (!statement) throw new Error(`statement ${statementId(message.campaignId, message.merchantId, message.period)} does not exist`);
  if (statement.status !== "PENDING") return { outcome: "skipped", status: statement.status };
  const merchant = await readMerchant(db, tables.merchants, statement.merchantId);
  if (!merchant) throw new Error(`merchant ${statement.merchantId} does not exist`);
  if (merchant.status === "SUSPENDED") {
    await moveStatement(db, tables, statement, { to: "HELD" }, input.now().toISOString());
    return { outcome: "held" };
  }
  const partner = await readPartner(db, tables.partners, merchant.partnerId, { consistent: true });
  if (!partner) throw new Error(`partner ${merchant.partnerId} of merchant ${merchant.id} does not exist`);
  if (statement.payable === undefined || statement.payable <= 0) throw new Error(`statement ${statement.statementId} is PENDING with nothing to pay`);

  const sent = await postPayoutWithRetries(input, {
    url: partner.payoutUrl,
    idempotencyKey: statement.statementId,
    secrets: partner.secrets,
    body: {
      statementId: statement.statementId,
      campaignId: statement.campaignId,
      merchantId: statement.merchantId,
      period: statement.period,
      amount: statement.payable,
      currency: "CNY",
    },
  });
  if (sent.ok) {
    const payoutId = sent.payoutId ?? statement.statementId;
    await moveStatement(db, tables, statement, { to: "PAID", payoutId }, input.now().toISOString());
    return { outcome: "paid", payoutId };
  }
  await recordPayoutAttempt(db, tables.settlements, statement, sent.error, input.now().toISOString());
  throw new PayoutFailedError(`payout of ${statement.statementId} to partner ${partner.id} failed: ${sent.error}`);
}

/**
 * POSTs one payout (a statement's or a programme award's) with up to `attempts` tries and
 * exponential back-off, signed with every secret of the partner still valid (so a bank holding
 * either one during a rotation can verify it). The last error when no try got through.
 */
export async function postPayoutWithRetries(
  input: PayoutSending & { now: () => Date },
  request: Pick<PayoutRequest, "url" | "idempotencyKey" | "body"> & { secrets: Parameters<typeof liveSecrets>[0] },
): Promise<{ ok: true; payoutId: string | undefined } | { ok: false; error: string }> {
  const attempts = input.attempts ?? 3;
  const wait = input.sleep ?? sleep;
  const random = input.random ?? Math.random;
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const response = await input.post({ ...request, secrets: liveSecrets(request.secrets, input.now()), timeoutMs: input.timeoutMs ?? 10_000 });
    if (response.ok) return { ok: true, payoutId: response.payoutId };
    lastError = response.error;
    if (!response.retryable) break;
    if (attempt < attempts) await wait(backoffDelay(attempt, { baseMs: input.baseDelayMs ?? 200, random }));
  }
  return { ok: false, error: lastError };
}

/**
 * The payout DLQ's handler: a statement whose payout gave up becomes FAILED (if it is still
 * PENDING), keeping the last error. Returns the statement's status now.
 */
export async function recordPayoutFailure(
  input: Dependencies<"settlements"> & { message: PayoutMessage },
): Promise<{ statementId: string; status: StatementRecord["status"] | "UNKNOWN"; failedNow: boolean }> {
  const { db, tables, message } = input;
  const id = statementId(message.campaignId, message.merchantId, message.period);
  const statement = await readStatement(db, tables.settlements, message);
  if (!statement) return { statementId: id, status: "UNKNOWN", failedNow: false };
  if (statement.status !== "PENDING") return { statementId: id, status: statement.status, failedNow: false };
  const failedNow = await moveStatement(db, tables, statement, { to: "FAILED", reason: statement.lastPayoutError ?? "payout gave up" }, input.now().toISOString());
  const now = await readStatement(db, tables.settlements, message);
  return { statementId: id, status: now?.status ?? "UNKNOWN", failedNow };
}

// ---------------------------------------------------------------------------------------------
// Held statements.

/**
 * Releases HELD statements to the payout queue: one merchant's (on reinstatement), or every
 * statement whose merchant is no longer suspended (the ticker's sweep, which also catches a
 * statement held while its merchant was being reinstated). Returns the statements released.
 */
export async function releaseHeldStatements(
  input: Dependencies<"settlements" | "merchants"> & { sendPayout: SendPayout; merchantId?: string | undefined },
): Promise<string[]> {
  const held = await queryHeld(input.db, input.tables.settlements, input.merchantId);
  const status = new Map<string, string | undefined>();
  const released: string[] = [];
  for (const statement of held) {
    if (!status.has(statement.merchantId)) status.set(statement.merchantId, (await readMerchant(input.db, input.tables.merchants, statement.merchantId))?.status);
    if (status.get(statement.merchantId) !== "APPROVED") continue;
    if (await moveStatement(input.db, input.tables, statement, { to: "PENDING", from: "HELD" }, input.now().toISOString())) {
      released.push(statement.statementId);
    }
    // Sent even if another release won the move: its send may not have happened yet, and payouts are once per statement.
    const now = await readStatement(input.db, input.tables.settlements, statement);
    if (now?.status === "PENDING") await input.sendPayout(payoutMessageOf(now));
  }
  return released;
}

// ---------------------------------------------------------------------------------------------
// Lost payout messages.

/** Statements the sweep looks at per tick; the rest wait for the next tick (a minute later). */
export const PAYOUT_RESENDS_PER_TICK = 100;

export interface ResentPayout {
  statementId: string;
  /** When the statement became due for a re-send (UTC ISO). */
  dueAt: string;
  /** Re-sends of this statement so far, this one included. */
  resends: number;
  /** Whether the statement has been PENDING for an hour or more (isStalePending): operators are alarmed. */
  pendingOverHour: boolean;
}

/**
 * The ticker's sweep for payouts lost after their statement became PENDING (a send that failed
 * after the status change, in the settlement worker, a release or an operator's retry): each
 * statement still PENDING PAYOUT_RESEND_AFTER_MS after it became PENDING (or after its last
 * re-send) gets its payout message again, and its next re-send is pushed as far out. The send
 * comes first: a crash before the push sends again next tick, never loses it; a duplicate message
 * pays nothing twice (the payout worker pays once per statement, with its id as idempotency key).
 */
export async function resendStalledPayouts(
  input: Dependencies<"settlements"> & { sendPayout: SendPayout; limit?: number },
): Promise<ResentPayout[]> {
  const now = input.now().toISOString();
  const resent: ResentPayout[] = [];
  for (const due of await queryPayoutsDue(input.db, input.tables.settlements, now, input.limit ?? PAYOUT_RESENDS_PER_TICK)) {
    // The index is eventually consistent: the statement itself decides.
    const statement = await readStatement(input.db, input.tables.settlements, due);
    if (statement?.status !== "PENDING" || statement.payoutDueAt === undefined || statement.payoutDueAt > now) continue;
    await input.sendPayout(payoutMessageOf(statement));
    if (await deferPayoutDue(input.db, input.tables.settlements, statement, { due: statement.payoutDueAt, next: payoutResendAt(now), at: now })) {
      const resends = (statement.payoutResends ?? 0) + 1;
      resent.push({ statementId: statement.statementId, dueAt: statement.payoutDueAt, resends, pendingOverHour: isStalePending({ resends }) });
    }
  }
  return resent;
}
