/**
 * Drop close, run by the ticker: finds drops whose close time has passed, counts the vouchers
 * they issued, and rolls the unclaimed stock into the next drop or releases its subsidy
 * (shared/domain/drop-close.ts decides which).
 *
 * A close happens exactly once even when two tickers run it at the same time or one crashes at
 * any point, because it is three steps, each idempotent, and the decision is stored before any
 * unit moves:
 *
 * 1. **Claim.** The decision is written to the source drop as `closing`, on condition that the
 *    drop has neither `closedAt` nor `closing`. Whoever finds `closing` already there resumes
 *    with the stored decision and never recomputes it: the stored decision is the single truth.
 * 2. **Roll in.** For each target drop: its item gets the units (`stock`) and a marker
 *    `rolledIn.<source>` in one conditional update, then each of its shards gets its part of the
 *    units with a per-shard marker. A marker already present means that write was done.
 * 3. **Finish.** One transaction adds the released subsidy to the campaign and sets `closedAt`
 *    and `closeOutcome` on the source drop (removing it from the `dueDrops` index), on condition
 *    that `closedAt` is not set yet: the subsidy is released once.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod-mini.js";
import { decideDropClose, rollInsByTarget, totalReleased, type DropCloseDecision } from "../domain/drop-close.js";
import { splitStock } from "../domain/inventory.js";
import { indexName } from "../wiring/indexes.js";
import { campaignIdOf, dropCloseOutcomeSchema, dropRecordSchema, loadCampaign } from "./campaigns.js";
import { cancellationItem, cancellationReasons, itemOfConditionFailure, queryPages } from "./dynamo.js";
import { SHARD_WRITE_CONCURRENCY, addRolledInUnits, forEachLimited, forgetEmptiedShards } from "./inventory.js";
import { DROP_SORT_PREFIX, DUE, campaignKey, dropKey } from "./keys.js";
import { countIssued } from "./vouchers.js";
import { DropCloseInvariantError, RollInRefusedError } from "../errors.js";

/**
 * How long after a drop's `closesAt` the ticker waits before closing it. A claim that passed the
 * open check just before the close may still be writing its voucher: it must be written before
 * the count, or its unit would be counted as unclaimed and handed out twice. A claim runs for at
 * most 10 s (its function's timeout), so 60 s leaves a wide margin.
 */
export const DEFAULT_CLOSE_GRACE_SECONDS = 60;

/**
 * `closesAt` is the operator's instant as given, possibly with an offset (`+08:00`), so the
 * index's string order is not time order. The query reaches this far beyond the cutoff (the
 * largest UTC offset, +14:00, plus a margin) and the exact comparison is made on parsed instants.
 */
const OFFSET_MARGIN_MS = 15 * 60 * 60 * 1000;

/** Drops not closed yet, by close time (sparse: closing removes `due`). */
const DUE_DROPS_INDEX = indexName("campaigns", "dueDrops");

/** Most drops one run closes; the rest wait for the next tick, in close-time order. */
export const DEFAULT_MAX_DROPS_PER_RUN = 50;

export interface DueDrop {
  campaignId: string;
  dropId: string;
  closesAt: string;
}

export interface DropCloseTables {
  campaigns: string;
  inventory: string;
  vouchers: string;
}

/**
 * Where a close may be interrupted; tests throw from the hook to simulate a crash there. "claimed"
 * comes after step 1, "target-drop" after a target drop item took the units, "shard" just before
 * one shard write, "rolled-in" after the whole of step 2.
 */
export type DropCloseCheckpoint =
  | { step: "claimed"; campaignId: string; dropId: string }
  | { step: "target-drop"; campaignId: string; dropId: string; target: string }
  | { step: "shard"; campaignId: string; dropId: string; target: string; voucherTypeId: string; shard: number }
  | { step: "rolled-in"; campaignId: string; dropId: string };

export type DropCloseFaultHook = (checkpoint: DropCloseCheckpoint) => void | Promise<void>;

export type DropCloseResult =
  | { campaignId: string; dropId: string; status: "closed"; resumed: boolean; outcome: Record<string, DropCloseDecision> }
  /** Someone else finished it first (or it was closed before this run looked). */
  | { campaignId: string; dropId: string; status: "already-closed" }
  /** The drop or its campaign no longer exists; nothing to do. */
  | { campaignId: string; dropId: string; status: "missing" }
  /**
   * A lottery drop whose draw has not published its result: the draw may still issue vouchers,
   * which a count taken now would miss (and release their units a second time). Tried again by
   * the next run; the campaign's later drops wait too, as after a failure.
   */
  | { campaignId: string; dropId: string; status: "awaiting-draw" };

