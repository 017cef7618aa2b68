/**
 * The flash-drop claim, the platform's hot path:
 *  1. a drop this instance knows to be sold out answers at once, without calling DynamoDB;
 *  2. the person's counter is read, so people already at their limit never touch the hot shards
 *     (and a retry whose first try committed gets that voucher); the person is the account's
 *     person key (shared/use-cases/person-key.ts), read in the same call as the account's own
 *     counter, so an account never linked costs no extra call; a linked account whose person is
 *     another's reads that counter too;
 *  3. one unit is taken from a random shard with a plain conditional update, trying other
 *     shards (bounded, random order, remembering empty ones) before answering SOLD_OUT;
 *  4. the counter and the voucher are written in one transaction over cold items only (with the
 *     account's own item as a third when the counter is another's: it keeps the wallet's
 *     reference, so the voucher stays the claiming account's);
 *  5. if the limit was reached meanwhile, the unit goes back to its shard.
 * A crash between 3 and 4 strands a unit but never oversells; drop close counts unclaimed stock
 * as stock − vouchers issued.
 *
 * A unit goes back only when the voucher transaction certainly wrote nothing and never will (a
 * condition failed: the limit, or another attempt holds the voucher id). After any other failure
 * (a lost answer, throttling to the end) the voucher is read back: if this attempt's voucher is
 * there, it is the answer; if not, the unit stays taken, since the write may still land, and drop
 * close counts it as unclaimed if it never does. Giving it back could sell it twice.
 */
import { randomBytes } from "node:crypto";
import { assertDropOpen, issueVoucher as buildVoucher, keyedVoucherId, type Voucher } from "../domain/claim.js";
import { DropNotOpenError, LimitReachedError, LotteryDropError, NotFoundError, NotRegisteredError, SoldOutError, ThrottledError, UnavailableError } from "../errors.js";
import { takeFromShards } from "../domain/inventory.js";
import { logger } from "../logger.js";
import { type CampaignWithDrops, loadCampaign } from "../store/campaigns.js";
import { type ShardAddress, clearSoldOut, giveBackUnit, markSoldOut, takeUnit } from "../store/inventory.js";
import { type RetryOptions, withRetries } from "../store/retry.js";
import { findVoucher, readClaimCounter, readClaimStart, toVoucher, writeIssuedVoucher } from "../store/vouchers.js";
import type { IdentityHashes } from "../domain/identity.js";
import { resolvePersonKey } from "./person-key.js";
import type { Dependencies } from "./dependencies.js";
import { StockCaches } from "./stock-caches.js";

/** Shards one attempt may try before answering SOLD_OUT; each try is a write. */
export const MAX_SHARD_TRIES = 16;

/**
 * What one function instance remembers between claims: {@link StockCaches} for the drops' shards,
 * and campaign reads, cached briefly because every claimer of a drop reads the same item, which
 * would make it a hot partition; the price is that a pause takes effect within `campaignTtlMs`.
 */
export class ClaimCaches extends StockCaches {
  private readonly campaigns = new Map<string, { expires: number; value: Promise<CampaignWithDrops | undefined> }>();

  constructor(readonly options: { campaignTtlMs: number; soldOutTtlMs: number } = { campaignTtlMs: 1_000, soldOutTtlMs: 5_000 }) {
    super(options.soldOutTtlMs);
  }

  /** The campaign, read at most once per TTL however many claims arrive at once. */
  campaign(campaignId: string, now: number, load: () => Promise<CampaignWithDrops | undefined>): Promise<CampaignWithDrops | undefined> {
    const cached = this.campaigns.get(campaignId);
    if (cached && cached.expires > now) return cached.value;
    const value = load();
    this.campaigns.set(campaignId, { expires: now + this.options.campaignTtlMs, value });
    // A failed read must not be remembered.
    value.catch(() => this.campaigns.delete(campaignId));
    return value;
  }
}

/** What a claim is given beside its tables. */
export interface ClaimRuntime {
  caches: ClaimCaches;
  random: () => number;
  retry?: RetryOptions;
  /** Fault injection for tests: runs after a unit is taken, before the voucher is written. */
  afterTake?: (address: ShardAddress) => void | Promise<void>;
}

/** A claim's dependencies. */
export type ClaimDependencies = Dependencies<"campaigns" | "inventory" | "vouchers"> & ClaimRuntime;

