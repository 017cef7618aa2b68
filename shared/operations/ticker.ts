/**
 * What the ticker does on each firing. Later features add their due-work finders here (drop
 * close, daily settlement at 02:00 in each campaign's zone); each must be idempotent.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { recordTick } from "../store/heartbeat.js";

export interface TickOutcome {
  scheduledTime: string;
  /** False when this firing was a redelivery of one already handled. */
  firstDelivery: boolean;
}

/** Handles one firing of the ticker schedule. */
export async function runTicker(input: {
  db: DynamoDBDocumentClient;
  operationsTable: string;
  scheduledTime: string;
  now: () => Date;
}): Promise<TickOutcome> {
  // Normalised so that Scheduler's "…:00Z" and a local "…:00.000Z" compare as one instant.
  const scheduledTime = new Date(input.scheduledTime).toISOString();
  const firstDelivery = await recordTick(input.db, input.operationsTable, {
    scheduledTime,
    at: input.now().toISOString(),
  });
  return { scheduledTime, firstDelivery };
}
