/**
 * The flash-drop claim, the platform's hot path: 3 WCU per success (one per write below).
 *  1. a drop this instance knows to be sold out answers at once, without calling DynamoDB (a
 *     keyed claim reads the person's counter first, for a slot its first try may hold);
 *  2. the person's counter is read, so people already at their limit never touch the hot shards
 *     (and a keyed retry whose first try took a slot gets that voucher); the person is the
 *     account's person key (shared/use-cases/person-key.ts), read in the same call as the
 *     account's own counter, so an account never linked costs no extra call; a linked account
 *     whose person is another's reads that counter too;
 *  3. one unit is taken from a random shard with a plain conditional update, trying other
 *     shards (random order, remembering empty ones, as many as the shards absorb at the drop's
 *     rate: `shardTries`) before answering SOLD_OUT; a shard whose failed take answers with the
 *     stock's sold-out mark ends the search at once. The claim that takes a shard's last unit
 *     records the shard as emptied (a rare extra write: once per shard; shared/store/inventory.ts),
 *     and the claim that completes the record announces the sell-out (the drop item and every
 *     empty shard), so that afterwards one failed write tells any instance;
 *  4. a slot is taken on the person's counter (`claimed < limit`, the voucher id not yet
 *     admitted), recording the voucher id, this attempt and the shard: a plain conditional update;
 *  5. the voucher is put (`attribute_not_exists`): a plain conditional put (for a linked account
 *     the wallet's reference goes on its own item first: one write more);
 *  6. if the limit was reached at 4, the unit goes back to its shard.
 *
 * Crash analysis (DESIGN.md §8; docs/architecture.md, "The claim path"):
 *  - between 3 and 4: the unit is stranded, never oversold; drop close counts unclaimed stock as
 *    stock − vouchers issued, not from the shard counters.
 *  - between 4 and 5: the counter holds a slot naming a voucher that does not exist. A retry with
 *    the same Idempotency-Key derives the same voucher id, finds the slot at step 2 and files the
 *    voucher under the slot's shard and attempt, taking no unit: the unit the slot's attempt took
 *    is the one it fills. Without a key, the person has lost one slot and the unit is stranded;
 *    drop close recovers it from the vouchers actually issued. Issued ≤ stock: every voucher fills
 *    a slot, every slot took one unit, and a slot's voucher id is admitted once and filed under one
 *    key (`attribute_not_exists`). Per person ≤ limit: every voucher fills a slot, slots are
 *    counted by the one conditional update on the person's counter.
 *  - a lost answer at 4: the SDK sends the update again and its condition fails; the counter as
 *    it stood names this attempt in the slot, so the claim goes on to 5. If no answer comes at all,
 *    the counter is read back: this attempt's slot → go on; another attempt's slot (a replay of
 *    the same key) → this one wrote nothing, its unit goes back and the other's voucher is the
 *    answer (filed now if it was not yet); the limit reached without the id → the unit goes back;
 *    nothing → the unit stays taken (the update may still land) and the caller gets a retryable
 *    error; a keyed retry then completes whatever landed.
 *  - a lost answer at 5: the put is sent again and finds the voucher (`ALL_OLD`), which is the
 *    answer. If no answer comes at all, the voucher is read back; not there → retryable error,
 *    the unit stays with its slot, and a keyed retry files the voucher.
 *  - the sell-out announcement is a hint written after the take, never a condition of it: a
 *    crash between taking a shard's last unit and recording the shard as emptied (or a failed
 *    mark) leaves the stock unannounced, and claims find the sell-out by trying shards as they did
 *    before; the record's set `ADD`s are idempotent, so a lost answer counts once; a unit given
 *    back after the announcement clears its shard's mark, its place in the record and the drop item's
 *    mark, but shards marked before stay marked, so that unit may wait for a claim that happens to
 *    try its shard, and drop close counts it as unclaimed if none does. No mark can oversell.
 * A unit goes back only when this attempt certainly holds no slot and never will. Giving it back
 * in any other case could sell it twice.
 */
