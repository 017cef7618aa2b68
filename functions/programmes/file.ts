/**
 * POST /merchant/programmes/{id}/filings (merchant: files now; 201, or 200 with the first filing)
 * and POST /admin/programmes/{id}/filings (operator: a paper filing with the date it was made).
 */
import type { Context } from "aws-lambda";
import { dependenciesOf } from "../../shared/dependencies.js";
import { filingBodySchema, paperFilingBodySchema } from "../../shared/api/programme-schemas.js";
import { type HttpEvent, httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { fileOnline, filePaper } from "../../shared/use-cases/applications.js";
import { pathIdOf } from "./request.js";

const merchantRoute = httpRoute("merchant", async ({ event, caller }) => {
  const { created, filing } = await fileOnline({ ...dependenciesOf("fileForProgramme"), merchantId: caller.merchantId, programmeId: pathIdOf(event), plan: parseBody(event, filingBodySchema).plan });
  return { status: created ? 201 : 200, body: filing };
});

const operatorRoute = httpRoute("operator", async ({ event, caller }) => {
  const { created, filing } = await filePaper({ ...dependenciesOf("fileForProgramme"), programmeId: pathIdOf(event), filing: parseBody(event, paperFilingBodySchema), who: caller.sub });
  return { status: created ? 201 : 200, body: filing };
});

/** One function, two routes told apart by the route key; each route has its own caller check. */
export const handler = (event: HttpEvent, context: Context) => (event.routeKey.startsWith("POST /admin/") ? operatorRoute(event, context) : merchantRoute(event, context));
