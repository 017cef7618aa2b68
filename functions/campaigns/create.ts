/** POST /admin/campaigns (operator): a new DRAFT campaign, validated against its budget. */
import * as z from "../../shared/zod.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { createCampaign } from "../../shared/use-cases/campaigns.js";
import { campaignsDeps } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 201,
  body: await createCampaign({ ...campaignsDeps(caller.sub), body: parseBody(event, z.unknown()), operator: caller.sub }),
}));