import { randomBytes } from "node:crypto";
import { assertDropOpen, issueVoucher as buildVoucher, keyedVoucherId, type Voucher } from "../domain/claim.js";
import { DropNotOpenError, LimitReachedError, LotteryDropError, NotFoundError, NotRegisteredError, SoldOutError, ThrottledError, UnavailableError } from "../errors.js";
import { DEFAULT_ATTEMPTS_PER_SECOND, shardTries } from "../domain/shard-plan.js";
import { takeFromShards } from "../domain/inventory.js";
import { logger } from "../logger.js";
import { type CampaignWithDrops, loadCampaign } from "../store/campaigns.js";
import { readCampaignCopy } from "../store/campaign-copies.js";
import {
  type ShardAddress,
  clearSoldOut,
  forgetEmptiedShards,
  giveBackUnit,
  markShardsSoldOut,
  markSoldOut,
  recordShardEmptied,
  takeUnit,
} from "../store/inventory.js";
import { type RetryOptions, withRetries } from "../store/retry.js";
import {
  type AdmitOutcome,
  type VoucherIssue,
  type VoucherItem,
  admissionOnCounter,
  admitVoucher,
  completeAdmission,
  fileIssuedVoucher,
  readClaimCounter,
  readClaimStart,
  readIssuedVoucher,
  slotOf,
  toVoucher,
} from "../store/vouchers.js";
import type { IdentityHashes } from "../domain/identity.js";
import { resolvePersonKey } from "./person-key.js";
import type { Dependencies } from "./dependencies.js";
import { StockCaches } from "./stock-caches.js";

/** How long an instance answers SOLD_OUT from memory before it tries a shard again, in ms. */
export const CLAIM_SOLD_OUT_CACHE_MS = 5_000;

export { MAX_SHARD_TRIES } from "../domain/shard-plan.js";

/**
 * What one function instance remembers between claims: {@link StockCaches} for the drops' shards,
 * and campaign reads, cached briefly because every claimer of a drop reads the same item, which
 * would make it a hot partition; the price is that a pause takes effect within `campaignTtlMs`.
 */
export class ClaimCaches extends StockCaches {
  private readonly campaigns = new Map<string, { expires: number; value: Promise<CampaignWithDrops | undefined> }>();

