/**
 * What operators read and do about settlement: the statements of a period, one statement with
 * its records, a retry of a failed payout, and the reconciliation of a campaign (invariant 6).
 */
import type * as z from "../zod.js";
import type { reconciliationSchema } from "../api/settlement-schemas.js";
import type { LedgerRecord } from "../domain/ledger.js";
import { MERCHANT_STATUSES } from "../domain/merchant.js";
import { sumFen } from "../domain/money.js";
import { type Period, STATEMENT_STATUSES, type StatementStatus, checkConservation, statementId } from "../domain/settlement.js";
import { InvalidStateError, NotFoundError, ValidationError } from "../errors.js";
import { loadCampaign } from "../store/campaigns.js";
import { queryByStatus } from "../store/merchants.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import { readLedger } from "../store/ledger.js";
import { readLines } from "../store/statement-lines.js";
import { type StatementRecord, byPeriodKeySchema, byStatusKeySchema, moveStatement, queryByPeriod, queryStatementsByStatus, readStatement, readStatementsOf } from "../store/statements.js";
import type { SendPayout } from "./settlement.js";
import type { Dependencies } from "./dependencies.js";

type StatementReads = Pick<Dependencies<"settlements">, "db" | "tables">;

/** A statement as operators see it: totals appear once it is finished (not BUILDING). */
export function toStatementView(statement: StatementRecord) {
  // lineCount is the worker's bookkeeping (store/statement-lines.ts), not part of the statement shown.
  const { cutoff, arrivedBefore, createdAt, updatedAt, lineCount: _lineCount, ...rest } = statement;
  return {
    ...rest,
    // The list's contract (API.md) names these; a BUILDING statement has counted nothing yet.
    redemptionCount: statement.redemptionCount ?? 0,
    subsidy: statement.subsidy ?? 0,
    cutoff,
    arrivedBefore,
    createdAt,
    updatedAt,
  };
}
export type StatementView = ReturnType<typeof toStatementView>;

/**
 * GET /admin/settlements?period=&status=: a period's statements by campaign then merchant (the
 * `byPeriod` index), or one status's across periods, newest period first (the `byStatus` index;
 * with a period too, that period's only). Each is a query of one index partition: its cost is the
 * statements it answers, never a scan of the table.
 */
export async function listStatements(
  input: StatementReads & { query: { period?: Period | undefined; status?: StatementStatus | undefined; limit: number; nextToken?: string | undefined } },
): Promise<{ items: StatementView[]; nextToken?: string }> {
  const { period, status, limit, nextToken } = input.query;
  const foreignToken = (message: string) => new ValidationError("The query is invalid", { details: [{ path: "nextToken", message }] });
  if (status !== undefined) {
    const startKey = nextToken === undefined ? undefined : decodeToken(nextToken, byStatusKeySchema);
    if (startKey && (startKey.status !== status || (period !== undefined && startKey.period !== period))) throw foreignToken(`belongs to another query than status ${status}`);
    const page = await queryStatementsByStatus(input.db, input.tables.settlements, { status, period, limit, startKey });
    return { items: page.statements.map(toStatementView), ...(page.lastKey ? { nextToken: encodeToken(page.lastKey) } : {}) };
  }
  if (period === undefined) throw new ValidationError("The query is invalid", { details: [{ path: "period", message: "name a period, a status or both" }] });
  const startKey = nextToken === undefined ? undefined : decodeToken(nextToken, byPeriodKeySchema);
  if (startKey && startKey.period !== period) throw foreignToken(`belongs to another period than ${period}`);
  const page = await queryByPeriod(input.db, input.tables.settlements, { period, limit, startKey });
  return { items: page.statements.map(toStatementView), ...(page.lastKey ? { nextToken: encodeToken(page.lastKey) } : {}) };
}

