/**
 * The operator console in the local runtime (API.md, "Console"): the built single-page app under
 * `/console/`, the development sign-in `/console/dev-login` that mints a token with the local
 * JWT signer, and `/console/config.json` saying that this is how to sign in here. On AWS, CloudFront serves the same files from S3 and the identity provider signs in.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import { z } from "zod";
import { isLoopback, type JwtSettings, signLocalToken } from "./jwt.js";
import { MERCHANTS_GROUP, MERCHANT_ID_CLAIM } from "../../shared/http/caller.js";

export const CONSOLE_PREFIX = "/console";

/** Groups the development sign-in gives each role; operators get the group the operator routes require. */
const ROLES = ["operator", "merchant", "resident"] as const;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export interface ConsoleSite {
  /** The folder `npm run console:build` writes (console/dist). */
  dist: string;
  /** The host the runtime listens on: the development sign-in works only on a loopback address. */
  host: string;
  jwt: JwtSettings;
}

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const devLoginQuerySchema = z
  .object({
    sub: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "sub must be 1–64 of A-Z a-z 0-9 _ -"),
    role: z.enum(ROLES),
    merchant: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "merchant must be 1–64 of A-Z a-z 0-9 _ -").optional(),
  })
  .refine((query) => query.role !== "merchant" || query.merchant !== undefined, { message: "role=merchant needs merchant=<id>", path: ["merchant"] });

/**
 * `GET /console/dev-login?sub=…&role=…[&merchant=…]`: 302 to `/console/#access_token=<jwt>`. The
 * token rides in the fragment, which browsers never send to a server. 403 unless the runtime
 * listens on a loopback address: anyone who can reach it could otherwise sign in as an operator.
 */
export async function devLogin(query: URLSearchParams, site: Pick<ConsoleSite, "host" | "jwt">): Promise<ConsoleAnswer> {
  if (!isLoopback(site.host)) {
    return text(403, `The development sign-in exists only when the platform listens on a loopback address (HOST is ${site.host}).\n`);
  }
  const parsed = devLoginQuerySchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) {
    return text(400, `${parsed.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("\n")}\n`);
  }
  const { sub, role, merchant } = parsed.data;
  const token = await signLocalToken({
    sub,
    operator: role === "operator",
    groups: role === "merchant" ? [MERCHANTS_GROUP] : [],
    ...(merchant ? { claims: { [MERCHANT_ID_CLAIM]: merchant } } : {}),
    expiresInSeconds: 8 * 3600,
    settings: site.jwt,
  });
  return { status: 302, headers: { location: `${CONSOLE_PREFIX}/#access_token=${token}`, "cache-control": "no-store" }, body: "" };
}

/**
 * Answers a request under `/console`, or returns false for any other path. Files come from
 * `dist`; a path without a file extension is a client route and gets index.html.
 */
export async function serveConsole(request: http.IncomingMessage, response: http.ServerResponse, url: URL, site: ConsoleSite): Promise<boolean> {
  if (url.pathname !== CONSOLE_PREFIX && !url.pathname.startsWith(`${CONSOLE_PREFIX}/`)) return false;
  const method = (request.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    const refused = text(405, "Method Not Allowed\n");
    write(response, method, { ...refused, headers: { ...refused.headers, allow: "GET, HEAD" } });
    return true;
  }
  if (url.pathname === CONSOLE_PREFIX) {
    write(response, method, { status: 301, headers: { location: `${CONSOLE_PREFIX}/${url.search}` }, body: "" });
    return true;
  }
  if (url.pathname === `${CONSOLE_PREFIX}/dev-login`) {
    write(response, method, await devLogin(url.searchParams, site));
    return true;
  }
  if (url.pathname === `${CONSOLE_PREFIX}/config.json`) {
    // How the console signs in here (on AWS the deployment writes this file with the identity provider's settings).
    write(response, method, { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify({ developmentSignIn: true }) });
    return true;
  }
  const index = path.join(site.dist, "index.html");
  if (!(await isFile(index))) {
    write(response, method, text(503, `The console is not built (no ${index}). npm start builds it; or run npm run console:build.\n`));
    return true;
  }
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname.slice(CONSOLE_PREFIX.length + 1));
  } catch {
    write(response, method, text(400, "Bad Request\n"));
    return true;
  }
  const file = path.resolve(site.dist, relative);
  // Nothing outside dist, and no dotfiles (the build's source hash).
  if ((file !== site.dist && !file.startsWith(site.dist + path.sep)) || relative.split("/").some((part) => part.startsWith("."))) {
    write(response, method, text(404, "Not Found\n"));
    return true;
  }
  if (relative !== "" && (await isFile(file))) {
    // Vite names assets by content hash, so they never change under their name.
    const cache = relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    await stream(response, method, file, cache);
    return true;
  }
  if (path.extname(relative) !== "") {
    write(response, method, text(404, "Not Found\n"));
    return true;
  }
  await stream(response, method, index, "no-cache");
  return true;
}

function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (found) => found.isFile(),
    () => false,
  );
}

async function stream(response: http.ServerResponse, method: string, file: string, cacheControl: string): Promise<void> {
  const { size } = await stat(file);
  response.writeHead(200, {
    "content-type": contentType(file),
    "content-length": String(size),
    "cache-control": cacheControl,
    "x-content-type-options": "nosniff",
  });
  if (method === "HEAD") {
    response.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on("error", reject).pipe(response).on("finish", resolve).on("error", reject);
  });
}

function text(status: number, body: string): ConsoleAnswer {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }, body };
}

function write(response: http.ServerResponse, method: string, answer: ConsoleAnswer): void {
  response.writeHead(answer.status, { ...answer.headers, "content-length": String(Buffer.byteLength(answer.body)) });
  response.end(method === "HEAD" ? undefined : answer.body);
}
