/**
 * How many inventory shards a drop needs, and the rest of its plan (warm throughput, provisioned
 * concurrency, quota raises). DynamoDB Local never throttles, so this cannot be found by trying;
 * it is planned with a simple model: every claim attempt writes to one shard, one partition
 * accepts a fixed number of write capacity units per second, and a function environment serves
 * one claim at a time. `npm run simulate:dropday` plays a drop against the plan.
 */
import * as z from "../zod.js";
import { MAX_SHARDS } from "./inventory.js";
import { CLAIM_WCU_PER_ATTEMPT, MAX_CAMPAIGN_COPIES, DEFAULT_HEADROOM, assertPositive as positive, formatFigure as fmt, planShards } from "./shard-plan.js";

// The shard plan moved to shard-plan.ts (the claim path reaches it without the drop plan's schema).
export {
  CAMPAIGN_COPIES,
  MAX_CAMPAIGN_COPIES,
  CLAIM_WCU_PER_ATTEMPT,
  DEFAULT_ATTEMPTS_PER_SECOND,
  DEFAULT_HEADROOM,
  MAX_SHARD_TRIES,
  PARTITION_WCU_PER_SECOND,
  type ShardPlan,
  planShards,
  shardTries,
} from "./shard-plan.js";

// ---------------------------------------------------------------------------------------------
// The drop plan: everything a drop needs provisioned, from its expected attempt rate and stock.

/**
 * Write units a successful claim costs in all, its shard write included: 1 for the shard, 1 for
 * the person's counter, 1 for the voucher (DESIGN.md §8, "The claim path at 3 WCU"). Pass what
 * `bench:claims` reports as "per success (calibrated)" when it differs.
 */
export const DEFAULT_WCU_PER_SUCCESS = 3;

/** Read units a claim attempt costs: the person's counter, read strongly consistently (1 RCU up to 4 KB). */
export const DEFAULT_RCU_PER_ATTEMPT = 1;

/**
 * Write units the idempotency record of a keyed claim costs: Powertools writes it IN_PROGRESS
 * before the claim and COMPLETED after (1 WCU each under 1 KB).
 */
export const DEFAULT_IDEMPOTENCY_WCU_PER_ATTEMPT = 2;

/** Share of attempts that carry an Idempotency-Key: the platform's clients always send one. */
export const DEFAULT_KEYED_SHARE = 1;

/**
 * How long a warm claim runs on Lambda, p99, in ms: four DynamoDB calls of a few ms each plus the
 * handler. An estimate until measured on AWS (the function's `Duration` p99 on drop day).
 */
export const DEFAULT_CLAIM_MS = 40;

/** AWS defaults a city raises before drop day (per account and region unless said otherwise). */
export const DEFAULT_QUOTAS = {
  /** API Gateway: requests per second across all APIs of the account in a region. */
  apiGatewayRequestsPerSecond: 10_000,
  /** API Gateway: the burst those requests may reach. */
  apiGatewayBurst: 5_000,
  /** Lambda: concurrent executions of all functions of the account in a region. */
  lambdaConcurrentExecutions: 1_000,
  /** DynamoDB on-demand: read request units per second one table may reach. */
  tableReadUnitsPerSecond: 40_000,
  /** DynamoDB on-demand: write request units per second one table may reach. */
  tableWriteUnitsPerSecond: 40_000,
} as const;

/** What a new on-demand table serves at once before it has seen traffic (its warm throughput). */
export const ON_DEMAND_WARM_DEFAULT = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;

/**
 * Concurrency kept for every function but the claim's provisioned environments: the account's
 * default, so the rest of the platform keeps what it has today.
 */
export const OTHER_FUNCTIONS_CONCURRENCY = 1_000;

const positiveNumber = z.number().positive();
const units = z.number().int().positive();
const warmThroughputSchema = z.object({ readUnitsPerSecond: units, writeUnitsPerSecond: units }).strict();