/** What the source drop item holds besides its definition while and after it closes. */
const closingDropSchema = z.extend(dropRecordSchema, {
  closing: z.optional(z.record(z.string(), dropCloseOutcomeSchema)),
});

/** What the roll-in reads back from a target drop. */
const targetDropSchema = z.object({
  shardCounts: z._default(z.record(z.string(), z.int().check(z.positive())), {}),
  rolledIn: z._default(z.record(z.string(), z.record(z.string(), z.int().check(z.nonnegative()))), {}),
});

/**
 * Drops not yet closed whose `closesAt` is at least `graceSeconds` before `now`, oldest first.
 * Reads the sparse `dueDrops` index (only drops with `due = DUE` are in it; closing removes
 * `due`), so the query never scans closed drops. The index is eventually consistent: a drop
 * closed a moment ago may still be listed, which the close itself detects.
 */
export async function findDueDrops(
  db: DynamoDBDocumentClient,
  table: string,
  now: Date,
  graceSeconds: number = DEFAULT_CLOSE_GRACE_SECONDS,
): Promise<DueDrop[]> {
  const cutoff = now.getTime() - graceSeconds * 1000;
  const found: DueDrop[] = [];
  const pages = queryPages(db, {
    TableName: table,
    IndexName: DUE_DROPS_INDEX,
    KeyConditionExpression: "#due = :due AND closesAt <= :reach",
    ExpressionAttributeNames: { "#due": "due" },
    ExpressionAttributeValues: { ":due": DUE, ":reach": new Date(cutoff + OFFSET_MARGIN_MS).toISOString() },
  });
  for await (const page of pages) {
    for (const raw of page) {
      const item = dueItemSchema.parse(raw);
      if (Date.parse(item.closesAt) <= cutoff) {
        found.push({ campaignId: campaignIdOf(item.pk), dropId: item.sk.slice(DROP_SORT_PREFIX.length), closesAt: item.closesAt });
      }
    }
  }
  return found.sort(
    (a, b) =>
      Date.parse(a.closesAt) - Date.parse(b.closesAt) || compare(a.campaignId, b.campaignId) || compare(a.dropId, b.dropId),
  );
}

const dueItemSchema = z.object({
  pk: z.string(),
  sk: z.string().check(z.startsWith(DROP_SORT_PREFIX)),
  closesAt: z.iso.datetime({ offset: true }),
});

/**
 * Closes one drop, or finishes a close that an earlier run started. Safe to run any number of
 * times, concurrently, and after a crash at any point.
 */
export async function closeDrop(input: {
  db: DynamoDBDocumentClient;
  tables: DropCloseTables;
  campaignId: string;
  dropId: string;
  now: Date;
  fault?: DropCloseFaultHook | undefined;
}): Promise<DropCloseResult> {
  const { db, tables, campaignId, dropId, now } = input;
  const fault = input.fault ?? (() => undefined);
  const ids = { campaignId, dropId };

  const { Item } = await db.send(new GetCommand({ TableName: tables.campaigns, Key: dropKey(campaignId, dropId), ConsistentRead: true }));
  if (!Item) return { ...ids, status: "missing" };
  const source = closingDropSchema.parse(Item);
  if (source.closedAt !== undefined) return { ...ids, status: "already-closed" };
  if (source.allocation === "lottery" && source.drawnAt === undefined && source.closing === undefined) return { ...ids, status: "awaiting-draw" };

  let outcome = source.closing;
  const resumed = outcome !== undefined;
  if (outcome === undefined) {
    const loaded = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
    if (!loaded) return { ...ids, status: "missing" };
    const issued: Record<string, number> = {};
    for (const type of Object.keys(source.stock)) {
      const shardCount = source.shardCounts[type];
      issued[type] = shardCount === undefined ? 0 : await countIssued(db, tables.vouchers, campaignId, dropId, type, shardCount);
    }
    const decided = decideDropClose({
      campaign: loaded.campaign,
      drop: source,
      otherDrops: loaded.drops.filter((drop) => drop.id !== dropId),
      issued,
    });
    const claimed = await claimClose(db, tables.campaigns, ids, decided);
    if (claimed.status === "already-closed") return { ...ids, status: "already-closed" };
    outcome = claimed.outcome;
    await fault({ step: "claimed", ...ids });
  }

  for (const [target, units] of rollInsByTarget(outcome)) {
    await rollIn(db, tables, { campaignId, source: dropId, target, units }, fault);
  }
  await fault({ step: "rolled-in", ...ids });

  const finished = await finishClose(db, tables.campaigns, ids, outcome, now);
  return finished ? { ...ids, status: "closed", resumed, outcome } : { ...ids, status: "already-closed" };
}

