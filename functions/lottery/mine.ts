/** GET /me/registrations (resident): the caller's lottery registrations, REGISTERED, WON or LOST. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { listMyRegistrations } from "../../shared/use-cases/lottery.js";

export const handler = httpRoute("resident", async ({ caller }) => ({
  status: 200,
  // Registrations belong to the account that made them: the token's `sub`.
  body: await listMyRegistrations({ ...dependenciesOf("listMyRegistrations"), residentId: caller.sub }),
}));
