/**
 * Settlement rules, pure: settlement periods (calendar days in a campaign's time zone) and their
 * cut-offs, what a statement adds up to, what becomes of it, and the conservation check of
 * DESIGN.md invariant 6. No AWS imports; the store and operations layers apply these.
 */
import * as z from "../zod.js";

import { safeFen, sumFen, sumFenExact } from "./money.js";

/** A settlement period: one calendar day, `YYYY-MM-DD`, in the campaign's time zone. */
export const periodSchema = z.iso.date();
export type Period = string;

export const STATEMENT_STATUSES = ["BUILDING", "PENDING", "PAID", "HELD", "FAILED", "CARRIED", "FORFEITED"] as const;
/**
 * `BUILDING` (records being gathered; never shown as final), `PENDING` (payout under way),
 * `PAID`, `HELD` (merchant suspended), `FAILED` (payout gave up), `CARRIED` (net ≤ 0, carried
 * into the merchant's next statement), `FORFEITED` (a HELD statement an operator decided, on a
 * confirmed fraud flag, never to pay; terminal: it stays in the books, never in a payout).
 */
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

/** The hour (local, 24 h) from which the previous day is settled by the daily run. */
export const SETTLEMENT_HOUR = 2;

/** How a statement is named everywhere: in URLs, as the payout's idempotency key, on its records. */
export function statementId(campaignId: string, merchantId: string, period: Period): string {
  return `${campaignId}/${merchantId}/${period}`;
}