/**
 * Step 1: stores the decision as `closing`. Returns the decision to carry out: this one, or the
 * one another run stored first.
 */
async function claimClose(
  db: DynamoDBDocumentClient,
  table: string,
  ids: { campaignId: string; dropId: string },
  decided: Record<string, DropCloseDecision>,
): Promise<{ status: "claimed"; outcome: Record<string, DropCloseDecision> } | { status: "already-closed" }> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: dropKey(ids.campaignId, ids.dropId),
        UpdateExpression: "SET closing = :closing",
        // Only the first run stores a decision; a later one must carry out the stored one, so a
        // crash between runs can never make two decisions.
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(closedAt) AND attribute_not_exists(closing)",
        ExpressionAttributeValues: { ":closing": decided },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { status: "claimed", outcome: decided };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const found = itemOfConditionFailure(error);
    if (!found) return { status: "already-closed" };
    const current = closingDropSchema.parse(found);
    if (current.closedAt !== undefined || current.closing === undefined) return { status: "already-closed" };
    return { status: "claimed", outcome: current.closing };
  }
}

/**
 * Step 2 for one target drop: `units` (per voucher type) go onto the target drop's stock, then
 * into its shards. The drop item is written first so that vouchers issued never exceed the
 * recorded stock, even between the two writes.
 */
