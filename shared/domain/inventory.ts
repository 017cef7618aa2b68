/**
 * The stock of a flash drop, split over inventory shards so that many claimers can take units at
 * once: each shard is its own partition key, and one partition only accepts so many writes per
 * second. A shard is taken with a single conditional decrement, never inside a transaction,
 * because concurrent transactions on one item cancel each other while plain conditional writes
 * are simply serialised. This module holds the pure parts: how stock is split, and in what order
 * a claimer tries shards.
 */

/** Most shards one voucher type of a drop may have; beyond this the fan-out costs more than it buys. */
export const MAX_SHARDS = 1000;

/**
 * Splits a drop's stock for one voucher type over `shards` shards. The parts sum exactly to
 * `stock` and differ by at most one; the remainder goes to the first shards.
 *
 * When there are fewer units than shards, only `stock` shards are returned (each holding one
 * unit): an empty shard could never be taken, it would only cost a wasted write at creation and
 * a wasted attempt at claim time. The caller stores the returned length as the shard count.
 *
 * @throws RangeError when either argument is not an integer, `stock` < 1, or `shards` is not in
 *   1–{@link MAX_SHARDS}.
 */
export function splitStock(stock: number, shards: number): number[] {
  if (!Number.isSafeInteger(stock) || stock < 1) throw new RangeError(`stock must be a whole number ≥ 1, got ${stock}`);
  checkShardCount(shards, "shards");
  const count = Math.min(shards, stock);
  const base = Math.floor(stock / count);
  const remainder = stock % count;
  return Array.from({ length: count }, (_, index) => (index < remainder ? base + 1 : base));
}

/**
 * A random permutation of the shard indexes `0 … shardCount − 1` (Fisher–Yates), in which a
 * claimer tries shards. Random order spreads simultaneous claimers over all partitions instead of
 * piling them onto shard 0. `random` is injected so tests can seed it; it must return values in
 * [0, 1), like `Math.random`.
 */
export function shardKeyOrder(shardCount: number, random: () => number): number[] {
  checkShardCount(shardCount, "shardCount");
  const order = Array.from({ length: shardCount }, (_, index) => index);
  for (let i = order.length - 1; i > 0; i--) {
    const r = random();
    // A random source outside [0, 1) would silently skew or break the permutation.
    if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
    const j = Math.floor(r * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/**
 * What one take on a shard found: a unit taken, the shard empty, or the shard empty and marked
 * with the whole stock's sell-out (no other shard can have a unit worth looking for).
 */
export type TakeOutcome = "taken" | "empty" | "sold-out";

export type TakeFromShardsResult =
  | { outcome: "taken"; shard: number; attempts: number; emptied: number[] }
  | {
      outcome: "sold-out";
      attempts: number;
      emptied: number[];
      /**
       * True when every shard is now known to be empty, so the drop may be marked sold out.
       * False when the attempts ran out first: this claimer gives up, but untried shards may
       * still hold stock.
       */
      everyShardEmpty: boolean;
      /** True when a shard carried the stock's sold-out mark, which someone has already spread. */
      alreadyMarked: boolean;
    };

/**
 * Takes one unit from some shard: tries the shards in random order, skipping those already known
 * to be empty, and stops at the first `take` that answers `"taken"`.
 *
 * The number of `take` calls is bounded by `maxAttempts` because each one is a DynamoDB write:
 * near sell-out, an unbounded search would let every rejected claimer cost up to one write per
 * shard, and those writes land on the same hot partitions the remaining buyers need. When every
 * shard is known empty the answer is `"sold-out"` without a single call.
 *
 * `emptied` lists the shards that answered `"empty"` during this call, in the order tried, so the
 * caller can add them to its cache of known-empty shards. A take that answers `"sold-out"` (the
 * shard is empty and carries the stock's sold-out mark) ends the search at once: that mark is
 * only written once every shard has given its last unit. Errors thrown by `take` (throttling, a
 * network failure) propagate unchanged: the caller decides whether to retry, and must not mistake
 * them for an empty shard.
 */
export async function takeFromShards(input: {
  shardCount: number;
  knownEmpty: ReadonlySet<number>;
  maxAttempts: number;
  random: () => number;
  take: (shard: number) => Promise<TakeOutcome>;
}): Promise<TakeFromShardsResult> {
  const { shardCount, knownEmpty, maxAttempts, random, take } = input;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
  }
  const candidates = shardKeyOrder(shardCount, random).filter((shard) => !knownEmpty.has(shard));
  const emptied: number[] = [];
  let attempts = 0;
  for (const shard of candidates) {
    if (attempts >= maxAttempts) break;
    attempts++;
    const outcome = await take(shard);
    if (outcome === "taken") return { outcome: "taken", shard, attempts, emptied };
    emptied.push(shard);
    // The mark is written on every shard once the last one emptied: one failed take is enough.
    if (outcome === "sold-out") return { outcome: "sold-out", attempts, emptied, everyShardEmpty: true, alreadyMarked: true };
  }
  // Each candidate is tried at most once, so all are empty exactly when every one was tried.
  return { outcome: "sold-out", attempts, emptied, everyShardEmpty: emptied.length === candidates.length, alreadyMarked: false };
}

function checkShardCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_SHARDS) {
    throw new RangeError(`${name} must be a whole number in 1–${MAX_SHARDS}, got ${value}`);
  }
}
