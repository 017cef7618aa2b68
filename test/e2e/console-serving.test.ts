/**
 * The operator console in the local runtime, over real HTTP: the built files under /console/ with
 * their content types, client routes answered with index.html, a clear answer while the console
 * is not built, and the development sign-in whose token the API accepts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { callerSchema, healthReportSchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { startConsoleDevServer } from "../../infra/local/console-dev.js";
import { startTestRuntime } from "../integration/runtime-helpers.js";

const INDEX = '<!doctype html><html><body><div id="root"></div><script type="module" src="/console/assets/index-abc123.js"></script></body></html>';
let dist: string;
let runtime: LocalRuntime;

/** No redirect following: the 30x answers are what is tested. */
const get = (route: string, init: RequestInit = {}) => fetch(`${runtime.url}${route}`, { redirect: "manual", ...init });

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), "console-dist-"));
  runtime = await startTestRuntime(platform, "console", { consoleDist: dist });
});

afterAll(async () => {
  await runtime?.stop();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe("the console's files", () => {
  it("answer 503 with what to run while the console is not built, then are served once it is", async () => {
    const missing = await get("/console/");
    expect(missing.status).toBe(503);
    expect(missing.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await missing.text()).toMatch(/console is not built.*npm run console:build/s);

    mkdirSync(path.join(dist, "assets"));
    writeFileSync(path.join(dist, "index.html"), INDEX);
    writeFileSync(path.join(dist, "assets", "index-abc123.js"), "console.log('console');\n");
    writeFileSync(path.join(dist, "assets", "index-abc123.css"), "body { margin: 0 }\n");
    writeFileSync(path.join(dist, "favicon.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(dist, ".sources-sha256"), "0".repeat(64));

    const index = await get("/console/");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(await index.text()).toBe(INDEX);
  });

  it.each([
    ["/console/assets/index-abc123.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"],
    ["/console/assets/index-abc123.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"],
    ["/console/favicon.svg", "image/svg+xml", "no-cache"],
  ])("serve %s as %s", async (route, type, cache) => {
    const response = await get(route);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    expect(response.headers.get("cache-control")).toBe(cache);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("answer client routes with index.html (the app routes them), but a missing file with 404", async () => {
    for (const route of ["/console/campaigns", "/console/campaigns/c-1/drops", "/console/fraud?status=OPEN"]) {
      const response = await get(route);
      expect(response.status, route).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await response.text()).toBe(INDEX);
    }
    expect((await get("/console/assets/gone-123.js")).status).toBe(404);
  });

  it("redirect /console to /console/, answer HEAD without a body and refuse other methods", async () => {
    const bare = await get("/console");
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/console/");
    const head = await get("/console/", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(INDEX)));
    expect(await head.text()).toBe("");
    const post = await get("/console/", { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("never serve a file outside dist, nor a dotfile", async () => {
    expect((await get("/console/..%2f..%2fetc%2fpasswd")).status).toBe(404);
    expect((await get("/console/%2e%2e/package.json")).status).toBe(404);
    expect((await get("/console/.sources-sha256")).status).toBe(404);
  });

  it("answer config.json with the development sign-in (on AWS the deployment writes the identity provider's settings there)", async () => {
    const response = await get("/console/config.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ developmentSignIn: true });
  });

  it("leave the API's routes alone", async () => {
    expect((await get("/health")).status).toBe(200);
    expect((await get("/consoles")).status).toBe(404);
  });
});

describe("GET /console/dev-login", () => {
  async function signIn(query: string): Promise<string> {
    const response = await get(`/console/dev-login?${query}`);
    expect(response.status).toBe(302);
    const location = response.headers.get("location") ?? "";
    const token = /^\/console\/#access_token=(.+)$/.exec(location)?.[1];
    expect(token, location).toBeDefined();
    return token!;
  }

  it("answers 302 to /console/ with an operator token in the fragment that the API accepts", async () => {
    const token = await signIn("sub=ops-1&role=operator");
    const health = await get("/admin/health", { headers: { authorization: `Bearer ${token}` } });
    expect(health.status).toBe(200);
    expect(healthReportSchema.parse(await health.json()).status).toBe("ok");
    const me = await get("/me", { headers: { authorization: `Bearer ${token}` } });
    expect(callerSchema.parse(await me.json())).toEqual({ sub: "ops-1", groups: ["operators"] });
  });

  it("signs a resident whom operator routes refuse", async () => {
    const token = await signIn("sub=alice&role=resident");
    expect((await get("/admin/health", { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  });

  it("answers 400 with the reason for a query it cannot sign", async () => {
    const response = await get("/console/dev-login?sub=a&role=merchant");
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("role=merchant needs merchant=<id>");
  });
});

describe("npm run console:dev", () => {
  it("serves the app from its sources under /console/ and proxies the API and the sign-in to the platform", async () => {
    const server = await startConsoleDevServer({ apiUrl: runtime.url, port: 0 });
    try {
      const url = server.resolvedUrls?.local[0]?.replace(/\/console\/$/, "");
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await fetch(`${url}/console/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("/console/@vite/client");
      // A module that imports the platform's shared code is transformed and served.
      const format = await fetch(`${url}/console/src/format.ts`);
      expect(format.status).toBe(200);
      expect(format.headers.get("content-type")).toMatch(/javascript/);
      expect(await format.text()).toMatch(/shared\/domain\/money\.ts/);

      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { status: string }).status).toBe("ok");
      const signIn = await fetch(`${url}/console/dev-login?sub=ops-1&role=operator`, { redirect: "manual" });
      expect(signIn.status).toBe(302);
      expect(signIn.headers.get("location")).toMatch(/^\/console\/#access_token=/);
    } finally {
      await server.close();
    }
  });
});
