/**
 * The X-Ray SDK switches on async hooks for its whole process as it loads (cls-hooked). The tracer
 * is loaded on Lambda only, so the local runtime, which runs every function in one process, the
 * claim's included, does not pay that on every promise (shared/observability/tracing.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tracing-probe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probeFile = join(dir, "probe.mts");
writeFileSync(
  probeFile,
  [
  `const tracing = await import(${JSON.stringify(join(repoRoot, "shared/observability/tracing.ts"))});`,
  "const hooks = Object.keys(process.namespaces ?? {});",
  "console.log(JSON.stringify({ tracer: tracing.tracer !== undefined, on: tracing.tracingOn, hooks }));",
  ].join("\n"),
);

function load(env: Record<string, string>): { tracer: boolean; on: boolean; hooks: string[] } {
  const run = spawnSync(join(repoRoot, "node_modules/.bin/tsx"), [probeFile], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", AWS_REGION: "ap-east-1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    timeout: 30_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { tracer: boolean; on: boolean; hooks: string[] };
}

describe("the tracer", { timeout: 60_000 }, () => {
  it("is not loaded off Lambda: no X-Ray namespace, so no async hooks on every promise", () => {
    expect(load({})).toEqual({ tracer: false, on: false, hooks: [] });
  });

  it("is loaded on Lambda, with the X-Ray SDK's namespace", () => {
    expect(load({ AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x", AWS_LAMBDA_FUNCTION_NAME: "ticker", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" })).toEqual({
      tracer: true,
      on: true,
      hooks: ["AWSXRay"],
    });
  });
});