export interface ClaimRequest {
  /** The resident claiming: the token's `sub`. The voucher is this account's. */
  residentId: string;
  /** Keyed hashes of the identities the token carries (linked identities); absent: none. */
  identities?: IdentityHashes;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  /**
   * The client's Idempotency-Key, when it sent one: the voucher id is derived from it (see
   * keyedVoucherId), so a retry finds the first voucher instead of taking a second unit.
   */
  idempotencyKey?: string;
}

/** The cache key of one drop's stock of one voucher type. */
export function stockKey(request: Pick<ClaimRequest, "campaignId" | "dropId" | "voucherTypeId">): string {
  return `${request.campaignId}#${request.dropId}#${request.voucherTypeId}`;
}

/** A new voucher id for a claim without an Idempotency-Key: time-ordered, then 64 random bits, so unique in every campaign. */
export function newVoucherId(now: Date): string {
  return `v${now.getTime().toString(36)}${randomBytes(8).toString("hex")}`;
}

/** Whether this instance already knows the stock is gone (no DynamoDB call). */
export function knownSoldOut(request: Pick<ClaimRequest, "campaignId" | "dropId" | "voucherTypeId">, deps: Pick<ClaimDependencies, "caches" | "now">): boolean {
  return deps.caches.isSoldOut(stockKey(request), deps.now().getTime());
}

/** Claims one voucher for the person, or throws the domain error that says why not. */
export async function claimVoucher(request: ClaimRequest, deps: ClaimDependencies): Promise<Voucher> {
  const { db, tables, caches } = deps;
  const key = stockKey(request);
  const started = deps.now();
  if (caches.isSoldOut(key, started.getTime())) throw new SoldOutError("This drop is sold out");

  const snapshot = await caches.campaign(request.campaignId, started.getTime(), () =>
    withRetries(() => loadCampaign(db, tables.campaigns, request.campaignId), deps.retry),
  );
  if (!snapshot || snapshot.campaign.status === "DRAFT") throw new NotFoundError(`No campaign ${request.campaignId}`);
  const { campaign } = snapshot;
  const drop = snapshot.drops.find((candidate) => candidate.id === request.dropId);
  if (!drop) throw new NotFoundError(`Campaign ${campaign.id} has no drop ${request.dropId}`);
  if (drop.allocation === "lottery") throw new LotteryDropError(`Drop ${drop.id} is allocated by a lottery: register with POST /campaigns/${campaign.id}/drops/${drop.id}/registrations`);
  const voucherType = campaign.voucherTypes.find((type) => type.id === request.voucherTypeId);
  if (!voucherType || drop.stock[voucherType.id] === undefined) {
    throw new NotFoundError(`Drop ${drop.id} has no vouchers of type ${request.voucherTypeId}`);
  }
  assertDropOpen({ campaign, drop, now: started });
  if (drop.soldOut[voucherType.id]) {
    caches.rememberSoldOut(key, started.getTime());
    throw new SoldOutError("This drop is sold out");
  }
  const shardCount = drop.shardCounts[voucherType.id];
  if (shardCount === undefined) throw new DropNotOpenError(`Drop ${drop.id} has no inventory yet`);

  const keyedId = request.idempotencyKey === undefined ? undefined : keyedVoucherId({ ...request, idempotencyKey: request.idempotencyKey });
  const start = await withRetries(() => readClaimStart(db, tables.vouchers, request.residentId, campaign.id), deps.retry);
  const personKey = await resolvePersonKey({ sub: request.residentId, identities: request.identities, account: start.account }, deps);
  const counter =
    personKey === request.residentId ? start.counter : await withRetries(() => readClaimCounter(db, tables.vouchers, personKey, campaign.id), deps.retry);
  // A retry whose first try committed: answer with that voucher, taking nothing.
  if (keyedId !== undefined && counter.voucherIds.has(keyedId)) {
    const existing = await withRetries(() => findVoucher(db, tables.vouchers, request.residentId, campaign.id, keyedId), deps.retry);
    if (existing) return toVoucher(existing);
  }
  if (drop.audience === "registered" && counter.registeredAt === undefined) {
    throw new NotRegisteredError(`Drop ${drop.id} is for residents registered for campaign ${campaign.id}: register with POST /campaigns/${campaign.id}/registrations`);
  }
  if (counter.claimed >= campaign.perPersonLimit) {
    throw new LimitReachedError(`You already hold ${campaign.perPersonLimit} voucher(s) of this campaign`);
  }

  const address = (shard: number): ShardAddress => ({ campaignId: campaign.id, dropId: drop.id, voucherTypeId: voucherType.id, shard });
  const taken = await takeFromShards({
    shardCount,
    knownEmpty: caches.knownEmpty(key, started.getTime()),
    maxAttempts: Math.min(shardCount, MAX_SHARD_TRIES),
    random: deps.random,
    take: (shard) => withRetries(() => takeUnit(db, tables.inventory, address(shard)), deps.retry),
  });
  caches.rememberEmpty(key, taken.emptied, deps.now().getTime());
  if (taken.outcome === "sold-out") {
    if (taken.everyShardEmpty) {
      caches.rememberSoldOut(key, deps.now().getTime());
      await markSoldOut(db, tables.campaigns, { campaignId: campaign.id, dropId: drop.id, voucherTypeId: voucherType.id }, deps.now()).catch(
        (error: unknown) => logger.warn("could not mark the drop sold out", { key, error: String(error) }),
      );
    }
    throw new SoldOutError("This drop is sold out");
  }

  const unit = address(taken.shard);
  // One per claim, the same on every try of its transaction, so the voucher tells whose it is.
  const attempt = randomBytes(12).toString("base64url");
  await deps.afterTake?.(unit);
  const claimedAt = deps.now();
  const voucher = buildVoucher({
    voucherId: keyedId ?? newVoucherId(claimedAt),
    campaign,
    dropId: drop.id,
    voucherType,
    claimedAt,
  });

  const markedSoldOut = drop.soldOut[voucherType.id] !== undefined;
  let outcome;
  try {
    // The store's argument calls the resident `sub`, as its items do.
    outcome = await withRetries(
      () => writeIssuedVoucher(db, tables.vouchers, { residentId: request.residentId, personKey, perPersonLimit: campaign.perPersonLimit, voucher, shard: unit.shard, attempt }),
      deps.retry,
    );
  } catch (error) {
    return await afterUnknownOutcome({ request, voucher, attempt, unit, key, markedSoldOut, error }, deps);
  }
  if (outcome.outcome === "issued") return voucher;
  // Certain: this attempt wrote nothing and cannot, so its unit goes back.
  await returnUnit(unit, key, deps, markedSoldOut);
  if (outcome.outcome === "exists") return toVoucher(outcome.voucher);
  throw new LimitReachedError(`You already hold ${campaign.perPersonLimit} voucher(s) of this campaign`);
}

