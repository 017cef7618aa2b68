/** POST /admin/applications/{id}/retry-payout (operator): a FAILED award goes to the payout queue again. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { applicationDetail } from "../../shared/use-cases/applications.js";
import { retryProgrammePayout } from "../../shared/use-cases/programme-payouts.js";
import { pathIdOf, sendProgrammePayout } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const deps = dependenciesOf("retryProgrammePayout");
  const applicationId = pathIdOf(event);
  await retryProgrammePayout({ ...deps, payable: { kind: "application", id: applicationId }, operator: caller.sub, sendPayout: sendProgrammePayout });
  return { status: 202, body: await applicationDetail({ ...deps, applicationId }) };
});
