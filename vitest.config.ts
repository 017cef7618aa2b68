import { defineConfig } from "vitest/config";

// Three projects: `unit` has no network, `infra` synthesises CDK stacks, and `integration`
// (integration and e2e tests) runs against DynamoDB Local and fauxqs, started once per run by
// the global setup.
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
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/global-setup.ts"],
          // Handlers log every settled statement and payout at INFO; warnings and errors still show.
          env: { POWERTOOLS_LOG_LEVEL: "WARN" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
