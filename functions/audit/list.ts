/** GET /admin/audit?entity=MERCHANT%23m1 (operator): who changed the entity, when and why, oldest first. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { auditQuerySchema } from "../../shared/api/registry-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { listAudit } from "../../shared/use-cases/audit.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await listAudit({ ...dependenciesOf("listAudit"), query: parseWith(auditQuerySchema, event.queryStringParameters ?? {}, "query") }),
  headers: { "cache-control": "no-store" },
}));
