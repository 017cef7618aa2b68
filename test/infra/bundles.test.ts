/**
 * The Lambda bundles carry none of the local runtime: every function's entry is bundled with
 * esbuild as the CDK construct does it (infra/constructs/voucher-function.ts), and no bundle
 * holds a module of infra/local/ nor the local fault mode's marker, so the faults that
 * `VOUCHERS_FAULTS` injects locally can never be injected on AWS.
 */
import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { FAULT_MIDDLEWARE_NAME } from "../../infra/local/faults.js";
import { platform } from "../../shared/wiring/platform.js";
import { LAMBDA_BUNDLING } from "./support.js";

describe("the Lambda bundles", () => {
  it("contain no local runtime code and no fault injection", async () => {
    const entries = [...new Set(Object.values(platform.functions).map((fn) => fn.entry))];
    const result = await build({
      entryPoints: Object.fromEntries(entries.map((entry) => [entry.replace(/\.ts$/, ""), resolve(REPO_ROOT, entry)])),
      ...LAMBDA_BUNDLING,
    });
    const bundles = result.outputFiles.filter((file) => file.path.endsWith(".js"));
    expect(bundles).toHaveLength(entries.length);
    for (const [output, { inputs }] of Object.entries(result.metafile.outputs)) {
      expect(Object.keys(inputs).filter((input) => input.startsWith("infra/")), output).toEqual([]);
    }
    for (const bundle of bundles) {
      expect(bundle.text.includes(FAULT_MIDDLEWARE_NAME), bundle.path).toBe(false);
      expect(bundle.text.includes("VOUCHERS_FAULTS"), bundle.path).toBe(false);
    }
  });
});
