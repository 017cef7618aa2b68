/**
 * The operators' campaign use cases (create, replace, publish, pause and resume, add a drop,
 * read) and the public list. Each takes its dependencies as arguments: the document client, the
 * physical table names and the clock, so tests inject them instead of patching modules.
 */
import { readInstantDiscountUse } from "./instant-discounts.js";
import { registrationCount } from "./lottery.js";
import type { Dependencies } from "./dependencies.js";
import { type Campaign, type Drop, checkNewDrops, dropOccurrences } from "../domain/campaign.js";
import { AlreadyExistsError, CampaignInvalidError, ConcurrentUpdateError, InvalidStateError, NotDraftError, NotFoundError } from "../errors.js";
import {
  MAX_TRANSACTION_ITEMS,
  changeStatus,
  flipToPublished,
  insertCampaign,
  insertDrop,
  markDropProvisioned,
  markPublishing,
  queryListed,
  readCampaignItem,
  replaceDraft,
} from "../store/campaign-writes.js";
import { provisionShards, readShardRemaining } from "../store/inventory.js";
import { ensureDrawSeed } from "../store/draw-seeds.js";
import { drawCommitment, newSeed } from "../domain/lottery.js";
import type { AuditTrail } from "../store/audit.js";
import { type CampaignStatus, type CampaignWithDrops, type DropRecord, definitionFields, loadCampaign, scanCampaigns } from "../store/campaigns.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import * as z from "../zod.js";
import {
  type CampaignDetail,
  type CampaignView,
  type TtlCache,
  decodePageToken,
  encodePageToken,
  toCampaignDetail,
  toCampaignView,
} from "./campaign-views.js";

type TableKind = "campaigns" | "inventory";
/** Publishing also draws each lottery drop's seed. */
type PublishTables = TableKind | "drawSeeds";

/** Where an operator's writes are audited (every write of an /admin route passes it). */
export interface OperatorTrail {
  audit?: AuditTrail;
}

/** Drops one create or replace may carry: the campaign item and its drops share one transaction. */
export const MAX_DROPS_PER_WRITE = MAX_TRANSACTION_ITEMS - 1;

/** Times a write that lost a race to a concurrent change re-reads and tries again. */
const CONFLICT_ATTEMPTS = 3;

/** POST /admin/campaigns: a new DRAFT campaign with its drops. */
export async function createCampaign(input: Dependencies<"campaigns"> & OperatorTrail & { campaign: Campaign; operator: string }): Promise<CampaignView> {
  const { campaign } = input;
  checkDropCount(campaign.drops.length, 0);
  await insertCampaign(input.db, input.tables.campaigns, campaign, { at: input.now().toISOString(), by: input.operator }, input.audit);
  return view(await mustLoad(input, campaign.id));
}

/**
 * PUT /admin/campaigns/{id}: replaces a DRAFT campaign whole. A concurrent change between the
 * read and the write makes the write fail its version condition; it is then read and applied
 * again, since a replacement does not depend on what it replaces.
 */
export async function replaceCampaign(input: Dependencies<"campaigns"> & OperatorTrail & { campaignId: string; campaign: Campaign }): Promise<CampaignView> {
  const { campaign } = input;
  if (campaign.id !== input.campaignId) {
    throw new CampaignInvalidError([{ path: "id", message: `must be the campaign id of the path, ${input.campaignId}` }]);
  }
  checkDropCount(campaign.drops.length, 0);
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const current = await mustLoad(input, input.campaignId);
    if (current.campaign.status !== "DRAFT") throw notDraft(input.campaignId, current.campaign.status);
    const dropIds = current.drops.map((drop) => drop.id);
    const kept = new Set(campaign.drops.map((drop) => drop.id));
    checkDropCount(campaign.drops.length, dropIds.filter((id) => !kept.has(id)).length);
    const replaced = await replaceDraft(input.db, input.tables.campaigns, { campaign: current.campaign, dropIds }, campaign, {
      at: input.now().toISOString(),
    }, input.audit);
    if (replaced) return view(await mustLoad(input, input.campaignId));
    const now = await readCampaignItem(input.db, input.tables.campaigns, input.campaignId);
    if (!now) throw notFound(input.campaignId);
    if (now.campaign.status !== "DRAFT") throw notDraft(input.campaignId, now.campaign.status);
    if (now.publishing) throw new NotDraftError(`Campaign ${input.campaignId} is being published; publish it again to finish`);
  }
  throw new ConcurrentUpdateError(`Campaign ${input.campaignId} kept changing while it was being replaced; try again`);
}

