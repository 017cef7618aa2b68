/** POST /admin/campaigns/{id}/drops/{dropId}/draw (operator): 202, the draw goes on in the draws queue. */
import { dropPathSchema } from "../../shared/api/parameters.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { httpRoute, parseWith } from "../../shared/http/traced-route.js";
import { startDraw } from "../../shared/use-cases/lottery.js";
import { sendDrawMessages } from "./queue.js";

export const handler = httpRoute("operator", async ({ event }) => {
  const { id, dropId } = parseWith(dropPathSchema, event.pathParameters ?? {}, "path");
  return { status: 202, body: await startDraw({ ...dependenciesOf("startDraw"), campaignId: id, dropId, send: sendDrawMessages }) };
});