/**
 * The voucher transaction failed without saying what it did: throttled or conflicting to the
 * end (an SDK try before those may have committed with its answer lost), a dropped connection,
 * a timeout. A consistent read of the person's counter and voucher decides: this attempt's
 * voucher is there → it is the answer; another attempt's → this one certainly wrote nothing, the
 * unit goes back and the other voucher is the answer (a replay); nothing → the unit stays taken
 * (a request in flight may still commit), and the caller gets a retryable error.
 */
async function afterUnknownOutcome(
  failed: { request: ClaimRequest; voucher: Voucher; attempt: string; unit: ShardAddress; key: string; markedSoldOut: boolean; error: unknown },
  deps: ClaimDependencies,
): Promise<Voucher> {
  const { request, voucher, attempt, unit, key, markedSoldOut, error } = failed;
  let found;
  try {
    found = await withRetries(() => findVoucher(deps.db, deps.tables.vouchers, request.residentId, voucher.campaignId, voucher.voucherId), deps.retry);
  } catch (readError) {
    logger.warn("could not read back a voucher after an unknown outcome; its unit stays taken", { ...unit, error: String(readError) });
  }
  if (found?.issueAttempt === attempt) return toVoucher(found);
  if (found) {
    await returnUnit(unit, key, deps, markedSoldOut);
    return toVoucher(found);
  }
  logger.warn("voucher write outcome unknown; its unit stays taken and drop close counts it as unclaimed", { ...unit, error: String(error) });
  if (error instanceof ThrottledError) throw error;
  throw new UnavailableError("The claim could not be confirmed; retry with the same Idempotency-Key", { cause: error });
}

/** Puts a unit back; on failure the unit is stranded, which drop close accounts for. */
async function returnUnit(unit: ShardAddress, key: string, deps: ClaimDependencies, markedSoldOut: boolean): Promise<void> {
  try {
    await withRetries(() => giveBackUnit(deps.db, deps.tables.inventory, unit), deps.retry);
    deps.caches.unitReturned(key, unit.shard);
    if (markedSoldOut) await clearSoldOut(deps.db, deps.tables.campaigns, unit);
  } catch (error) {
    logger.warn("could not return a unit; drop close will count it as unclaimed", { ...unit, error: String(error) });
  }
}
