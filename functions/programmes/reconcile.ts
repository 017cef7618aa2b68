/** GET /admin/programmes/{id}/reconciliation (operator): the programme's books, to the fen. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { reconcileProgramme } from "../../shared/use-cases/programme-payouts.js";
import { pathIdOf } from "./request.js";

export const handler = httpRoute("operator", async ({ event }) => ({
  status: 200,
  body: await reconcileProgramme({ ...dependenciesOf("reconcileProgramme"), programmeId: pathIdOf(event) }),
  headers: { "cache-control": "no-store" },
}));
