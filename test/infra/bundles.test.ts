/**
 * The Lambda bundles carry none of the local runtime: every function's entry is bundled with
 * esbuild as the CDK construct does it (infra/constructs/voucher-function.ts), and no bundle
 * holds a module of infra/local/ nor the local fault mode's marker, so the faults that
 * `VOUCHERS_FAULTS` injects locally can never be injected on AWS. What a bundle leaves out
 * (infra/constructs/bundling.ts, `unreachedModules`) it may import only with `import()`. The
 * claim handler's bundle stays within its 300 KB budget (issue 16; `npm run bench:claims`
 * reports it with its import times): test/integration/claim-bundle.test.ts runs claims with it.
 */
import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { unreachedModules } from "../../infra/constructs/bundling.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { FAULT_MIDDLEWARE_NAME } from "../../infra/local/faults.js";
import { claimVoucherFunction } from "../../shared/wiring/claim-function.js";
import { platform } from "../../shared/wiring/platform.js";
import { LAMBDA_BUNDLING } from "./support.js";

describe("the Lambda bundles", () => {
  it("contain no local runtime code and no fault injection, and import what they leave out only dynamically", async () => {
    // Functions are bundled in groups that leave out the same modules, as the construct does.
    const groups = new Map<string, { external: string[]; entries: Set<string> }>();
    for (const declaration of Object.values(platform.functions)) {
      const external = unreachedModules(declaration);
      const group = groups.get(external.join()) ?? { external, entries: new Set<string>() };
      group.entries.add(declaration.entry);
      groups.set(external.join(), group);
    }
    expect(groups.size).toBeGreaterThan(0);
    for (const { external, entries } of groups.values()) {
      const result = await build({
        entryPoints: Object.fromEntries([...entries].map((entry) => [entry.replace(/\.ts$/, ""), resolve(REPO_ROOT, entry)])),
        ...LAMBDA_BUNDLING,
        external,
      });
      const bundles = result.outputFiles.filter((file) => file.path.endsWith(".js"));
      expect(bundles).toHaveLength(entries.size);
      for (const [output, { inputs }] of Object.entries(result.metafile.outputs)) {
        expect(Object.keys(inputs).filter((input) => input.startsWith("infra/")), output).toEqual([]);
      }
      for (const bundle of bundles) {
        expect(bundle.text.includes(FAULT_MIDDLEWARE_NAME), bundle.path).toBe(false);
        expect(bundle.text.includes("VOUCHERS_FAULTS"), bundle.path).toBe(false);
      }
      // A module left out must only ever be imported with import(), on a path Lambda never
      // takes: a static import of one would fail every cold start.
      const left = new Set(external);
      for (const [output, { imports }] of Object.entries(result.metafile.outputs)) {
        for (const imported of imports.filter((candidate) => left.has(candidate.path))) expect(imported.kind, `${output} imports ${imported.path}`).toBe("dynamic-import");
      }
    }
  });

  it("keep the claim handler's within 300 KB: zod mini only, English messages only, no Powertools idempotency, no other function's declaration", async () => {
    const result = await build({
      entryPoints: { claim: resolve(REPO_ROOT, claimVoucherFunction.entry) },
      ...LAMBDA_BUNDLING,
      // As deployed: a source map beside the bundle, named in its last line.
      sourcemap: true,
      sourcesContent: false,
      external: unreachedModules(claimVoucherFunction),
    });
    const bundle = result.outputFiles.find((file) => file.path.endsWith(".js"));
    expect(bundle).toBeDefined();
    expect(bundle!.contents.byteLength).toBeLessThanOrEqual(300 * 1024);

    const inputs = Object.keys(Object.values(result.metafile.outputs).find((output) => output.entryPoint !== undefined)!.inputs);
    const holding = (pattern: RegExp) => inputs.filter((input) => pattern.test(input));
    expect(holding(/node_modules\/zod\/v4\/mini\//).length).toBeGreaterThan(0);
    expect(holding(/node_modules\/zod\/v4\/classic\//)).toEqual([]);
    expect(holding(/node_modules\/zod\/v4\/core\/(to-json-schema|json-schema-processors)\.js/)).toEqual([]);
    expect(holding(/node_modules\/zod\/v4\/locales\//)).toEqual(["node_modules/zod/v4/locales/en.js"]);
    expect(holding(/node_modules\/@aws-lambda-powertools\/(idempotency|jmespath)\//)).toEqual([]);
    expect(holding(/^shared\/wiring\/(functions|routes|platform)\.ts$/)).toEqual([]);
  });
});
