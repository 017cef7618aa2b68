/**
 * The expiry sweep (schedule `expiry-sweep`, daily): marks every CLAIMED voucher past its expiry
 * plus the grace period EXPIRED. The vouchers stream carries each move to the stats projector,
 * which counts it as expired and gives its discount back to the remaining budget.
 *
 * It walks every published or paused campaign (the `listing` index) and each drop whose vouchers
 * can be due (shared/domain/expiry.ts), reads the drop's voucher partitions shard by shard, page by
 * page, and expires the due ones with a conditional update each, a bounded number in flight. A
 * voucher redeemed, voided or restored meanwhile fails the condition and keeps what it has. A
 * closed drop whose every voucher is past expiry + grace gets a marker once it has been swept
 * through, and later sweeps skip it, so the daily work follows the drops still live.
 *
 * Idempotent: a second sweep finds nothing CLAIMED and due. Bounded: one invocation starts
 * at most `maxVouchers` voucher writes and starts nothing once its remaining time runs low; what it left
 * (no marker was set) is taken up by the next firing.
 */
import { EXPIRY_GRACE_MS, dropSweepPlan, expiryLimit, isDueForExpiry } from "../domain/expiry.js";
import { queryListed } from "../store/campaign-writes.js";
import { type CampaignRecord, type DropRecord, loadCampaign } from "../store/campaigns.js";
import { expireVoucher, issuedVoucherPages, markDropSwept } from "../store/expiry.js";
import { withRetries } from "../store/retry.js";
import type { Dependencies } from "./dependencies.js";

/** Conditional updates in flight at once, over all shards. */
export const EXPIRE_CONCURRENCY = 16;
/** Shards of one drop and voucher type read at once. */
export const SHARD_READ_CONCURRENCY = 4;
/** Voucher writes one invocation starts at most; the next firing continues from there. */
export const DEFAULT_MAX_VOUCHERS_PER_RUN = 200_000;
/** Remaining time under which an invocation stops starting work, so it ends before its timeout. */
export const DEFAULT_STOP_WHEN_REMAINING_MS = 60_000;

/** How far one invocation of the sweep goes, beside its tables. */
export interface SweepBounds {
  /** The invocation's remaining time (Lambda's `getRemainingTimeInMillis`); unbounded without it. */
  remainingTimeMs?: () => number;
  limits?: { maxVouchers?: number; stopWhenRemainingMs?: number };
  graceMs?: number;
}

export interface ExpirySweepOutcome {
  /** The sweep's instant; vouchers with `expiresAt` ≤ `limit` (= at − grace) were due. */
  at: string;
  limit: string;
  /** Published or paused campaigns looked at. */
  campaigns: number;
  /** Drops whose vouchers were read in this run. */
  dropsSwept: number;
  /** Of those, drops now marked as needing no more sweeping. */
  dropsFinished: number;
  /** Drops skipped because an earlier sweep marked them done. */
  alreadyDone: number;
  /** Drops skipped because none of their vouchers can be due yet. */
  notDue: number;
  /** Vouchers marked EXPIRED in this run. */
  vouchersExpired: number;
  /** Vouchers read as due that were no longer CLAIMED when written (redeemed meanwhile, or a concurrent sweep). */
  vouchersChanged: number;
  /** False when the run stopped early (voucher limit or time); the next firing continues. */
  complete: boolean;
  /** Campaigns or drops that failed; retried by the next firing. */
  failed: { campaignId: string; dropId?: string; error: string }[];
}

/**
 * Runs one expiry sweep over every published or paused campaign. Never throws for one campaign
 * or drop: its failure is reported in `failed` and the rest is swept.
 */
