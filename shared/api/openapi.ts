/**
 * The OpenAPI 3.1 document of the HTTP API (docs/openapi.json), generated from the wiring's routes
 * and the documentation each carries (`shared/wiring/routes.ts`), with
 * `@asteasolutions/zod-to-openapi` turning their zod schemas into 3.1 schemas. Nothing here lists
 * routes: a route is documented where it is declared.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { ERROR_CODES, type ErrorCode } from "../errors.js";
import { ERROR_DESCRIPTIONS } from "./error-descriptions.js";
import { API_TAGS, type AuthKind, type RouteDeclaration, type RouteDocumentation, type RouteRequest, type Wiring } from "../wiring/types.js";
import { routeKey } from "../wiring/define.js";
import * as z from "../zod.js";
import { payoutAcceptedSchema, payoutHeadersSchema, payoutRequestBodySchema } from "./payout-schemas.js";
import { errorBodySchema, gatewayMessageSchema } from "./schemas.js";

type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

/** Codes every route of an auth kind may answer, besides its own list. */
const IMPLIED_ERRORS: Record<AuthKind, readonly ErrorCode[]> = {
  public: ["INTERNAL"],
  resident: ["UNAUTHORIZED", "INTERNAL"],
  operator: ["UNAUTHORIZED", "FORBIDDEN", "INTERNAL"],
  merchant: ["UNAUTHORIZED", "FORBIDDEN", "INTERNAL"],
  "partner-signed": ["UNAUTHORIZED", "INTERNAL"],
};

/** Codes whose answer carries `Retry-After` (shared/http/route.ts sets it from the error). */
const RETRY_AFTER_CODES: readonly ErrorCode[] = ["THROTTLED", "IDEMPOTENCY_IN_PROGRESS"];

const SECURITY: Record<AuthKind, Record<string, string[]>[]> = {
  public: [],
  resident: [{ bearer: [] }],
  operator: [{ bearer: [] }],
  merchant: [{ bearer: [] }],
  "partner-signed": [{ partnerSignature: [] }],
};

const SIGNATURE_SCHEME =
  'Every partner request carries `X-Voucher-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`, ' +
  "signed with the partner's secret over the exact bytes sent; `t` must be within 300 s of the platform's clock, and during a " +
  "rotation several `v1=` parts may be sent (one valid is enough). A missing, malformed, stale or wrong signature is 401 and " +
  "nothing happens. The platform signs its payout requests to a partner the same way, with the partner's live secrets (docs/partners.md).";

/**
 * Builds the document. Throws when two routes share an operationId, when a route's path schema
 * does not name exactly its path's parameters, or when its answers and errors share a status.
 */
export function buildOpenApi(wiring: Wiring, version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Resident and operator tokens from the identity provider API Gateway's JWT authorizer trusts (locally: `npm run token`); operators carry the group `operators`.",
  });
  registry.registerComponent("securitySchemes", "partnerSignature", { type: "apiKey", in: "header", name: "X-Voucher-Signature", description: SIGNATURE_SCHEME });

  const operationIds = new Set<string>();
  for (const route of wiring.routes) {
    if (operationIds.has(route.docs.operationId)) throw new Error(`${routeKey(route)}: operationId ${route.docs.operationId} is taken`);
    operationIds.add(route.docs.operationId);
    const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
    const documented = Object.keys(route.docs.request?.path?.shape ?? {}).sort();
    if (inPath.join() !== documented.join()) throw new Error(`${routeKey(route)}: path parameters {${inPath.join(", ")}} documented as {${documented.join(", ")}}`);
    registry.registerPath(operationOf(route));
  }
  registry.registerWebhook(payoutWebhook());

  const document = new OpenApiGeneratorV31([...registry.definitions, { type: "schema", schema: errorBodySchema }, { type: "schema", schema: gatewayMessageSchema }], { sortComponents: "alphabetically" }).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Voucher campaign platform",
      version,
      description:
        'Money is integer fen; times are ISO-8601 with offset; every error is {"error":{"code","message","details?"}} with a code ' +
        "from the route's list. Partners: docs/partners.md.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com",
        description: "A deployment: the stack's `ApiUrl` output",
        variables: { apiId: { default: "example", description: "The HTTP API's id" }, region: { default: "cn-north-1", description: "The AWS region" } },
      },
      { url: "http://127.0.0.1:3000", description: "The local platform (`npm start`)" },
    ],
    tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
  });
  return { ...document, paths: Object.fromEntries(Object.entries(document.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) };
}

/** One route as the registry takes it. */
function operationOf(route: RouteDeclaration<string>): RouteConfig {
  const { docs } = route;
  return {
    method: route.method.toLowerCase() as RouteConfig["method"],
    path: route.path,
    operationId: docs.operationId,
    summary: docs.summary,
    ...(docs.description ? { description: docs.description } : {}),
    tags: [docs.tag],
    security: SECURITY[route.auth],
    "x-auth": route.auth,
    request: requestOf(docs.request),
    responses: responsesOf(route.auth, docs, routeKey(route)),
  };
}

