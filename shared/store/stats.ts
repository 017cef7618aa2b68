/**
 * The `stats` table: the projected figures of each campaign (pk `STATS#<campaignId>`, sk a bucket:
 * `TOTAL`, `DAY#<date>`, `SECTOR#<sector>`, `MERCHANT#<merchantId>`), and one marker per stream
 * record applied (pk `EVENT#<eventID>`, kept 48 h by TTL: streams keep records 24 h).
 *
 * Changes are applied in transactions that put each change's marker (only if absent) and ADD the
 * changes' deltas, merged per bucket. A change delivered again finds its marker and is left out, so
 * the figures count every change exactly once however often the stream delivers it.
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NumberValueImpl } from "@aws-sdk/util-dynamodb";
import { safeFen } from "../domain/money.js";
import { type Bucket, type Counters, type StatCounter, type StatsDelta, STAT_COUNTERS, mergeDeltas } from "../domain/stats.js";
import { cancellationReasons, queryAllExact } from "./dynamo.js";
import { statsEventKey, statsPartition } from "./keys.js";
import { withRetries } from "./retry.js";

/** One committed change and what it adds; `eventId` is the stream record's id (the same on every delivery). */
export interface StatsChange {
  eventId: string;
  campaignId: string;
  deltas: StatsDelta[];
}

/** Markers outlive the stream's 24 h retention, so no redelivery can miss its marker. */
const MARKER_TTL_SECONDS = 48 * 3600;
const TRANSACTION_ITEMS = 100;

/**
 * Applies changes exactly once each. Returns how many were applied now (the rest had been
 * applied by an earlier delivery).
 */
export async function applyChanges(db: DynamoDBDocumentClient, table: string, changes: readonly StatsChange[], now: Date): Promise<number> {
  let applied = 0;
  // One marker per change: a record twice in one batch would put the same marker twice in one transaction.
  const unique = new Map(changes.filter((change) => change.deltas.length > 0).map((change) => [change.eventId, change]));
  let pending = [...unique.values()];
  while (pending.length > 0) {
    const chunk = takeChunk(pending);
    pending = pending.slice(chunk.length);
    let remaining = chunk;
    while (remaining.length > 0) {
      const seen = await withRetries(() => applyChunk(db, table, remaining, now), { attempts: 8, maxDelayMs: 1_000 });
      if (seen.size === 0) {
        applied += remaining.length;
        break;
      }
      remaining = remaining.filter((change) => !seen.has(change.eventId));
    }
  }
  return applied;
}

/** As many changes as fit one transaction: a marker each, plus one update per (campaign, bucket). */
function takeChunk(changes: readonly StatsChange[]): StatsChange[] {
  const buckets = new Set<string>();
  const chunk: StatsChange[] = [];
  for (const change of changes) {
    const added = change.deltas.map((delta) => `${change.campaignId} ${delta.bucket}`).filter((key) => !buckets.has(key));
    if (chunk.length > 0 && chunk.length + 1 + buckets.size + new Set(added).size > TRANSACTION_ITEMS) break;
    chunk.push(change);
    for (const key of added) buckets.add(key);
  }
  return chunk;
}

/** One transaction; returns the event ids whose markers existed (nothing was written then). */
async function applyChunk(db: DynamoDBDocumentClient, table: string, chunk: readonly StatsChange[], now: Date): Promise<Set<string>> {
  const byCampaign = new Map<string, StatsDelta[]>();
  for (const change of chunk) byCampaign.set(change.campaignId, [...(byCampaign.get(change.campaignId) ?? []), ...change.deltas]);
  const updates = [...byCampaign].flatMap(([campaignId, deltas]) => [...mergeDeltas(deltas)].map(([bucket, counters]) => counterUpdate(table, campaignId, bucket, counters)));
  const expiresAt = Math.floor(now.getTime() / 1000) + MARKER_TTL_SECONDS;
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          ...chunk.map((change) => ({
            Put: {
              TableName: table,
              Item: { ...statsEventKey(change.eventId), campaignId: change.campaignId, appliedAt: now.toISOString(), expiresAt },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          })),
          ...updates.filter((update) => update !== undefined),
        ],
      }),
    );
    return new Set();
  } catch (error) {
    const seen = new Set<string>();
    cancellationReasons(error).forEach((reason, index) => {
      if (reason === "ConditionalCheckFailed" && index < chunk.length) seen.add(chunk[index]!.eventId);
    });
    if (seen.size === 0) throw error;
    return seen;
  }
}

function counterUpdate(table: string, campaignId: string, bucket: Bucket, counters: Counters) {
  const entries = (Object.entries(counters) as [StatCounter, number][]).filter(([, value]) => value !== 0);
  if (entries.length === 0) return undefined;
  return {
    Update: {
      TableName: table,
      Key: { pk: statsPartition(campaignId), sk: bucket },
      UpdateExpression: `ADD ${entries.map(([counter]) => `#${counter} :${counter}`).join(", ")}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([counter]) => [`#${counter}`, counter])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([counter, value]) => [`:${counter}`, value])),
    },
  };
}

/**
 * Every bucket of a campaign's figures, strongly consistent. Read with the low-level command and
 * `wrapNumbers`, so a counter beyond 2^53 − 1 (a campaign's gross sales can grow without bound)
 * comes back exact, as a BigInt, instead of failing the read.
 */
export async function readStats(db: DynamoDBDocumentClient, table: string, campaignId: string): Promise<Map<Bucket, Counters>> {
  const buckets = new Map<Bucket, Counters>();
  const items = await queryAllExact(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": statsPartition(campaignId) },
    ConsistentRead: true,
  });
  for (const item of items) {
    const counters: Counters = {};
    for (const counter of STAT_COUNTERS) {
      const value: unknown = item[counter];
      if (value instanceof NumberValueImpl) {
        const exact = value.toBigInt();
        counters[counter] = safeFen(exact) ?? exact;
      }
    }
    buckets.set(String(item.sk) as Bucket, counters);
  }
  return buckets;
}
