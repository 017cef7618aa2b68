/**
 * An HTTP server shaped like API Gateway's HTTP API: it matches declared routes the way API
 * Gateway does (literal segments beat parameters), plays the JWT authorizer on resident and
 * operator routes, and hands the handler a payload-2.0 event. Answers that API Gateway itself
 * gives (no route, bad token) have API Gateway's bodies.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { routeKey } from "../../shared/wiring/define.js";
import type { AuthKind, RouteDeclaration, Wiring } from "../../shared/wiring/types.js";
import { type ConsoleSite, serveConsole } from "./console-server.js";
import type { Invoker } from "./invoker.js";
import { type JwtSettings, verifyBearer } from "./jwt.js";
import type { Log } from "./log.js";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Where the local runtime serves the emulator's S3: presigned URLs are signed for
 * `<origin>/object-store/<bucket>/<key>`, and requests there are passed to fauxqs as
 * `/<bucket>/<key>` (fauxqs checks no signature, so the changed path does no harm). On AWS the
 * URLs point at S3 itself and this path does not exist.
 */
export const OBJECT_STORE_PATH = "/object-store";
const TEXT_TYPES = /^(text\/|application\/(json|[^;]*\+json|xml|x-www-form-urlencoded|javascript))/i;

interface CompiledRoute {
  route: RouteDeclaration<string>;
  key: string;
  pattern: RegExp;
  parameters: string[];
  /** Literal segments first, then fewer parameters: API Gateway's "most specific wins". */
  specificity: number;
}

export interface Gateway {
  readonly url: string;
  /** The routes it serves, most specific first. */
  readonly routes: readonly { key: string; auth: AuthKind; function: string }[];
  close(): Promise<void>;
}

