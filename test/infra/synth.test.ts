/**
 * `npm run synth` on this checkout: the pinned CDK CLI, bundling every handler with the local
 * esbuild (never Docker), writing both templates to cdk.out/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { platform } from "../../shared/wiring/platform.js";

describe("npm run synth", () => {
  it("writes both templates and one ESM bundle per function", () => {
    const result = spawnSync(join(REPO_ROOT, "node_modules/.bin/tsx"), ["scripts/synth.ts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);

    const out = join(REPO_ROOT, "cdk.out");
    const stateless = JSON.parse(readFileSync(join(out, "vouchers-stateless.template.json"), "utf8"));
    expect(existsSync(join(out, "vouchers-stateful.template.json"))).toBe(true);
    const functions = Object.values(stateless.Resources).filter((r: any) => r.Type === "AWS::Lambda::Function") as any[];
    expect(functions).toHaveLength(Object.keys(platform.functions).length);
    for (const fn of functions) {
      const asset = join(out, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, "")}`, "index.mjs");
      expect(statSync(asset).size, asset).toBeGreaterThan(1000);
      expect(readFileSync(asset, "utf8")).toContain("createRequire");
      // The bundle loads on its own in a fresh Node process, its handler exported.
      const loaded = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(asset)}); console.log(typeof m.handler);`], {
        encoding: "utf8",
        env: { ...process.env, AWS_REGION: "ap-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" },
        timeout: 30_000,
      });
      expect(loaded.stdout.trim(), `${asset}: ${loaded.stderr}`).toBe("function");
    }
  });
});