/**
 * Read units of the campaign query (campaign and drops, under 4 KB, eventually consistent), which
 * every claim function environment makes when the drop opens and then once per campaign cache time.
 */
export const CAMPAIGN_READ_RCU = 0.5;

/** Reads per second one DynamoDB partition serves, in read units: the campaign item's limit. */
export const PARTITION_RCU_PER_SECOND = 3000;

/**
 * The claim function's campaign cache time without a plan, ms (the handler's default for
 * `CLAIM_CAMPAIGN_CACHE_MS`), and the plan's floor.
 */
export const CAMPAIGN_CACHE_FLOOR_MS = 1_000;

/** The longest campaign cache a plan sets, ms: a pause takes effect within this time. */
export const CAMPAIGN_CACHE_CEILING_MS = 10_000;

/** Share of the campaign item's partition that the environments' re-reads may take at the planned peak. */
export const CAMPAIGN_READ_SHARE = 0.5;

/**
 * How long the claim function caches the campaign under a plan, ms: long enough that
 * `environments` re-reading it once per cache time take at most {@link CAMPAIGN_READ_SHARE} of
 * the one partition that holds it (every environment reads the same item), rounded up to a tenth
 * of a second, between {@link CAMPAIGN_CACHE_FLOOR_MS} and {@link CAMPAIGN_CACHE_CEILING_MS}.
 */
export function campaignCacheMs(environments: number): number {
  const needed = (environments * CAMPAIGN_READ_RCU * 1000) / (CAMPAIGN_READ_SHARE * PARTITION_RCU_PER_SECOND);
  return Math.min(CAMPAIGN_CACHE_CEILING_MS, Math.max(CAMPAIGN_CACHE_FLOOR_MS, Math.ceil(needed / 100 - 1e-9) * 100));
}

/**
 * How many read copies of the campaign the plan keeps and the claim function reads: enough that
 * the herd as the drop opens stays within {@link PARTITION_RCU_PER_SECOND} on each copy's
 * partition. Every provisioned environment reads the campaign on its first claim, whatever the
 * cache time, and the first claims reach the environments at the rate attempts arrive: the herd
 * reads `attemptsPerSecond` × {@link CAMPAIGN_READ_RCU} RCU a second until every environment has
 * read (40,800 environments at 600,000 attempts/s: within 70 ms). Rounded up to a power of two,
 * because each environment picks a copy at random and the busiest copy takes more than the
 * average; from 1 to {@link MAX_CAMPAIGN_COPIES}.
 */
export function campaignCopies(attemptsPerSecond: number): number {
  const needed = Math.max(1, Math.ceil((attemptsPerSecond * CAMPAIGN_READ_RCU) / PARTITION_RCU_PER_SECOND - 1e-9));
  return Math.min(MAX_CAMPAIGN_COPIES, 2 ** Math.ceil(Math.log2(needed)));
}

/** The tables the claim path touches, which the plan pre-warms. */
export const DROP_PLAN_TABLES = ["inventory", "vouchers", "idempotency", "campaigns"] as const;
export type DropPlanTable = (typeof DROP_PLAN_TABLES)[number];

/**
 * A drop plan as `npm run capacity -- --out plan.json` writes it and the CDK app reads it
 * (`-c vouchers:dropPlan=plan.json`). Versioned: a reader refuses a version it does not know.
 */
