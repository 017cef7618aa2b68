/**
 * `npm run synth` on this checkout: the pinned CDK CLI, bundling every handler with the local
 * esbuild (never Docker), writing the five templates to cdk.out/ (cdk.json names no token
 * issuer, so the stock user pool's stack is one of them). The console build is the infra
 * tests' small one (through `-c vouchers:consoleDist`), so this test runs no Vite build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_DIST_CONTEXT } from "../../infra/build-app.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { platform } from "../../shared/wiring/platform.js";
import { CONSOLE_DIST_FIXTURE } from "./support.js";

describe("npm run synth", () => {
  // Bundling every function takes a minute alone and nearly two beside the integration tests on 2 cores.
  it("writes the five templates and one ESM bundle per function", { timeout: 360_000 }, () => {
    const result = spawnSync(join(REPO_ROOT, "node_modules/.bin/tsx"), ["scripts/synth.ts", "-c", `${CONSOLE_DIST_CONTEXT}=${CONSOLE_DIST_FIXTURE}`], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);

    const out = join(REPO_ROOT, "cdk.out");
    const stateless = JSON.parse(readFileSync(join(out, "vouchers-stateless.template.json"), "utf8"));
    expect(existsSync(join(out, "vouchers-stateful.template.json"))).toBe(true);
    expect(existsSync(join(out, "vouchers-waf.template.json"))).toBe(true);
    const identity = JSON.parse(readFileSync(join(out, "vouchers-identity.template.json"), "utf8"));
    const edge = JSON.parse(readFileSync(join(out, "vouchers-edge.template.json"), "utf8"));
    expect(Object.values(edge.Resources).filter((r: any) => r.Type === "AWS::CloudFront::Distribution")).toHaveLength(1);
    const functions = Object.values(stateless.Resources).filter((r: any) => r.Type === "AWS::Lambda::Function") as any[];
    expect(functions).toHaveLength(Object.keys(platform.functions).length);
    // The pre-token-generation trigger is bundled the same way.
    const trigger = Object.values(identity.Resources).filter((r: any) => r.Type === "AWS::Lambda::Function") as any[];
    expect(trigger).toHaveLength(1);
    for (const fn of [...functions, ...trigger]) {
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
