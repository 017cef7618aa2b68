/**
 * Lottery registrations and draws (the `lottery` table). A registration is one conditional put on
 * a key of person and drop, in one of REGISTRATION_SHARDS partitions; a registration counter per
 * partition counts them for the live figure. A draw is an item with its state, and one item per
 * chunk (registration partition) with that chunk's top-k per voucher type.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { REGISTRATION_SHARDS } from "../domain/lottery.js";
import { batchGetAll, conditional, putOnce, queryAll, queryPage } from "./dynamo.js";
import { indexName } from "../wiring/indexes.js";
import { dropRecordSchema } from "./campaigns.js";
import { DUE, dropKey } from "./keys.js";
import { forEachLimited } from "./inventory.js";

const entryPartition = (campaignId: string, dropId: string, shard: number) => `ENTRY#${campaignId}#${dropId}#${shard}`;
const countKey = (campaignId: string, dropId: string, shard: number) => ({ pk: `COUNT#${campaignId}#${dropId}#${shard}`, sk: "#" });
const drawPartition = (campaignId: string, dropId: string) => `DRAW#${campaignId}#${dropId}`;
const drawKey = (campaignId: string, dropId: string) => ({ pk: drawPartition(campaignId, dropId), sk: "#DRAW" });
const CHUNK_PREFIX = "CHUNK#";

/** A registration as stored. */
export const registrationItemSchema = z.object({
  campaignId: z.string(),
  dropId: z.string(),
  registrationId: z.string(),
  voucherTypeId: z.string(),
  /** The account that registered (its `sub`): the winner's voucher goes to its wallet. */
  resident: z.string(),
  /** Who counts as one person: one registration per person key and drop. */
  personKey: z.string(),
  shard: z.int().nonnegative(),
  registeredAt: z.string(),
  /** Set by the draw on a winning registration. */
  won: z.boolean().optional(),
  /** The voucher the draw issued to a winner (absent when the winner had reached the per-person limit). */
  voucherId: z.string().optional(),
});
export type RegistrationItem = z.infer<typeof registrationItemSchema>;

/**
 * Puts the registration unless the person already has one for the drop. Answers the registration
 * as stored: this one when created, else the first.
 */
export async function putRegistration(db: DynamoDBDocumentClient, table: string, registration: RegistrationItem): Promise<{ created: boolean; registration: RegistrationItem }> {
  const key = { pk: entryPartition(registration.campaignId, registration.dropId, registration.shard), sk: registration.personKey };
  const outcome = await putOnce(db, { TableName: table, Item: { ...key, ...registration }, partitionKey: "pk" }, () => getItem(db, table, key));
  return outcome.created ? { created: true, registration } : { created: false, registration: registrationItemSchema.parse(outcome.existing) };
}

/** The person's registration for the drop, if any. Strongly consistent. */
export async function readRegistration(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  person: { personKey: string; shard: number },
): Promise<RegistrationItem | undefined> {
  const item = await getItem(db, table, { pk: entryPartition(drop.campaignId, drop.dropId, person.shard), sk: person.personKey });
  return item === undefined ? undefined : registrationItemSchema.parse(item);
}

/** Counts one registration on its partition's counter (a plain update on a counter of its own, never a transaction). */
export async function countRegistration(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }, shard: number): Promise<void> {
  await db.send(
    new UpdateCommand({ TableName: table, Key: countKey(drop.campaignId, drop.dropId, shard), UpdateExpression: "ADD registered :one", ExpressionAttributeValues: { ":one": 1 } }),
  );
}

/** The live registration count of a drop: the sum of its partition counters. */
export async function readRegistrationCount(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }): Promise<number> {
  const keys = Array.from({ length: REGISTRATION_SHARDS }, (_, shard) => countKey(drop.campaignId, drop.dropId, shard));
  const items = await batchGetAll(db, table, keys);
  return items.reduce((sum, item) => sum + z.object({ registered: z.int().nonnegative() }).parse(item).registered, 0);
}

/** Every registration of one partition of a drop (one draw chunk). Strongly consistent. */
export async function readRegistrationChunk(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }, shard: number): Promise<RegistrationItem[]> {
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": entryPartition(drop.campaignId, drop.dropId, shard) },
    ConsistentRead: true,
  });
  return items.map((item) => registrationItemSchema.parse(item));
}

