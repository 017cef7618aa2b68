/**
 * POST /merchant/programmes/{id}/applications (merchant: a new application) and
 * PUT /merchant/applications/{id} (merchant: resubmits one sent back for changes).
 */
import { dependenciesOf } from "../../shared/dependencies.js";
import { applicationBodySchema } from "../../shared/api/programme-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { resubmitApplication, submitApplication } from "../../shared/use-cases/applications.js";
import { checkAttachments } from "../../shared/use-cases/attachments.js";
import { evidenceStore } from "../../shared/object-store.js";
import { pathIdOf } from "./request.js";

export const handler = httpRoute("merchant", async ({ event, caller }) => {
  const deps = dependenciesOf("applyToProgramme");
  const evidence = evidenceStore();
  const checkEvidence = (merchantId: string, ids: readonly string[]) => checkAttachments({ ...deps, evidence, merchantId, ids });
  const body = parseBody(event, applicationBodySchema);
  if (event.routeKey.startsWith("PUT ")) {
    return { status: 200, body: await resubmitApplication({ ...deps, merchantId: caller.merchantId, applicationId: pathIdOf(event), body, checkEvidence }) };
  }
  return { status: 201, body: await submitApplication({ ...deps, merchantId: caller.merchantId, programmeId: pathIdOf(event), body, checkEvidence }) };
});
