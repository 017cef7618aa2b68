/** What the campaign handlers share: the campaign id of the path, and whose writes they are. */
import { idPathSchema } from "../../shared/api/parameters.js";
import { type HttpEvent, parseWith } from "../../shared/http/traced-route.js";
import type { Dependencies, TableName } from "../../shared/use-cases/dependencies.js";


/** The `{id}` of an /admin/campaigns/{id}… path. */
export function campaignIdOf(event: HttpEvent): string {
  return parseWith(idPathSchema, event.pathParameters ?? {}, "path").id;
}

/** A function's dependencies with its writes audited as `operator`'s, in the audit table it was granted. */
export function auditedAs<T extends TableName>(deps: Dependencies<T | "audit">, operator: string) {
  return { ...deps, audit: { table: deps.tables.audit, who: operator } };
}