// ---------------------------------------------------------------------------------------------
// Periods and cut-offs.

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading of `instant` in `timezone`, to the second. */
function wallClock(instant: Date, timezone: string): { date: string; hour: number; minute: number; second: number } {
  let format = dayFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    dayFormats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The calendar day (`YYYY-MM-DD`) that `instant` falls on in `timezone`. */
export function localDate(instant: Date, timezone: string): Period {
  return wallClock(instant, timezone).date;
}

/** The day after `period`. */
export function nextPeriod(period: Period): Period {
  return shiftDays(period, 1);
}

/** The day before `period`. */
export function previousPeriod(period: Period): Period {
  return shiftDays(period, -1);
}

function shiftDays(period: Period, days: number): Period {
  const at = Date.parse(`${periodSchema.parse(period)}T00:00:00Z`);
  return new Date(at + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The instant local midnight starts `period` in `timezone`. Found from the zone's offset, read
 * twice so a day that starts next to a daylight-saving change still lands on its first instant.
 */
export function startOfPeriod(period: Period, timezone: string): Date {
  const utcMidnight = Date.parse(`${periodSchema.parse(period)}T00:00:00Z`);
  let guess = utcMidnight;
  for (let i = 0; i < 3; i++) {
    const offset = zoneOffsetMs(new Date(guess), timezone);
    const next = utcMidnight - offset;
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}

/**
 * The instant `days` calendar days after `instant` at the same wall-clock time in `timezone`
 * (across a daylight-saving change the UTC gap is not a whole number of days). A wall-clock time
 * a change skips resolves to the instant the zone's offset then gives, read twice as above.
 */
export function addLocalDays(instant: Date, days: number, timezone: string): Date {
  const wall = wallClock(instant, timezone);
  const [year, month, day] = wall.date.split("-").map(Number) as [number, number, number];
  const shifted = new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
  const wallAsUtc = Date.parse(`${shifted}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}Z`) + (instant.getTime() % 1000);
  let guess = wallAsUtc;
  for (let i = 0; i < 3; i++) {
    const next = wallAsUtc - zoneOffsetMs(new Date(guess), timezone);
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}

/**
 * `instant` as a reader in `timezone` reads it, with the zone's offset then: `iso`
 * (`2026-12-04T03:54:56+08:00`, ISO-8601) and `text` (`2026-12-04 03:54:56 +08:00`, for people).
 */
export function zonedTimestamp(instant: Date, timezone: string): { iso: string; text: string } {
  const wall = wallClock(instant, timezone);
  const offsetMinutes = Math.round(zoneOffsetMs(instant, timezone) / 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const time = `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
  return { iso: `${wall.date}T${time}${offset}`, text: `${wall.date} ${time} ${offset}` };
}

/** How far `timezone`'s wall clock is ahead of UTC at `instant`, in ms. */
function zoneOffsetMs(instant: Date, timezone: string): number {
  const wall = wallClock(instant, timezone);
  const asUtc = Date.parse(`${wall.date}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}Z`);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** Where a run of `period` stops: the end of the period, or `now` if the period is not over. */
export interface Cutoff {
  /** Records with occurredAt before this instant belong to the run. */
  cutoff: Date;
  /** True when the period is over, so the cut-off is its end. */
  periodOver: boolean;
}

/**
 * The cut-off of a run of `period` started at `now` (API.md, settlement). Throws RangeError for
 * a period that has not begun: nothing in it can be settled yet.
 */
export function periodCutoff(period: Period, timezone: string, now: Date): Cutoff {
  const start = startOfPeriod(period, timezone);
  if (now.getTime() < start.getTime()) throw new RangeError(`period ${period} has not begun in ${timezone}`);
  const end = startOfPeriod(nextPeriod(period), timezone);
  return now.getTime() >= end.getTime() ? { cutoff: end, periodOver: true } : { cutoff: now, periodOver: false };
}

/**
 * The period the daily run settles at `now`: yesterday once it is SETTLEMENT_HOUR (02:00) in the
 * zone, the day before yesterday until then (already settled by the previous day's run).
 */
export function dueSettlementPeriod(now: Date, timezone: string): Period {
  const wall = wallClock(now, timezone);
  const yesterday = previousPeriod(wall.date);
  return wall.hour >= SETTLEMENT_HOUR ? yesterday : previousPeriod(yesterday);
}

// ---------------------------------------------------------------------------------------------
// What a statement adds up to.

/**
 * A record a statement holds: a redemption (+discount), a reversal or a fraud clawback (−discount),
 * or a partial refund that left the discount standing (discount 0, amount = what it refunded).
 */
export interface SettledRecord {
  kind: "REDEMPTION" | "REVERSAL" | "CLAWBACK" | "PARTIAL_REFUND";
  partnerId: string;
  transactionId: string;
  /** Signed: positive for a redemption, negative for a reversal or clawback, 0 for a partial refund. */
  discount: number;
  /** The payment amount before discount; for a partial refund, what it refunded. */
  amount: number;
}

export interface StatementTotals {
  /** Redemptions held and not reversed within this statement. */
  redemptionCount: number;
  /** Their discounts: what the bureau owes for them. */
  subsidy: number;
  /**
   * Their payment amounts before discount, less the partial refunds of them this statement holds.
   * Absent only when that sum is not a safe integer (beyond 2^53 − 1 fen, ≈ ¥90 trillion): no JSON
   * number carries it exactly, and the money figures do not depend on it (the lines hold every amount).
   */
  grossSales?: number;
  /** Reversals held of redemptions not in this statement (settled earlier), and fraud clawbacks: the clawback. */
  clawbackCount: number;
  /** Their reversed discounts, as a positive amount. */
  clawback: number;
  /** Redemptions reversed before they were settled: held with their reversal, netting to zero. */
  cancelledCount: number;
  /** subsidy − clawback: the signed sum of every record held, what invariant 6 counts. */
  net: number;
  /** Σ payable of the CARRIED statements folded into this one (≤ 0). */
  carriedIn: number;
  /** net + carriedIn: what the merchant is paid, if positive. */
  payable: number;
}

/**
 * The totals of a statement holding `records` and the carried statements whose payables are
 * `carried`. A reversal whose redemption is held too cancels it; any other reversal is clawback,
 * and so is every CLAWBACK record (a fraud clawback of a redemption paid in an earlier statement).
 */
export function statementTotals(records: readonly SettledRecord[], carried: readonly number[] = []): StatementTotals {
  const key = (record: SettledRecord) => `${record.partnerId}#${record.transactionId}`;
  const reversed = new Set(records.filter((record) => record.kind === "REVERSAL").map(key));
  const redeemed = new Set(records.filter((record) => record.kind === "REDEMPTION").map(key));
  const kept = records.filter((record) => record.kind === "REDEMPTION" && !reversed.has(key(record)));
  const clawed = records.filter((record) => (record.kind === "REVERSAL" && !redeemed.has(key(record))) || record.kind === "CLAWBACK");
  const keptKeys = new Set(kept.map(key));
  // A partial refund lowers the sales of a redemption this statement pays for; one of a redemption
  // settled earlier is a line only, as a reversal of one is clawback and never lowers these sales.
  const refundsOfKept = records.filter((record) => record.kind === "PARTIAL_REFUND" && keptKeys.has(key(record)));
  const subsidy = sumFen(kept.map((record) => record.discount));
  // 0 − Σ, not −Σ: negating an empty sum gives −0, which would leak into the stored totals.
  const clawback = 0 - sumFen(clawed.map((record) => record.discount));
  const net = subsidy - clawback;
  // The identity the statement rests on: its net is the signed sum of what it holds.
  const signed = sumFen(records.map((record) => record.discount));
  if (net !== signed) throw new Error(`statement arithmetic does not add up: net ${net}, records ${signed}`);
  const carriedIn = sumFen(carried);
  if (carriedIn > 0) throw new RangeError(`carried statements have positive payables (${carriedIn})`);
  return {
    redemptionCount: kept.length,
    subsidy,
    ...grossSalesOf(kept, refundsOfKept),
    clawbackCount: clawed.length,
    clawback,
    cancelledCount: records.filter((record) => record.kind === "REDEMPTION" && reversed.has(key(record))).length,
    net,
    carriedIn,
    payable: sumFen([net, carriedIn]),
  };
}

/** Σ amounts of `kept` − Σ amounts of `refunds`, exact (BigInt), present only when a safe integer. */
function grossSalesOf(kept: readonly SettledRecord[], refunds: readonly SettledRecord[]): { grossSales?: number } {
  const total = sumFenExact(kept.map((record) => record.amount)) - sumFenExact(refunds.map((record) => record.amount));
  const grossSales = safeFen(total);
  return grossSales === undefined ? {} : { grossSales };
}

/**
 * What becomes of a finished statement: CARRIED when there is nothing to pay (payable ≤ 0),
 * HELD while the merchant is suspended (invariant 7), otherwise PENDING (its payout goes out).
 */
export function statementOutcome(payable: number, merchantStatus: "PENDING" | "APPROVED" | "SUSPENDED"): "CARRIED" | "HELD" | "PENDING" {
  if (payable <= 0) return "CARRIED";
  return merchantStatus === "SUSPENDED" ? "HELD" : "PENDING";
}

// ---------------------------------------------------------------------------------------------
// Conservation (invariant 6).

/**
 * How long a PENDING statement may wait for its payout before the ticker's sweep sends its payout
 * message again (a send lost after the statement became PENDING). Longer than the payout queue
 * keeps a message (5 receives × 90 s visibility, with back-off: under 8 minutes), so a message
 * still being tried is not doubled; a re-sent duplicate is harmless anyway (the payout worker pays
 * a statement once, with the statement id as the partner's idempotency key).
 */
export const PAYOUT_RESEND_AFTER_MS = 15 * 60_000;

/** When a statement PENDING since `at` is due for the sweep's re-send (UTC ISO). */
export function payoutResendAt(at: string): string {
  return new Date(Date.parse(at) + PAYOUT_RESEND_AFTER_MS).toISOString();
}

/** How long a statement may stay PENDING before operators are alarmed (docs/runbook.md, "Statements PENDING over an hour"). */
export const STALE_PENDING_MS = 60 * 60_000;

/**
 * Whether a payout the sweep re-sends belongs to a statement PENDING for {@link STALE_PENDING_MS}
 * or more. A statement is first re-sent PAYOUT_RESEND_AFTER_MS after it became PENDING and again
 * each PAYOUT_RESEND_AFTER_MS while it stays PENDING, so its n-th re-send comes at least
 * n × PAYOUT_RESEND_AFTER_MS after it became PENDING: every statement PENDING an hour or more is
 * counted at least once in every PAYOUT_RESEND_AFTER_MS. Re-sends count over the statement's
 * life: one retried after FAILED counts as stale sooner, which errs towards telling operators.
 */
export function isStalePending(resent: { resends: number }): boolean {
  return resent.resends * PAYOUT_RESEND_AFTER_MS >= STALE_PENDING_MS;
}

export interface ConservationInput {
  /** Signed discounts of every ledger record of the campaign. */
  records: readonly { discount: number; statementId?: string | undefined }[];
  /** Every finished statement (not BUILDING) of the campaign, with its net. */
  statements: readonly { statementId: string; net: number }[];
}

export interface Conservation {
  /** Σ discounts of redemptions. */
  redeemed: number;
  /** Σ reversed discounts (positive). */
  reversed: number;
  /** Σ net of every finished statement. */
  inStatements: number;
  /** Σ signed discounts of records no finished statement holds (a BUILDING one counts as none). */
  unsettled: number;
  /** redeemed − reversed − inStatements − unsettled: zero when money is conserved. */
  difference: number;
  /** Statements whose net is not the signed sum of the records that name them. */
  mismatched: { statementId: string; net: number; records: number }[];
}

/**
 * Checks DESIGN.md invariant 6 for one campaign, to the fen: Σ redemptions − Σ reversals =
 * Σ statement nets + Σ unsettled. Also recomputes each statement's net from the records that
 * name it, so a statement that disagrees with its own records is named even if totals balance.
 */
export function checkConservation(input: ConservationInput): Conservation {
  const finished = new Map(input.statements.map((statement) => [statement.statementId, statement.net]));
  const held = new Map<string, number[]>();
  const unsettled: number[] = [];
  for (const record of input.records) {
    if (record.statementId !== undefined && finished.has(record.statementId)) {
      const list = held.get(record.statementId) ?? [];
      list.push(record.discount);
      held.set(record.statementId, list);
    } else {
      unsettled.push(record.discount);
    }
  }
  const redeemed = sumFen(input.records.filter((record) => record.discount > 0).map((record) => record.discount));
  // 0 − Σ, not −Σ: with no reversals, −Σ is −0.
  const reversed = 0 - sumFen(input.records.filter((record) => record.discount < 0).map((record) => record.discount));
  const inStatements = sumFen(input.statements.map((statement) => statement.net));
  const unsettledSum = sumFen(unsettled);
  const mismatched = input.statements
    .map((statement) => ({ statementId: statement.statementId, net: statement.net, records: sumFen(held.get(statement.statementId) ?? []) }))
    .filter((statement) => statement.net !== statement.records);
  return {
    redeemed,
    reversed,
    inStatements,
    unsettled: unsettledSum,
    difference: redeemed - reversed - inStatements - unsettledSum,
    mismatched,
  };
}
