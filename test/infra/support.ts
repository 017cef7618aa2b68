/**
 * Shared set-up of the infra tests: an App with the repository's cdk.json context (so feature
 * flags match `cdk synth`), test JWT settings, bundling skipped so no esbuild run and no
 * handler file is needed, and a small console build (test/infra/console-dist) so no Vite run is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, CfnElement, Stack } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { BuildOptions } from "esbuild";
import { ESM_REQUIRE_BANNER } from "../../infra/constructs/bundling.js";
import { CONSOLE_DIST_CONTEXT, JWT_AUDIENCE_CONTEXT, JWT_ISSUER_CONTEXT } from "../../infra/build-app.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { platform } from "../../shared/wiring/platform.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { fixtureWiring } from "../fixtures/wiring.js";

export const JWT_ISSUER = "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_TEST";
export const JWT_AUDIENCE = ["vouchers-app", "vouchers-console"];
/** A stand-in for console/dist: an index.html, one hashed asset and the build's dotfile. */
export const CONSOLE_DIST_FIXTURE = join(REPO_ROOT, "test", "infra", "console-dist");

/** Every wiring the back end must build: the platform's and the fixture that uses every feature. */
export const WIRINGS: [string, Wiring][] = [
  ["platform", platform],
  ["fixture", fixtureWiring],
];

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function testApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: {
      ...cdkJsonContext(),
      // Skip esbuild: assets are staged as placeholders, so tests are fast and need no handlers.
      "aws:cdk:bundling-stacks": [],
      [JWT_ISSUER_CONTEXT]: JWT_ISSUER,
      [JWT_AUDIENCE_CONTEXT]: JWT_AUDIENCE.join(","),
      [CONSOLE_DIST_CONTEXT]: CONSOLE_DIST_FIXTURE,
      ...context,
    },
  });
}

/** Logical id of the CloudFormation resource behind an L2 construct (or of an L1 itself). */
export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).getLogicalId(element);
}

/**
 * esbuild's options for the Lambda bundles, as the CDK construct sets them
 * (infra/constructs/voucher-function.ts), kept in memory with their metafile; what a function
 * leaves out (`external`) is its own: `unreachedModules(declaration)`.
 */
export const LAMBDA_BUNDLING: BuildOptions & { metafile: true; write: false } = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  mainFields: ["module", "main"],
  banner: { js: ESM_REQUIRE_BANNER },
  metafile: true,
  write: false,
  outdir: "/bundles",
  logLevel: "silent",
  absWorkingDir: REPO_ROOT,
};