/** A record as a statement shows it. */
function toLine(record: LedgerRecord) {
  return {
    partnerId: record.partnerId,
    transactionId: record.transactionId,
    ...(record.voucherId === undefined ? {} : { voucherId: record.voucherId }),
    ...(record.instantDiscountId === undefined ? {} : { instantDiscountId: record.instantDiscountId }),
    payerId: record.payerId,
    amount: record.amount,
    discount: record.discount,
    occurredAt: record.occurredAt,
    recordedAt: record.recordedAt,
    ...(record.kind === "REDEMPTION" ? {} : { paymentOccurredAt: record.paymentOccurredAt }),
    ...(record.kind === "CLAWBACK" ? { flagId: record.flagId } : {}),
    ...(record.kind === "REVERSAL" || record.kind === "PARTIAL_REFUND" ? { eventId: record.eventId } : {}),
  };
}

/** GET /admin/settlements/{campaignId}/{merchantId}/{period}: one statement with its redemptions, reversals, fraud clawbacks, partial refunds and carried statements. */
export async function getStatement(input: StatementReads & { key: { campaignId: string; merchantId: string; period: Period } }) {
  const statement = await readStatement(input.db, input.tables.settlements, input.key);
  if (!statement) throw new NotFoundError(`No statement ${statementId(input.key.campaignId, input.key.merchantId, input.key.period)}`);
  const lines = await readLines(input.db, input.tables.settlements, input.key);
  return {
    ...toStatementView(statement),
    redemptions: lines.records.filter((record) => record.kind === "REDEMPTION").map(toLine),
    reversals: lines.records.filter((record) => record.kind === "REVERSAL").map(toLine),
    clawbacks: lines.records.filter((record) => record.kind === "CLAWBACK").map(toLine),
    refunds: lines.records.filter((record) => record.kind === "PARTIAL_REFUND").map(toLine),
    carried: lines.carried.map((line) => ({ statementId: line.carriedFrom, period: line.period, payable: line.payable })),
  };
}

/**
 * POST /admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout: a FAILED statement goes
 * back to PENDING (audited) and to the payout queue. 409 for any other status.
 */
export async function retryPayout(
  input: Dependencies<"settlements" | "audit"> & { key: { campaignId: string; merchantId: string; period: Period }; operator: string; sendPayout: SendPayout },
) {
  const statement = await readStatement(input.db, input.tables.settlements, input.key);
  if (!statement) throw new NotFoundError(`No statement ${statementId(input.key.campaignId, input.key.merchantId, input.key.period)}`);
  const at = input.now().toISOString();
  const moved = await moveStatement(input.db, input.tables, statement, { to: "PENDING", from: "FAILED" }, at, {
    action: "statement.retry-payout",
    who: input.operator,
  });
  if (!moved) throw new InvalidStateError(`Statement ${statement.statementId} is ${statement.status}; only a FAILED payout can be retried`);
  await input.sendPayout({ campaignId: statement.campaignId, merchantId: statement.merchantId, period: statement.period });
  // The statement as this call left it; the payout may already be through by the time it is read again.
  const { failedAt: _failed, ...rest } = statement;
  return toStatementView({ ...rest, status: "PENDING", updatedAt: at });
}

// ---------------------------------------------------------------------------------------------
// Reconciliation.

export type Reconciliation = z.infer<typeof reconciliationSchema>;

/**
 * Checks invariant 6 for a campaign to the fen, from the records themselves (strongly consistent
 * reads of every merchant's ledger and statements): Σ redemptions − Σ reversals = Σ statement
 * nets + Σ not in a statement. Also checks that every statement's net is the sum of its records,
 * that carried payables are folded in once, and that payouts stay within the budget.
 */
