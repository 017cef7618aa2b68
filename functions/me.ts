/** GET /me (resident): the caller as the platform sees them. */
import { httpRoute } from "../shared/http/traced-route.js";

export const handler = httpRoute("resident", ({ caller }) => ({
  status: 200,
  body: { sub: caller.sub, groups: caller.groups },
}));