/**
 * POST /admin/campaigns/{id}/publish. In an order that a second publish completes after a crash
 * anywhere: freeze the draft, provision every drop's shards (each put only if absent), record the
 * shard counts on each drop and put it on the close schedule, and only then flip the status. A
 * campaign already published or paused is answered as it is.
 */
export async function publishCampaign(input: Dependencies<PublishTables> & OperatorTrail & { campaignId: string }): Promise<CampaignView> {
  const { db, tables, campaignId } = input;
  const item = await readCampaignItem(db, tables.campaigns, campaignId);
  if (!item) throw notFound(campaignId);
  if (item.campaign.status === "DRAFT") {
    if (await markPublishing(db, tables.campaigns, campaignId, input.now().toISOString())) {
      // Read after the freeze: these drops can no longer change under us.
      const { drops } = await mustLoad(input, campaignId);
      for (const drop of drops) await provisionDrop(input, campaignId, drop);
      await flipToPublished(db, tables.campaigns, campaignId, input.now().toISOString(), input.audit);
    }
  }
  const published = await mustLoad(input, campaignId);
  if (published.campaign.status === "DRAFT") {
    throw new ConcurrentUpdateError(`Campaign ${campaignId} is still a draft after publishing; try again`);
  }
  return view(published);
}

/**
 * POST /admin/campaigns/{id}/pause and /resume. Asking for the status a campaign already has is
 * harmless; a draft can be neither paused nor resumed.
 */
export async function setCampaignStatus(input: Dependencies<"campaigns"> & OperatorTrail & { campaignId: string; action: "pause" | "resume" }): Promise<CampaignView> {
  const { db, tables, campaignId, action } = input;
  const [from, to] = action === "pause" ? (["PUBLISHED", "PAUSED"] as const) : (["PAUSED", "PUBLISHED"] as const);
  const changed = await changeStatus(db, tables.campaigns, campaignId, { from, to, at: input.now().toISOString() }, input.audit);
  const current = await mustLoad(input, campaignId);
  if (!changed && current.campaign.status !== to) {
    throw new InvalidStateError(`Campaign ${campaignId} is ${current.campaign.status}; only a ${from} campaign can be ${action}d`);
  }
  return view(current);
}

/**
 * POST /admin/campaigns/{id}/drops: a new drop for a published or paused campaign, within the
 * budget not yet committed (Σ budgetedStock × discount over the drops: units rolled from one drop
 * to the next count once, and units a closed drop released are free again). The drop item is written first, in one transaction with the
 * campaign's version, so two concurrent additions cannot share one budget; its shards follow, and
 * last its shard counts and its place on the close schedule. Until then no claim can reach it.
 * If that sequence was cut short, the same request again finishes it.
 *
 * A repeating drop writes all its occurrences in that one transaction, then provisions each in
 * turn. Crash analysis: cut short between occurrences, some are provisioned and the rest have no
 * shard counts and are not due, so no claim can reach them and no stock exists twice (shards are
 * put only if absent); the same request again provisions the rest
 * (test/integration/campaigns.test.ts, "finishes a repeating drop whose provisioning was cut short").
 */
export async function addDrop(input: Dependencies<PublishTables> & OperatorTrail & { campaignId: string; drop: Drop }): Promise<CampaignView> {
  const { campaignId } = input;
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const current = await mustLoad(input, campaignId);
    if (current.campaign.status === "DRAFT") {
      throw new InvalidStateError(`Campaign ${campaignId} is a draft: edit its drops with PUT /admin/campaigns/${campaignId}`);
    }
    // A repeating drop adds its occurrences; the same request again finds them all.
    const ids = dropOccurrences(input.drop, current.campaign.timezone).map((drop) => drop.id);
    const existing = current.drops.filter((drop) => ids.includes(drop.id));
    if (existing.length > 0) {
      const occurrences = dropOccurrences(input.drop, current.campaign.timezone);
      const unfinished = existing.filter((drop) => Object.keys(drop.shardCounts).length === 0 && drop.closedAt === undefined);
      for (const drop of unfinished) await provisionDrop(input, campaignId, drop);
      const same = existing.length === occurrences.length && occurrences.every((occurrence) => existing.some((drop) => drop.id === occurrence.id && sameDefinition(drop, occurrence)));
      if (unfinished.length > 0 && same) return view(await mustLoad(input, campaignId));
      throw new AlreadyExistsError(`Drop ${existing[0]!.id} already exists in campaign ${campaignId}`);
    }
    const drops = checkNewDrops(definitionOf(current), input.drop);
    const outcome = await insertDrop(input.db, input.tables.campaigns, current.campaign, drops, input.now().toISOString(), input.audit, input.drop);
    if (outcome === "inserted") {
      for (const drop of drops) await provisionDrop(input, campaignId, drop);
      return view(await mustLoad(input, campaignId));
    }
    // "drop-exists" or "campaign-changed": read again; the next round answers or retries.
  }
  throw new ConcurrentUpdateError(`Campaign ${campaignId} kept changing while a drop was being added; try again`);
}

