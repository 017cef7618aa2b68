/**
 * POST /admin/fraud/flags/{id}/dismiss {reason}, /confirm {reason, forfeit?} and /enforce (operator):
 * one function, told apart by the route key. Every decision is audited as the operator.
 */
import { dependenciesOf } from "../../shared/dependencies.js";
import { confirmBodySchema, dismissBodySchema } from "../../shared/api/fraud-schemas.js";
import * as z from "../../shared/zod.js";
import { httpRoute, parseBody, parseWith } from "../../shared/http/traced-route.js";
import { confirmFlag, dismissFlag, enforceFlag } from "../../shared/use-cases/fraud.js";
import { pathIdOf } from "../merchants/request.js";

const ACTIONS = ["dismiss", "confirm", "enforce"] as const;

export const handler = httpRoute("operator", async ({ event, caller }) => {
  const action = parseWith(z.enum(ACTIONS), event.routeKey.slice(event.routeKey.lastIndexOf("/") + 1), "route");
  const flagId = pathIdOf(event);
  const deps = dependenciesOf("decideFraudFlag");
  const operator = caller.sub;
  switch (action) {
    case "dismiss":
      return { status: 200, body: await dismissFlag({ ...deps, flagId, operator, reason: parseBody(event, dismissBodySchema).reason }) };
    case "confirm": {
      const { reason, forfeit } = parseBody(event, confirmBodySchema);
      return { status: 200, body: await confirmFlag({ ...deps, flagId, operator, reason, forfeit }) };
    }
    case "enforce":
      return { status: 200, body: await enforceFlag({ ...deps, flagId, operator }) };
  }
});
