/** POST /campaigns/{id}/registrations (resident): 201 the registration, 200 the first one again. */
import { idPathSchema } from "../../shared/api/parameters.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { callerIdentityHashes } from "../../shared/http/caller.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { registerForCampaign } from "../../shared/use-cases/registration.js";

export const handler = httpRoute("resident", async ({ event, caller }) => {
  const { id } = parseWith(idPathSchema, event.pathParameters ?? {}, "path");
  // The token's `sub` is the resident's id; its phone number and id hash say which person registers.
  const identities = callerIdentityHashes(caller);
  const { created, registration } = await registerForCampaign({
    ...dependenciesOf("registerForCampaign"),
    residentId: caller.sub,
    ...(identities === undefined ? {} : { identities }),
    campaignId: id,
  });
  return { status: created ? 201 : 200, body: registration };
});
