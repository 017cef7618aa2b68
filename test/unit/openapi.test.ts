import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../shared/api/openapi.js";
import { platform } from "../../shared/wiring/platform.js";

const packageVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("the OpenAPI document", () => {
  it("in docs/ is the one the code generates (run `npm run openapi` after changing routes or schemas)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8")) as unknown;
    expect(committed).toEqual(buildOpenApi(platform, packageVersion));
  });

  it("documents every declared route with its security", () => {
    const doc = buildOpenApi(platform, packageVersion) as { paths: Record<string, Record<string, { security: unknown[] }>> };
    for (const route of platform.routes) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.security.length > 0).toBe(route.auth !== "public");
    }
  });

  it("refuses to publish a route without documentation", () => {
    const undocumented = { ...platform, routes: [...platform.routes, { method: "GET" as const, path: "/ghost", auth: "public" as const, function: "me" as const }] };
    expect(() => buildOpenApi(undocumented, "0")).toThrow(/undocumented routes: GET \/ghost/);
  });
});
