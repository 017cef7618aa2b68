/**
 * The pure parts of the campaign routes: how stored items become the bodies of the API (internal
 * fields such as `version`, `createdBy`, `due` never leave), the opaque page token of the public
 * list, and the short-lived per-instance cache that list is served from.
 */
import * as z from "../zod.js";
import type { campaignDetailSchema, campaignDropDetailSchema, campaignDropSchema, campaignViewSchema } from "../api/schemas.js";
import { ValidationError } from "../errors.js";
import { type CampaignRecord, type DropRecord, definitionFields } from "../store/campaigns.js";

export type CampaignView = z.infer<typeof campaignViewSchema>;
export type CampaignDropView = z.infer<typeof campaignDropSchema>;
export type CampaignDetail = z.infer<typeof campaignDetailSchema>;
export type CampaignDropDetail = z.infer<typeof campaignDropDetailSchema>;

function campaignFields(campaign: CampaignRecord): Omit<CampaignView, "drops"> {
  return {
    ...definitionFields(campaign),
    status: campaign.status,
    createdAt: campaign.createdAt,
    updatedAt: campaign.updatedAt,
  };
}

export function toDropView(drop: DropRecord): CampaignDropView {
  return {
    id: drop.id,
    opensAt: drop.opensAt,
    closesAt: drop.closesAt,
    stock: drop.stock,
    ...(drop.shards === undefined ? {} : { shards: drop.shards }),
    ...(drop.expectedAttemptsPerSecond === undefined ? {} : { expectedAttemptsPerSecond: drop.expectedAttemptsPerSecond }),
    ...(drop.audience === undefined ? {} : { audience: drop.audience }),
    ...(drop.allocation === undefined ? {} : { allocation: drop.allocation }),
    ...(drop.registration === undefined ? {} : { registration: drop.registration }),
    ...(drop.drawAt === undefined ? {} : { drawAt: drop.drawAt }),
    ...(drop.drawCommitment === undefined ? {} : { drawCommitment: drop.drawCommitment }),
  };
}

/** A campaign with its drops, in drop opening order. */
export function toCampaignView(campaign: CampaignRecord, drops: readonly DropRecord[]): CampaignView {
  return { ...campaignFields(campaign), drops: byOpening(drops).map(toDropView) };
}

/**
 * The operator's view: each drop with its shard counts, the units left per voucher type and per
 * shard, when each sold out, each lottery drop's registrations so far (`registrations`, per drop
 * id) and whether it was drawn, and each instant discount with its use (`instantUse`, per id).
 * `shardRemaining` holds, per drop id, the units of each shard that exists; a voucher type not yet
 * provisioned (a draft) shows its stock as remaining, since nothing can have been claimed from it.
 */
export function toCampaignDetail(
  campaign: CampaignRecord,
  drops: readonly DropRecord[],
  shardRemaining: ReadonlyMap<string, Record<string, number[]>>,
  instantUse: ReadonlyMap<string, { used: number; remaining: number; usedToday: number }> = new Map(),
  registrations: ReadonlyMap<string, number> = new Map(),
): CampaignDetail {
  const { instantDiscounts, ...fields } = campaignFields(campaign);
  return {
    ...fields,
    // Each instant discount with its use; one nothing was taken from shows zeros and its whole quota.
    ...(instantDiscounts === undefined
      ? {}
      : {
          instantDiscounts: instantDiscounts.map((discount) => ({
            ...discount,
            ...(instantUse.get(discount.id) ?? { used: 0, remaining: discount.quota.total, usedToday: 0 }),
          })),
        }),
    drops: byOpening(drops).map((drop): CampaignDropDetail => {
      const shards = shardRemaining.get(drop.id) ?? {};
      const counted = (typeId: string) => shards[typeId]?.reduce((sum, units) => sum + units, 0);
      return {
        ...toDropView(drop),
        shardCounts: drop.shardCounts,
        remaining: Object.fromEntries(Object.entries(drop.stock).map(([typeId, stock]) => [typeId, counted(typeId) ?? stock])),
        shardRemaining: shards,
        soldOut: Object.fromEntries(Object.keys(drop.soldOut).map((typeId) => [typeId, true])),
        // `true` marks come from before the moment was kept: sold out, time unknown.
        soldOutAt: Object.fromEntries(Object.entries(drop.soldOut).filter((entry): entry is [string, string] => typeof entry[1] === "string")),
        ...(drop.allocation === "lottery" ? { registrations: registrations.get(drop.id) ?? 0 } : {}),
        ...(drop.drawnAt === undefined ? {} : { drawnAt: drop.drawnAt }),
        ...(drop.closedAt === undefined ? {} : { closedAt: drop.closedAt }),
        ...(drop.closeOutcome === undefined ? {} : { closeOutcome: drop.closeOutcome }),
      };
    }),
  };
}

function byOpening(drops: readonly DropRecord[]): DropRecord[] {
  return [...drops].sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt) || a.id.localeCompare(b.id));
}

// ---------------------------------------------------------------------------------------------

/** The key of the `listing` index a page ends at: the table's key and the index's. */
const listingKeySchema = z.strictObject({
  pk: z.string().min(1),
  sk: z.string().min(1),
  listing: z.string().min(1),
  startsAt: z.string().min(1),
});
export type ListingKey = z.infer<typeof listingKeySchema>;

/** Encodes where a page ended as an opaque token (base64url JSON). */
export function encodePageToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(listingKeySchema.parse(key)), "utf8").toString("base64url");
}

/** Decodes a token from `encodePageToken`; anything else is a 400. */
export function decodePageToken(token: string): ListingKey {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (cause) {
    throw invalidToken(cause);
  }
  const parsed = listingKeySchema.safeParse(raw);
  if (!parsed.success) throw invalidToken(parsed.error);
  return parsed.data;
}

function invalidToken(cause: unknown): ValidationError {
  return new ValidationError("The query is invalid", {
    cause,
    details: [{ path: "nextToken", message: "must be a token from an earlier page" }],
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * Answers kept for a short time in one function instance: the public list is requested by
 * everyone waiting for a drop, and a few seconds of staleness cost nothing there. Concurrent
 * misses for one key share a single load; a failed load is not kept.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { expires: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100,
  ) {}

  get(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (this.entries.size >= this.maxEntries) {
      for (const [stale, entry] of this.entries) if (entry.expires <= now) this.entries.delete(stale);
      if (this.entries.size >= this.maxEntries) this.entries.clear();
    }
    const value = load();
    this.entries.set(key, { expires: now + this.ttlMs, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
