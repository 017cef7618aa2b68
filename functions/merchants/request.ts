/**
 * What the partner, merchant and audit handlers share: path ids and the use cases' dependencies,
 * built from the function's configuration (each reaches only the tables it was granted).
 */
import * as z from "../../shared/zod.js";
import { documents } from "../../shared/clients.js";
import { config, tableName } from "../../shared/config.js";
import { idSchema } from "../../shared/domain/campaign.js";
import { type HttpEvent, parseWith } from "../../shared/http/route.js";
import type { PartnerSettings, RegistryDeps } from "../../shared/use-cases/partners.js";

const idPathSchema = z.object({ id: idSchema });

/** The `{id}` of an /admin/partners/{id}… or /admin/merchants/{id}… path. */
export function pathIdOf(event: HttpEvent): string {
  return parseWith(idPathSchema, event.pathParameters ?? {}, "path").id;
}

/** Dependencies reaching the named tables. */
export function registryDeps<T extends string>(...tables: T[]): RegistryDeps<T> {
  return {
    db: documents(),
    tables: Object.fromEntries(tables.map((table) => [table, tableName(table)])) as Record<T, string>,
    now: () => new Date(),
  };
}

/** The payout URL rules and default of this deployment. */
export function partnerSettings(): PartnerSettings {
  const { VOUCHERS_ALLOW_HTTP_PAYOUT_URLS, VOUCHERS_DEFAULT_PAYOUT_URL } = config();
  return { allowHttp: VOUCHERS_ALLOW_HTTP_PAYOUT_URLS, defaultPayoutUrl: VOUCHERS_DEFAULT_PAYOUT_URL };
}
