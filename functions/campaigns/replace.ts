/** PUT /admin/campaigns/{id} (operator): replaces a DRAFT campaign whole. */
import * as z from "../../shared/zod.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { replaceCampaign } from "../../shared/use-cases/campaigns.js";
import { campaignIdOf, campaignsDeps } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await replaceCampaign({ ...campaignsDeps(caller.sub), campaignId: campaignIdOf(event), body: parseBody(event, z.unknown()) }),
}));