export const dropPlanSchema = z
  .object({
    version: z.literal(1),
    inputs: z
      .object({
        attemptsPerSecond: positiveNumber,
        stock: z.number().int().positive(),
        wcuPerAttempt: positiveNumber,
        wcuPerSuccess: positiveNumber,
        rcuPerAttempt: z.number().nonnegative(),
        idempotencyWcuPerAttempt: z.number().nonnegative(),
        keyedShare: z.number().min(0).max(1),
        claimMs: positiveNumber,
        headroom: z.number().min(1),
      })
      .strict(),
    shards: z.number().int().min(1).max(MAX_SHARDS),
    warmThroughput: z
      .object({ inventory: warmThroughputSchema, vouchers: warmThroughputSchema, idempotency: warmThroughputSchema, campaigns: warmThroughputSchema })
      .strict(),
    claimFunction: z
      .object({
        provisionedConcurrency: z.number().int().nonnegative(),
        /** The claim function's campaign cache time, ms (`CLAIM_CAMPAIGN_CACHE_MS`); absent in plans written before it. */
        campaignCacheMs: z.number().int().min(CAMPAIGN_CACHE_FLOOR_MS).max(CAMPAIGN_CACHE_CEILING_MS).optional(),
        /** How many of the campaign's read copies the claim function reads (`CLAIM_CAMPAIGN_COPIES`); absent in plans written before them. */
        campaignCopies: z.number().int().min(1).max(MAX_CAMPAIGN_COPIES).optional(),
      })
      .strict(),
    quotas: z
      .object({
        apiGatewayRequestsPerSecond: units,
        apiGatewayBurst: units,
        lambdaConcurrentExecutions: units,
        tableReadUnitsPerSecond: units,
        tableWriteUnitsPerSecond: units,
      })
      .strict(),
    quotaRaises: z.array(z.object({ quota: z.enum(Object.keys(DEFAULT_QUOTAS) as [keyof typeof DEFAULT_QUOTAS]), from: units, to: units }).strict()),
    explanation: z.array(z.string()),
  })
  .strict();

export type DropPlan = z.infer<typeof dropPlanSchema>;
export type DropPlanInputs = DropPlan["inputs"];

/**
 * The plan for a drop expecting `attemptsPerSecond` claim attempts at its peak, every figure with
 * `headroom` over the average load:
 * - shards: {@link planShards}, never more than units of stock (a shard holds at least one);
 * - warm throughput (at least a new on-demand table's) for the tables the claim path touches:
 *   `inventory` writes one shard per attempt; `vouchers` is read once per attempt (the person's
 *   counter) and written `wcuPerSuccess − wcuPerAttempt` per success, at most one success per
 *   attempt; `idempotency` takes `idempotencyWcuPerAttempt` per keyed attempt;
 * - provisioned concurrency of the claim function by Little's law: attempts/s × claim duration;
 * - the claim function's campaign cache time ({@link campaignCacheMs}), so that the provisioned
 *   environments' re-reads of the one campaign item stay well under its partition's limit;
 * - how many of the campaign's read copies the claim reads ({@link campaignCopies}), so that the
 *   environments' first reads as the drop opens stay under each copy's partition limit;
 * - the quotas those need, and which of them exceed AWS's defaults (the raises to request).
 *
 * @throws RangeError when an input is out of range (a rate or cost not finite and positive,
 *   headroom below 1, a share outside 0–1, stock not a whole number ≥ 1).
 */