  /**
   * `campaignCopies`, when a drop plan set it: the campaign is read from a random one of that many
   * read copies (shared/store/campaign-copies.ts), so a pause takes effect within the copies' lag
   * behind the campaign (the stream's, about a second) plus `campaignTtlMs`.
   */
  constructor(
    readonly options: { campaignTtlMs: number; soldOutTtlMs: number; campaignCopies?: number | undefined } = { campaignTtlMs: 1_000, soldOutTtlMs: CLAIM_SOLD_OUT_CACHE_MS },
  ) {
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
  /** Fault injection for tests: runs after a unit is taken, before the counter's slot is taken. */
  afterTake?: (address: ShardAddress) => void | Promise<void>;
  /** Fault injection for tests: runs after the counter's slot is taken, before the voucher is put. */
  afterAdmit?: (issue: VoucherIssue) => void | Promise<void>;
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

/** The campaign as a claim reads it: from a random read copy under a plan, else (or while that copy is missing) from its own partition. */
async function readClaimCampaign(campaignId: string, deps: ClaimDependencies): Promise<CampaignWithDrops | undefined> {
  const copies = deps.caches.options.campaignCopies;
  const copy = copies === undefined ? undefined : await readCampaignCopy(deps.db, deps.tables.campaigns, campaignId, Math.floor(deps.random() * copies));
  return copy ?? loadCampaign(deps.db, deps.tables.campaigns, campaignId);
}

/** Claims one voucher for the person, or throws the domain error that says why not. */
export async function claimVoucher(request: ClaimRequest, deps: ClaimDependencies): Promise<Voucher> {
  const { db, tables, caches } = deps;
  const key = stockKey(request);
  const started = deps.now();
  // A keyed claim reads the person's counter first even then (below): a slot its first try took
  // before dying still gets its voucher.
  if (request.idempotencyKey === undefined && caches.isSoldOut(key, started.getTime())) throw new SoldOutError("This drop is sold out");

  const snapshot = await caches.campaign(request.campaignId, started.getTime(), () => withRetries(() => readClaimCampaign(request.campaignId, deps), deps.retry));
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
  const keyedId = request.idempotencyKey === undefined ? undefined : keyedVoucherId({ ...request, idempotencyKey: request.idempotencyKey });
  const soldOut = () => {
    caches.rememberSoldOut(key, started.getTime());
    return new SoldOutError("This drop is sold out");
  };
  // A keyed claim reads its counter first even then: a slot its first try took before the drop
  // sold out still gets its voucher.
  if (drop.soldOut[voucherType.id] && keyedId === undefined) throw soldOut();
  const shardCount = drop.shardCounts[voucherType.id];
  if (shardCount === undefined) throw new DropNotOpenError(`Drop ${drop.id} has no inventory yet`);

  const start = await withRetries(() => readClaimStart(db, tables.vouchers, request.residentId, campaign.id), deps.retry);
  const personKey = await resolvePersonKey({ sub: request.residentId, identities: request.identities, account: start.account }, deps);
  const counter =
    personKey === request.residentId ? start.counter : await withRetries(() => readClaimCounter(db, tables.vouchers, personKey, campaign.id), deps.retry);
  // A keyed retry whose first try took a slot: answer with that slot's voucher, filing it if a
  // crash between the two writes left it unwritten, and taking no unit.
  if (keyedId !== undefined && counter.voucherIds.has(keyedId)) {
    const issue = { residentId: request.residentId, personKey, perPersonLimit: campaign.perPersonLimit, voucher: buildVoucher({ voucherId: keyedId, campaign, dropId: drop.id, voucherType, claimedAt: started }) };
    return toVoucher(await completeOrRetryable(() => slotOf(db, tables.vouchers, issue, counter).then((slot) => completeAdmission(db, tables.vouchers, issue, slot)), deps));
  }
  if (drop.soldOut[voucherType.id] || caches.isSoldOut(key, started.getTime())) throw soldOut();
  if (drop.audience === "registered" && counter.registeredAt === undefined) {
    throw new NotRegisteredError(`Drop ${drop.id} is for residents registered for campaign ${campaign.id}: register with POST /campaigns/${campaign.id}/registrations`);
  }
  if (counter.claimed >= campaign.perPersonLimit) {
    throw new LimitReachedError(`You already hold ${campaign.perPersonLimit} voucher(s) of this campaign`);
  }

  const address = (shard: number): ShardAddress => ({ campaignId: campaign.id, dropId: drop.id, voucherTypeId: voucherType.id, shard });
  const stock = { campaignId: campaign.id, dropId: drop.id, voucherTypeId: voucherType.id };
  let lastUnitOf: number | undefined;
  const taken = await takeFromShards({
    shardCount,
    knownEmpty: caches.knownEmpty(key, started.getTime()),
    // Bounded by what the shards absorb at the drop's rate: near the end most tries fail.
    maxAttempts: shardTries({ shards: shardCount, attemptsPerSecond: drop.expectedAttemptsPerSecond ?? DEFAULT_ATTEMPTS_PER_SECOND }),
    random: deps.random,
    take: async (shard) => {
      const take = await withRetries(() => takeUnit(db, tables.inventory, address(shard)), deps.retry);
      if (take.outcome === "taken") {
        if (take.lastUnit) {
          lastUnitOf = shard;
          caches.rememberEmpty(key, [shard], deps.now().getTime());
        }
        return "taken";
      }
      return take.soldOutMarked ? "sold-out" : "empty";
    },
  });
  caches.rememberEmpty(key, taken.emptied, deps.now().getTime());
  if (taken.outcome === "sold-out") {
    if (taken.alreadyMarked) caches.rememberSoldOut(key, deps.now().getTime());
    // Once per instance: its other claims in flight that also found every shard empty would
    // only repeat the same writes (one a shard) on the partitions still busy with the drop.
    else if (taken.everyShardEmpty && !caches.isSoldOut(key, deps.now().getTime())) await announceSoldOut(stock, shardCount, deps);
    throw new SoldOutError("This drop is sold out");
  }

  const unit = address(taken.shard);
  // The claim that empties the last shard spreads the sell-out before it goes on (see announceSoldOut).
  const announced = taken.shard === lastUnitOf && (await emptiedLastShard(unit, shardCount, deps));
  if (announced) await announceSoldOut(stock, shardCount, deps);
  await deps.afterTake?.(unit);
  const claimedAt = deps.now();
  const issue: VoucherIssue = {
    residentId: request.residentId,
    personKey,
    perPersonLimit: campaign.perPersonLimit,
    voucher: buildVoucher({ voucherId: keyedId ?? newVoucherId(claimedAt), campaign, dropId: drop.id, voucherType, claimedAt }),
    shard: unit.shard,
    // One per claim, the same on every try of its writes, so the slot and the voucher tell whose they are.
    attempt: randomBytes(12).toString("base64url"),
  };
  const giveBack = () => returnUnit(unit, key, deps);

  let admitted: AdmitOutcome;
  try {
    admitted = await withRetries(() => admitVoucher(db, tables.vouchers, issue), deps.retry);
  } catch (error) {
    admitted = await admissionAfterUnknownOutcome(issue, unit, error, deps);
  }
  if (admitted.outcome === "limit-reached") {
    await giveBack();
    throw new LimitReachedError(`You already hold ${campaign.perPersonLimit} voucher(s) of this campaign`);
  }
  if (admitted.outcome === "held") {
    // A replay of the same key holds the slot with its own unit: this one's goes back.
    await giveBack();
    const { admission } = admitted;
    return toVoucher(await completeOrRetryable(() => completeAdmission(db, tables.vouchers, issue, admission), deps));
  }

  await deps.afterAdmit?.(issue);
  try {
    return toVoucher(await withRetries(() => fileIssuedVoucher(db, tables.vouchers, issue), deps.retry));
  } catch (error) {
    return toVoucher(await voucherAfterUnknownOutcome(issue, unit, error, deps));
  }
}

/**
 * The slot's update failed without saying what it did: throttled to the end (an SDK try before
 * may have committed with its answer lost), a dropped connection, a timeout. A consistent read of
 * the person's counter decides (see the crash analysis above); when it shows nothing of this
 * attempt, or cannot be read, the unit stays taken and the caller gets a retryable error.
 */
async function admissionAfterUnknownOutcome(issue: VoucherIssue, unit: ShardAddress, error: unknown, deps: ClaimDependencies): Promise<AdmitOutcome> {
  const personKey = issue.personKey ?? issue.residentId;
  try {
    const counter = await withRetries(() => readClaimCounter(deps.db, deps.tables.vouchers, personKey, issue.voucher.campaignId), deps.retry);
    const outcome = await admissionOnCounter(deps.db, deps.tables.vouchers, issue, counter);
    if (outcome) return outcome;
  } catch (readError) {
    logger.warn("could not read back a counter after an unknown outcome; its unit stays taken", { ...unit, error: String(readError) });
  }
  logger.warn("counter slot outcome unknown; its unit stays taken and drop close counts it as unclaimed", { ...unit, error: String(error) });
  throw retryable(error);
}

/**
 * The voucher's put failed without saying what it did. The slot is this attempt's, so its unit is
 * spent whatever happens: the voucher read back is the answer; when it is not there (or cannot be
 * read), the caller gets a retryable error, and a retry with the same Idempotency-Key files it.
 */
async function voucherAfterUnknownOutcome(issue: VoucherIssue, unit: ShardAddress, error: unknown, deps: ClaimDependencies) {
  try {
    const found = await withRetries(() => readIssuedVoucher(deps.db, deps.tables.vouchers, { ...issue.voucher, shard: issue.shard }), deps.retry);
    if (found) return found;
  } catch (readError) {
    logger.warn("could not read back a voucher after an unknown outcome", { ...unit, error: String(readError) });
  }
  logger.warn("voucher write outcome unknown; its slot holds the unit, which a keyed retry fills and drop close otherwise counts as unclaimed", { ...unit, error: String(error) });
  throw retryable(error);
}

/**
 * Makes a slot's voucher whole (another attempt's slot: it took the unit). What fails is answered
 * as retryable: the slot stays, and the next retry with the same key tries again.
 */
async function completeOrRetryable(complete: () => Promise<VoucherItem>, deps: ClaimDependencies): Promise<VoucherItem> {
  try {
    return await withRetries(complete, deps.retry);
  } catch (error) {
    throw retryable(error);
  }
}

/** What the caller is told after an unknown outcome: throttled stays throttled (429), anything else is 503. */
function retryable(error: unknown): Error {
  if (error instanceof ThrottledError) return error;
  return new UnavailableError("The claim could not be confirmed; retry with the same Idempotency-Key", { cause: error });
}

/**
 * Puts a unit back; on failure the unit is stranded, which drop close accounts for. Either way
 * the shard leaves the emptied-shard record (the unit may have landed) and the drop item's
 * sell-out mark is cleared, whoever wrote it: give-backs are rare (a person's claims racing at
 * their limit), so the extra write is too.
 */
async function returnUnit(unit: ShardAddress, key: string, deps: ClaimDependencies): Promise<void> {
  try {
    await withRetries(() => giveBackUnit(deps.db, deps.tables.inventory, unit), deps.retry);
    deps.caches.unitReturned(key, unit.shard);
  } catch (error) {
    logger.warn("could not return a unit; drop close will count it as unclaimed", { ...unit, error: String(error) });
  }
  try {
    await withRetries(() => forgetEmptiedShards(deps.db, deps.tables.inventory, unit, [unit.shard]), deps.retry);
    await clearSoldOut(deps.db, deps.tables.campaigns, unit);
  } catch (error) {
    logger.warn("could not clear the sell-out after returning a unit; it may answer SOLD_OUT early", { ...unit, error: String(error) });
  }
}

/**
 * Records that this claim took the last unit of its shard, and says whether that shard was the
 * last of the stock to empty. A failure here only loses the early announcement: claims then find
 * the sell-out by trying shards, as they would without it.
 */
async function emptiedLastShard(unit: ShardAddress, shardCount: number, deps: ClaimDependencies): Promise<boolean> {
  try {
    return await withRetries(() => recordShardEmptied(deps.db, deps.tables.inventory, unit, shardCount), deps.retry);
  } catch (error) {
    logger.warn("could not record an emptied shard; the sell-out is found by trying shards", { ...unit, error: String(error) });
    return false;
  }
}

/**
 * Spreads a sell-out: this instance remembers it, the drop item shows it (read by every instance
 * within its campaign cache time, and by the console), and every empty shard carries it, so the
 * next failed take anywhere learns it from that one write. Each mark is a hint (see
 * shared/store/inventory.ts); a mark that fails is logged and the claims find the sell-out by
 * trying shards.
 */
async function announceSoldOut(stock: Omit<ShardAddress, "shard">, shardCount: number, deps: ClaimDependencies): Promise<void> {
  const at = deps.now();
  deps.caches.rememberSoldOut(stockKey(stock), at.getTime());
  const marks = [
    markSoldOut(deps.db, deps.tables.campaigns, stock, at),
    markShardsSoldOut(deps.db, deps.tables.inventory, stock, shardCount, at),
  ];
  await Promise.all(marks.map((mark) => mark.catch((error: unknown) => logger.warn("could not mark the drop sold out", { ...stock, error: String(error) }))));
}
