import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../shared/api/openapi.js";
import { ERROR_CODES } from "../../shared/errors.js";
import { platform } from "../../shared/wiring/platform.js";
import type { RouteDeclaration } from "../../shared/wiring/types.js";

const packageVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
const REPO_ROOT = new URL("../..", import.meta.url).pathname;

interface Operation {
  operationId: string;
  security: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
const generated = () => buildOpenApi(platform, packageVersion) as unknown as { paths: Record<string, Record<string, Operation>>; webhooks: Record<string, unknown> };

describe("the OpenAPI document", () => {
  it("in docs/ is the one the code generates (run `npm run openapi` after changing routes or schemas)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8")) as unknown;
    expect(committed).toEqual(buildOpenApi(platform, packageVersion));
  });

  it("has exactly one operation per declared route, with its security", () => {
    const doc = generated();
    for (const route of platform.routes) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.operationId).toBe(route.docs.operationId);
      expect(operation!.security.length > 0).toBe(route.auth !== "public");
    }
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(platform.routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it("cannot be without a declared route: a route without documentation does not compile", () => {
    // @ts-expect-error `docs` is required; `npm run typecheck` fails if an undocumented route ever compiles.
    const undocumented: RouteDeclaration<"me"> = { method: "GET", path: "/ghost", auth: "public", function: "me" };
    expect("docs" in undocumented).toBe(false);
  });

  it("names each operation once, in camelCase", () => {
    const ids = platform.routes.map((route) => route.docs.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    const twice = { ...platform, routes: [...platform.routes, { ...platform.routes[0]!, path: "/ghost" }] };
    expect(() => buildOpenApi(twice, "0")).toThrow(/operationId getHealth is taken/);
  });

  it("refuses a route whose path schema does not name its path's parameters", () => {
    const [claim] = platform.routes.filter((route) => route.docs.operationId === "claimVoucher");
    const moved = { ...platform, routes: [{ ...claim!, path: "/campaigns/{id}/claims" }] };
    expect(() => buildOpenApi(moved, "0")).toThrow(/path parameters \{id\} documented as \{dropId, id\}/);
  });

  it("lists VALIDATION_FAILED on every route that parses a query, header or body", () => {
    const parsing = platform.routes.filter(({ docs }) => docs.request?.query ?? docs.request?.headers ?? docs.request?.body);
    expect(parsing.length).toBeGreaterThan(20);
    for (const route of parsing) expect(route.docs.errors, route.docs.operationId).toContain("VALIDATION_FAILED");
  });

  it("answers each route's error codes with their statuses, the code narrowed to the route's list", () => {
    const claim = generated().paths["/campaigns/{id}/drops/{dropId}/claims"]!.post!;
    const codesOf = (status: string) => JSON.stringify(claim.responses[status]?.content?.["application/json"]?.schema).match(/"enum":\[([^\]]*)\]/)?.[1];
    for (const code of ["SOLD_OUT", "LIMIT_REACHED", "DROP_NOT_OPEN", "IDEMPOTENCY_IN_PROGRESS"] as const) {
      expect(ERROR_CODES[code].status).toBe(409);
      expect(codesOf("409")).toContain(`"${code}"`);
    }
    expect(codesOf("422")).toBe('"IDEMPOTENCY_KEY_REUSED"');
    expect(codesOf("500")).toBe('"INTERNAL"');
  });

  it("documents the claim's Idempotency-Key as the handler enforces it (1–128 visible ASCII) and the wallet's paging", () => {
    const doc = generated() as unknown as { paths: Record<string, Record<string, { parameters: { name: string; in: string; schema: { pattern?: string } }[] }>> };
    const key = doc.paths["/campaigns/{id}/drops/{dropId}/claims"]!.post!.parameters.find((parameter) => parameter.name === "Idempotency-Key");
    expect(key).toMatchObject({ in: "header", schema: { pattern: "^[\\x21-\\x7e]{1,128}$" } });
    expect(doc.paths["/me/vouchers"]!.get!.parameters.map((parameter) => `${parameter.in} ${parameter.name}`)).toEqual(["query limit", "query nextToken"]);
  });

  it("describes the payout request the platform sends, as a webhook", () => {
    expect(Object.keys(generated().webhooks)).toEqual(["payout"]);
  });

  it("passes Redocly's recommended lint with no error", () => {
    const dir = mkdtempSync(join(tmpdir(), "openapi-"));
    try {
      const file = join(dir, "openapi.json");
      writeFileSync(file, JSON.stringify(buildOpenApi(platform, packageVersion)));
      const lint = spawnSync(join(REPO_ROOT, "node_modules/.bin/redocly"), ["lint", file, "--format=json", "--config", join(REPO_ROOT, "redocly.yaml")], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        // No telemetry and no update check: the unit tests make no network calls.
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        timeout: 60_000,
      });
      const report = JSON.parse(lint.stdout) as { totals: { errors: number }; problems: { ruleId: string; severity: string; message: string }[] };
      expect(report.problems.filter((problem) => problem.severity === "error")).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
