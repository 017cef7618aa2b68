/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the wiring's routes and the zod
 * schemas in `schemas.ts`. Every declared route must be documented here; the test that
 * compares this with docs/openapi.json fails otherwise.
 */
import * as z from "../zod.js";
import { routeKey } from "../wiring/define.js";
import type { AuthKind, Wiring } from "../wiring/types.js";
import {
  callerSchema,
  campaignDefinitionSchema,
  campaignDetailSchema,
  campaignListSchema,
  campaignViewSchema,
  claimRequestSchema,
  dropDefinitionSchema,
  errorBodySchema,
  gatewayMessageSchema,
  healthReportSchema,
  voucherSchema,
  walletSchema,
} from "./schemas.js";

interface ParameterDoc {
  name: string;
  in: "query" | "header";
  required?: boolean;
  description: string;
  schema: z.ZodType;
}

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Response headers the caller should read, such as Retry-After. */
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

interface RouteDoc {
  summary: string;
  description?: string;
  /** Query and header parameters; path parameters come from the route's path. */
  parameters?: ParameterDoc[];
  /** Documented as the schema's input (defaults optional), since callers send it. */
  requestBody?: z.ZodType;
  responses: Record<number, ResponseDoc>;
}

const errorResponse = (description: string): ResponseDoc => ({ description, schema: errorBodySchema });

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
  "GET /me/vouchers": {
    summary: "The caller's vouchers, newest first",
    responses: { 200: { description: "The wallet", schema: walletSchema } },
  },
  "GET /campaigns": {
    summary: "Published campaigns with their drops",
    description: "Published and paused campaigns, latest start first. Answers may be up to 2 s old.",
    parameters: [
      { name: "limit", in: "query", description: "Campaigns per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of campaigns", schema: campaignListSchema },
      400: errorResponse("A bad `limit` or `nextToken` (VALIDATION_FAILED)"),
    },
  },
  "POST /campaigns/{id}/drops/{dropId}/claims": {
    summary: "Claim a voucher from an open drop",
    description: "A replay with the same Idempotency-Key by the same person answers the first answer again.",
    parameters: [
      {
        name: "Idempotency-Key",
        in: "header",
        description: "Makes retries safe: the same key and body return the first answer for at least 24 h",
        schema: z.string().min(1).max(255),
      },
    ],
    requestBody: claimRequestSchema,
    responses: {
      201: { description: "The voucher claimed", schema: voucherSchema },
      404: errorResponse("No such campaign, drop or voucher type (NOT_FOUND)"),
      409: errorResponse(
        "SOLD_OUT; LIMIT_REACHED (the per-person limit of the campaign); DROP_NOT_OPEN (not yet open, closed, or the campaign is paused); " +
          "IDEMPOTENCY_IN_PROGRESS (the first request with this key is still running; see Retry-After)",
      ),
      422: errorResponse("IDEMPOTENCY_KEY_REUSED: the key was used with a different body"),
      429: {
        description: "THROTTLED: the store kept throttling; come back after Retry-After",
        schema: errorBodySchema,
        headers: { "Retry-After": { description: "Seconds to wait", schema: z.int().positive() } },
      },
    },
  },
  "POST /admin/campaigns": {
    summary: "Create a DRAFT campaign",
    requestBody: campaignDefinitionSchema,
    responses: {
      201: { description: "The campaign, status DRAFT", schema: campaignViewSchema },
      400: errorResponse(
        "VALIDATION_FAILED with every issue and its path; BUDGET_EXCEEDED when Σ stock × discount > budget, details {budget, committed, excess} in fen",
      ),
      409: errorResponse("ALREADY_EXISTS: a campaign with this id exists"),
    },
  },
  "GET /admin/campaigns/{id}": {
    summary: "A campaign with its inventory",
    description: "Per drop and voucher type: the shard count, the units left (read strongly consistent) and sold-out and close state.",
    responses: {
      200: { description: "The campaign", schema: campaignDetailSchema },
      404: errorResponse("NOT_FOUND"),
    },
  },
  "PUT /admin/campaigns/{id}": {
    summary: "Replace a DRAFT campaign",
    description: "The body's id must be the path's. Drops not in the body are deleted.",
    requestBody: campaignDefinitionSchema,
    responses: {
      200: { description: "The campaign as replaced", schema: campaignViewSchema },
      400: errorResponse("VALIDATION_FAILED with every issue and its path; BUDGET_EXCEEDED with the figures"),
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("NOT_DRAFT: published, paused or being published; CONCURRENT_UPDATE: it kept changing, try again"),
    },
  },
  "POST /admin/campaigns/{id}/publish": {
    summary: "Provision the inventory and publish",
    description:
      "Splits each drop's stock over its shards, puts the drops on the close schedule, then sets PUBLISHED. " +
      "Publishing again, also after an interrupted publish, is harmless and answers the current state.",
    responses: {
      200: { description: "The campaign, status PUBLISHED (or PAUSED if it already was)", schema: campaignViewSchema },
      404: errorResponse("NOT_FOUND"),
    },
  },
  "POST /admin/campaigns/{id}/pause": {
    summary: "Pause a published campaign",
    description: "A paused campaign takes no claims and applies no discounts. Pausing a paused campaign is harmless.",
    responses: {
      200: { description: "The campaign, status PAUSED", schema: campaignViewSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: a draft cannot be paused"),
    },
  },
  "POST /admin/campaigns/{id}/resume": {
    summary: "Resume a paused campaign",
    description: "Resuming a published campaign is harmless.",
    responses: {
      200: { description: "The campaign, status PUBLISHED", schema: campaignViewSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: a draft cannot be resumed"),
    },
  },
  "POST /admin/campaigns/{id}/drops": {
    summary: "Add a drop to a published or paused campaign",
    description:
      "Its inventory is provisioned at once. It must fit the budget not yet committed; sending the same drop again after an " +
      "interrupted request finishes it.",
    requestBody: dropDefinitionSchema,
    responses: {
      200: { description: "The campaign with the new drop", schema: campaignViewSchema },
      400: errorResponse(
        "VALIDATION_FAILED (paths relative to the drop: overlap, window, unknown voucher type); BUDGET_EXCEEDED with {budget, committed, excess}",
      ),
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("ALREADY_EXISTS: the campaign has a drop with this id; INVALID_STATE: a draft (edit it with PUT); CONCURRENT_UPDATE"),
    },
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
  const ref = (schema: z.ZodType, io: "input" | "output" = "output"): unknown => {
    const id = registry.get(schema)?.id;
    const { root, definitions } = componentise(z.toJSONSchema(schema, { target: "openapi-3.0", unrepresentable: "any", io }));
    Object.assign(schemas, definitions);
    if (!id) return root;
    schemas[id] = definitions[id] ?? root;
    return { $ref: `#/components/schemas/${id}` };
  };
  const json = (schema: z.ZodType, io: "input" | "output" = "output") => ({ "application/json": { schema: ref(schema, io) } });
  const inline = (schema: z.ZodType, io: "input" | "output") => {
    const json = z.toJSONSchema(schema, { target: "openapi-3.0", unrepresentable: "any", io }) as Record<string, unknown>;
    delete json.$schema;
    return json;
  };

  for (const route of wiring.routes) {
    const doc = routeDocs[routeKey(route)]!;
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(doc.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([name, header]) => [name, { description: header.description, schema: inline(header.schema, "output") }]),
              ),
            }
          : {}),
        ...(response.schema ? { content: json(response.schema) } : {}),
      };
    }
    if (route.auth !== "public") {
      responses["401"] = { description: "Missing, expired or badly signed credentials", content: json(route.auth === "partner-signed" ? errorBodySchema : gatewayMessageSchema) };
    }
    if (route.auth === "operator") responses["403"] = { description: "The token lacks the operators group", content: json(errorBodySchema) };
    if (doc.requestBody && !responses["400"]) responses["400"] = { description: "The body fails validation; details list every issue", content: json(errorBodySchema) };
    responses["500"] = { description: "Unexpected fault; the body carries only a request id", content: json(errorBodySchema) };
    const parameters: Record<string, unknown>[] = [
      ...[...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
        name: match[1],
        in: "path",
        required: true,
        schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
      })),
      ...(doc.parameters ?? []).map((parameter) => ({
        name: parameter.name,
        in: parameter.in,
        required: parameter.required ?? false,
        description: parameter.description,
        schema: inline(parameter.schema, "input"),
      })),
    ];
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, "").split("/").map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join("")}`,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      "x-auth": route.auth,
      security: SECURITY[route.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(doc.requestBody ? { requestBody: { required: true, content: json(doc.requestBody, "input") } } : {}),
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

/**
 * zod writes a schema that holds other registered schemas (an `id` in their meta) with those under
 * `definitions` and refers to them there, the root included. OpenAPI keeps them all under
 * `components/schemas`: this moves them there and rewrites every reference.
 */
function componentise(generated: unknown): { root: Record<string, unknown>; definitions: Record<string, Record<string, unknown>> } {
  const text = JSON.stringify(generated).replace(/"#\/(?:definitions|\$defs)\//g, '"#/components/schemas/');
  const json = JSON.parse(text) as Record<string, unknown> & { definitions?: Record<string, Record<string, unknown>>; $defs?: Record<string, Record<string, unknown>> };
  const definitions = { ...json.definitions, ...json.$defs };
  delete json.definitions;
  delete json.$defs;
  delete json.$schema;
  delete json.id;
  for (const definition of Object.values(definitions)) delete definition.id;
  return { root: json, definitions };
}
