import { defineConfig } from "vitest/config";

// Three projects: `unit` has no network, `infra` synthesises CDK stacks, and `integration`
// (integration and e2e tests) runs against DynamoDB Local and fauxqs, started once per run by
// the global setup.
export default defineConfig({
  test: {
    // Stop loudly on a forgotten .only instead of running a subset.
    allowOnly: false,
    passWithNoTests: false,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
