/** POST /admin/partners (operator): a new partner; its signing secret is answered this once. */
import { partnerRegistrationSchema } from "../../shared/api/registry-schemas.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { type HttpReply, type HttpRequest, httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { type PartnerSettings, registerPartner } from "../../shared/use-cases/partners.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { partnerSettings } from "../merchants/request.js";

/** The route after the operator check; tests call it with their own dependencies and settings. */
export async function answerRegistration(
  { event, caller }: Pick<HttpRequest<"operator">, "event" | "caller">,
  deps: Dependencies<"partners" | "audit"> = dependenciesOf("registerPartner"),
  settings: PartnerSettings = partnerSettings(),
): Promise<HttpReply> {
  const registration = parseBody(event, partnerRegistrationSchema(settings));
  return {
    status: 201,
    body: await registerPartner({ ...deps, registration, operator: caller.sub, settings }),
    headers: { "cache-control": "no-store" },
  };
}

export const handler = httpRoute("operator", (request) => answerRegistration(request));
