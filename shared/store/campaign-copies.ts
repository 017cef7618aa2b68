/**
 * Read copies of a campaign's snapshot in the `campaigns` table: {@link CAMPAIGN_COPIES} items per
 * campaign (pk `COPY#<campaignId>#<k>`, sk `#COPY`), each holding what {@link loadCampaign}
 * returns (the campaign and its drops) and `readAt`, the instant of the consistent read it was
 * copied from; or, where the snapshot was too large for an item, an `outgrown` marker of that read. Each copy is a partition of its own, so a drop's thousands of claim instances, each
 * reading a random copy, do not all read the campaign's one partition at the same moment.
 *
 * The copies are derived data, written only by the replicator (`copyCampaign`, from the table's
 * stream) and `npm run campaign:copies`. The campaign and drops are kept as nested maps under
 * `campaign` and `drops`, and only as their schemas parse them: no top-level attribute of a copy is
 * an index key (`listing`, `due`), so a copy is never in the `listing` or `dueDrops` index, and the
 * admin list's Scan keeps only `sk = #CAMPAIGN`.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod-mini.js";
import { CAMPAIGN_COPIES } from "../domain/shard-plan.js";
import { logger } from "../logger.js";
import { type CampaignWithDrops, campaignRecordSchema, dropRecordSchema } from "./campaigns.js";
import { conditional } from "./dynamo.js";
import { campaignCopyKey } from "./keys.js";

export { CAMPAIGN_COPIES };

/** DynamoDB's item size limit, bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

const copyItemSchema = z.object({
  campaign: campaignRecordSchema,
  drops: z.array(dropRecordSchema),
  readAt: z.string(),
});

/** A campaign snapshot as a copy holds it: what {@link loadCampaign} returned, and when it was read. */
export type CampaignCopy = CampaignWithDrops & { readAt: string };

/**
 * The condition under which a copy takes a snapshot: the copy is absent, or holds an older version
 * of the campaign item, or the same version read no later. The campaign's `version` (bumped by every
 * write of the campaign item: publish, pause, resume, a new drop, a drop's close) orders snapshots
 * whatever the replicators' clocks say, so a snapshot read before a pause, on a clock minutes ahead,
 * never overwrites the pause. Changes to drop items alone (sold-out marks, draw progress) bump no
 * version; between those `readAt` decides, and a clock ahead by minutes can keep an older drop
 * state until the campaign's next change (shared/use-cases/campaign-copies.ts, crash analysis).
 */
const NOT_NEWER_HELD = "attribute_not_exists(pk) OR #campaign.#version < :version OR (#campaign.#version = :version AND readAt <= :readAt)";

/** What {@link writeCampaignCopies} did. */
export type CopiesWritten =
  | { outcome: "written"; written: number; newerKept: number }
  /** The snapshot would not fit in one item: nothing written, the copies stay as they were. */
  | { outcome: "too-large"; bytes: number };

/**
 * Writes the snapshot of a campaign (read strongly consistent at `readAt`) to its
 * `copies` copies ({@link CAMPAIGN_COPIES} unless a drop plan keeps more): one PutItem each, all
 * in flight at once, each conditioned on {@link NOT_NEWER_HELD}. A failed condition means that
 * copy holds a newer read already, which is kept. A snapshot over {@link MAX_ITEM_BYTES} is
 * refused (logged) rather than failing its stream batch again and again: each copy holding an
 * older read becomes a small `outgrown` marker of this read (its version and `readAt`, so an older
 * snapshot written late cannot bring an old copy back), which {@link readCampaignCopy} reads as
 * absent; claims then read the campaign itself, through the fallback, until a snapshot fits again.
 *
 * @throws the first error other than a failed condition, after every write has settled.
 */
export async function writeCampaignCopies(
  db: DynamoDBDocumentClient,
  table: string,
  snapshot: CampaignWithDrops,
  readAt: string,
  copies: number = CAMPAIGN_COPIES,
): Promise<CopiesWritten> {
  const campaignId = snapshot.campaign.id;
  const read = { campaignId, version: snapshot.campaign.version, readAt, copies };
  const body = { campaignId, readAt, campaign: snapshot.campaign, drops: snapshot.drops };
  const bytes = itemBytes({ ...campaignCopyKey(campaignId, copies - 1), ...body });
  if (bytes > MAX_ITEM_BYTES) {
    logger.error("campaign snapshot too large for a read copy; claims read the campaign itself", { campaignId, bytes, limit: MAX_ITEM_BYTES });
    // Older copies must not outlive it (a pause may be what they miss): each becomes a marker of this read.
    await putEveryCopy(db, table, read, { campaignId, readAt, campaign: { version: read.version }, outgrown: true });
    return { outcome: "too-large", bytes };
  }
  const written = await putEveryCopy(db, table, read, body);
  return { outcome: "written", written, newerKept: copies - written };
}

/**
 * Puts `body` on every copy that holds no newer read ({@link NOT_NEWER_HELD}); how many took it.
 * Each copy is its own partition: even a plan's 128 puts can go out at once.
 */
async function putEveryCopy(
  db: DynamoDBDocumentClient,
  table: string,
  read: { campaignId: string; version: number; readAt: string; copies: number },
  body: Record<string, unknown>,
): Promise<number> {
  const writes = await Promise.allSettled(
    Array.from({ length: read.copies }, (_, copy) =>
      conditional(
        db.send(
          new PutCommand({
            TableName: table,
            Item: { ...campaignCopyKey(read.campaignId, copy), ...body },
            ConditionExpression: NOT_NEWER_HELD,
            ExpressionAttributeNames: { "#campaign": "campaign", "#version": "version" },
            ExpressionAttributeValues: { ":version": read.version, ":readAt": read.readAt },
          }),
        ),
      ),
    ),
  );
  const failed = writes.find((write) => write.status === "rejected");
  if (failed) throw failed.reason;
  return writes.filter((write) => write.status === "fulfilled" && write.value).length;
}

/**
 * Copy `copy` of a campaign's snapshot, read eventually consistent (one small GetItem), parsed
 * with the campaign and drop schemas {@link loadCampaign} uses; undefined when that copy is absent
 * or marks a snapshot too large to copy.
 */
export async function readCampaignCopy(db: DynamoDBDocumentClient, table: string, campaignId: string, copy: number): Promise<CampaignCopy | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: campaignCopyKey(campaignId, copy) }));
  return Item === undefined || Item.outgrown === true ? undefined : copyItemSchema.parse(Item);
}

/**
 * The size DynamoDB counts for an item, bytes, or a little more: attribute names and string values
 * in UTF-8, numbers at their largest encoding for their digits, 3 bytes per list or map plus 1 per
 * element (docs: "Item sizes and formats").
 */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number") return Math.ceil(String(value).replace(/[-.]|e.*$/gi, "").length / 2) + 1;
  if (typeof value === "boolean" || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + valueBytes(element), 0);
  if (typeof value === "object") return 3 + Object.keys(value).length + itemBytes(value as Record<string, unknown>);
  throw new TypeError(`cannot size a ${typeof value} for DynamoDB`);
}
