import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_SHARDS, shardKeyOrder, splitStock, takeFromShards, type TakeOutcome } from "../../shared/domain/inventory.js";
// A seeded generator (mulberry32), so every run tries shards in the same order.
import { seededRandom } from "../../infra/local/faults.js";

/** A fake shard store: `take` answers from the remaining units and records every call. */
function fakeShards(remaining: number[]) {
  const calls: number[] = [];
  const take = (shard: number): Promise<TakeOutcome> => {
    calls.push(shard);
    const left = remaining[shard] ?? 0;
    if (left <= 0) return Promise.resolve("empty");
    remaining[shard] = left - 1;
    return Promise.resolve("taken");
  };
  return { calls, take };
}

describe("splitStock", () => {
  it("sums exactly to the stock, with parts that differ by at most one, all ≥ 1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: MAX_SHARDS }), (stock, shards) => {
        const parts = splitStock(stock, shards);
        expect(parts).toHaveLength(Math.min(shards, stock));
        expect(parts.reduce((sum, part) => sum + part, 0)).toBe(stock);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
        expect(parts.every((part) => part >= 1 && Number.isInteger(part))).toBe(true);
        // The remainder sits on the first shards: the parts never increase.
        expect(parts.every((part, i) => i === 0 || part <= (parts[i - 1] as number))).toBe(true);
      }),
    );
  });

  it.each([
    [10, 3, [4, 3, 3]],
    [9, 3, [3, 3, 3]],
    [2, 5, [1, 1]],
    [1, 1, [1]],
    [1000, 1000, Array.from({ length: 1000 }, () => 1)],
  ])("splits %i units over %i shards as %j", (stock, shards, expected) => {
    expect(splitStock(stock, shards)).toEqual(expected);
  });

  it.each([
    ["stock 0", 0, 1],
    ["negative stock", -5, 2],
    ["fractional stock", 10.5, 2],
    ["NaN stock", Number.NaN, 2],
    ["infinite stock", Number.POSITIVE_INFINITY, 2],
    ["0 shards", 10, 0],
    ["negative shards", 10, -1],
    ["fractional shards", 10, 2.5],
    ["too many shards", 10_000, MAX_SHARDS + 1],
  ])("refuses %s", (_label, stock, shards) => {
    expect(() => splitStock(stock, shards)).toThrow(RangeError);
  });
});

describe("shardKeyOrder", () => {
  it("is a permutation of the shard indexes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_SHARDS }), fc.integer(), (count, seed) => {
        const order = shardKeyOrder(count, seededRandom(seed));
        expect(order).toHaveLength(count);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      }),
    );
  });

  it("follows the injected random source", () => {
    expect(shardKeyOrder(5, seededRandom(42))).toEqual(shardKeyOrder(5, seededRandom(42)));
    // Always drawing 0 swaps each position with the first: a rotation left by one.
    expect(shardKeyOrder(4, () => 0)).toEqual([1, 2, 3, 0]);
    // Always drawing just under 1 swaps each position with itself: the identity.
    expect(shardKeyOrder(4, () => 0.999999)).toEqual([0, 1, 2, 3]);
  });

  it.each([0, -1, 1.5, MAX_SHARDS + 1])("refuses a shard count of %d", (count) => {
    expect(() => shardKeyOrder(count, Math.random)).toThrow(RangeError);
  });

  it.each([1, -0.1, Number.NaN])("refuses a random source that returns %d", (value) => {
    expect(() => shardKeyOrder(3, () => value)).toThrow(RangeError);
  });
});

