/**
 * Campaign registration (API.md): a resident registers for a campaign once, and drops declared
 * `audience: "registered"` take claims only from registered residents. Registration is per person
 * (linked identities): it sits on the person's counter, beside the limit, so any account of a
 * registered person may claim in a drop for registered residents.
 */
import { NotFoundError } from "../errors.js";
import { loadCampaign } from "../store/campaigns.js";
import type { IdentityHashes } from "../domain/identity.js";
import { readAccountLink } from "../store/identity-links.js";
import { registerResident } from "../store/vouchers.js";
import type { Dependencies } from "./dependencies.js";
import { resolvePersonKey } from "./person-key.js";

/** A registration as the resident is answered: the first one, however often they register. */
export interface CampaignRegistration {
  campaignId: string;
  registeredAt: string;
}

/**
 * Registers the resident for a published or paused campaign (a draft is not found, as on every
 * resident route). `created` is false when they had registered before.
 */
export async function registerForCampaign(
  input: Dependencies<"campaigns" | "vouchers"> & { residentId: string; identities?: IdentityHashes; campaignId: string },
): Promise<{ created: boolean; registration: CampaignRegistration }> {
  const loaded = await loadCampaign(input.db, input.tables.campaigns, input.campaignId);
  if (!loaded || loaded.campaign.status === "DRAFT") throw new NotFoundError(`No campaign ${input.campaignId}`);
  const account = await readAccountLink(input.db, input.tables.vouchers, input.residentId);
  const personKey = await resolvePersonKey({ sub: input.residentId, identities: input.identities, account }, input);
  const { created, registeredAt } = await registerResident(input.db, input.tables.vouchers, personKey, input.campaignId, input.now().toISOString());
  return { created, registration: { campaignId: input.campaignId, registeredAt } };
}
