/**
 * What one function instance remembers about sharded stock (a drop's voucher type, an instant
 * discount's quota): which stocks are gone and which shards were found empty, for a few seconds.
 * After sell-out a rejected attempt then costs no DynamoDB write, and near it an attempt skips
 * the shards it knows to be empty. Only a hint: the conditional writes decide, and a unit that
 * comes back (a give-back, a restore) clears what it made untrue in this instance; others learn
 * within `soldOutTtlMs`.
 */
export class StockCaches {
  private readonly soldOut = new Map<string, number>();
  private readonly emptyShards = new Map<string, { expires: number; shards: Set<number> }>();

  constructor(private readonly soldOutTtlMs: number = 5_000) {}

  /** Whether the stock `key` was found gone less than `soldOutTtlMs` ago. */
  isSoldOut(key: string, now: number): boolean {
    const expires = this.soldOut.get(key);
    return expires !== undefined && expires > now;
  }

  rememberSoldOut(key: string, now: number): void {
    this.soldOut.set(key, now + this.soldOutTtlMs);
  }

  /** The shards of `key` found empty recently. */
  knownEmpty(key: string, now: number): ReadonlySet<number> {
    const entry = this.emptyShards.get(key);
    return entry && entry.expires > now ? entry.shards : new Set();
  }

  rememberEmpty(key: string, shards: readonly number[], now: number): void {
    if (shards.length === 0) return;
    const entry = this.emptyShards.get(key);
    const known = entry && entry.expires > now ? entry.shards : new Set<number>();
    for (const shard of shards) known.add(shard);
    this.emptyShards.set(key, { expires: now + this.soldOutTtlMs, shards: known });
  }

  /** Forgets what a returned unit made untrue. */
  unitReturned(key: string, shard: number): void {
    this.soldOut.delete(key);
    this.emptyShards.get(key)?.shards.delete(shard);
  }
}
