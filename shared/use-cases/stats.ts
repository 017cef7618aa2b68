/**
 * Campaign statistics: the stream projector (vouchers and redemptions tables → `stats`), the stats
 * view of GET /admin/campaigns/{id}/stats, and the recount from the source records that proves the
 * projection (and can rebuild it: streams keep records for 24 h only).
 */
import { MERCHANT_STATUSES } from "../domain/merchant.js";
import type { InstantDiscountFigures } from "../domain/report.js";
import {
  type Bucket,
  type CampaignStats,
  type Counters,
  type StatsDelta,
  bucketsByKind,
  figuresOf,
  instantFiguresOf,
  instantTotal,
  ledgerDeltas,
  voucherRedemptionRate,
  mergeDeltas,
  remainingBudget,
  voucherDeltas,
} from "../domain/stats.js";
import { NotFoundError } from "../errors.js";
import { type CampaignRecord, loadCampaign } from "../store/campaigns.js";
import { queryByStatus, readMerchant } from "../store/merchants.js";
import { readLedger } from "../store/ledger.js";
import { type StatsChange, applyChanges, readStats } from "../store/stats.js";
import { statsSourceChange, voucherImage } from "../store/stream-images.js";
import { readIssuedVouchers } from "../store/vouchers.js";

export type { StreamChange } from "../streams/changes.js";
import type { StreamChange } from "../streams/changes.js";
import type { Dependencies } from "./dependencies.js";
import type { ProgrammeFigures } from "../domain/report.js";
import { programmeAwardFigures } from "./programme-payouts.js";

type StatsTables = "stats" | "campaigns" | "merchants";

/**
 * Projects a batch of stream changes of the vouchers and redemptions tables into `stats`, each
 * exactly once (a change delivered again is recognised by its eventId). Items other than vouchers
 * and new ledger records add nothing. Returns how many changes counted now.
 */
export async function projectStats(input: Dependencies<StatsTables> & { changes: readonly StreamChange[] }): Promise<{ counted: number; ignored: number }> {
  const campaigns = new Map<string, CampaignRecord | undefined>();
  const sectors = new Map<string, string>();
  const campaign = async (id: string) => {
    if (!campaigns.has(id)) campaigns.set(id, (await loadCampaign(input.db, input.tables.campaigns, id))?.campaign);
    return campaigns.get(id);
  };
  const sector = async (merchantId: string) => {
    if (!sectors.has(merchantId)) sectors.set(merchantId, (await readMerchant(input.db, input.tables.merchants, merchantId))?.sector ?? "other");
    return sectors.get(merchantId)!;
  };
  const changes: StatsChange[] = [];
  let ignored = 0;
  for (const change of input.changes) {
    const source = statsSourceChange(change);
    const owner = source === undefined ? undefined : await campaign(source.campaignId);
    let deltas: StatsDelta[] = [];
    if (source && owner) {
      deltas =
        source.kind === "voucher"
          ? voucherDeltas(source.old, source.new, owner.timezone)
          : ledgerDeltas(source.record, await sector(source.record.merchantId), owner.timezone);
    }
    if (source === undefined || deltas.length === 0) {
      ignored++;
      continue;
    }
    changes.push({ eventId: change.eventId, campaignId: source.campaignId, deltas });
  }
  const counted = await applyChanges(input.db, input.tables.stats, changes, input.now());
  return { counted, ignored };
}


/** The figures of a campaign's buckets, as GET /admin/campaigns/{id}/stats answers them. */
export function statsView(campaign: Pick<CampaignRecord, "id" | "budget">, buckets: ReadonlyMap<Bucket, Counters>): CampaignStats {
  const { total, byDay: days, bySector: sectors, byMerchant: merchants, byInstantDiscount } = bucketsByKind(buckets);
  const instant = instantTotal(byInstantDiscount);
  const figures = { ...figuresOf(total), redemptionRate: voucherRedemptionRate(total, instant) };
  const sales = (f: ReturnType<typeof figuresOf>) => ({ redeemed: f.redeemed, reversed: f.reversed, subsidy: f.subsidy, grossSales: f.grossSales, leverage: f.leverage });
  const bySector: CampaignStats["bySector"] = {};
  const byDay: CampaignStats["byDay"] = {};
  const byMerchant: CampaignStats["byMerchant"] = {};
  for (const [sector, counters] of sectors) bySector[sector] = sales(figuresOf(counters));
  for (const [merchantId, counters] of merchants) byMerchant[merchantId] = sales(figuresOf(counters));
  for (const [day, counters] of days) {
    const f = figuresOf(counters);
    byDay[day] = { claimed: f.claimed, redeemed: f.redeemed, reversed: f.reversed, expired: f.expired, subsidy: f.subsidy, grossSales: f.grossSales };
  }
  return {
    campaignId: campaign.id,
    budget: campaign.budget,
    ...figures,
    remainingBudget: remainingBudget(campaign.budget, total),
    instantDiscounts: instantFiguresOf(instant),
    bySector,
    byDay,
    byMerchant,
  };
}

