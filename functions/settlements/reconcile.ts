/** GET /admin/campaigns/{id}/reconciliation (operator): invariant 6 for one campaign, to the fen. */
import { httpRoute } from "../../shared/http/route.js";
import { reconcileCampaign } from "../../shared/use-cases/settlement-views.js";
import { pathIdOf } from "../merchants/request.js";
import { db, tables } from "./deps.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await reconcileCampaign({ db: db(), tables: tables("campaigns", "redemptions", "settlements", "merchants"), campaignId: pathIdOf(event) }),
  headers: { "cache-control": "no-store" },
}));