function requestOf(request: RouteRequest | undefined): RouteConfig["request"] {
  if (!request) return undefined;
  const descriptions = request.parameters ?? {};
  const named = [request.path, request.query, request.headers].flatMap((schema) => Object.keys(schema?.shape ?? {}));
  const unknown = Object.keys(descriptions).filter((name) => !named.includes(name));
  if (unknown.length > 0) throw new Error(`describes parameters it does not have: ${unknown.join(", ")}`);
  const described = (schema: z.ZodObject | undefined) => (schema ? describeParameters(schema, descriptions) : undefined);
  return {
    ...(request.path ? { params: described(request.path) } : {}),
    ...(request.query ? { query: described(request.query) } : {}),
    ...(request.headers ? { headers: described(request.headers) } : {}),
    ...(request.body
      ? {
          body: {
            required: request.bodyOptional !== true,
            content: { "application/json": { schema: request.body, ...(request.bodyExamples ? { examples: request.bodyExamples } : {}) } },
          },
        }
      : {}),
  };
}

/** The parameter object with each named parameter's description attached, for the document only. */
function describeParameters(schema: z.ZodObject, descriptions: Readonly<Record<string, string>>): z.ZodObject {
  return z.object(
    Object.fromEntries(
      Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
        const description = descriptions[name];
        return [name, description === undefined ? field : field.meta({ param: { description } })];
      }),
    ),
  );
}

function responsesOf(auth: AuthKind, docs: RouteDocumentation, key: string): Record<string, ResponseConfig> {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, answer] of Object.entries(docs.answers)) {
    const content = {
      ...(answer.body ? { "application/json": { schema: answer.body, ...(answer.examples ? { examples: answer.examples } : {}) } } : {}),
      ...Object.fromEntries(Object.entries(answer.media ?? {}).map(([type, schema]) => [type, { schema }])),
    };
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: z.object(Object.fromEntries(Object.entries(answer.headers).map(([name, header]) => [name, header.schema.meta({ description: header.description })]))) } : {}),
      ...(Object.keys(content).length > 0 ? { content } : {}),
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...docs.errors, ...IMPLIED_ERRORS[auth]])) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (responses[status]) throw new Error(`${key}: status ${status} is both an answer and an error (${codes.join(", ")})`);
    responses[status] = errorResponse(codes, auth);
  }
  return responses;
}

/** The answer of one error status: the error body with the route's codes of that status. */
function errorResponse(codes: readonly ErrorCode[], auth: AuthKind): ResponseConfig {
  // The error body, its code narrowed to the route's codes of this status.
  const body = {
    allOf: [{ $ref: "#/components/schemas/ErrorBody" }, { type: "object" as const, properties: { error: { type: "object" as const, properties: { code: { enum: [...codes] } } } } }],
  };
  const byGateway = codes.includes("UNAUTHORIZED") && (auth === "resident" || auth === "operator" || auth === "merchant");
  return {
    description: [
      ...codes.map((code) => `${code}: ${ERROR_DESCRIPTIONS[code]}`),
      ...(byGateway ? ["On AWS, API Gateway's JWT authorizer refuses a missing or bad token itself, with `{message}`."] : []),
    ].join(" "),
    ...(codes.some((code) => RETRY_AFTER_CODES.includes(code))
      ? { headers: z.object({ "Retry-After": z.int().positive().meta({ description: "Seconds to wait before retrying" }) }) }
      : {}),
    content: { "application/json": { schema: byGateway ? { anyOf: [body, { $ref: "#/components/schemas/GatewayMessage" }] } : body } },
  };
}

/** The payout request the platform sends to a partner's `payoutUrl` (shared/payout-client.ts). */
function payoutWebhook(): RouteConfig {
  const example = { statementId: "c1/m1/2026-11-21", campaignId: "c1", merchantId: "m1", period: "2026-11-21", amount: 123456, currency: "CNY" };
  return {
    method: "post",
    path: "payout",
    operationId: "receivePayout",
    tags: ["payouts"],
    summary: "Pay a merchant's statement (sent by the platform to the partner's payoutUrl)",
    description:
      "The platform POSTs each statement to pay to the `payoutUrl` of the partner that acquired the merchant. Verify the signature over " +
      "the raw body before parsing it, and pay each Idempotency-Key once, for good: a payout whose answer was lost is sent again with " +
      "the same key, by the queue within minutes or by an operator's retry-payout days later. A 2xx is a payout made (or made before " +
      "for this key); 429 and 5xx, a timeout or a network fault are retried; any other answer, a 3xx included (redirects are never " +
      "followed), fails the payout: the statement becomes FAILED for an operator.",
    security: [{ partnerSignature: [] }],
    request: {
      headers: payoutHeadersSchema,
      body: {
        required: true,
        content: { "application/json": { schema: payoutRequestBodySchema, examples: { statement: { summary: "A statement of ¥1,234.56", value: example } } } },
      },
    },
    responses: {
      200: {
        description: "Paid, or paid before for this Idempotency-Key; `payoutId` is kept with the statement",
        content: { "application/json": { schema: payoutAcceptedSchema, examples: { paid: { summary: "Your payout reference", value: { payoutId: "po-5521" } } } } },
      },
      401: { description: `Refused, e.g. a signature (X-Voucher-Signature) that does not verify: not retried, the statement becomes FAILED` },
      429: { description: "Busy: retried later with the same Idempotency-Key" },
      503: { description: "Unavailable (any 5xx): retried later with the same Idempotency-Key" },
    },
  };
}
