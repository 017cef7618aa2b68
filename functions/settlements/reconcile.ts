/** GET /admin/campaigns/{id}/reconciliation (operator): invariant 6 for one campaign, to the fen. */
import { httpRoute } from "../../shared/http/traced-route.js";
import { reconcileCampaign } from "../../shared/use-cases/settlement-views.js";
import { pathIdOf } from "../merchants/request.js";
import { dependenciesOf } from "../../shared/dependencies.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await reconcileCampaign({ ...dependenciesOf("reconcileCampaign"), campaignId: pathIdOf(event) }),
  headers: { "cache-control": "no-store" },
}));
