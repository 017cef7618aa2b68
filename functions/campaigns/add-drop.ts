/** POST /admin/campaigns/{id}/drops (operator): a new drop within the budget not yet committed. */
import * as z from "../../shared/zod.js";
import { httpRoute, parseBody } from "../../shared/http/route.js";
import { addDrop } from "../../shared/use-cases/campaigns.js";
import { campaignIdOf, inventoryDeps } from "./request.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 200,
  body: await addDrop({ ...inventoryDeps(caller.sub), campaignId: campaignIdOf(event), body: parseBody(event, z.unknown()) }),
}));
