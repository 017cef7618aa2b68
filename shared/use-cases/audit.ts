/** GET /admin/audit: the trail of one partner or merchant, oldest first, a page at a time. */
import type * as z from "../zod.js";
import type { auditEntrySchema, auditListSchema } from "../api/registry-schemas.js";
import { ValidationError } from "../errors.js";
import { auditKeySchema, queryAudit } from "../store/audit.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import type { Dependencies } from "./dependencies.js";

export type AuditEntryView = z.infer<typeof auditEntrySchema>;
export type AuditList = z.infer<typeof auditListSchema>;

export async function listAudit(
  input: Omit<Dependencies<"audit">, "now"> & { query: { entity: string; limit: number; nextToken?: string | undefined } },
): Promise<AuditList> {
  const { entity, limit, nextToken } = input.query;
  const startKey = nextToken === undefined ? undefined : decodeToken(nextToken, auditKeySchema);
  if (startKey && startKey.pk !== entity) throw new ValidationError("nextToken belongs to the trail of another entity");
  const page = await queryAudit(input.db, input.tables.audit, { entity, limit, startKey });
  return {
    items: page.items.map((item) => ({
      entity: item.entity,
      at: item.at,
      who: item.who,
      action: item.action,
      ...(item.reason === undefined ? {} : { reason: item.reason }),
      ...(item.before === undefined ? {} : { before: item.before }),
      ...(item.after === undefined ? {} : { after: item.after }),
    })),
    ...(page.lastKey ? { nextToken: encodeToken(page.lastKey) } : {}),
  };
}