export function planDrop(input: { attemptsPerSecond: number; stock: number } & Partial<Omit<DropPlanInputs, "attemptsPerSecond" | "stock">>): DropPlan {
  const inputs: DropPlanInputs = {
    attemptsPerSecond: input.attemptsPerSecond,
    stock: input.stock,
    wcuPerAttempt: input.wcuPerAttempt ?? CLAIM_WCU_PER_ATTEMPT,
    wcuPerSuccess: input.wcuPerSuccess ?? DEFAULT_WCU_PER_SUCCESS,
    rcuPerAttempt: input.rcuPerAttempt ?? DEFAULT_RCU_PER_ATTEMPT,
    idempotencyWcuPerAttempt: input.idempotencyWcuPerAttempt ?? DEFAULT_IDEMPOTENCY_WCU_PER_ATTEMPT,
    keyedShare: input.keyedShare ?? DEFAULT_KEYED_SHARE,
    claimMs: input.claimMs ?? DEFAULT_CLAIM_MS,
    headroom: input.headroom ?? DEFAULT_HEADROOM,
  };
  if (!Number.isSafeInteger(inputs.stock) || inputs.stock < 1) throw new RangeError(`stock must be a whole number ≥ 1, got ${inputs.stock}`);
  positive("claimMs", inputs.claimMs);
  if (!(inputs.wcuPerSuccess >= inputs.wcuPerAttempt)) {
    throw new RangeError(`wcuPerSuccess (${inputs.wcuPerSuccess}) must be at least wcuPerAttempt (${inputs.wcuPerAttempt}): a success includes its shard write`);
  }
  for (const name of ["rcuPerAttempt", "idempotencyWcuPerAttempt"] as const) {
    if (!Number.isFinite(inputs[name]) || inputs[name] < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${inputs[name]}`);
  }
  if (!(inputs.keyedShare >= 0 && inputs.keyedShare <= 1)) throw new RangeError(`keyedShare must be between 0 and 1, got ${inputs.keyedShare}`);

  const { attemptsPerSecond: rate, headroom } = inputs;
  const shardPlan = planShards({ attemptsPerSecond: rate, wcuPerAttempt: inputs.wcuPerAttempt, headroom });
  const shards = Math.min(shardPlan.shards, inputs.stock);

  const warm = (read: number, write: number) => ({
    readUnitsPerSecond: Math.max(ON_DEMAND_WARM_DEFAULT.readUnitsPerSecond, roundUp(read * headroom)),
    writeUnitsPerSecond: Math.max(ON_DEMAND_WARM_DEFAULT.writeUnitsPerSecond, roundUp(write * headroom)),
  });
  const provisionedConcurrency = roundUp((rate * inputs.claimMs * headroom) / 1000);
  const warmThroughput = {
    inventory: warm(0, rate * inputs.wcuPerAttempt),
    vouchers: warm(rate * inputs.rcuPerAttempt, rate * (inputs.wcuPerSuccess - inputs.wcuPerAttempt)),
    idempotency: warm(0, rate * inputs.keyedShare * inputs.idempotencyWcuPerAttempt),
    // Every environment reads the campaign on its first claim, as fast as the first attempts
    // reach them: at the attempt rate until all have read (see campaignCopies). Not × headroom.
    campaigns: warm((rate * CAMPAIGN_READ_RCU) / headroom, 0),
  };
  const cacheMs = campaignCacheMs(provisionedConcurrency);
  const copies = campaignCopies(rate);
  const campaignReads = (provisionedConcurrency * CAMPAIGN_READ_RCU * 1000) / cacheMs;
  const requests = roundUp(rate * headroom);
  const quotas = {
    apiGatewayRequestsPerSecond: Math.max(DEFAULT_QUOTAS.apiGatewayRequestsPerSecond, requests),
    apiGatewayBurst: Math.max(DEFAULT_QUOTAS.apiGatewayBurst, requests),
    lambdaConcurrentExecutions: Math.max(DEFAULT_QUOTAS.lambdaConcurrentExecutions, provisionedConcurrency + OTHER_FUNCTIONS_CONCURRENCY),
    tableReadUnitsPerSecond: Math.max(DEFAULT_QUOTAS.tableReadUnitsPerSecond, ...Object.values(warmThroughput).map((w) => w.readUnitsPerSecond)),
    tableWriteUnitsPerSecond: Math.max(DEFAULT_QUOTAS.tableWriteUnitsPerSecond, ...Object.values(warmThroughput).map((w) => w.writeUnitsPerSecond)),
  };
  const quotaRaises = (Object.keys(DEFAULT_QUOTAS) as (keyof typeof DEFAULT_QUOTAS)[])
    .filter((quota) => quotas[quota] > DEFAULT_QUOTAS[quota])
    .map((quota) => ({ quota, from: DEFAULT_QUOTAS[quota], to: quotas[quota] }));

  const h = `headroom ${fmt(headroom)}`;
  const explanation = [
    shards < shardPlan.shards ? `${shardPlan.explanation} Limited to the stock: ${fmt(shards)} shards.` : shardPlan.explanation,
    `inventory: ${fmt(rate)} attempts/s × ${fmt(inputs.wcuPerAttempt)} WCU × ${h} → warm ${fmt(warmThroughput.inventory.writeUnitsPerSecond)} WCU/s.`,
    `vouchers: ${fmt(rate)} attempts/s × ${fmt(inputs.rcuPerAttempt)} RCU and × ${fmt(inputs.wcuPerSuccess - inputs.wcuPerAttempt)} WCU per success × ${h} → warm ${fmt(warmThroughput.vouchers.readUnitsPerSecond)} RCU/s, ${fmt(warmThroughput.vouchers.writeUnitsPerSecond)} WCU/s.`,
    `idempotency: ${fmt(rate)} attempts/s × ${fmt(inputs.keyedShare)} keyed × ${fmt(inputs.idempotencyWcuPerAttempt)} WCU × ${h} → warm ${fmt(warmThroughput.idempotency.writeUnitsPerSecond)} WCU/s.`,
    `campaigns: every one of the ${fmt(provisionedConcurrency)} environments reads the campaign on its first claim, and first claims reach them at ${fmt(rate)} attempts/s: × ${fmt(CAMPAIGN_READ_RCU)} RCU → warm ${fmt(warmThroughput.campaigns.readUnitsPerSecond)} RCU/s.`,
    `claim function: ${fmt(rate)} attempts/s × ${fmt(inputs.claimMs)} ms × ${h} = ${fmt(provisionedConcurrency)} provisioned environments (Little's law).`,
    `campaign cache: ${fmt(provisionedConcurrency)} environments × ${fmt(CAMPAIGN_READ_RCU)} RCU each per ${fmt(cacheMs / 1000)} s = ${fmt(Math.round(campaignReads))} RCU/s on the campaign item's partition ` +
      `(${fmt(Math.round((100 * campaignReads) / PARTITION_RCU_PER_SECOND))} % of ${fmt(PARTITION_RCU_PER_SECOND)}; aimed at ≤ ${fmt(CAMPAIGN_READ_SHARE * 100)} %, between ${fmt(CAMPAIGN_CACHE_FLOOR_MS / 1000)} and ${fmt(CAMPAIGN_CACHE_CEILING_MS / 1000)} s): a pause takes effect within ${fmt(cacheMs / 1000)} s.`,
    `campaign copies: that herd, ${fmt(rate * CAMPAIGN_READ_RCU)} RCU/s for ${fmt(Math.round((1000 * provisionedConcurrency) / rate))} ms, read from a random one of ${fmt(copies)} copies ` +
      `(each on a partition of its own, ${fmt(PARTITION_RCU_PER_SECOND)} RCU/s each, a power of two up to ${fmt(MAX_CAMPAIGN_COPIES)}; the replicator writes as many, CAMPAIGN_COPIES): ` +
      `a pause reaches the copies within the stream's lag (about a second), then the cache time.`,
    `(A new on-demand table serves ${fmt(ON_DEMAND_WARM_DEFAULT.readUnitsPerSecond)} RCU/s and ${fmt(ON_DEMAND_WARM_DEFAULT.writeUnitsPerSecond)} WCU/s at once; warm throughput is never planned below that.)`,
  ];
  return dropPlanSchema.parse({
    version: 1,
    inputs,
    shards,
    warmThroughput,
    claimFunction: { provisionedConcurrency, campaignCacheMs: cacheMs, campaignCopies: copies },
    quotas,
    quotaRaises,
    explanation,
  });
}

function roundUp(value: number): number {
  // Forgive floating-point dust, as planShards does.
  return Math.ceil(value - 1e-9);
}
