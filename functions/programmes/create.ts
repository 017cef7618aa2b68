/** POST /admin/programmes (operator): a new merchant programme of one of the four kinds, audited. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { programmeBodySchema } from "../../shared/api/programme-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { createProgramme } from "../../shared/use-cases/programmes.js";

export const handler = httpRoute("operator", async ({ event, caller }) => ({
  status: 201,
  body: await createProgramme({ ...dependenciesOf("createProgramme"), definition: parseBody(event, programmeBodySchema), who: caller.sub }),
}));