export async function sweepExpiredVouchers(deps: Dependencies<"campaigns" | "vouchers"> & SweepBounds): Promise<ExpirySweepOutcome> {
  const graceMs = deps.graceMs ?? EXPIRY_GRACE_MS;
  const now = deps.now();
  const limit = expiryLimit(now, graceMs);
  const at = now.toISOString();
  const maxVouchers = deps.limits?.maxVouchers ?? DEFAULT_MAX_VOUCHERS_PER_RUN;
  const stopWhenRemainingMs = deps.limits?.stopWhenRemainingMs ?? DEFAULT_STOP_WHEN_REMAINING_MS;
  const outcome: ExpirySweepOutcome = {
    at,
    limit,
    campaigns: 0,
    dropsSwept: 0,
    dropsFinished: 0,
    alreadyDone: 0,
    notDue: 0,
    vouchersExpired: 0,
    vouchersChanged: 0,
    complete: true,
    failed: [],
  };
  let writes = 0;
  const budget: Budget = {
    go(): boolean {
      if (outcome.complete && deps.remainingTimeMs !== undefined && deps.remainingTimeMs() < stopWhenRemainingMs) outcome.complete = false;
      return outcome.complete;
    },
    take(): boolean {
      if (!budget.go()) return false;
      if (writes >= maxVouchers) {
        outcome.complete = false;
        return false;
      }
      writes++;
      return true;
    },
  };

  let startKey: Record<string, unknown> | undefined;
  do {
    if (!budget.go()) break;
    const page = await queryListed(deps.db, deps.tables.campaigns, { limit: 100, ...(startKey ? { startKey } : {}) });
    for (const listed of page.campaigns) {
      if (!budget.go()) break;
      outcome.campaigns++;
      try {
        // Consistent: a drop marked or closed a moment ago is seen as such.
        const loaded = await loadCampaign(deps.db, deps.tables.campaigns, listed.id, { consistent: true });
        if (!loaded) continue;
        for (const drop of loaded.drops) {
          if (!budget.go()) break;
          await sweepDrop(deps, { campaign: loaded.campaign, drop, now, at, limit, graceMs, budget, outcome });
        }
      } catch (error) {
        outcome.failed.push({ campaignId: listed.id, error: message(error) });
      }
    }
    startKey = page.lastKey;
  } while (startKey);
  return outcome;
}

/** What one invocation may still do; once it says no, it keeps saying no. */
interface Budget {
  /** Whether to start more work (reading): false once the time runs low or a write was refused. */
  go(): boolean;
  /** Takes one voucher write from the budget, or false when the run must stop. */
  take(): boolean;
}

async function sweepDrop(
  deps: Dependencies<"campaigns" | "vouchers"> & SweepBounds,
  run: {
    campaign: CampaignRecord;
    drop: DropRecord;
    now: Date;
    at: string;
    limit: string;
    graceMs: number;
    budget: Budget;
    outcome: ExpirySweepOutcome;
  },
): Promise<void> {
  const { campaign, drop, outcome } = run;
  if (drop.expirySweptAt !== undefined) {
    outcome.alreadyDone++;
    return;
  }
  try {
    const plan = dropSweepPlan(campaign, { ...drop, voucherTypeIds: Object.keys(drop.shardCounts) }, run.now, run.graceMs);
    if (plan === "not-due") {
      outcome.notDue++;
      return;
    }
    const limiter = new Limiter(EXPIRE_CONCURRENCY);
    // Set false when the run stops before reading and writing all of the drop: no marker then.
    const progress = { readAll: true };
    for (const [voucherTypeId, shardCount] of Object.entries(drop.shardCounts)) {
      const shards = Array.from({ length: shardCount }, (_, shard) => shard);
      await forEachLimit(shards, SHARD_READ_CONCURRENCY, async (shard) => {
        if (!run.budget.go()) {
          progress.readAll = false;
          return;
        }
        for await (const page of issuedVoucherPages(deps.db, deps.tables.vouchers, { campaignId: campaign.id, dropId: drop.id, voucherTypeId, shard })) {
          const writes = await Promise.allSettled(
            page
              .filter((voucher) => isDueForExpiry(voucher, run.now, run.graceMs))
              .map((voucher) =>
                limiter.run(async () => {
                  if (!run.budget.take()) {
                    progress.readAll = false;
                    return;
                  }
                  const result = await withRetries(() => expireVoucher(deps.db, deps.tables.vouchers, voucher, { limit: run.limit, at: run.at }));
                  if (result === "expired") outcome.vouchersExpired++;
                  else outcome.vouchersChanged++;
                }),
              ),
          );
          const failure = writes.find((write): write is PromiseRejectedResult => write.status === "rejected");
          if (failure) throw failure.reason;
          if (!run.budget.go()) {
            progress.readAll = false;
            return;
          }
        }
      });
    }
    outcome.dropsSwept++;
    if (plan === "final" && progress.readAll && (await markDropSwept(deps.db, deps.tables.campaigns, { campaignId: campaign.id, dropId: drop.id }, run.at))) {
      outcome.dropsFinished++;
    }
  } catch (error) {
    outcome.failed.push({ campaignId: campaign.id, dropId: drop.id, error: message(error) });
  }
}

/** At most `limit` tasks running at once; the others wait their turn. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs `task` over `items` with at most `limit` at once; the first failure is thrown once all have settled. */
async function forEachLimit<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  const results = await Promise.allSettled(workers);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
