/**
 * Settlement runs (the settlements table, `settlementRunKey(campaign, period)`): the first run of a
 * period fixes its cut-off, and every later run of it reuses that cut-off.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { settlementRunKey } from "./keys.js";
import { conditional } from "./dynamo.js";

export const settlementRunSchema = z.object({
  campaignId: z.string(),
  period: z.string(),
  /** UTC ISO: fixed by the period's first run, reused by every later one. */
  cutoff: z.string(),
  /** UTC ISO: the moment of the first run; records recorded later belong to later periods. */
  arrivedBefore: z.string(),
  /** PLANNING until every pair's message is sent. */
  status: z.enum(["PLANNING", "PLANNED"]),
  firstRunAt: z.string(),
  lastRunAt: z.string(),
  runs: z.int().positive(),
  /** Pairs (campaign × merchant) sent to the settlement queue by the latest run. */
  pairs: z.int().nonnegative().optional(),
  /** `schedule` or the operator's sub, of the latest run. */
  lastRunBy: z.string(),
});
export type SettlementRun = z.infer<typeof settlementRunSchema>;

/** The period's run of a campaign, read strongly consistently, or undefined. */
export async function readRun(db: DynamoDBDocumentClient, table: string, campaignId: string, period: string): Promise<SettlementRun | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: settlementRunKey(campaignId, period), ConsistentRead: true }));
  return Item ? settlementRunSchema.parse(Item) : undefined;
}

/**
 * Starts a run of the period: the first creates the run item with its cut-off (PLANNING); a
 * later one counts itself on it and gets the stored cut-off back. Returns the run as stored.
 */
export async function startRun(
  db: DynamoDBDocumentClient,
  table: string,
  run: Pick<SettlementRun, "campaignId" | "period" | "cutoff" | "arrivedBefore"> & { at: string; by: string },
): Promise<{ first: boolean; run: SettlementRun }> {
  const fresh: SettlementRun = {
    campaignId: run.campaignId,
    period: run.period,
    cutoff: run.cutoff,
    arrivedBefore: run.arrivedBefore,
    status: "PLANNING",
    firstRunAt: run.at,
    lastRunAt: run.at,
    runs: 1,
    lastRunBy: run.by,
  };
  const created = await conditional(
    db.send(new PutCommand({ TableName: table, Item: { ...settlementRunKey(run.campaignId, run.period), ...fresh }, ConditionExpression: "attribute_not_exists(pk)" })),
  );
  if (created) return { first: true, run: fresh };
  const { Attributes } = await db.send(
    new UpdateCommand({
      TableName: table,
      Key: settlementRunKey(run.campaignId, run.period),
      UpdateExpression: "SET lastRunAt = :at, lastRunBy = :by, #status = :planning ADD runs :one",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": run.at, ":by": run.by, ":planning": "PLANNING", ":one": 1 },
      ReturnValues: "ALL_NEW",
    }),
  );
  return { first: false, run: settlementRunSchema.parse(Attributes) };
}

/** Marks the run planned, with the number of pairs its latest planning sent. */
export async function finishRun(db: DynamoDBDocumentClient, table: string, run: Pick<SettlementRun, "campaignId" | "period">, pairs: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: settlementRunKey(run.campaignId, run.period),
      UpdateExpression: "SET #status = :planned, pairs = :pairs",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":planned": "PLANNED", ":pairs": pairs },
    }),
  );
}
