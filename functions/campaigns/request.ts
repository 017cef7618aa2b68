/**
 * What the campaign handlers share: the campaign id of the path, and the use cases'
 * dependencies built from the function's configuration.
 */
import * as z from "../../shared/zod.js";
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { idSchema } from "../../shared/domain/campaign.js";
import { type HttpEvent, parseWith } from "../../shared/http/route.js";
import type { CampaignDeps } from "../../shared/use-cases/campaigns.js";

const campaignPathSchema = z.object({ id: idSchema });

/** The `{id}` of an /admin/campaigns/{id}… path. */
export function campaignIdOf(event: HttpEvent): string {
  return parseWith(campaignPathSchema, event.pathParameters ?? {}, "path").id;
}

/** Where an operator's writes are audited, and whose they are. */
function trail(operator: string | undefined) {
  return operator === undefined ? {} : { audit: { table: tableName("audit"), who: operator } };
}

/** Dependencies reaching the campaigns table only; give the operator for writes. */
export function campaignsDeps(operator?: string): CampaignDeps {
  return { db: documents(), tables: { campaigns: tableName("campaigns") }, now: () => new Date(), ...trail(operator) };
}

/** Dependencies reaching the campaigns and inventory tables; give the operator for writes. */
export function inventoryDeps(operator?: string): CampaignDeps<"campaigns" | "inventory"> {
  return {
    db: documents(),
    tables: { campaigns: tableName("campaigns"), inventory: tableName("inventory") },
    now: () => new Date(),
    ...trail(operator),
  };
}
