/** GET /admin/audit?entity=MERCHANT%23m1 (operator): who changed the entity, when and why, oldest first. */
import { auditQuerySchema } from "../../shared/api/registry-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/route.js";
import { listAudit } from "../../shared/use-cases/audit.js";
import { registryDeps } from "../merchants/request.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await listAudit({ ...registryDeps("audit"), query: parseWith(auditQuerySchema, event.queryStringParameters ?? {}, "query") }),
  headers: { "cache-control": "no-store" },
}));
