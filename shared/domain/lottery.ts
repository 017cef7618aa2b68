/**
 * The lottery draw (API.md, "Fair allocation"): a commitment to a secret seed published before
 * registration opens, a rank per registration that anyone holding the seed can recompute, and the
 * winners per voucher type, the `stock` smallest ranks. Ranking is a total order, so the winners
 * of the whole equal the merge of the top-k of any split of it into chunks (DESIGN.md §8): the
 * draw can rank chunks in parallel. Pure: no I/O, no clock.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";

/** Bytes of a draw seed. */
export const SEED_BYTES = 32;

/** A new secret seed for a lottery drop: 32 random bytes as lowercase hex. */
export function newSeed(): string {
  return randomBytes(SEED_BYTES).toString("hex");
}

/** The published commitment to a seed (lowercase hex): sha256 of the 32 seed bytes, not of their hex text. */
export function drawCommitment(seedHex: string): string {
  return createHash("sha256").update(seedBytes(seedHex)).digest("hex");
}

/** A registration's rank (lowercase hex): HMAC-SHA256 keyed with the seed bytes over the UTF-8 registration id. */
export function rank(seedHex: string, registrationId: string): string {
  return createHmac("sha256", seedBytes(seedHex)).update(registrationId, "utf8").digest("hex");
}

/** A registration as the draw sees it. */
export interface DrawEntry {
  registrationId: string;
  voucherTypeId: string;
}

/** A registration with its rank (and whatever else the caller carries along, such as its owner). */
export type RankedEntry<E extends DrawEntry = DrawEntry> = E & { rank: string };

/** Per voucher type id, the ranked registrations that win (or are still in the running), smallest rank first. */
export type TopByType<E extends DrawEntry = DrawEntry> = Record<string, RankedEntry<E>[]>;

/**
 * The draw's order: smaller rank first; equal ranks (a sha256 collision, never seen in practice)
 * by registration id, so the order is total and the merge of chunks equals the whole.
 */
export function compareRanked(a: RankedEntry, b: RankedEntry): number {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  if (a.registrationId === b.registrationId) return 0;
  return a.registrationId < b.registrationId ? -1 : 1;
}

/**
 * The top-k of one chunk of registrations per voucher type, k being that type's stock: what a
 * draw worker returns for its chunk. Registrations of types without stock win nothing.
 */
export function chunkTopK<E extends DrawEntry>(seedHex: string, entries: Iterable<E>, stockByType: Readonly<Record<string, number>>): TopByType<E> {
  const ranked: TopByType<E> = {};
  for (const entry of entries) {
    if (!((stockByType[entry.voucherTypeId] ?? 0) > 0)) continue;
    (ranked[entry.voucherTypeId] ??= []).push({ ...entry, rank: rank(seedHex, entry.registrationId) });
  }
  return keepSmallest(ranked, stockByType);
}

/**
 * The global top-k per voucher type from the top-k of every chunk. Any registration among the k
 * smallest of the whole is among the k smallest of its own chunk, so this equals
 * {@link winners} of all registrations, whatever the split. A registration reported by two
 * chunks (a redelivered chunk) counts once.
 */
export function mergeTopK<E extends DrawEntry>(parts: readonly TopByType<E>[], stockByType: Readonly<Record<string, number>>): TopByType<E> {
  const merged: TopByType<E> = {};
  const seen = new Set<string>();
  for (const part of parts) {
    for (const [typeId, entries] of Object.entries(part)) {
      for (const entry of entries) {
        if (seen.has(entry.registrationId)) continue;
        seen.add(entry.registrationId);
        (merged[typeId] ??= []).push(entry);
      }
    }
  }
  return keepSmallest(merged, stockByType);
}

/** The winners per voucher type: its `stock` registrations of smallest rank (all of them when fewer registered). */
export function winners<E extends DrawEntry>(seedHex: string, registrations: Iterable<E>, stockByType: Readonly<Record<string, number>>): TopByType<E> {
  return chunkTopK(seedHex, registrations, stockByType);
}

function keepSmallest<E extends DrawEntry>(byType: TopByType<E>, stockByType: Readonly<Record<string, number>>): TopByType<E> {
  const kept: TopByType<E> = {};
  for (const [typeId, entries] of Object.entries(byType)) {
    kept[typeId] = [...entries].sort(compareRanked).slice(0, stockByType[typeId] ?? 0);
  }
  return kept;
}

function seedBytes(seedHex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(seedHex)) throw new RangeError(`a draw seed is ${SEED_BYTES} bytes as 64 lowercase hex digits`);
  return Buffer.from(seedHex, "hex");
}

/**
 * Partitions a lottery drop's registrations (and its registration counter) are spread over: each
 * takes a steady 1,000 writes/s, so 32 take 32,000 registrations/s, and each is one chunk of the draw.
 */
export const REGISTRATION_SHARDS = 32;

/** The partition (0 … REGISTRATION_SHARDS − 1) of a person's registration: a hash of the person key, so the same person always lands on the same item. */
export function registrationShard(personKey: string): number {
  return createHash("sha256").update(personKey, "utf8").digest().readUInt32BE(0) % REGISTRATION_SHARDS;
}

/** A new registration id: time-ordered, then 64 random bits. */
export function newRegistrationId(now: Date): string {
  return `r${now.getTime().toString(36)}${randomBytes(8).toString("hex")}`;
}

/** The id of the voucher a winning registration gets: derived from it, so issuing it again finds the first. */
export function drawnVoucherId(registrationId: string): string {
  return `v${createHash("sha256").update(`draw#${registrationId}`, "utf8").digest("hex").slice(0, 32)}`;
}

/** Whether a lottery drop takes registrations at `now`: from registration.opensAt (inclusive) until registration.closesAt. */
export function registrationOpen(registration: { opensAt: string; closesAt: string }, now: Date): boolean {
  const at = now.getTime();
  return Date.parse(registration.opensAt) <= at && at < Date.parse(registration.closesAt);
}
