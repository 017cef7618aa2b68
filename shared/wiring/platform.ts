/**
 * The platform's wiring: every table, queue, route, trigger and schedule, and what each function
 * may touch. `infra/stacks` and `infra/local` both build from this value; change it here only.
 */
import { defineWiring } from "./define.js";

export const platform = defineWiring({
  app: "vouchers",
  tables: {
    campaigns: {
      description:
        "Campaigns (pk CAMPAIGN#<id>, sk #CAMPAIGN) and their drops (same pk, sk DROP#<dropId>). " +
        "Sparse indexes: `listing` holds published and paused campaigns for the public list; " +
        "`dueDrops` holds drops not yet closed, by close time, for the ticker.",
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
      globalIndexes: {
        listing: { partitionKey: { name: "listing", type: "S" }, sortKey: { name: "startsAt", type: "S" } },
        dueDrops: { partitionKey: { name: "due", type: "S" }, sortKey: { name: "closesAt", type: "S" } },
      },
    },
    inventory: {
      description:
        "Inventory shards of each drop and voucher type (pk SHARD#<campaign>#<drop>#<type>#<n>), each its own " +
        "partition so a flash drop spreads its writes; taken by plain conditional updates, never in a transaction.",
      partitionKey: { name: "pk", type: "S" },
    },
    vouchers: {
      description:
        "Vouchers, filed by the drop shard their unit came from (pk ISSUED#<campaign>#<drop>#<type>#<n>, " +
        "sk VOUCHER#<voucherId>) so drop close counts them exactly, and each resident's claims per campaign " +
        "(pk PERSON#<sub>, sk LIMIT#<campaignId>: the count the limit checks and references to the vouchers).",
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
    },
    idempotency: {
      description: "Powertools idempotency records of claims (pk id = person and Idempotency-Key), kept 24 h.",
      partitionKey: { name: "id", type: "S" },
      ttlAttribute: "expiration",
    },
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
    createCampaign: {
      description: "POST /admin/campaigns: a new DRAFT campaign, validated against its budget.",
      entry: "functions/campaigns/create.ts",
      tables: { campaigns: "readWrite" },
    },
    replaceCampaign: {
      description: "PUT /admin/campaigns/{id}: replaces a DRAFT campaign.",
      entry: "functions/campaigns/replace.ts",
      tables: { campaigns: "readWrite" },
    },
    publishCampaign: {
      description: "POST /admin/campaigns/{id}/publish: provisions the inventory shards, then publishes.",
      entry: "functions/campaigns/publish.ts",
      timeoutSeconds: 60,
      tables: { campaigns: "readWrite", inventory: "readWrite" },
    },
    setCampaignStatus: {
      description: "POST /admin/campaigns/{id}/pause and /resume.",
      entry: "functions/campaigns/set-status.ts",
      tables: { campaigns: "readWrite" },
    },
    addDrop: {
      description: "POST /admin/campaigns/{id}/drops: a new drop within the budget not yet committed.",
      entry: "functions/campaigns/add-drop.ts",
      timeoutSeconds: 60,
      tables: { campaigns: "readWrite", inventory: "readWrite" },
    },
    getCampaign: {
      description: "GET /admin/campaigns/{id}: the campaign with remaining stock per drop and voucher type.",
      entry: "functions/campaigns/get.ts",
      tables: { campaigns: "read", inventory: "read" },
    },
    listCampaigns: {
      description: "GET /campaigns (public): published campaigns with their drops.",
      entry: "functions/campaigns/list-public.ts",
      tables: { campaigns: "read" },
    },
    claimVoucher: {
      description: "POST /campaigns/{id}/drops/{dropId}/claims: the flash-drop hot path.",
      entry: "functions/claims/claim.ts",
      memoryMb: 1024,
      timeoutSeconds: 10,
      tables: { campaigns: "readWrite", inventory: "readWrite", vouchers: "readWrite", idempotency: "readWrite" },
    },
    listMyVouchers: {
      description: "GET /me/vouchers: the caller's vouchers, newest first.",
      entry: "functions/claims/wallet.ts",
      tables: { vouchers: "read" },
    },
    health: {
      description: "GET /health: reachability of every table and queue (and, locally, the emulators).",
      entry: "functions/health.ts",
      timeoutSeconds: 5,
      tables: { campaigns: "describe", inventory: "describe", vouchers: "describe", idempotency: "describe", operations: "describe" },
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
      tables: { operations: "readWrite", campaigns: "readWrite", inventory: "readWrite", vouchers: "read" },
    },
  },
  routes: [
    { method: "GET", path: "/health", auth: "public", function: "health" },
    { method: "GET", path: "/me", auth: "resident", function: "me" },
    { method: "GET", path: "/me/vouchers", auth: "resident", function: "listMyVouchers" },
    { method: "GET", path: "/campaigns", auth: "public", function: "listCampaigns" },
    { method: "POST", path: "/campaigns/{id}/drops/{dropId}/claims", auth: "resident", function: "claimVoucher" },
    { method: "POST", path: "/admin/campaigns", auth: "operator", function: "createCampaign" },
    { method: "GET", path: "/admin/campaigns/{id}", auth: "operator", function: "getCampaign" },
    { method: "PUT", path: "/admin/campaigns/{id}", auth: "operator", function: "replaceCampaign" },
    { method: "POST", path: "/admin/campaigns/{id}/publish", auth: "operator", function: "publishCampaign" },
    { method: "POST", path: "/admin/campaigns/{id}/pause", auth: "operator", function: "setCampaignStatus" },
    { method: "POST", path: "/admin/campaigns/{id}/resume", auth: "operator", function: "setCampaignStatus" },
    { method: "POST", path: "/admin/campaigns/{id}/drops", auth: "operator", function: "addDrop" },
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
