/**
 * Campaign and drop items of the `campaigns` table: their stored shape (parsed with zod on every
 * read, never cast; zod mini, as the claim path reads them: shared/domain/stored-campaign.ts) and
 * the read that loads a campaign with all its drops in one query.
 */
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod-mini.js";
import type { dropSchema } from "../domain/campaign.js";
import { storedFen as fen, storedInstantDiscountSchema, storedSectorSchema, storedVoucherTypeSchema } from "../domain/stored-campaign.js";
import { queryAll } from "./dynamo.js";
import { CAMPAIGN_PARTITION_PREFIX, DROP_SORT_PREFIX, campaignKey } from "./keys.js";

const CAMPAIGN_SORT_KEY = campaignKey("").sk;

export const CAMPAIGN_STATUSES = ["DRAFT", "PUBLISHED", "PAUSED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A campaign as stored: the operator's definition without its drops, plus its lifecycle. */
export const campaignRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  budget: fen,
  startsAt: z.string(),
  endsAt: z.string(),
  perPersonLimit: z.int().check(z.positive()),
  sectors: z.array(storedSectorSchema),
  refundPolicy: z.enum(["void", "restore"]),
  rollover: z.boolean(),
  voucherTypes: z.array(storedVoucherTypeSchema),
  instantDiscounts: z.optional(z.array(storedInstantDiscountSchema)),
  status: z.enum(CAMPAIGN_STATUSES),
  /** Optimistic-lock counter: every write of the campaign item conditions on it. */
  version: z.int().check(z.nonnegative()),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  /** Subsidy given back to the budget by drops closed without roll-over, in fen. */
  releasedSubsidy: z._default(fen, 0),
});
export type CampaignRecord = z.infer<typeof campaignRecordSchema>;

/** The fields an operator defines (everything but the drops and the lifecycle). */
export function definitionFields(campaign: CampaignRecord) {
  return {
    id: campaign.id,
    name: campaign.name,
    timezone: campaign.timezone,
    budget: campaign.budget,
    startsAt: campaign.startsAt,
    endsAt: campaign.endsAt,
    perPersonLimit: campaign.perPersonLimit,
    sectors: campaign.sectors,
    refundPolicy: campaign.refundPolicy,
    rollover: campaign.rollover,
    voucherTypes: campaign.voucherTypes,
    ...(campaign.instantDiscounts === undefined ? {} : { instantDiscounts: campaign.instantDiscounts }),
  };
}

/** Per voucher type: what drop close did with the unclaimed stock. */
export const dropCloseOutcomeSchema = z.object({
  issued: z.int().check(z.nonnegative()),
  unclaimed: z.int().check(z.nonnegative()),
  /** The drop the unclaimed stock rolled into, when the campaign rolls over and one follows. */
  movedTo: z.optional(z.string()),
  /** Subsidy released back to the budget (unclaimed × discount), when it did not roll over. */
  released: z.optional(fen),
});
export type DropCloseOutcome = z.infer<typeof dropCloseOutcomeSchema>;

/** A drop as stored: its definition, how its stock is sharded, and its state. */
export const dropRecordSchema = z.object({
  campaignId: z.string(),
  id: z.string(),
  opensAt: z.string(),
  closesAt: z.string(),
  /** Units per voucher type, including stock rolled in from earlier drops. */
  stock: z.record(z.string(), z.int().check(z.nonnegative())),
  shards: z.optional(z.int()),
  expectedAttemptsPerSecond: z.optional(z.int()),
  audience: z.optional(z.enum(["everyone", "registered"])),
  allocation: z.optional(z.literal("lottery")),
  registration: z.optional(z.object({ opensAt: z.string(), closesAt: z.string() })),
  drawAt: z.optional(z.string()),
  /** A lottery drop's sha256 commitment to its secret seed (lowercase hex), written at publish before the drop takes registrations. */
  drawCommitment: z.optional(z.string()),
  /** When a lottery drop's draw was first planned (its chunks sent); the ticker starts only draws without it. */
  drawStartedAt: z.optional(z.string()),
  /** When the draw published its result, every winner's voucher issued: drop close waits for it. */
  drawnAt: z.optional(z.string()),
  /** Shard items per voucher type, fixed when the inventory is provisioned. */
  shardCounts: z._default(z.record(z.string(), z.int().check(z.positive())), {}),
  /**
   * Voucher types whose every shard was found empty: when a claim first found them so (ISO
   * instant), or `true` for types marked before that moment was kept.
   */
  soldOut: z._default(z.record(z.string(), z.union([z.literal(true), z.string()])), {}),
  /** Units rolled in, per source drop and voucher type; each source adds once. */
  rolledIn: z._default(z.record(z.string(), z.record(z.string(), z.int().check(z.nonnegative()))), {}),
  closedAt: z.optional(z.string()),
  closeOutcome: z.optional(z.record(z.string(), dropCloseOutcomeSchema)),
  /** Set by the expiry sweep once every voucher of the (closed) drop is past expiry + grace and swept: later sweeps skip it. */
  expirySweptAt: z.optional(z.string()),
});
export type DropRecord = z.infer<typeof dropRecordSchema>;