export async function reconcileCampaign(
  input: Pick<Dependencies<"campaigns" | "redemptions" | "settlements" | "merchants">, "db" | "tables"> & { campaignId: string },
): Promise<Reconciliation> {
  const { db, tables, campaignId } = input;
  const loaded = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
  if (!loaded) throw new NotFoundError(`Campaign ${campaignId} not found`);
  const merchantIds: string[] = [];
  for (const status of MERCHANT_STATUSES) {
    let startKey;
    do {
      const page = await queryByStatus(db, tables.merchants, { status, limit: 100, startKey });
      merchantIds.push(...page.merchants.map((merchant) => merchant.id));
      startKey = page.lastKey;
    } while (startKey);
  }
  const records: LedgerRecord[] = [];
  const statements: StatementRecord[] = [];
  for (const merchantId of merchantIds) {
    records.push(...(await readLedger(db, tables.redemptions, campaignId, merchantId)));
    statements.push(...(await readStatementsOf(db, tables.settlements, campaignId, merchantId)));
  }
  const finished = statements.filter((statement) => statement.status !== "BUILDING");
  const problems: string[] = [];
  const nets = finished.map((statement) => {
    if (statement.net === undefined) problems.push(`statement ${statement.statementId} is ${statement.status} without a net`);
    return { statementId: statement.statementId, net: statement.net ?? 0 };
  });
  const conservation = checkConservation({ records, statements: nets });
  if (conservation.difference !== 0) {
    problems.push(
      `redeemed ${conservation.redeemed} − reversed ${conservation.reversed} ≠ statements ${conservation.inStatements} + unsettled ${conservation.unsettled} (difference ${conservation.difference} fen)`,
    );
  }
  for (const mismatch of conservation.mismatched) {
    problems.push(`statement ${mismatch.statementId} has net ${mismatch.net} but its records add up to ${mismatch.records}`);
  }
  const byId = new Map(statements.map((statement) => [statement.statementId, statement]));
  for (const record of records) {
    if (record.statementId !== undefined && !byId.has(record.statementId)) {
      problems.push(`record ${record.partnerId}/${record.transactionId} names statement ${record.statementId}, which does not exist`);
    }
  }
  // Carried payables: each CARRIED statement folded into at most one other, and counted there.
  const carriedInto = new Map<string, number[]>();
  for (const statement of finished) {
    if (statement.carriedInto === undefined) continue;
    const into = byId.get(statement.carriedInto);
    if (!into) problems.push(`statement ${statement.statementId} was carried into ${statement.carriedInto}, which does not exist`);
    carriedInto.set(statement.carriedInto, [...(carriedInto.get(statement.carriedInto) ?? []), statement.payable ?? 0]);
  }
  // …and counted there: a finished statement's carriedIn is the payables of those carried into it
  // (else a clawback carried forward was lost, and the merchant overpaid).
  for (const statement of finished) {
    const folded = sumFen(carriedInto.get(statement.statementId) ?? []);
    if ((statement.carriedIn ?? 0) !== folded) {
      problems.push(`statement ${statement.statementId} counts ${statement.carriedIn ?? 0} carried in, but the statements carried into it have payables ${folded}`);
    }
  }
  for (const statement of finished) {
    if (statement.net !== undefined && statement.carriedIn !== undefined && statement.payable !== statement.net + statement.carriedIn) {
      problems.push(`statement ${statement.statementId} pays ${statement.payable}, not net ${statement.net} + carried ${statement.carriedIn}`);
    }
  }
  const paid = sumFen(finished.filter((statement) => statement.status === "PAID").map((statement) => statement.payable ?? 0));
  if (paid > loaded.campaign.budget) problems.push(`paid ${paid} exceeds the budget ${loaded.campaign.budget}`);
  const counts = Object.fromEntries(STATEMENT_STATUSES.map((status) => [status, statements.filter((statement) => statement.status === status).length])) as Reconciliation["statements"];
  return {
    campaignId,
    budget: loaded.campaign.budget,
    redeemed: conservation.redeemed,
    reversed: conservation.reversed,
    inStatements: conservation.inStatements,
    unsettled: conservation.unsettled,
    difference: conservation.difference,
    paid,
    merchants: merchantIds.length,
    records: records.length,
    statements: counts,
    problems,
    balanced: problems.length === 0,
  };
}
