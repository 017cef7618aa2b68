/**
 * The secret seeds of lottery drops, in a table of their own (`drawSeeds`): granted only to the
 * functions that publish and draw, encrypted with a customer-managed key on AWS.
 */
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { putOnce } from "./dynamo.js";

const seedKey = (campaignId: string, dropId: string) => ({ pk: `SEED#${campaignId}#${dropId}` });

const seedItemSchema = z.object({ seed: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() });

/**
 * The drop's seed: `fresh` when the drop had none (put only if absent), else the one stored
 * first, so a publish that crashed after writing its seed and is run again keeps that seed and
 * the commitment derived from it; a drop never gets two seeds.
 */
export async function ensureDrawSeed(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  fresh: string,
  at: string,
): Promise<string> {
  const key = seedKey(drop.campaignId, drop.dropId);
  const outcome = await putOnce(db, { TableName: table, Item: { ...key, seed: fresh, createdAt: at }, partitionKey: "pk" }, () => getSeedItem(db, table, key));
  return outcome.created ? fresh : seedItemSchema.parse(outcome.existing).seed;
}

/** The drop's seed, or undefined when it has none (never published as a lottery). Strongly consistent. */
export async function readDrawSeed(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }): Promise<string | undefined> {
  const item = await getSeedItem(db, table, seedKey(drop.campaignId, drop.dropId));
  return item === undefined ? undefined : seedItemSchema.parse(item).seed;
}

async function getSeedItem(db: DynamoDBDocumentClient, table: string, key: { pk: string }): Promise<Record<string, unknown> | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return Item;
}