export async function startGateway(input: {
  wiring: Wiring;
  invoker: Invoker;
  jwt: JwtSettings;
  host: string;
  port: number;
  log: Log;
  /** The operator console under /console/ (not a route of the wiring: API Gateway never sees it). */
  console?: ConsoleSite;
  /** The emulator's S3 endpoint, served under {@link OBJECT_STORE_PATH}; absent: that path is not served. */
  objectStoreEndpoint?: string;
}): Promise<Gateway> {
  const routes = input.wiring.routes.map(compile).sort((a, b) => b.specificity - a.specificity);
  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      input.log({ level: "error", msg: "gateway fault", error: String(error) });
      if (!response.headersSent) send(response, 500, { message: "Internal Server Error" });
      else response.destroy();
    });
  });
  // Lambda-sized waits are fine locally, but idle sockets must not hold the process open.
  server.keepAliveTimeout = 5_000;

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(request.url ?? "/", "http://local");
    if (input.console && (await serveConsole(request, response, url, input.console))) return;
    if (input.objectStoreEndpoint !== undefined && url.pathname.startsWith(`${OBJECT_STORE_PATH}/`)) {
      await passToObjectStore(request, response, url, input.objectStoreEndpoint);
      return;
    }
    const method = (request.method ?? "GET").toUpperCase();
    const found = match(routes, method, url.pathname);
    if (!found) {
      send(response, 404, { message: "Not Found" });
      return;
    }
    const body = await readBody(request);
    if (body === "too-large") {
      send(response, 413, { message: "Request Entity Too Large" });
      return;
    }
    const headers = normaliseHeaders(request.headers);
    let jwt: { claims: Record<string, string>; scopes: string[] | null } | undefined;
    if (found.route.route.auth === "resident" || found.route.route.auth === "operator" || found.route.route.auth === "merchant") {
      const verified = await verifyBearer(headers.authorization, input.jwt);
      if (!verified.ok) {
        input.log({ level: "info", msg: "unauthorized", route: found.route.key, reason: verified.reason });
        send(response, 401, { message: "Unauthorized" }, { "www-authenticate": 'Bearer error="invalid_token"' });
        return;
      }
      jwt = { claims: verified.claims, scopes: verified.scopes };
    }
    const event = buildEvent({ request, url, method, headers, body, route: found.route, pathParameters: found.parameters, started, jwt });
    let result: unknown;
    try {
      result = await input.invoker.invoke(found.route.route.function, event, {
        kind: "http",
        trigger: found.route.key,
        summarise: (value) => ({ status: (value as { statusCode?: number } | undefined)?.statusCode ?? 200 }),
      });
    } catch {
      // A handler that throws or times out: API Gateway answers 500 without detail.
      send(response, 500, { message: "Internal Server Error" });
      return;
    }
    writeResult(response, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(input.port, input.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${input.host}:${address.port}`,
    routes: routes.map(({ key, route }) => ({ key, auth: route.auth, function: route.function })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Streams one request to the emulator's S3 and its answer back, path shortened by {@link OBJECT_STORE_PATH}. */
async function passToObjectStore(request: http.IncomingMessage, response: http.ServerResponse, url: URL, endpoint: string): Promise<void> {
  const target = new URL(url.pathname.slice(OBJECT_STORE_PATH.length) + url.search, endpoint);
  const { host: _host, ...headers } = request.headers;
  await new Promise<void>((resolve, reject) => {
    const upstream = http.request(target, { method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
      answer.on("end", resolve);
      answer.on("error", reject);
    });
    upstream.on("error", reject);
    request.pipe(upstream);
  });
}

function compile(route: RouteDeclaration<string>): CompiledRoute {
  const parameters: string[] = [];
  const segments = route.path.split("/").filter(Boolean);
  let literal = 0;
  const source = segments
    .map((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment);
      if (parameter) {
        parameters.push(parameter[1]!);
        return "/([^/]+)";
      }
      literal += 1;
      return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
    })
    .join("");
  return {
    route,
    key: routeKey(route),
    pattern: new RegExp(`^${source || "/"}$`),
    parameters,
    specificity: literal * 1000 - parameters.length,
  };
}

function match(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; parameters: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.route.method !== method) continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const parameters: Record<string, string> = {};
    route.parameters.forEach((name, index) => {
      parameters[name] = decodeURIComponent(found[index + 1]!);
    });
    return { route, parameters };
  }
  return undefined;
}

function buildEvent(input: {
  request: http.IncomingMessage;
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  route: CompiledRoute;
  pathParameters: Record<string, string>;
  started: number;
  jwt: { claims: Record<string, string>; scopes: string[] | null } | undefined;
}): APIGatewayProxyEventV2 {
  const { headers, url } = input;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = headers.cookie?.split(";").map((cookie) => cookie.trim()).filter(Boolean);
  const { cookie: _cookie, ...headersWithoutCookie } = headers;
  const isText = input.body.length === 0 || TEXT_TYPES.test(headers["content-type"] ?? "text/plain");
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
    version: "2.0",
    routeKey: input.route.key,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    headers: headersWithoutCookie,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0] ?? "localhost",
      http: {
        method: input.method,
        path: url.pathname,
        protocol: `HTTP/${input.request.httpVersion}`,
        sourceIp: input.request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: input.route.key,
      stage: "$default",
      time: clfTime(new Date(input.started)),
      timeEpoch: input.started,
      ...(input.jwt ? { authorizer: { jwt: { claims: input.jwt.claims, scopes: input.jwt.scopes } } } : {}),
    },
    isBase64Encoded: !isText,
    ...(input.body.length > 0 ? { body: isText ? input.body.toString("utf8") : input.body.toString("base64") } : {}),
  };
  return event;
}

/** Maps a handler's answer as API Gateway does for payload format 2.0. */
function writeResult(response: http.ServerResponse, result: unknown): void {
  const structured = result as APIGatewayProxyStructuredResultV2 | undefined;
  if (typeof structured !== "object" || structured === null || typeof structured.statusCode !== "number") {
    // A bare value is taken as a 200 JSON body.
    send(response, 200, result === undefined ? null : result);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
  const body =
    structured.body === undefined
      ? Buffer.alloc(0)
      : structured.isBase64Encoded
        ? Buffer.from(structured.body, "base64")
        : Buffer.from(structured.body, "utf8");
  response.writeHead(structured.statusCode, { ...headers, "content-length": String(body.length) });
  response.end(body);
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

function normaliseHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

// Stream events, not `for await`: the async iterator costs every request a few promises.
function readBody(request: http.IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.off("data", onData);
        request.off("end", onEnd);
        request.resume();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("error", reject);
  });
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's `requestContext.time`: 22/Nov/2026:13:27:30 +0000. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