/** One page of a drop's registrations, partition after partition, in a stable order (for the published result). */
export async function readRegistrationPage(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  from: { shard: number; after?: Record<string, unknown> },
  limit: number,
): Promise<{ items: RegistrationItem[]; next?: { shard: number; after?: Record<string, unknown> } }> {
  const items: RegistrationItem[] = [];
  let shard = from.shard;
  let after = from.after;
  while (shard < REGISTRATION_SHARDS && items.length < limit) {
    const page = await queryPage(db, {
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": entryPartition(drop.campaignId, drop.dropId, shard) },
      Limit: limit - items.length,
      ...(after === undefined ? {} : { ExclusiveStartKey: after }),
    });
    items.push(...page.items.map((item) => registrationItemSchema.parse(item)));
    if (page.lastKey === undefined) {
      shard += 1;
      after = undefined;
    } else {
      after = page.lastKey;
    }
  }
  return shard >= REGISTRATION_SHARDS ? { items } : { items, next: { shard, ...(after === undefined ? {} : { after }) } };
}

/** A resident's registrations (by account), newest first. */
export async function listResidentRegistrations(db: DynamoDBDocumentClient, table: string, resident: string): Promise<RegistrationItem[]> {
  const items = await queryAll(db, {
    TableName: table,
    IndexName: indexName("lottery", "byResident"),
    KeyConditionExpression: "resident = :resident",
    ExpressionAttributeValues: { ":resident": resident },
    ScanIndexForward: false,
  });
  return items.map((item) => registrationItemSchema.parse(item));
}

/** Marks a winning registration, with the voucher it got (none when its person had reached the limit). */
export async function markWinner(db: DynamoDBDocumentClient, table: string, registration: RegistrationItem, voucherId: string | undefined): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: entryPartition(registration.campaignId, registration.dropId, registration.shard), sk: registration.personKey },
      UpdateExpression: voucherId === undefined ? "SET won = :won" : "SET won = :won, voucherId = :voucherId",
      ExpressionAttributeValues: { ":won": true, ...(voucherId === undefined ? {} : { ":voucherId": voucherId }) },
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Draws

/**
 * Lottery drops not closed whose draw was never planned (`campaigns` table, the sparse `dueDrops`
 * index) and whose `drawAt` has passed: what the ticker draws. `drawAt` keeps its offset as sent,
 * so it is compared as an instant here, not as text in the query.
 */
export async function queryDueDraws(db: DynamoDBDocumentClient, campaignsTable: string, now: Date): Promise<{ campaignId: string; dropId: string }[]> {
  const items = await queryAll(db, {
    TableName: campaignsTable,
    IndexName: indexName("campaigns", "dueDrops"),
    KeyConditionExpression: "#due = :due",
    FilterExpression: "allocation = :lottery AND attribute_not_exists(drawStartedAt)",
    ExpressionAttributeNames: { "#due": "due" },
    ExpressionAttributeValues: { ":due": DUE, ":lottery": "lottery" },
  });
  return items
    .map((item) => dropRecordSchema.parse(item))
    .filter((drop) => drop.drawAt !== undefined && Date.parse(drop.drawAt) <= now.getTime())
    .map((drop) => ({ campaignId: drop.campaignId, dropId: drop.id }));
}

/** Notes on the drop that its draw published its result (so drop close may count it), once. */
export async function markDropDrawn(db: DynamoDBDocumentClient, campaignsTable: string, drop: { campaignId: string; dropId: string }, at: string): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: campaignsTable,
        Key: dropKey(drop.campaignId, drop.dropId),
        UpdateExpression: "SET drawnAt = if_not_exists(drawnAt, :at)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":at": at },
      }),
    ),
  );
}

/** Notes on the drop that its draw was planned, once (the first time stays). */
export async function markDrawStarted(db: DynamoDBDocumentClient, campaignsTable: string, drop: { campaignId: string; dropId: string }, at: string): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: campaignsTable,
        Key: dropKey(drop.campaignId, drop.dropId),
        UpdateExpression: "SET drawStartedAt = if_not_exists(drawStartedAt, :at)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":at": at },
      }),
    ),
  );
}

