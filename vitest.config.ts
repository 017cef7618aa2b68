import { defineConfig } from "vitest/config";

// Four projects: `unit` has no network, `infra` synthesises CDK stacks, `integration`
// (integration and e2e tests) runs against DynamoDB Local and fauxqs, started once per run by
// the global setup, and `browser` drives the console in Chromium against the same emulators.
//
// The first three run together, two files at a time. The browser files run afterwards, one at
// a time: a Chromium beside another Chromium or a CDK synthesis on 2 cores misses its timeouts.
// `npm test` runs them in a second `vitest run`, on fresh emulators: after the whole suite on
// one set, console-operations failed in two CI runs of 2026-12-05 (a dialog's button clicked
// without effect, then every later test blocked by that dialog), and passed on its own.
const BROWSER_TESTS = ["console", "console-campaigns", "console-operations", "console-programmes"].map((name) => `test/e2e/${name}.test.ts`);
const TOGETHER = { sequence: { groupOrder: 0 }, maxWorkers: 2 } as const;
export default defineConfig({
  test: {
    // Stop loudly on a forgotten .only instead of running a subset.
    allowOnly: false,
    passWithNoTests: false,
    // See infra/local/main.ts: the SDK's Node 22 notice is noise under the pinned versions.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    // The default console report, plus a JSON summary that .ci/run turns into a closing line.
    reporters: ["default", "json"],
    outputFile: { json: ".cache/vitest-results.json" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          ...TOGETHER,
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // Tests provoke errors on purpose; their log lines are noise here.
          env: { POWERTOOLS_LOG_LEVEL: "SILENT" },
        },
      },
      {
        extends: true,
        test: {
          name: "infra",
          ...TOGETHER,
          include: ["test/infra/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          ...TOGETHER,
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          exclude: BROWSER_TESTS,
          environment: "node",
          globalSetup: ["test/global-setup.ts"],
          // Handlers log every settled statement and payout at INFO; warnings and errors still show.
          env: { POWERTOOLS_LOG_LEVEL: "WARN" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          include: BROWSER_TESTS,
          environment: "node",
          // The same emulators as `integration`: the setup shares one set between the projects.
          globalSetup: ["test/global-setup.ts"],
          env: { POWERTOOLS_LOG_LEVEL: "WARN" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
