/** GET /merchant/applications (merchant): its own applications. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { merchantApplications } from "../../shared/use-cases/applications.js";

export const handler = httpRoute("merchant", async ({ caller }) => ({
  status: 200,
  body: await merchantApplications({ ...dependenciesOf("listMyApplications"), merchantId: caller.merchantId }),
  headers: { "cache-control": "no-store" },
}));
