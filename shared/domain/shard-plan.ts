/**
 * How many inventory shards a drop needs: the part of the capacity plan (capacity.ts) that the
 * claim path reaches (the inventory store sizes a drop with it), apart from the drop plan's zod
 * schema, so the claim handler's bundle holds no classic zod (issue 16). Also the number of a
 * campaign's read copies, which the claim path's copy reader and the drop plan both name.
 */
import { MAX_SHARDS } from "./inventory.js";

/**
 * Read copies the replicator keeps of every campaign (shared/store/campaign-copies.ts) when no drop
 * plan says otherwise (`CAMPAIGN_COPIES`); a plan sets as many as its drop's opening needs.
 */
export const CAMPAIGN_COPIES = 16;

/** The most read copies of a campaign a drop plan asks for (`CAMPAIGN_COPIES`, `CLAIM_CAMPAIGN_COPIES`). */
export const MAX_CAMPAIGN_COPIES = 128;

/** Expected claim attempts per second of a drop when the campaign does not say otherwise. */
export const DEFAULT_ATTEMPTS_PER_SECOND = 1000;

/**
 * Write capacity units one claim attempt costs on a shard: a single conditional `UpdateItem` on
 * an item under 1 KB costs 1 WCU, whether it succeeds or fails its condition. This is the
 * documented price, not a measurement; the claim benchmark will measure it and may revise it.
 */
export const CLAIM_WCU_PER_ATTEMPT = 1;

/** Writes per second one DynamoDB partition accepts. */
export const PARTITION_WCU_PER_SECOND = 1000;

/**
 * Safety factor over the average load: random shard choice never spreads claimers perfectly
 * evenly, and near sell-out the last non-empty shards take all the retries.
 */
export const DEFAULT_HEADROOM = 2;

/** Most shards one claim attempt tries before it answers SOLD_OUT. */
export const MAX_SHARD_TRIES = 16;

/**
 * Shards one claim attempt may try before it answers SOLD_OUT, for a drop with `shards` shards
 * expecting `attemptsPerSecond`: what the shards' partitions can absorb at that rate, ⌊shards ×
 * partition WCU/s ÷ attempts/s⌋, from 1 to {@link MAX_SHARD_TRIES} and at most `shards`. Each try
 * is a conditional write, 1 WCU whether it finds a unit or not. Near the end of the stock most
 * shards are empty, so without this bound every attempt would spend its tries on empty shards, and
 * at a city's rate those failed writes throttle the shards that still hold the last units. The
 * price: an attempt may answer SOLD_OUT while an untried shard still holds a unit, which a later
 * attempt takes, or drop close counts as unclaimed. A planned drop (headroom 2) affords 2 tries;
 * at the 1,000-shard cap, 1 try above 500,000 attempts/s; 16 where shards are many for the rate.
 *
 * @throws RangeError when `shards` is not a whole number in 1–{@link MAX_SHARDS} or the rate is
 *   not a finite positive number.
 */
export function shardTries(input: { shards: number; attemptsPerSecond: number; partitionWcuPerSecond?: number }): number {
  const { shards, attemptsPerSecond } = input;
  const partitionWcuPerSecond = input.partitionWcuPerSecond ?? PARTITION_WCU_PER_SECOND;
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > MAX_SHARDS) throw new RangeError(`shards must be a whole number in 1–${MAX_SHARDS}, got ${shards}`);
  assertPositive("attemptsPerSecond", attemptsPerSecond);
  assertPositive("partitionWcuPerSecond", partitionWcuPerSecond);
  // Forgive floating-point dust, as planShards does.
  const affordable = Math.floor((shards * partitionWcuPerSecond) / attemptsPerSecond + 1e-9);
  return Math.max(1, Math.min(shards, MAX_SHARD_TRIES, affordable));
}

export interface ShardPlan {
  shards: number;
  /** Average attempts per second each shard receives with this many shards. */
  perShardAttemptsPerSecond: number;
  /** The arithmetic behind `shards`, in one or two sentences. */
  explanation: string;
}

/**
 * Shards needed for a drop: ⌈attempts/s × WCU per attempt × headroom ÷ partition WCU/s⌉,
 * clamped to 1–{@link MAX_SHARDS}.
 *
 * @throws RangeError when a rate or cost is not a finite positive number, or headroom is below 1
 *   (which would plan partitions beyond their limit).
 */
export function planShards(input: {
  attemptsPerSecond: number;
  wcuPerAttempt: number;
  partitionWcuPerSecond?: number;
  headroom?: number;
}): ShardPlan {
  const { attemptsPerSecond, wcuPerAttempt } = input;
  const partitionWcuPerSecond = input.partitionWcuPerSecond ?? PARTITION_WCU_PER_SECOND;
  const headroom = input.headroom ?? DEFAULT_HEADROOM;
  assertPositive("attemptsPerSecond", attemptsPerSecond);
  assertPositive("wcuPerAttempt", wcuPerAttempt);
  assertPositive("partitionWcuPerSecond", partitionWcuPerSecond);
  if (!Number.isFinite(headroom) || headroom < 1) throw new RangeError(`headroom must be a finite number ≥ 1, got ${headroom}`);

  const plannedWcu = attemptsPerSecond * wcuPerAttempt * headroom;
  // Forgive floating-point dust (0.1 × 3 = 0.30000000000000004) so an exact fit is not rounded up.
  const needed = Math.ceil(plannedWcu / partitionWcuPerSecond - 1e-9);
  const shards = Math.min(MAX_SHARDS, Math.max(1, needed));
  const perShardAttemptsPerSecond = attemptsPerSecond / shards;

  const load = `${formatFigure(attemptsPerSecond)} attempts/s × ${formatFigure(wcuPerAttempt)} WCU × headroom ${formatFigure(headroom)} = ${formatFigure(plannedWcu)} WCU/s`;
  const each = `about ${formatFigure(perShardAttemptsPerSecond)} attempts/s each`;
  let explanation: string;
  if (needed <= 1) {
    explanation = `${load}, which fits one partition (${formatFigure(partitionWcuPerSecond)} WCU/s): 1 shard.`;
  } else if (needed <= MAX_SHARDS) {
    explanation = `${load}; ÷ ${formatFigure(partitionWcuPerSecond)} WCU/s per partition, rounded up, = ${formatFigure(shards)} shards, ${each}.`;
  } else {
    explanation =
      `${load}; ÷ ${formatFigure(partitionWcuPerSecond)} WCU/s per partition, rounded up, = ${formatFigure(needed)} shards, ` +
      `clamped to the maximum of ${formatFigure(MAX_SHARDS)}: ${each}, so less headroom than asked for.`;
  }
  return { shards, perShardAttemptsPerSecond, explanation };
}

/** Throws a RangeError naming `name` unless `value` is a finite number > 0. */
export function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
}

/** A figure for a plan's explanation: grouped thousands, at most two decimals. */
export function formatFigure(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}
