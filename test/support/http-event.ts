/** API Gateway HTTP API (payload 2.0) events, for tests that call a handler or its unwrapped route. */
import type { HttpEvent } from "../../shared/http/route.js";

export interface EventOptions {
  method?: string;
  /** As the route declares it, e.g. `/partners/{partnerId}/payments`. */
  route?: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as JSON unless a string (sent as it is). */
  body?: unknown;
  /** JWT claims of the caller; absent: no authorizer (a public or partner-signed route). */
  claims?: Record<string, string | number | boolean | string[]>;
}

/** An event as API Gateway delivers it to a handler. */
export function httpEvent(options: EventOptions = {}): HttpEvent {
  const method = options.method ?? "POST";
  const route = options.route ?? "/";
  const path = route.replace(/\{([^}]+)\}/g, (_, name: string) => options.pathParameters?.[name] ?? name);
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return {
    version: "2.0",
    routeKey: `${method} ${route}`,
    rawPath: path,
    rawQueryString: "",
    headers: options.headers ?? {},
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.queryStringParameters ? { queryStringParameters: options.queryStringParameters } : {}),
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body }),
    requestContext: {
      accountId: "0",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: `${method} ${route}`,
      stage: "$default",
      time: "",
      timeEpoch: 0,
      ...(options.claims ? { authorizer: { principalId: "", integrationLatency: 0, jwt: { claims: options.claims, scopes: [] } } } : {}),
    },
  };
}

/** A partner's signed request as the unwrapped partner route sees it: the event and the verified partner. */
export function partnerCall(partnerId: string, route: string, body: unknown) {
  return { event: httpEvent({ route, pathParameters: { partnerId }, body }), partner: { id: partnerId, name: partnerId } };
}
