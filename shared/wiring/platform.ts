/**
 * The platform's wiring: every table, queue, route, trigger and schedule, and what each function
 * may touch. `infra/stacks` and `infra/local` both build from this value; change it here only.
 */
import { defineWiring } from "./define.js";

export const platform = defineWiring({
  app: "vouchers",
  tables: {
    operations: {
      description:
        "Operational records of the platform itself: the ticker's heartbeat (pk TICKER, sk HEARTBEAT).",
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
      ttlAttribute: "expiresAt",
    },
  },
  queues: {},
  functions: {
    health: {
      description: "GET /health: reachability of every table and queue (and, locally, the emulators).",
      entry: "functions/health.ts",
      timeoutSeconds: 5,
      tables: { operations: "describe" },
    },
    me: {
      description: "GET /me: the caller as the platform sees them.",
      entry: "functions/me.ts",
      timeoutSeconds: 3,
    },
    ticker: {
      description: "Every minute: finds the work whose time depends on data and does it idempotently.",
      entry: "functions/ticker.ts",
      timeoutSeconds: 50,
      tables: { operations: "readWrite" },
    },
  },
  routes: [
    { method: "GET", path: "/health", auth: "public", function: "health" },
    { method: "GET", path: "/me", auth: "resident", function: "me" },
  ],
  queueTriggers: [],
  streamTriggers: [],
  schedules: [
    {
      name: "ticker",
      description: "Drives data-dependent times: drop close, settlement at 02:00 in each campaign's zone.",
      expression: "rate(1 minute)",
      timezone: "Asia/Shanghai",
      function: "ticker",
    },
  ],
});

export type PlatformWiring = typeof platform;
export type TableName = keyof PlatformWiring["tables"];