/** The stored definition of a new drop, before provisioning. */
export function newDropRecord(campaignId: string, drop: z.infer<typeof dropSchema>): DropRecord {
  return dropRecordSchema.parse({ campaignId, ...drop });
}

export interface CampaignWithDrops {
  campaign: CampaignRecord;
  /** Ordered by id. */
  drops: DropRecord[];
}

/**
 * Loads a campaign and every drop in one query of its partition, or undefined when there is no
 * such campaign. Strongly consistent on request (operator reads); the claim path reads eventually
 * consistent and caches.
 */
export async function loadCampaign(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  options: { consistent?: boolean } = {},
): Promise<CampaignWithDrops | undefined> {
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": campaignKey(campaignId).pk },
    ConsistentRead: options.consistent ?? false,
  });
  const campaignItem = items.find((item) => item.sk === campaignKey(campaignId).sk);
  if (!campaignItem) return undefined;
  return {
    campaign: campaignRecordSchema.parse(campaignItem),
    drops: items
      .filter((item) => typeof item.sk === "string" && item.sk.startsWith(DROP_SORT_PREFIX))
      .map((item) => dropRecordSchema.parse(item)),
  };
}

/** The campaign id of a `campaigns` table partition key. */
export function campaignIdOf(pk: string): string {
  return pk.slice(CAMPAIGN_PARTITION_PREFIX.length);
}

/** Items a Scan evaluates per request while looking for campaign items among drops. */
const SCAN_PAGE_ITEMS = 200;

/**
 * One page of every campaign item, drafts included, optionally of one status: a Scan of the
 * table keeping campaign items (drops and the campaigns' read copies are read past, not returned:
 * the filter keeps `sk = #CAMPAIGN` only), until `limit` are found or the table ends. Scan order is
 * the table's hash order, not time. Cost: every item of the table is read once across the pages
 * (campaigns, their drops and 16 read copies of each campaign with its drops: about 17 times the
 * campaigns' own data, for a bureau some hundreds of read units); the operators' list is opened by
 * hand, not polled by residents.
 * `lastKey`, when more may follow, is the key of the last campaign returned: the next page
 * scans on from there.
 */
export async function scanCampaigns(
  db: DynamoDBDocumentClient,
  table: string,
  page: { limit: number; startKey?: Record<string, string>; status?: CampaignStatus },
): Promise<{ campaigns: CampaignRecord[]; lastKey?: { pk: string; sk: string } }> {
  const found: CampaignRecord[] = [];
  let start: Record<string, unknown> | undefined = page.startKey;
  do {
    const result = await db.send(
      new ScanCommand({
        TableName: table,
        Limit: SCAN_PAGE_ITEMS,
        ExclusiveStartKey: start,
        FilterExpression: page.status === undefined ? "sk = :sk" : "sk = :sk AND #status = :status",
        ...(page.status === undefined ? {} : { ExpressionAttributeNames: { "#status": "status" } }),
        ExpressionAttributeValues: { ":sk": CAMPAIGN_SORT_KEY, ...(page.status === undefined ? {} : { ":status": page.status }) },
      }),
    );
    found.push(...(result.Items ?? []).map((item) => campaignRecordSchema.parse(item)));
    start = result.LastEvaluatedKey;
  } while (start !== undefined && found.length < page.limit);
  // More may follow when the scan stopped before the table's end or this page cut its last round short.
  const more = start !== undefined || found.length > page.limit;
  if (found.length > page.limit) found.length = page.limit;
  const last = found.at(-1);
  return { campaigns: found, ...(more && last ? { lastKey: campaignKey(last.id) } : {}) };
}
