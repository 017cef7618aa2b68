/** GET /merchant/programmes (merchant, APPROVED): the programmes whose period has not ended. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { actingMerchant, listProgrammeViews } from "../../shared/use-cases/programmes.js";

export const handler = httpRoute("merchant", async ({ caller }) => {
  const deps = dependenciesOf("listMerchantProgrammes");
  await actingMerchant(deps, caller);
  return { status: 200, body: await listProgrammeViews({ ...deps, open: true }), headers: { "cache-control": "no-store" } };
});
