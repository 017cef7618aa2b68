/** POST /admin/applications/{id}/approve {award?, note?}, /reject {reason} and /request-changes {reason} (operator). */
import { dependenciesOf } from "../../shared/dependencies.js";
import { approvalBodySchema, reviewReasonBodySchema } from "../../shared/api/programme-schemas.js";
import * as z from "../../shared/zod.js";
import { httpRoute, jsonBody, parseBody, parseWith } from "../../shared/http/traced-route.js";
import { approveApplication, decideApplication } from "../../shared/use-cases/applications.js";
import { pathIdOf, sendProgrammePayout } from "./request.js";

const DECISIONS = ["approve", "reject", "request-changes"] as const;

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const decision = parseWith(z.enum(DECISIONS), event.routeKey.slice(event.routeKey.lastIndexOf("/") + 1), "route");
  const deps = dependenciesOf("reviewApplication");
  const applicationId = pathIdOf(event);
  if (decision === "approve") {
    // The body may be left out: the proposed award, no note.
    const { award, note } = parseWith(approvalBodySchema, jsonBody(event) ?? {}, "body");
    return { status: 200, body: await approveApplication({ ...deps, applicationId, award, note, who: caller.sub, sendPayout: sendProgrammePayout }) };
  }
  const { reason } = parseBody(event, reviewReasonBodySchema);
  return { status: 200, body: await decideApplication({ ...deps, applicationId, decision, reason, who: caller.sub }) };
});
