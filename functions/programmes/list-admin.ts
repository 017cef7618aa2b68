/** GET /admin/programmes (operator): every programme, with its budget committed and paid. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute } from "../../shared/http/traced-route.js";
import { listProgrammeViews } from "../../shared/use-cases/programmes.js";

export const handler = httpRoute("operator", async () => ({
  status: 200,
  body: await listProgrammeViews(dependenciesOf("listProgrammes")),
  headers: { "cache-control": "no-store" },
}));
