/**
 * What the ticker does on each firing: records its heartbeat, then closes the drops whose close
 * time has passed. Later features add their due-work finders here (daily settlement at 02:00 in
 * each campaign's zone); each must be idempotent.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { closeDueDrops, type DropCloseRun } from "../store/drop-close.js";
import { recordTick } from "../store/heartbeat.js";

export interface TickOutcome {
  scheduledTime: string;
  /** False when this firing was a redelivery of one already handled. */
  firstDelivery: boolean;
  dropClose: DropCloseSummary;
}

/** What drop close did in this firing, for the ticker's log line. */
export interface DropCloseSummary {
  due: number;
  closed: number;
  /** Closes another run had already finished. */
  alreadyClosed: number;
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
  return {
    scheduledTime,
    firstDelivery,
    dropClose: {
      due: run.due,
      closed: run.results.filter((result) => result.status === "closed").length,
      alreadyClosed: run.results.filter((result) => result.status !== "closed").length,
      deferred: run.deferred,
      failed: run.failed,
    },
  };
}