/** A draw as stored: its frozen stock and chunk count, and once drawn its published figures. */
export const drawItemSchema = z.object({
  campaignId: z.string(),
  dropId: z.string(),
  /** Stock per voucher type at the draw: k of each type's top-k. */
  stock: z.record(z.string(), z.int().nonnegative()),
  chunks: z.int().positive(),
  startedAt: z.string(),
  drawnAt: z.string().optional(),
  /** Published with the result, once drawn. */
  seed: z.string().optional(),
  commitment: z.string(),
  registrations: z.int().nonnegative().optional(),
  winners: z.record(z.string(), z.int().nonnegative()).optional(),
  issued: z.record(z.string(), z.int().nonnegative()).optional(),
  /** Set by a merge whose winners are issued in batches: how many, and the figures it publishes at the end. */
  issuing: z.object({ batches: z.int().positive(), registrations: z.int().nonnegative(), winners: z.record(z.string(), z.int().nonnegative()) }).optional(),
});
export type DrawItem = z.infer<typeof drawItemSchema>;

/** Starts a draw unless it was started: answers the draw as stored (this one, or the first). */
export async function startDrawItem(db: DynamoDBDocumentClient, table: string, draw: DrawItem): Promise<DrawItem> {
  const key = drawKey(draw.campaignId, draw.dropId);
  const outcome = await putOnce(db, { TableName: table, Item: { ...key, ...draw }, partitionKey: "pk" }, () => getItem(db, table, key));
  return outcome.created ? draw : drawItemSchema.parse(outcome.existing);
}

/** The drop's draw, if started. Strongly consistent. */
export async function readDraw(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }): Promise<DrawItem | undefined> {
  const item = await getItem(db, table, drawKey(drop.campaignId, drop.dropId));
  return item === undefined ? undefined : drawItemSchema.parse(item);
}

/** The draws of several drops at once (GET /me/registrations); eventually consistent. */
export async function readDraws(db: DynamoDBDocumentClient, table: string, drops: readonly { campaignId: string; dropId: string }[]): Promise<DrawItem[]> {
  const items = await batchGetAll(db, table, drops.map((drop) => drawKey(drop.campaignId, drop.dropId)));
  return items.map((item) => drawItemSchema.parse(item));
}

/** The stored shape of a chunk's top-k entry: what the merge needs to issue and mark a winner. */
export const rankedRegistrationSchema = registrationItemSchema.extend({ rank: z.string() });
export type RankedRegistration = z.infer<typeof rankedRegistrationSchema>;

/**
 * Entries of a chunk's top-k per part item: a few hundred bytes each, so a part stays well under
 * DynamoDB's 400 KB item limit whatever the stock (a top-k of 5,000 is five parts).
 */
export const CHUNK_PART_ENTRIES = 1_000;
const PART_PREFIX = "PART#";

const chunkItemSchema = z.object({ registrations: z.int().nonnegative(), parts: z.int().nonnegative() });
const partItemSchema = z.object({ chunk: z.int().nonnegative(), entries: z.string() });

/**
 * Records a chunk's top-k, in parts of CHUNK_PART_ENTRIES entries, and then its header (the
 * registration count and the number of parts): a chunk counts as reported only once its header
 * is there, every part written before it. The result is a function of the chunk's registrations
 * and the seed, in rank order, so a redelivered chunk writes the same items again.
 */
export async function putChunkResult(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  chunk: number,
  result: { registrations: number; top: Record<string, RankedRegistration[]> },
): Promise<void> {
  const pk = drawPartition(drop.campaignId, drop.dropId);
  const entries = Object.values(result.top).flat();
  const parts = Math.ceil(entries.length / CHUNK_PART_ENTRIES);
  // As JSON text: a part is read whole, never queried by attribute.
  await forEachLimited(
    Array.from({ length: parts }, (_, part) => part),
    8,
    async (part) => {
      const slice = entries.slice(part * CHUNK_PART_ENTRIES, (part + 1) * CHUNK_PART_ENTRIES);
      await db.send(new PutCommand({ TableName: table, Item: { pk, sk: `${PART_PREFIX}${chunk}#${part}`, chunk, entries: JSON.stringify(slice) } }));
    },
  );
  await db.send(new PutCommand({ TableName: table, Item: { pk, sk: `${CHUNK_PREFIX}${chunk}`, registrations: result.registrations, parts } }));
}

