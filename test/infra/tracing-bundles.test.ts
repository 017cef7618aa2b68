/**
 * Powertools Tracer is in the functions' bundles but the claim handler's (its 300 KB budget; it
 * relies on Lambda's active tracing), and Powertools Metrics is in all of them. The entries are
 * bundled with esbuild as the CDK construct does it (infra/constructs/voucher-function.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { unreachedModules } from "../../infra/constructs/bundling.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { platform } from "../../shared/wiring/platform.js";
import { LAMBDA_BUNDLING } from "./support.js";

/** Each named function's bundle, built as the construct builds it: the modules it holds and its code. */
async function bundles(names: readonly (keyof typeof platform.functions)[]): Promise<Record<string, { inputs: string[]; code: string }>> {
  const built = await Promise.all(
    names.map(async (name) => {
      const declaration = platform.functions[name];
      const result = await build({ entryPoints: { [name]: resolve(REPO_ROOT, declaration.entry) }, ...LAMBDA_BUNDLING, external: unreachedModules(declaration) });
      const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(".js"));
      const file = result.outputFiles.find((candidate) => candidate.path.endsWith(".js"));
      if (!output || !file) throw new Error(`no bundle of ${name}`);
      return [name, { inputs: Object.keys(output[1].inputs), code: file.text }] as const;
    }),
  );
  return Object.fromEntries(built);
}

const TRACER = /node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core)\//;
const METRICS = /node_modules\/@aws-lambda-powertools\/metrics\//;

describe("tracer and metrics in the bundles", () => {
  it("trace every kind of function (HTTP, partner-signed, queue, stream, schedule) but the claim handler, which has metrics only", async () => {
    const traced = ["getCampaign", "recordPayment", "payStatement", "detectFraud", "ticker"] as const;
    const built = await bundles(["claimVoucher", ...traced]);
    for (const name of traced) {
      expect(built[name]!.inputs.some((input) => TRACER.test(input)), name).toBe(true);
      expect(built[name]!.inputs.some((input) => METRICS.test(input)), name).toBe(true);
    }
    expect(built.claimVoucher!.inputs.filter((input) => TRACER.test(input))).toEqual([]);
    expect(built.claimVoucher!.inputs.some((input) => METRICS.test(input))).toBe(true);

    // A traced bundle (the X-Ray SDK is CommonJS) loads on its own in a fresh Node process, as on Lambda.
    const dir = mkdtempSync(join(tmpdir(), "traced-bundle-"));
    try {
      const file = join(dir, "index.mjs");
      writeFileSync(file, built.ticker!.code);
      const loaded = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", AWS_REGION: "ap-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x", AWS_LAMBDA_FUNCTION_NAME: "ticker" },
        timeout: 30_000,
      });
      expect(loaded.stdout.trim(), loaded.stderr).toBe("function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
