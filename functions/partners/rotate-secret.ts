/** POST /admin/partners/{id}/rotate-secret (operator) `{graceSeconds?}`: a new secret; earlier ones stay valid for the grace period (0 revokes them). */
import { secretRotationSchema } from "../../shared/api/registry-schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { type HttpReply, type HttpRequest, httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { rotatePartnerSecret } from "../../shared/use-cases/partners.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import * as z from "../../shared/zod.js";
import { pathIdOf } from "../merchants/request.js";

// An absent body is `{}`: the default grace period.
const rotationSchema = z.preprocess((body) => (body === undefined ? {} : body), secretRotationSchema);

/** The route after the operator check; tests call it with their own dependencies. */
export async function answerRotation(
  { event, caller }: Pick<HttpRequest<"operator">, "event" | "caller">,
  deps: Dependencies<"partners" | "audit"> = dependenciesOf("rotatePartnerSecret"),
): Promise<HttpReply> {
  const partnerId = pathIdOf(event);
  const rotation = parseBody(event, rotationSchema);
  return {
    status: 200,
    body: await rotatePartnerSecret({ ...deps, partnerId, operator: caller.sub, rotation }),
    headers: { "cache-control": "no-store" },
  };
}

export const handler = httpRoute("operator", (request) => answerRotation(request));