/** The chunk results reported so far (those whose header is written), each with its top-k by voucher type. Strongly consistent. */
export async function readChunkResults(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
): Promise<{ registrations: number; top: Record<string, RankedRegistration[]> }[]> {
  const pk = drawPartition(drop.campaignId, drop.dropId);
  const query = (prefix: string) =>
    queryAll(db, {
      TableName: table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": pk, ":prefix": prefix },
      ConsistentRead: true,
    });
  // Headers first: a part read after its header is certainly complete.
  const headers = await query(CHUNK_PREFIX);
  const parts = await query(PART_PREFIX);
  const entriesByChunk = new Map<number, RankedRegistration[]>();
  for (const item of parts) {
    const part = partItemSchema.parse(item);
    const entries = z.array(rankedRegistrationSchema).parse(JSON.parse(part.entries));
    entriesByChunk.set(part.chunk, [...(entriesByChunk.get(part.chunk) ?? []), ...entries]);
  }
  return headers.map((item) => {
    const header = chunkItemSchema.parse(item);
    const chunk = Number(String(item.sk).slice(CHUNK_PREFIX.length));
    const top: Record<string, RankedRegistration[]> = {};
    for (const entry of entriesByChunk.get(chunk) ?? []) (top[entry.voucherTypeId] ??= []).push(entry);
    return { registrations: header.registrations, top };
  });
}

/**
 * Winners per issue batch of a large draw (one stored item and one message each): a few hundred
 * bytes per winner keeps the item well under 400 KB, and one batch is seconds of work.
 */
export const ISSUE_BATCH_WINNERS = 500;
const WINNERS_PREFIX = "WINNERS#";
const ISSUED_PREFIX = "ISSUED#";
const winnersItemSchema = z.object({ entries: z.string() });
const issuedItemSchema = z.object({ issued: z.record(z.string(), z.int().nonnegative()) });

/**
 * Records a large draw's winners in batches and then, once, that it is issuing them (the batch
 * count and the figures to publish). The batches are a function of the chunk results, so a merge
 * run again writes the same items; the first `issuing` stays.
 */
export async function putWinnerBatches(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  batches: readonly (readonly RankedRegistration[])[],
  figures: { registrations: number; winners: Record<string, number> },
): Promise<void> {
  const pk = drawPartition(drop.campaignId, drop.dropId);
  await forEachLimited(
    batches.map((entries, batch) => ({ entries, batch })),
    8,
    async ({ entries, batch }) => {
      await db.send(new PutCommand({ TableName: table, Item: { pk, sk: `${WINNERS_PREFIX}${batch}`, entries: JSON.stringify(entries) } }));
    },
  );
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: drawKey(drop.campaignId, drop.dropId),
      UpdateExpression: "SET issuing = if_not_exists(issuing, :issuing)",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":issuing": { batches: batches.length, ...figures } },
    }),
  );
}

/** One batch of a large draw's winners, as the merge stored it. Strongly consistent. */
export async function readWinnerBatch(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }, batch: number): Promise<RankedRegistration[] | undefined> {
  const item = await getItem(db, table, { pk: drawPartition(drop.campaignId, drop.dropId), sk: `${WINNERS_PREFIX}${batch}` });
  if (item === undefined) return undefined;
  return z.array(rankedRegistrationSchema).parse(JSON.parse(winnersItemSchema.parse(item).entries));
}

/** Notes that a batch of winners is issued, with the vouchers it issued per voucher type (the same again on a redelivery). */
export async function putIssuedBatch(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }, batch: number, issued: Record<string, number>): Promise<void> {
  await db.send(new PutCommand({ TableName: table, Item: { pk: drawPartition(drop.campaignId, drop.dropId), sk: `${ISSUED_PREFIX}${batch}`, issued } }));
}

/** The batches noted as issued so far, each with its vouchers per type. Strongly consistent. */
export async function readIssuedBatches(db: DynamoDBDocumentClient, table: string, drop: { campaignId: string; dropId: string }): Promise<Record<string, number>[]> {
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": drawPartition(drop.campaignId, drop.dropId), ":prefix": ISSUED_PREFIX },
    ConsistentRead: true,
  });
  return items.map((item) => issuedItemSchema.parse(item).issued);
}

/** Publishes the draw's result, once: later calls find `drawnAt` set and change nothing. */
export async function finishDraw(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  result: { drawnAt: string; seed: string; registrations: number; winners: Record<string, number>; issued: Record<string, number> },
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: drawKey(drop.campaignId, drop.dropId),
        UpdateExpression: "SET drawnAt = :drawnAt, seed = :seed, registrations = :registrations, winners = :winners, issued = :issued",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(drawnAt)",
        ExpressionAttributeValues: {
          ":drawnAt": result.drawnAt,
          ":seed": result.seed,
          ":registrations": result.registrations,
          ":winners": result.winners,
          ":issued": result.issued,
        },
      }),
    ),
  );
}

async function getItem(db: DynamoDBDocumentClient, table: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return Item;
}

