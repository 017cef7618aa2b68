/**
 * Test-data factory: a published campaign with provisioned inventory, written straight to the
 * tables with the store's own keys, so claim tests do not depend on the admin routes.
 */
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { splitStock } from "../../shared/domain/inventory.js";
import type { InstantDiscount } from "../../shared/domain/instant-discount.js";
import type { Sector } from "../../shared/domain/sectors.js";
import { type CampaignRecord, type DropRecord, campaignRecordSchema, dropRecordSchema } from "../../shared/store/campaigns.js";
import { DUE, LISTED, campaignKey, dropKey, shardKey } from "../../shared/store/keys.js";

export interface SeedOptions {
  id: string;
  perPersonLimit?: number;
  rollover?: boolean;
  status?: CampaignRecord["status"];
  /** Per drop: stock of voucher type "100-30" (and optionally "200-60"), shard count, window. */
  drops: { id: string; stock: Record<string, number>; shards: number; opensAt?: string; closesAt?: string; audience?: "everyone" | "registered" }[];
  startsAt?: string;
  endsAt?: string;
  /** Default supermarket and restaurant. */
  sectors?: Sector[];
  refundPolicy?: "void" | "restore";
  instantDiscounts?: InstantDiscount[];
  timezone?: string;
}

export const VOUCHER_TYPES = [
  { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 },
  { id: "200-60", threshold: 20_000, discount: 6_000, validDays: 7 },
];

export async function seedCampaign(
  db: DynamoDBDocumentClient,
  tables: { campaigns: string; inventory: string },
  options: SeedOptions,
): Promise<{ campaign: CampaignRecord; drops: DropRecord[] }> {
  const now = new Date().toISOString();
  const campaign = campaignRecordSchema.parse({
    id: options.id,
    name: `Test campaign ${options.id}`,
    timezone: options.timezone ?? "Asia/Shanghai",
    budget: 1_000_000_000,
    startsAt: options.startsAt ?? new Date(Date.now() - 86_400_000).toISOString(),
    endsAt: options.endsAt ?? new Date(Date.now() + 30 * 86_400_000).toISOString(),
    perPersonLimit: options.perPersonLimit ?? 1,
    sectors: options.sectors ?? ["supermarket", "restaurant"],
    refundPolicy: options.refundPolicy ?? "void",
    ...(options.instantDiscounts ? { instantDiscounts: options.instantDiscounts } : {}),
    rollover: options.rollover ?? false,
    voucherTypes: VOUCHER_TYPES,
    status: options.status ?? "PUBLISHED",
    version: 1,
    createdAt: now,
    updatedAt: now,
    createdBy: "seed",
    releasedSubsidy: 0,
  });
  const listed = campaign.status === "DRAFT" ? {} : { listing: LISTED };
  await db.send(new PutCommand({ TableName: tables.campaigns, Item: { ...campaignKey(campaign.id), ...campaign, ...listed } }));
  const drops: DropRecord[] = [];
  for (const spec of options.drops) {
    const shardCounts: Record<string, number> = {};
    for (const [type, stock] of Object.entries(spec.stock)) {
      const units = splitStock(stock, spec.shards);
      shardCounts[type] = units.length;
      await Promise.all(
        units.map((remaining, shard) =>
          db.send(new PutCommand({ TableName: tables.inventory, Item: { ...shardKey(campaign.id, spec.id, type, shard), remaining, initial: remaining } })),
        ),
      );
    }
    const drop = dropRecordSchema.parse({
      campaignId: campaign.id,
      id: spec.id,
      opensAt: spec.opensAt ?? new Date(Date.now() - 3_600_000).toISOString(),
      closesAt: spec.closesAt ?? new Date(Date.now() + 3_600_000).toISOString(),
      stock: spec.stock,
      shards: spec.shards,
      shardCounts,
      ...(spec.audience === undefined ? {} : { audience: spec.audience }),
    });
    await db.send(new PutCommand({ TableName: tables.campaigns, Item: { ...dropKey(campaign.id, drop.id), ...drop, due: DUE } }));
    drops.push(drop);
  }
  return { campaign, drops };
}
