/**
 * Campaign registration (API.md): a resident registers for a campaign once, and drops declared
 * `audience: "registered"` take claims only from registered residents.
 */
import { NotFoundError } from "../errors.js";
import { loadCampaign } from "../store/campaigns.js";
import { registerResident } from "../store/vouchers.js";
import type { Dependencies } from "./dependencies.js";

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
  input: Dependencies<"campaigns" | "vouchers"> & { residentId: string; campaignId: string },
): Promise<{ created: boolean; registration: CampaignRegistration }> {
  const loaded = await loadCampaign(input.db, input.tables.campaigns, input.campaignId);
  if (!loaded || loaded.campaign.status === "DRAFT") throw new NotFoundError(`No campaign ${input.campaignId}`);
  const { created, registeredAt } = await registerResident(input.db, input.tables.vouchers, input.residentId, input.campaignId, input.now().toISOString());
  return { created, registration: { campaignId: input.campaignId, registeredAt } };
}