async function rollIn(
  db: DynamoDBDocumentClient,
  tables: DropCloseTables,
  move: { campaignId: string; source: string; target: string; units: Record<string, number> },
  fault: DropCloseFaultHook,
): Promise<void> {
  const { campaignId, source, target, units } = move;
  const key = dropKey(campaignId, target);

  // Nested paths below need their parent maps; drops written before these maps existed get them empty.
  await db.send(
    new UpdateCommand({
      TableName: tables.campaigns,
      Key: key,
      UpdateExpression:
        "SET rolledIn = if_not_exists(rolledIn, :empty), soldOut = if_not_exists(soldOut, :empty), shardCounts = if_not_exists(shardCounts, :empty)",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":empty": {} },
    }),
  );

  const names: Record<string, string> = { "#source": source, "#due": "due" };
  const values: Record<string, unknown> = { ":moved": units, ":due": DUE };
  const adds: string[] = [];
  // A target still waiting for its inventory (a drop being added) is put on the close schedule
  // here, so the stock it now holds is closed in its turn even if that addition never finishes.
  const sets = ["rolledIn.#source = :moved", "#due = if_not_exists(#due, :due)"];
  const removes: string[] = [];
  Object.entries(units).forEach(([type, count], index) => {
    names[`#t${index}`] = type;
    values[`:n${index}`] = count;
    adds.push(`stock.#t${index} :n${index}`);
    // New units make a sold-out type claimable again.
    removes.push(`soldOut.#t${index}`);
  });

  let targetItem: Record<string, unknown>;
  try {
    const updated = await db.send(
      new UpdateCommand({
        TableName: tables.campaigns,
        Key: key,
        UpdateExpression: `ADD ${adds.join(", ")} SET ${sets.join(", ")} REMOVE ${removes.join(", ")}`,
        // The marker makes this source add once; a target already closing has counted its stock
        // and must not receive more.
        ConditionExpression: "attribute_not_exists(rolledIn.#source) AND attribute_not_exists(closing) AND attribute_not_exists(closedAt)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    targetItem = updated.Attributes ?? {};
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = itemOfConditionFailure(error) ?? {};
    if (!targetDropSchema.parse(current).rolledIn[source]) {
      throw new RollInRefusedError(`drop ${target} of campaign ${campaignId} is closing or closed; it cannot take the stock of drop ${source}`, {
        cause: error,
      });
    }
    targetItem = current;
  }
  await fault({ step: "target-drop", campaignId, dropId: source, target });

  const { shardCounts } = targetDropSchema.parse(targetItem);
  const writes: { type: string; shard: number; count: number }[] = [];
  for (const [type, count] of Object.entries(units)) {
    const shardCount = shardCounts[type];
    if (shardCount === undefined) throw new DropCloseInvariantError(`drop ${target} has no shard count for ${type} after roll-in`, { target, type });
    // Every shard is written, those given no unit too: each loses its sold-out mark.
    const parts = splitStock(count, shardCount);
    for (let shard = 0; shard < shardCount; shard += 1) writes.push({ type, shard, count: parts[shard] ?? 0 });
  }
  await forEachLimited(writes, SHARD_WRITE_CONCURRENCY, async ({ type, shard, count }) => {
    await fault({ step: "shard", campaignId, dropId: source, target, voucherTypeId: type, shard });
    const address = { campaignId, dropId: target, voucherTypeId: type, shard };
    await addRolledInUnits(db, tables.inventory, address, source, count);
    // After the units, so the emptied-shard record never lacks a shard that is still empty; a resumed close, whose
    // add finds its marker, repeats this (idempotent) in case a crash came between the two.
    if (count > 0) await forgetEmptiedShards(db, tables.inventory, address, [shard]);
  });
}

/**
 * Step 3: releases the subsidy and marks the drop closed, together. Returns false when another
 * run finished first.
 */
async function finishClose(
  db: DynamoDBDocumentClient,
  table: string,
  ids: { campaignId: string; dropId: string },
  outcome: Record<string, DropCloseDecision>,
  now: Date,
): Promise<boolean> {
  const released = totalReleased(outcome);
  const dropUpdate = {
    Update: {
      TableName: table,
      Key: dropKey(ids.campaignId, ids.dropId),
      UpdateExpression: "SET closedAt = :now, closeOutcome = :outcome REMOVE #due, closing",
      // closedAt is set once, so the subsidy below is released once.
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(closedAt)",
      ExpressionAttributeNames: { "#due": "due" },
      ExpressionAttributeValues: { ":now": now.toISOString(), ":outcome": outcome },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  };
  const campaignUpdate = {
    Update: {
      TableName: table,
      Key: campaignKey(ids.campaignId),
      // The version bump makes any writer holding an older copy of the campaign fail its
      // optimistic lock instead of overwriting releasedSubsidy with a stale value.
      UpdateExpression: "ADD releasedSubsidy :released, version :one",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":released": released, ":one": 1 },
    },
  };
  try {
    await db.send(new TransactWriteCommand({ TransactItems: released > 0 ? [dropUpdate, campaignUpdate] : [dropUpdate] }));
    return true;
  } catch (error) {
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed" && cancellationItem(error, 0)?.closedAt !== undefined) return false;
    throw error;
  }
}

export interface DropCloseRun {
  /** Drops past their close time and grace when the run started. */
  due: number;
  results: DropCloseResult[];
  failed: { campaignId: string; dropId: string; error: string }[];
  /** Drops left for a later run: after a failure in the same campaign, or beyond the per-run limit. */
  deferred: number;
}

/**
 * Closes every due drop, one by one in close-time order. A drop that fails is reported, and the
 * later drops of its campaign wait for the next run: a later drop may be the target of the
 * failed one's roll-in, and must not count its stock before that roll-in is complete.
 */
export async function closeDueDrops(input: {
  db: DynamoDBDocumentClient;
  tables: DropCloseTables;
  now: Date;
  graceSeconds?: number;
  maxDrops?: number;
  fault?: DropCloseFaultHook;
}): Promise<DropCloseRun> {
  const { db, tables, now } = input;
  const due = await findDueDrops(db, tables.campaigns, now, input.graceSeconds ?? DEFAULT_CLOSE_GRACE_SECONDS);
  const maxDrops = input.maxDrops ?? DEFAULT_MAX_DROPS_PER_RUN;
  const run: DropCloseRun = { due: due.length, results: [], failed: [], deferred: 0 };
  const blocked = new Set<string>();
  for (const drop of due) {
    if (blocked.has(drop.campaignId) || run.results.length + run.failed.length >= maxDrops) {
      run.deferred++;
      continue;
    }
    try {
      const result = await closeDrop({ db, tables, campaignId: drop.campaignId, dropId: drop.dropId, now, fault: input.fault });
      if (result.status === "awaiting-draw") blocked.add(drop.campaignId);
      run.results.push(result);
    } catch (error) {
      blocked.add(drop.campaignId);
      run.failed.push({ campaignId: drop.campaignId, dropId: drop.dropId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return run;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
