import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONSOLE_DIST as BUILT } from "../../infra/local/console-build.js";
import { CONSOLE_CLIENT_TYPES_FILE, consoleClientTypes } from "../../infra/local/console-client.js";
import { CONSOLE_DIST as SERVED } from "../../infra/local/runtime.js";

describe("the console's API types", () => {
  it("in console/src/api/openapi.d.ts are the ones docs/openapi.json gives (run `npm run console:client` after `npm run openapi`)", async () => {
    const committed = readFileSync(CONSOLE_CLIENT_TYPES_FILE, "utf8");
    const generated = await consoleClientTypes();
    expect(committed).toBe(generated);
    // Not an empty shell: the routes the console calls are typed.
    for (const route of ['"/campaigns"', '"/admin/health"', '"/admin/campaigns/{id}/stats"', '"/admin/fraud/flags"']) expect(generated).toContain(route);
  });
});

describe("the console's build", () => {
  it("writes the folder the local runtime serves", () => {
    expect(BUILT).toBe(SERVED);
    expect(BUILT.endsWith("/console/dist")).toBe(true);
  });
});