describe("takeFromShards", () => {
  it("takes from the first non-empty shard in the random order", async () => {
    const order = shardKeyOrder(6, seededRandom(7));
    const [first, second, third] = order as [number, number, number];
    const remaining = [5, 5, 5, 5, 5, 5];
    remaining[first] = 0;
    remaining[second] = 0;
    const { calls, take } = fakeShards(remaining);

    const result = await takeFromShards({ shardCount: 6, knownEmpty: new Set(), maxAttempts: 6, random: seededRandom(7), take });

    expect(result).toEqual({ outcome: "taken", shard: third, attempts: 3, emptied: [first, second] });
    expect(calls).toEqual([first, second, third]);
    expect(remaining[third]).toBe(4);
  });

  it("skips shards known to be empty without calling take", async () => {
    const order = shardKeyOrder(5, seededRandom(3));
    const knownEmpty = new Set(order.slice(0, 3));
    const { calls, take } = fakeShards([1, 1, 1, 1, 1]);

    const result = await takeFromShards({ shardCount: 5, knownEmpty, maxAttempts: 5, random: seededRandom(3), take });

    expect(result).toEqual({ outcome: "taken", shard: order[3], attempts: 1, emptied: [] });
    expect(calls).toEqual([order[3]]);
  });

  it("answers sold out without any call when every shard is known empty", async () => {
    const { calls, take } = fakeShards([1, 1, 1]);
    const result = await takeFromShards({ shardCount: 3, knownEmpty: new Set([0, 1, 2]), maxAttempts: 3, random: seededRandom(1), take });
    expect(result).toEqual({ outcome: "sold-out", attempts: 0, emptied: [], everyShardEmpty: true, alreadyMarked: false });
    expect(calls).toEqual([]);
  });

  it("stops after maxAttempts calls, without claiming every shard is empty", async () => {
    const { calls, take } = fakeShards([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const order = shardKeyOrder(10, seededRandom(11)).filter((shard) => shard !== 9);

    const result = await takeFromShards({ shardCount: 10, knownEmpty: new Set([9]), maxAttempts: 4, random: seededRandom(11), take });

    expect(result).toEqual({ outcome: "sold-out", attempts: 4, emptied: order.slice(0, 4), everyShardEmpty: false, alreadyMarked: false });
    expect(calls).toHaveLength(4);
  });

  it("stops at the first shard that carries the sell-out mark, however many shards are left untried", async () => {
    const calls: number[] = [];
    const take = (shard: number): Promise<TakeOutcome> => {
      calls.push(shard);
      return Promise.resolve("sold-out");
    };
    const result = await takeFromShards({ shardCount: 64, knownEmpty: new Set(), maxAttempts: 16, random: seededRandom(9), take });
    expect(result).toEqual({ outcome: "sold-out", attempts: 1, emptied: [calls[0]], everyShardEmpty: true, alreadyMarked: true });
    expect(calls).toHaveLength(1);
  });

  it("after a plain empty shard, stops at a marked one without trying the shards that still hold units", async () => {
    const order = shardKeyOrder(8, seededRandom(4));
    const answers = new Map<number, TakeOutcome>([[order[0]!, "empty"], [order[1]!, "sold-out"]]);
    const calls: number[] = [];
    const take = (shard: number): Promise<TakeOutcome> => {
      calls.push(shard);
      return Promise.resolve(answers.get(shard) ?? "taken");
    };
    const result = await takeFromShards({ shardCount: 8, knownEmpty: new Set(), maxAttempts: 8, random: seededRandom(4), take });
    expect(result).toEqual({ outcome: "sold-out", attempts: 2, emptied: [order[0], order[1]], everyShardEmpty: true, alreadyMarked: true });
    expect(calls).toEqual([order[0], order[1]]);
  });

  it("answers sold out, every shard empty, when the last unknown shards all come back empty", async () => {
    const { calls, take } = fakeShards([0, 0, 0, 0]);
    const result = await takeFromShards({ shardCount: 4, knownEmpty: new Set([2]), maxAttempts: 10, random: seededRandom(5), take });
    expect(result.outcome).toBe("sold-out");
    expect(result).toMatchObject({ attempts: 3, everyShardEmpty: true });
    expect([...result.emptied].sort()).toEqual([0, 1, 3]);
    expect(calls).toEqual(result.emptied);
  });

  it("never oversells and never calls take more than maxAttempts times or twice on one shard", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        async (stock, maxAttempts, seed) => {
          const remaining = [...stock];
          const knownEmpty = new Set<number>();
          const { calls, take } = fakeShards(remaining);
          const result = await takeFromShards({ shardCount: stock.length, knownEmpty, maxAttempts, random: seededRandom(seed), take });
          const made = calls;
          expect(made.length).toBe(result.attempts);
          expect(result.attempts).toBeLessThanOrEqual(maxAttempts);
          expect(new Set(made).size).toBe(made.length);
          for (const shard of result.emptied) expect(stock[shard]).toBe(0);
          const total = stock.reduce((sum, n) => sum + n, 0);
          const left = remaining.reduce((sum, n) => sum + n, 0);
          expect(total - left).toBe(result.outcome === "taken" ? 1 : 0);
          if (result.outcome === "sold-out" && result.everyShardEmpty) expect(total).toBe(0);
          // With enough attempts, any stock left anywhere is found.
          if (maxAttempts >= stock.length && total > 0) expect(result.outcome).toBe("taken");
        },
      ),
    );
  });

  it("lets an error from take propagate", async () => {
    const failure = new Error("ProvisionedThroughputExceededException");
    let calls = 0;
    const take = (): Promise<TakeOutcome> => {
      calls++;
      return Promise.reject(failure);
    };
    await expect(takeFromShards({ shardCount: 3, knownEmpty: new Set(), maxAttempts: 3, random: seededRandom(9), take })).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses maxAttempts of %d", async (maxAttempts) => {
    const { take } = fakeShards([1]);
    await expect(takeFromShards({ shardCount: 1, knownEmpty: new Set(), maxAttempts, random: seededRandom(1), take })).rejects.toThrow(RangeError);
  });
});
