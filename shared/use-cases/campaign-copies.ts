/**
 * Keeps the read copies of each campaign (shared/store/campaign-copies.ts) equal to the campaign:
 * the replicator (`copyCampaign`, on the campaigns table's KEYS_ONLY stream) and
 * `npm run campaign:copies` both re-read the campaign strongly consistent and write every copy.
 *
 * Crash analysis. The copies are derived data, never the source of a decision that outlives a
 * claim instance's cache. Each write is a fresh copy of the whole source, conditioned to keep the
 * newest read: the higher campaign `version`, and at the same version the later `readAt` (taken
 * before the read starts: a read that missed a change started before the change committed, and the
 * refresh the change's own stream record causes starts after it), so writing again is always
 * harmless. Clocks: `readAt` is the replicator's own clock. Every write of the campaign item
 * (publish, pause, resume, a new drop, a drop's close) bumps `version`, so a snapshot read before
 * such a change never overwrites it, whatever the clocks. A change to drop items alone (a sold-out
 * mark, a new drop's shard counts written just after the drop, draw progress) is ordered by
 * `readAt` only: an instance whose clock runs ahead by minutes can keep the older drop state in
 * the copies until the campaign's next change, or a `npm run campaign:copies`; a claim then reads
 * a drop not yet marked sold out (it finds the shards empty itself) or, for a drop added to a live
 * campaign, one without shard counts (answered DROP_NOT_OPEN, "no inventory yet"). Lambda's clocks are synced
 * (Amazon Time Sync), so that window is in practice milliseconds. A crash or a lost answer anywhere fails the campaign's records;
 * the stream delivers them again and the copies are rewritten. A record that fails every retry is
 * described on the `streamFailures` queue (alarmed) and the copies stay as they were until the
 * campaign's next change or a `npm run campaign:copies -- --campaign ID` (docs/runbook.md).
 */
import { logger } from "../logger.js";
import type { StreamKeyChange } from "../streams/changes.js";
import { type CopiesWritten, writeCampaignCopies } from "../store/campaign-copies.js";
import { campaignIdOf, loadCampaign } from "../store/campaigns.js";
import { CAMPAIGN_PARTITION_PREFIX } from "../store/keys.js";
import type { Dependencies } from "./dependencies.js";

/** What refreshing one campaign's copies did: written (or kept newer ones), refused as too large, or no such campaign. */
export type CopiesRefreshed = CopiesWritten | { outcome: "absent" };

/**
 * Reads campaign `campaignId` and its drops strongly consistent and writes the snapshot to every
 * read copy. A campaign that does not exist has nothing to copy.
 */
export async function refreshCampaignCopies(input: Dependencies<"campaigns"> & { campaignId: string; copies?: number }): Promise<CopiesRefreshed> {
  // Before the read: see the module's crash analysis.
  const readAt = input.now().toISOString();
  const snapshot = await loadCampaign(input.db, input.tables.campaigns, input.campaignId, { consistent: true });
  if (!snapshot) return { outcome: "absent" };
  return writeCampaignCopies(input.db, input.tables.campaigns, snapshot, readAt, input.copies);
}

/** What one stream batch did; `failed` holds the sequence numbers of the records to deliver again. */
export interface CopyBatchOutcome {
  campaigns: number;
  /** Records of copies (the replicator's own writes) and of anything else than a campaign's partition. */
  ignored: number;
  tooLarge: number;
  failed: string[];
}

/**
 * Refreshes the copies of every campaign whose partition (the campaign item or a drop) changed in a
 * stream batch, once per campaign however many of its records the batch holds, one campaign at a
 * time. Records of copies are ignored, so the replicator's own writes do not feed it again. A
 * campaign whose refresh fails reports its records as failed; the others' are done.
 */
export async function copyChangedCampaigns(input: Dependencies<"campaigns"> & { changes: readonly StreamKeyChange[]; copies?: number }): Promise<CopyBatchOutcome> {
  const byCampaign = new Map<string, string[]>();
  let ignored = 0;
  for (const change of input.changes) {
    const pk = change.keys.pk;
    if (typeof pk !== "string" || !pk.startsWith(CAMPAIGN_PARTITION_PREFIX)) {
      ignored += 1;
      continue;
    }
    const id = campaignIdOf(pk);
    byCampaign.set(id, [...(byCampaign.get(id) ?? []), change.sequenceNumber]);
  }
  const outcome: CopyBatchOutcome = { campaigns: byCampaign.size, ignored, tooLarge: 0, failed: [] };
  for (const [campaignId, records] of byCampaign) {
    try {
      const refreshed = await refreshCampaignCopies({ ...input, campaignId });
      if (refreshed.outcome === "too-large") outcome.tooLarge += 1;
    } catch (error) {
      logger.warn("could not refresh a campaign's read copies; its records go back to the stream", { campaignId, error: String(error) });
      outcome.failed.push(...records);
    }
  }
  return outcome;
}
