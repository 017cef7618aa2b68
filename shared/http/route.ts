/**
 * The adapter every HTTP handler is built with: it checks who may call (the operator-group
 * check lives here, so the same code guards AWS and the local runtime), parses the body with
 * zod, and maps results and errors to API Gateway v2 responses in one place.
 */
import middy from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import * as z from "../zod-mini.js";
import { DomainError, ForbiddenError, UnauthorizedError, ValidationError } from "../errors.js";
import { logger } from "../logger.js";
import { publishMetrics } from "../observability/metrics.js";
import type { AuthKind } from "../wiring/types.js";
import { type Caller, type MerchantCaller, callerFromClaims, isMerchant, isOperator } from "./caller.js";
import { checkOrigin } from "./origin.js";

/** The event as API Gateway's HTTP API (payload 2.0) delivers it; the authorizer is absent on public routes. */
export type HttpEvent = Omit<APIGatewayProxyEventV2WithJWTAuthorizer, "requestContext"> & {
  requestContext: Omit<APIGatewayProxyEventV2WithJWTAuthorizer["requestContext"], "authorizer"> & {
    authorizer?: APIGatewayProxyEventV2WithJWTAuthorizer["requestContext"]["authorizer"];
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface HttpReply {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (CSV, say), instead of `body`; its content-type comes from `headers` (default text/plain UTF-8). */
  text?: string;
  headers?: Record<string, string>;
}

type CallerFor<A extends AuthKind> = A extends "merchant" ? MerchantCaller : A extends "resident" | "operator" ? Caller : Caller | undefined;

export interface HttpRequest<A extends AuthKind> {
  readonly event: HttpEvent;
  readonly caller: CallerFor<A>;
  readonly requestId: string;
  readonly context: Context;
}

/** Routes whose checks this adapter does; partner signatures get their own middleware. */
export type CallerAuth = Exclude<AuthKind, "partner-signed">;

/**
 * Builds a Lambda handler for one route. `run` is the use-case call; it returns a reply or
 * throws a DomainError. The unwrapped function is exposed as `.run` for tests.
 *
 * The chain has the logger's Lambda context and the invocation's metrics but no Powertools
 * Tracer, so that the claim handler's bundle stays small (it relies on Lambda's active tracing);
 * every other handler is built with traced-route.ts's `httpRoute`, which adds the tracer.
 */
export function httpRoute<A extends CallerAuth>(auth: A, run: (request: HttpRequest<A>) => HttpReply | Promise<HttpReply>) {
  const handle = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    try {
      checkOrigin(event.headers);
      const caller = authorise(auth, event);
      const reply = await run({ event, caller: caller as CallerFor<A>, requestId, context });
      return toResult(reply);
    } catch (error) {
      return errorResult(error, requestId);
    }
  };
  return Object.assign(middy(handle).use(injectLambdaContext(logger, { resetKeys: true })).use(publishMetrics()), { run: handle });
}

/**
 * Parses a JSON body with a schema; a bad body is a ValidationError ("The <what> is invalid")
 * carrying every issue.
 */
export function parseBody<S extends z.core.$ZodType>(event: HttpEvent, schema: S, what = "body"): z.infer<S> {
  return parseWith(schema, jsonBody(event), what);
}

/**
 * The decoded JSON body (undefined when there is none), for a parser of the domain's own (the
 * campaign's, whose errors list every issue of the campaign); bad JSON is a ValidationError.
 */
export function jsonBody(event: HttpEvent): unknown {
  try {
    const text = event.isBase64Encoded && event.body ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    return text === undefined || text === "" ? undefined : JSON.parse(text);
  } catch (cause) {
    throw new ValidationError("The body is not valid JSON", { cause });
  }
}

/** Parses path or query parameters (with a classic or a mini schema); a mismatch is a ValidationError carrying every issue. */
export function parseWith<S extends z.core.$ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    throw new ValidationError(`The ${what} is invalid`, {
      details: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    });
  }
  return parsed.data;
}

function authorise(auth: CallerAuth, event: HttpEvent): Caller | undefined {
  const caller = callerFromClaims(event.requestContext?.authorizer?.jwt?.claims);
  if (auth === "public") return caller;
  // On AWS the authorizer has already refused a missing token; this guards misconfiguration.
  if (!caller) throw new UnauthorizedError("A valid bearer token is required");
  if (auth === "operator" && !isOperator(caller)) {
    throw new ForbiddenError("This route is for bureau operators only");
  }
  // Whether the merchant is APPROVED is the use case's to check: it needs the merchant's record.
  if (auth === "merchant" && !isMerchant(caller)) {
    throw new ForbiddenError("This route is for merchants only: a token of the merchants group with a custom:merchant_id claim");
  }
  return caller;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };
const TEXT_HEADERS = { "content-type": "text/plain; charset=utf-8" };

/** An HTTP reply as API Gateway expects it. */
export function toResult(reply: HttpReply): HttpResult {
  if (reply.text !== undefined) {
    return { statusCode: reply.status, headers: { ...TEXT_HEADERS, ...reply.headers }, body: reply.text };
  }
  return {
    statusCode: reply.status,
    headers: { ...(reply.body === undefined ? {} : JSON_HEADERS), ...reply.headers },
    ...(reply.body === undefined ? {} : { body: JSON.stringify(reply.body) }),
  };
}

/** Maps any thrown value to the error body of docs/architecture.md ("Error model"); unknown errors leak nothing. */
export function errorResult(error: unknown, requestId: string): HttpResult {
  if (error instanceof DomainError) {
    if (error.status >= 500) logger.error("request failed", { requestId, error });
    return toResult({
      status: error.status,
      headers: "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number" ? { "retry-after": String(error.retryAfterSeconds) } : {},
      body: {
        error: {
          code: error.code,
          message: error.expose ? error.message : "The request failed",
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      },
    });
  }
  logger.error("unexpected error", { requestId, error: error as Error });
  return toResult({
    status: 500,
    body: { error: { code: "INTERNAL", message: "Internal error", details: { requestId } } },
  });
}