/**
 * GET /admin/campaigns/{id}: the campaign with, per drop and voucher type, the units left in each
 * shard (one strongly consistent read unit per shard), each lottery drop's registrations so far,
 * and each instant discount's use.
 */
export async function getCampaign(input: Dependencies<TableKind | "lottery"> & OperatorTrail & { campaignId: string }): Promise<CampaignDetail> {
  const loaded = await mustLoad(input, input.campaignId);
  const shardRemaining = new Map(
    await Promise.all(
      loaded.drops.map(
        async (drop) => [drop.id, await readShardRemaining(input.db, input.tables.inventory, input.campaignId, drop)] as const,
      ),
    ),
  );
  // The live figure of each lottery drop: the sum of its registration counters.
  const registrations = new Map(
    await Promise.all(
      loaded.drops
        .filter((drop) => drop.allocation === "lottery")
        .map(async (drop) => [drop.id, await registrationCount({ ...input, dropId: drop.id })] as const),
    ),
  );
  const instantUse = await readInstantDiscountUse(input, loaded.campaign, input.now());
  return toCampaignDetail(loaded.campaign, loaded.drops, shardRemaining, instantUse, registrations);
}

export interface CampaignPage {
  items: CampaignView[];
  nextToken?: string;
}

/**
 * GET /campaigns (public): published and paused campaigns with their drops, latest start first,
 * one page at a time. Answers come from `cache` while fresh.
 */
export async function listPublicCampaigns(
  input: Dependencies<"campaigns"> & OperatorTrail & { query: { limit: number; nextToken?: string | undefined }; cache: TtlCache<CampaignPage> },
): Promise<CampaignPage> {
  const { limit, nextToken } = input.query;
  const startKey = nextToken === undefined ? undefined : decodePageToken(nextToken);
  return input.cache.get(`${limit} ${nextToken ?? ""}`, input.now().getTime(), async () => {
    const page = await queryListed(input.db, input.tables.campaigns, { limit, ...(startKey ? { startKey } : {}) });
    const loaded = await Promise.all(page.campaigns.map((campaign) => loadCampaign(input.db, input.tables.campaigns, campaign.id)));
    const items = loaded
      .filter((entry): entry is CampaignWithDrops => entry !== undefined && entry.campaign.status !== "DRAFT")
      .map(view);
    return { items, ...(page.lastKey ? { nextToken: encodePageToken(page.lastKey) } : {}) };
  });
}

/** The page token of GET /admin/campaigns: the key of the last campaign item of a page. */
const adminPageKeySchema = z.strictObject({ pk: z.string().startsWith("CAMPAIGN#"), sk: z.literal("#CAMPAIGN") });

/**
 * GET /admin/campaigns (operator): every campaign, drafts included, of one status or all, with
 * its drops; one page at a time, in the table's order (the console sorts). Strongly consistent
 * reads of each campaign, so a campaign just created or published shows as it is.
 */
export async function listAllCampaigns(
  input: Dependencies<"campaigns"> & { query: { limit: number; nextToken?: string | undefined; status?: CampaignStatus | undefined } },
): Promise<CampaignPage> {
  const { limit, nextToken, status } = input.query;
  const startKey = nextToken === undefined ? undefined : decodeToken(nextToken, adminPageKeySchema);
  const page = await scanCampaigns(input.db, input.tables.campaigns, { limit, ...(startKey ? { startKey } : {}), ...(status ? { status } : {}) });
  const loaded = await Promise.all(page.campaigns.map((campaign) => loadCampaign(input.db, input.tables.campaigns, campaign.id, { consistent: true })));
  const items = loaded.filter((entry): entry is CampaignWithDrops => entry !== undefined).map(view);
  return { items, ...(page.lastKey ? { nextToken: encodeToken(page.lastKey) } : {}) };
}

// ---------------------------------------------------------------------------------------------

/**
 * Provisions a drop's shards, and for a lottery drop its seed, then records the shard counts (and
 * the seed's commitment) on the drop. Crash analysis of a lottery drop: the seed is put only if
 * absent, and the commitment is derived from the seed as stored, so a publish cut short after the
 * seed was written and run again finds that seed and writes its commitment; a drop never gets a
 * second seed, and its commitment appears together with its shard counts, before any
 * registration (which needs the commitment) or claim (which needs the shard counts).
 */
