/** GET /admin/programmes/{id}/applications?status= and GET /admin/applications/{id} (operator). */
import { dependenciesOf } from "../../shared/dependencies.js";
import { applicationListQuerySchema } from "../../shared/api/programme-schemas.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { applicationForReview, programmeApplications } from "../../shared/use-cases/applications.js";
import { evidenceStore } from "../../shared/object-store.js";
import { pathIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event }) => {
  const deps = dependenciesOf("readApplications");
  const body = event.routeKey.startsWith("GET /admin/applications/")
    ? await applicationForReview({ ...deps, evidence: evidenceStore(), applicationId: pathIdOf(event) })
    : await programmeApplications({ ...deps, programmeId: pathIdOf(event), status: parseWith(applicationListQuerySchema, event.queryStringParameters ?? {}, "query").status });
  return { status: 200, body, headers: { "cache-control": "no-store" } };
});
