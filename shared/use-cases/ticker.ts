/**
 * What the ticker does on each firing: records its heartbeat, closes the drops whose close time
 * has passed, plans the draw of lottery drops whose `drawAt` has passed, plans each campaign's daily settlement once it is 02:00 in its zone, releases
 * HELD statements whose merchant is no longer suspended, and re-sends the payout of statements
 * PENDING too long and of programme payables APPROVED too long (a lost send). Each job is idempotent.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { closeDueDrops, type DropCloseRun } from "../store/drop-close.js";
import { recordTick } from "../store/heartbeat.js";
import { type SendDrawChunks, startDueDraws } from "./lottery.js";
import { type SendProgrammePayout, resendStalledProgrammePayouts } from "./programme-payouts.js";
import {
  type ResentPayout,
  type ScheduledSettlements,
  type SendPayout,
  type SendSettlements,
  releaseHeldStatements,
  resendStalledPayouts,
  runDueSettlements,
} from "./settlement.js";

export interface TickOutcome {
  scheduledTime: string;
  /** False when this firing was a redelivery of one already handled. */
  firstDelivery: boolean;
  dropClose: DropCloseSummary;
  /** Lottery draws planned in this firing, and those that failed (tried again by the next). */
  draws: { started: string[]; failed: { drop: string; error: string }[] };
  settlement: ScheduledSettlements & { released: string[]; releaseFailed?: string; resentPayouts: ResentPayout[]; resendFailed?: string };
  /** Programme payouts re-sent (payable ids) after their message was lost; present when the ticker was given the programmes table. */
  programmePayouts?: { resent: string[]; failed?: string };
}

/** What drop close did in this firing, for the ticker's log line. */
export interface DropCloseSummary {
  due: number;
  closed: number;
  /** Closes another run had already finished. */
  alreadyClosed: number;
  /** Lottery drops past their close whose draw has not published its result yet. */
  awaitingDraw: number;
  deferred: number;
  failed: DropCloseRun["failed"];
}

/**
 * Handles one firing of the ticker schedule. Drop close runs on every delivery, redeliveries
 * included: it is idempotent, and a redelivery may be the retry of a firing that failed after
 * its heartbeat.
 */
export async function runTicker(input: {
  db: DynamoDBDocumentClient;
  operationsTable: string;
  campaignsTable: string;
  inventoryTable: string;
  vouchersTable: string;
  settlement: { tables: { redemptions: string; settlements: string; merchants: string }; send: SendSettlements; sendPayout: SendPayout };
  /** Where lottery draws are planned; without it (tests of the other jobs), no draw starts. */
  draws?: { lotteryTable: string; send: SendDrawChunks };
  /** Where programme payouts are re-sent from; without it (tests of the other jobs), none is. */
  programmes?: { table: string; sendPayout: SendProgrammePayout };
  scheduledTime: string;
  now: () => Date;
}): Promise<TickOutcome> {
  // Normalised so that Scheduler's "…:00Z" and a local "…:00.000Z" compare as one instant.
  const scheduledTime = new Date(input.scheduledTime).toISOString();
  const firstDelivery = await recordTick(input.db, input.operationsTable, {
    scheduledTime,
    at: input.now().toISOString(),
  });
  const run = await closeDueDrops({
    db: input.db,
    tables: { campaigns: input.campaignsTable, inventory: input.inventoryTable, vouchers: input.vouchersTable },
    now: input.now(),
  });
  let draws: TickOutcome["draws"] = { started: [], failed: [] };
  if (input.draws) {
    try {
      draws = await startDueDraws({ db: input.db, tables: { campaigns: input.campaignsTable, lottery: input.draws.lotteryTable }, now: input.now, send: input.draws.send });
    } catch (error) {
      draws = { started: [], failed: [{ drop: "*", error: error instanceof Error ? error.message : String(error) }] };
    }
  }
  const deps = { db: input.db, tables: { ...input.settlement.tables, campaigns: input.campaignsTable }, now: input.now };
  const settlement = await runDueSettlements({ ...deps, send: input.settlement.send });
  let released: string[] = [];
  let releaseFailed: string | undefined;
  try {
    released = await releaseHeldStatements({ ...deps, sendPayout: input.settlement.sendPayout });
  } catch (error) {
    // Retried by the next tick; the other jobs' outcomes still get logged.
    releaseFailed = error instanceof Error ? error.message : String(error);
  }
  // After the release: a statement released now is not due yet; one whose send just failed is, in 15 minutes.
  let resentPayouts: ResentPayout[] = [];
  let resendFailed: string | undefined;
  try {
    resentPayouts = await resendStalledPayouts({ db: input.db, tables: { settlements: input.settlement.tables.settlements }, now: input.now, sendPayout: input.settlement.sendPayout });
  } catch (error) {
    resendFailed = error instanceof Error ? error.message : String(error);
  }
  let programmePayouts: TickOutcome["programmePayouts"];
  if (input.programmes) {
    try {
      programmePayouts = { resent: await resendStalledProgrammePayouts({ db: input.db, tables: { programmes: input.programmes.table }, now: input.now, sendPayout: input.programmes.sendPayout }) };
    } catch (error) {
      programmePayouts = { resent: [], failed: error instanceof Error ? error.message : String(error) };
    }
  }
  return {
    scheduledTime,
    firstDelivery,
    dropClose: {
      due: run.due,
      closed: run.results.filter((result) => result.status === "closed").length,
      alreadyClosed: run.results.filter((result) => result.status === "already-closed" || result.status === "missing").length,
      awaitingDraw: run.results.filter((result) => result.status === "awaiting-draw").length,
      deferred: run.deferred,
      failed: run.failed,
    },
    draws,
    settlement: {
      ...settlement,
      released,
      ...(releaseFailed === undefined ? {} : { releaseFailed }),
      resentPayouts,
      ...(resendFailed === undefined ? {} : { resendFailed }),
    },
    ...(programmePayouts === undefined ? {} : { programmePayouts }),
  };
}