async function provisionDrop(
  input: Dependencies<PublishTables> & OperatorTrail,
  campaignId: string,
  drop: Pick<DropRecord, "id" | "stock" | "shards" | "expectedAttemptsPerSecond" | "allocation">,
): Promise<void> {
  const shardCounts = await provisionShards(input.db, input.tables.inventory, campaignId, drop);
  const commitment =
    drop.allocation === "lottery"
      ? drawCommitment(await ensureDrawSeed(input.db, input.tables.drawSeeds, { campaignId, dropId: drop.id }, newSeed(), input.now().toISOString()))
      : undefined;
  await markDropProvisioned(input.db, input.tables.campaigns, campaignId, drop.id, shardCounts, commitment);
}

async function mustLoad(input: Dependencies<"campaigns">, campaignId: string): Promise<CampaignWithDrops> {
  const loaded = await loadCampaign(input.db, input.tables.campaigns, campaignId, { consistent: true });
  if (!loaded) throw notFound(campaignId);
  return loaded;
}

function view(loaded: CampaignWithDrops): CampaignView {
  return toCampaignView(loaded.campaign, loaded.drops);
}

/** The campaign as the domain rules see it, with its drops as stored. */
function definitionOf({ campaign, drops }: CampaignWithDrops): Campaign {
  return {
    ...definitionFields(campaign),
    drops: drops.map((drop) => ({
      id: drop.id,
      opensAt: drop.opensAt,
      closesAt: drop.closesAt,
      stock: budgetedStock(drop),
      ...(drop.shards === undefined ? {} : { shards: drop.shards }),
      ...(drop.expectedAttemptsPerSecond === undefined ? {} : { expectedAttemptsPerSecond: drop.expectedAttemptsPerSecond }),
    })),
  };
}

/** Whether a stored drop is the one a request defines (times compared as instants). */
export function sameDefinition(
  stored: Pick<DropRecord, "opensAt" | "closesAt" | "stock" | "shards" | "expectedAttemptsPerSecond" | "audience" | "allocation" | "registration" | "drawAt">,
  drop: Drop,
): boolean {
  const stockKeys = Object.keys(drop.stock);
  return (
    Date.parse(stored.opensAt) === Date.parse(drop.opensAt) &&
    Date.parse(stored.closesAt) === Date.parse(drop.closesAt) &&
    stored.shards === drop.shards &&
    stored.expectedAttemptsPerSecond === drop.expectedAttemptsPerSecond &&
    stored.audience === drop.audience &&
    stored.allocation === drop.allocation &&
    sameInstant(stored.registration?.opensAt, drop.registration?.opensAt) &&
    sameInstant(stored.registration?.closesAt, drop.registration?.closesAt) &&
    sameInstant(stored.drawAt, drop.drawAt) &&
    Object.keys(stored.stock).length === stockKeys.length &&
    stockKeys.every((typeId) => stored.stock[typeId] === drop.stock[typeId])
  );
}

/** Two optional instants, equal as instants or both absent. */
function sameInstant(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined ? a === b : Date.parse(a) === Date.parse(b);
}

/** A create or replace must fit one transaction: the campaign item, its drops, and drops deleted. */
function checkDropCount(drops: number, removed: number): void {
  if (1 + drops + removed <= MAX_TRANSACTION_ITEMS) return;
  const message =
    removed === 0
      ? `at most ${MAX_DROPS_PER_WRITE} drops can be written at once; add further drops after publishing`
      : `replacing these drops writes ${drops} and deletes ${removed}, more than ${MAX_DROPS_PER_WRITE} changes at once; replace in two steps`;
  throw new CampaignInvalidError([{ path: "drops", message }]);
}

function notFound(campaignId: string): NotFoundError {
  return new NotFoundError(`Campaign ${campaignId} not found`);
}

function notDraft(campaignId: string, status: string): NotDraftError {
  return new NotDraftError(`Campaign ${campaignId} is ${status}; only a DRAFT campaign can be replaced`);
}

/**
 * The units of a drop that hold budget, per voucher type: its stock, less units rolled in from
 * earlier drops (their source still counts them) and less units it released at close.
 */
export function budgetedStock(drop: Pick<DropRecord, "stock" | "rolledIn" | "closeOutcome">): Record<string, number> {
  const units: Record<string, number> = {};
  for (const [type, stock] of Object.entries(drop.stock)) {
    const rolledIn = Object.values(drop.rolledIn).reduce((sum, bySource) => sum + (bySource[type] ?? 0), 0);
    const outcome = drop.closeOutcome?.[type];
    const released = outcome?.released === undefined ? 0 : outcome.unclaimed;
    units[type] = stock - rolledIn - released;
  }
  return units;
}
