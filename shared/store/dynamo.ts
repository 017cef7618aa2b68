/**
 * The DynamoDB plumbing every store module builds on, written once: a conditional write, a put that
 * creates an item once and otherwise hands back the one there (`ALL_OLD`, no second read), every
 * page of a query, every key of a batch get (unprocessed keys asked again with back-off), and the
 * reasons a transaction was cancelled. Store modules speak in domain concepts on top of these.
 *
 * Written against `db.send` only (not lib-dynamodb's paginators, which refuse anything but a real
 * client instance): the fault-injection tests hand the store a wrapped `send`.
 */
import {
  ConditionalCheckFailedException,
  QueryCommand as RawQueryCommand,
  type AttributeValue,
  type QueryCommandOutput as RawQueryCommandOutput,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { backoffDelay, sleep } from "../domain/backoff.js";

/** A stored item as the document client returns it. */
export type Item = Record<string, unknown>;

/**
 * Runs a write whose condition may fail. True when it was applied, false when its condition
 * failed; any other error is rethrown.
 */
export async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** What {@link putOnce} did: created the item, or found one already there (as it stands). */
export type PutOnceOutcome = { created: true } | { created: false; existing: Item };

/**
 * Puts `input.Item` unless an item with its key exists (`attribute_not_exists(<partitionKey>)`,
 * plus any condition of `input`). When it exists, the item already there comes back through
 * `ReturnValuesOnConditionCheckFailure: "ALL_OLD"`, so create-or-return-existing costs one write.
 * If the service leaves the old item out (it may under an extra condition), `reread` supplies it.
 */
export async function putOnce(
  db: DynamoDBDocumentClient,
  input: Omit<PutCommandInput, "ReturnValuesOnConditionCheckFailure"> & { partitionKey: string },
  reread: () => Promise<Item | undefined> = () => Promise.resolve(undefined),
): Promise<PutOnceOutcome> {
  const { partitionKey, ...put } = input;
  const keyCondition = `attribute_not_exists(#putOncePk)`;
  try {
    await db.send(
      new PutCommand({
        ...put,
        ConditionExpression: put.ConditionExpression ? `${keyCondition} AND (${put.ConditionExpression})` : keyCondition,
        ExpressionAttributeNames: { ...put.ExpressionAttributeNames, "#putOncePk": partitionKey },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { created: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = error.Item ? unmarshall(error.Item) : await reread();
    if (!existing) throw new Error(`${put.TableName}: the put failed its condition but no item is there`, { cause: error });
    return { created: false, existing };
  }
}

/** One item of a transaction, as lib-dynamodb takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * {@link putOnce} in a transaction: puts `first.Item` unless an item with its key exists
 * (`attribute_not_exists(pk)`: every table's partition key is `pk`, shared/wiring/tables.ts),
 * together with `alongside` (its audit item, the record a slot guards), all or nothing. When the
 * key is taken nothing is written, and the item there comes back (`ALL_OLD`, else `reread`). A
 * transaction cancelled for any other reason is rethrown.
 */
export async function transactPutOnce(
  db: DynamoDBDocumentClient,
  first: { TableName: string; Item: Item },
  alongside: TransactItem[],
  reread: () => Promise<Item | undefined> = () => Promise.resolve(undefined),
): Promise<PutOnceOutcome> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { ...first, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } }, ...alongside],
      }),
    );
    return { created: true };
  } catch (error) {
    if (cancellationReasons(error)[0] !== "ConditionalCheckFailed") throw error;
    const existing = cancellationItem(error, 0) ?? (await reread());
    if (!existing) throw new Error(`${first.TableName}: the put failed its condition but no item is there`, { cause: error });
    return { created: false, existing };
  }
}

/** The item a failed condition found (`ALL_OLD`), unmarshalled; undefined when there was none. */
export function itemOfConditionFailure(error: ConditionalCheckFailedException): Item | undefined {
  return error.Item ? unmarshall(error.Item) : undefined;
}

/**
 * Every page of a query, one after the other (DynamoDB answers at most 1 MB a page), for callers
 * that handle each page as it comes. `input.ExclusiveStartKey` may resume a listing.
 */
export async function* queryPages(db: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<Item[]> {
  let start = input.ExclusiveStartKey;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Every item a query matches, page after page. */
export async function queryAll(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, "ExclusiveStartKey">): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of queryPages(db, input)) items.push(...page);
  return items;
}

/**
 * Every item a query matches, its numbers as exact `NumberValue`s rather than JavaScript numbers:
 * for counters that may pass 2^53, which the document client would round. `input` is written as
 * for the document client; its values are marshalled here.
 */
export async function queryAllExact(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, "ExclusiveStartKey">): Promise<Item[]> {
  const items: Item[] = [];
  const values = input.ExpressionAttributeValues ? marshall(input.ExpressionAttributeValues) : undefined;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const query = new RawQueryCommand({ ...input, ExpressionAttributeValues: values, ExclusiveStartKey: start });
    // The document client passes low-level commands through untranslated.
    const page = (await db.send(query as unknown as QueryCommand)) as unknown as Pick<RawQueryCommandOutput, "Items" | "LastEvaluatedKey">;
    for (const raw of page.Items ?? []) items.push(unmarshall(raw, { wrapNumbers: true }));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** How many items a query matches, page after page (`Select: "COUNT"`: no item is read out). */
export async function queryCount(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, "ExclusiveStartKey" | "Select">): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, Select: "COUNT", ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** One page of a listing and the key to resume it from (absent on the last page). */
export interface QueryPage {
  items: Item[];
  lastKey?: Item;
}

/** One page of a query, for listings that hand a resume token to their caller. */
export async function queryPage(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<QueryPage> {
  const page = await db.send(new QueryCommand(input));
  return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}) };
}

export interface BatchGetOptions {
  /** Strongly consistent reads (money and stock never read stale). */
  consistentRead?: boolean;
  projection?: string;
  /** Rounds of asking again for unprocessed keys before giving up. */
  rounds?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_KEYS = 100;

/**
 * Every item of `keys` in `table` that exists, in no particular order: 100 keys a request, and the
 * keys DynamoDB leaves unprocessed under load asked again with full-jitter exponential back-off.
 * Throws when keys are still unprocessed after `rounds` (default 6) rounds.
 */
export async function batchGetAll(db: DynamoDBDocumentClient, table: string, keys: readonly Item[], options: BatchGetOptions = {}): Promise<Item[]> {
  const rounds = options.rounds ?? 6;
  const wait = options.sleep ?? sleep;
  const items: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Item[] = keys.slice(start, start + BATCH_GET_KEYS);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === rounds) throw new Error(`${table}: BatchGetItem left ${pending.length} keys unprocessed after ${rounds} rounds`);
      if (round > 0) await wait(backoffDelay(round + 1, { baseMs: 25, maxMs: 1000, ...(options.random ? { random: options.random } : {}) }));
      const page = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ...(options.consistentRead ? { ConsistentRead: true } : {}),
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
            },
          },
        }),
      );
      items.push(...(page.Responses?.[table] ?? []));
      pending = page.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
}

/**
 * The code of each item of a cancelled transaction, in the order of its items (`None` for an item
 * that was fine). Empty when `error` is not a cancelled transaction.
 */
export function cancellationReasons(error: unknown): string[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
}

/** The item a cancelled transaction's `index`-th item found when its condition failed (`ALL_OLD`). */
export function cancellationItem(error: unknown, index: number): Item | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const found = error.CancellationReasons?.[index]?.Item;
  return found ? unmarshall(found) : undefined;
}