/** Per instant discount id, its own figures (its `INSTANT#` bucket), as the bureau report shows them. */
export function instantDiscountsView(buckets: ReadonlyMap<Bucket, Counters>): Record<string, InstantDiscountFigures> {
  const figures: Record<string, InstantDiscountFigures> = {};
  for (const [id, counters] of bucketsByKind(buckets).byInstantDiscount) {
    const { redeemed, reversed, subsidy, grossSales } = figuresOf(counters);
    figures[id] = { applied: redeemed, reversed, subsidy, grossSales };
  }
  return figures;
}

/** GET /admin/campaigns/{id}/stats: the projected figures. */
export async function getCampaignStats(input: Omit<Dependencies<StatsTables>, "now"> & { campaignId: string }): Promise<CampaignStats> {
  const loaded = await loadCampaign(input.db, input.tables.campaigns, input.campaignId, { consistent: true });
  if (!loaded) throw new NotFoundError(`Campaign ${input.campaignId} not found`);
  return statsView(loaded.campaign, await readStats(input.db, input.tables.stats, input.campaignId));
}

/** The answer of GET /admin/campaigns/{id}/stats: the campaign's figures, and the merchant programmes' awards beside them. */
export async function getCampaignStatsAnswer(
  input: Omit<Dependencies<StatsTables | "programmes">, "now"> & { campaignId: string },
): Promise<CampaignStats & { programmes: ProgrammeFigures }> {
  return { ...(await getCampaignStats(input)), programmes: await programmeAwardFigures(input) };
}

/**
 * The figures recounted from the source records: every voucher the campaign's drops issued and
 * every ledger record at every merchant, strongly consistent, through the same rules the projector
 * applies (a voucher counts as claimed, then moves from CLAIMED to its status now). Equal to the
 * projection once the stream has been processed; also what a rebuild would write.
 */
export async function recountStats(
  input: Pick<Dependencies<"campaigns" | "vouchers" | "redemptions" | "merchants">, "db" | "tables"> & { campaignId: string },
): Promise<Map<Bucket, Counters>> {
  const loaded = await loadCampaign(input.db, input.tables.campaigns, input.campaignId, { consistent: true });
  if (!loaded) throw new NotFoundError(`Campaign ${input.campaignId} not found`);
  const { campaign, drops } = loaded;
  const deltas: StatsDelta[] = [];
  for (const drop of drops) {
    for (const [voucherTypeId, shardCount] of Object.entries(drop.shardCounts)) {
      for (const voucher of await readIssuedVouchers(input.db, input.tables.vouchers, { campaignId: campaign.id, dropId: drop.id, voucherTypeId, shardCount })) {
        const now = voucherImage(voucher);
        const claimed = { ...now, status: "CLAIMED" };
        deltas.push(...voucherDeltas(undefined, claimed, campaign.timezone), ...voucherDeltas(claimed, now, campaign.timezone));
      }
    }
  }
  for (const status of MERCHANT_STATUSES) {
    let startKey;
    do {
      const page = await queryByStatus(input.db, input.tables.merchants, { status, limit: 100, startKey });
      for (const merchant of page.merchants) {
        const ledger = await readLedger(input.db, input.tables.redemptions, campaign.id, merchant.id);
        for (const record of ledger) deltas.push(...ledgerDeltas(record, merchant.sector, campaign.timezone));
      }
      startKey = page.lastKey;
    } while (startKey);
  }
  return mergeDeltas(deltas);
}
