/** GET /campaigns/{id}/drops/{dropId}/draw (public): the published result of a draw, paged; 404 NOT_DRAWN before. */
import { drawResultQuerySchema } from "../../shared/api/lottery-schemas.js";
import { dropPathSchema } from "../../shared/api/parameters.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { readDrawResult } from "../../shared/use-cases/lottery.js";

export const handler = httpRoute("public", async ({ event }) => {
  const { id, dropId } = parseWith(dropPathSchema, event.pathParameters ?? {}, "path");
  const query = parseWith(drawResultQuerySchema, event.queryStringParameters ?? {}, "query");
  return { status: 200, body: await readDrawResult({ ...dependenciesOf("getDrawResult"), campaignId: id, dropId, ...query }) };
});
