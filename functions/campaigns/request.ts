/**
 * What the campaign handlers share: the campaign id of the path, and the use cases'
 * dependencies built from the function's configuration.
 */
import * as z from "../../shared/zod.js";
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { idSchema } from "../../shared/domain/campaign.js";
import { type HttpEvent, parseWith } from "../../shared/http/route.js";
import type { CampaignDeps } from "../../shared/operations/campaigns.js";

const campaignPathSchema = z.object({ id: idSchema });

/** The `{id}` of an /admin/campaigns/{id}… path. */
export function campaignIdOf(event: HttpEvent): string {
  return parseWith(campaignPathSchema, event.pathParameters ?? {}, "path").id;
}

/** Dependencies reaching the campaigns table only. */
export function campaignsDeps(): CampaignDeps {
  return { db: documents(), tables: { campaigns: tableName("campaigns") }, now: () => new Date() };
}

/** Dependencies reaching the campaigns and inventory tables. */
export function inventoryDeps(): CampaignDeps<"campaigns" | "inventory"> {
  return {
    db: documents(),
    tables: { campaigns: tableName("campaigns"), inventory: tableName("inventory") },
    now: () => new Date(),
  };
}
