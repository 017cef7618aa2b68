/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the wiring's routes and the zod
 * schemas in `schemas.ts`. Every declared route must be documented here; the test that
 * compares this with docs/openapi.json fails otherwise.
 */
import { z } from "zod";
import { routeKey } from "../wiring/define.js";
import type { AuthKind, Wiring } from "../wiring/types.js";
import { callerSchema, errorBodySchema, gatewayMessageSchema, healthReportSchema } from "./schemas.js";

interface RouteDoc {
  summary: string;
  description?: string;
  requestBody?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

/** Documentation of each route, by route key. */
export const routeDocs: Record<string, RouteDoc> = {
  "GET /health": {
    summary: "Reachability of every table and queue",
    description: "Locally it also reports the emulators. Answers 503 with the same body when anything is unreachable.",
    responses: {
      200: { description: "Everything answers", schema: healthReportSchema },
      503: { description: "Something does not answer; the body says what", schema: healthReportSchema },
    },
  },
  "GET /me": {
    summary: "The caller as the platform sees them",
    responses: { 200: { description: "The caller", schema: callerSchema } },
  },
};

const SECURITY: Record<AuthKind, Record<string, string[]>[]> = {
  public: [],
  resident: [{ bearer: [] }],
  operator: [{ bearer: [] }],
  "partner-signed": [{ partnerSignature: [] }],
};

/** Builds the document; throws naming any declared route that has no documentation. */
export function buildOpenApi(wiring: Wiring, version: string): Record<string, unknown> {
  const missing = wiring.routes.map(routeKey).filter((key) => !routeDocs[key]);
  if (missing.length > 0) throw new Error(`undocumented routes: ${missing.join(", ")}`);
  const registry = z.globalRegistry;
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  const ref = (schema: z.ZodType): unknown => {
    const id = registry.get(schema)?.id;
    const json = z.toJSONSchema(schema, { target: "openapi-3.0", unrepresentable: "any" }) as Record<string, unknown>;
    delete json.$schema;
    if (!id) return json;
    delete json.id;
    schemas[id] = json;
    return { $ref: `#/components/schemas/${id}` };
  };
  const json = (schema: z.ZodType) => ({ "application/json": { schema: ref(schema) } });

  for (const route of wiring.routes) {
    const doc = routeDocs[routeKey(route)]!;
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(doc.responses)) {
      responses[status] = { description: response.description, ...(response.schema ? { content: json(response.schema) } : {}) };
    }
    if (route.auth !== "public") {
      responses["401"] = { description: "Missing, expired or badly signed credentials", content: json(route.auth === "partner-signed" ? errorBodySchema : gatewayMessageSchema) };
    }
    if (route.auth === "operator") responses["403"] = { description: "The token lacks the operators group", content: json(errorBodySchema) };
    if (doc.requestBody) responses["400"] = { description: "The body fails validation; details list every issue", content: json(errorBodySchema) };
    responses["500"] = { description: "Unexpected fault; the body carries only a request id", content: json(errorBodySchema) };
    const parameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
      name: match[1],
      in: "path",
      required: true,
      schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
    }));
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, "").split("/").map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join("")}`,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      "x-auth": route.auth,
      security: SECURITY[route.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(doc.requestBody ? { requestBody: { required: true, content: json(doc.requestBody) } } : {}),
      responses,
    };
  }
  ref(errorBodySchema);
  return {
    openapi: "3.1.0",
    info: {
      title: "Voucher campaign platform",
      version,
      description: "Money is integer fen; times are ISO-8601 with offset; every error is {\"error\":{\"code\",\"message\",\"details?\"}}.",
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Resident and operator tokens; operators carry the group `operators`" },
        partnerSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Voucher-Signature",
          description: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + \".\" + raw body)>",
        },
      },
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
