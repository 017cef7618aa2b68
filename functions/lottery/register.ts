/** POST /campaigns/{id}/drops/{dropId}/registrations (resident): 201 the registration, 200 the first one again. */
import { drawRegistrationRequestSchema } from "../../shared/api/lottery-schemas.js";
import { dropPathSchema } from "../../shared/api/parameters.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute, parseBody, parseWith } from "../../shared/http/traced-route.js";
import { callerIdentityHashes } from "../../shared/http/caller.js";
import { registerForDraw } from "../../shared/use-cases/lottery.js";
import { TtlCache } from "../../shared/use-cases/campaign-views.js";
import type { CampaignWithDrops } from "../../shared/store/campaigns.js";

/** Campaign reads, 1 s per instance: every registrant of a drop reads the same partition. */
const campaigns = new TtlCache<CampaignWithDrops | undefined>(1_000);

export const handler = httpRoute("resident", async ({ event, caller }) => {
  const { id, dropId } = parseWith(dropPathSchema, event.pathParameters ?? {}, "path");
  const { voucherTypeId } = parseBody(event, drawRegistrationRequestSchema);
  // The token's phone number and id hash say which person registers (linked identities).
  const identities = callerIdentityHashes(caller);
  const { created, registration } = await registerForDraw(
    { residentId: caller.sub, ...(identities === undefined ? {} : { identities }), campaignId: id, dropId, voucherTypeId },
    { ...dependenciesOf("registerForDraw"), campaigns },
  );
  return { status: created ? 201 : 200, body: registration };
});
