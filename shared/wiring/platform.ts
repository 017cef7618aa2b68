/**
 * The platform's wiring: every table, queue, route, trigger and schedule, and what each function
 * may touch. `infra/stacks` and `infra/local` both build from this value; change it here only.
 */
import { defineWiring } from "./define.js";
import { platformRoutes } from "./routes.js";
import { platformFunctions } from "./functions.js";
import { platformTables } from "./tables.js";

export const platform = defineWiring({
  app: "vouchers",
  tables: platformTables,

  queues: {
    streamFailures: {
      description: "Descriptions of stream batches the projectors and the campaign replicator gave up on after their retries (the alarm fires on the first).",
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 5,
    },
    settlements: {
      description: "One message per (campaign, merchant, period) to settle, from the planner to the settlement worker.",
      visibilityTimeoutSeconds: 180,
      maxReceiveCount: 5,
    },
    draws: {
      description: "One message per chunk (registration partition) of a lottery draw, from the planner (operator or ticker) to the ranking worker.",
      visibilityTimeoutSeconds: 180,
      maxReceiveCount: 5,
    },
    payouts: {
      description: "One message per statement to pay, from the settlement worker (and releases, retries) to the payout worker.",
      visibilityTimeoutSeconds: 90,
      maxReceiveCount: 5,
    },
  },
  buckets: {
    evidence: {
      description: "Evidence files merchants upload for applications and trade-in records (plans, photos, sales tables, invoices), under merchants/<merchantId>/<attachmentId>.",
    },
  },
  functions: platformFunctions,

  // Each with its documentation (summary, schemas, error codes): docs/openapi.json is generated from them.
  routes: platformRoutes,
  queueTriggers: [
    { queue: "settlements", function: "settleStatement", batchSize: 5 },
    { queue: "payouts", function: "payStatement", batchSize: 5 },
    // One chunk at a time: a chunk is up to 1/32 of a drop's registrations.
    { queue: "draws", function: "drawWorker", batchSize: 1 },
    { queue: "payouts", deadLetter: true, function: "recordPayoutFailure", batchSize: 10 },
  ],
  streamTriggers: [
    { table: "vouchers", function: "projectStats", batchSize: 100, startingPosition: "TRIM_HORIZON", retryAttempts: 10, onFailure: "streamFailures" },
    { table: "redemptions", function: "projectStats", batchSize: 100, startingPosition: "TRIM_HORIZON", retryAttempts: 10, onFailure: "streamFailures" },
    { table: "redemptions", function: "detectFraud", batchSize: 100, startingPosition: "TRIM_HORIZON", retryAttempts: 10, onFailure: "streamFailures" },
    { table: "campaigns", function: "copyCampaign", batchSize: 100, startingPosition: "TRIM_HORIZON", retryAttempts: 10, onFailure: "streamFailures" },
  ],
  schedules: [
    {
      name: "ticker",
      description: "Drives data-dependent times: drop close, settlement at 02:00 in each campaign's zone, releases of HELD statements, re-sends of lost payouts.",
      expression: "rate(1 minute)",
      timezone: "Asia/Shanghai",
      function: "ticker",
    },
    {
      name: "expiry-sweep",
      description: "Daily at 03:30: marks vouchers past expiry plus the grace period EXPIRED.",
      expression: "cron(30 3 * * ? *)",
      timezone: "Asia/Shanghai",
      function: "sweepExpiredVouchers",
    },
  ],
});

export type PlatformWiring = typeof platform;
export type { TableName } from "./tables.js";
