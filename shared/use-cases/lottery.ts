/**
 * Lottery drops (API.md, "Fair allocation"; DESIGN.md §8): registration, the draw, and its
 * published result.
 *
 * The draw is planned, ranked in chunks and merged, so it scales past one invocation:
 *  1. **Plan** ({@link startDraw}, by the operator or the ticker after registration closed): the
 *     draw item is put once, freezing the stock; one message per chunk (registration partition)
 *     goes to the `draws` queue. Sending again is harmless, so a plan cut short is finished by
 *     asking again (the ticker does, every minute, until the draw is done).
 *  2. **Rank** ({@link rankDrawChunk}, the queue's worker): the chunk's registrations are ranked
 *     with the seed and its top-k per voucher type is written to the chunk's item; the result is a
 *     function of the chunk and the seed, so a redelivered chunk writes the same item.
 *  3. **Merge**, by the worker that finds every chunk reported: the global top-k per type
 *     (domain/lottery.ts proves it equals the whole ranking), then each winner's voucher is
 *     issued as a claim at the draw would (the claim's two writes: a slot on the person's counter
 *     below the limit, once per voucher id, then the voucher). The voucher id and the issue
 *     attempt derive from the registration id, so a merge run twice (a crash, a redelivery, two
 *     workers at once) finds the slots it took, files any voucher a crash left unwritten, and
 *     issues none again. Winners are at most `stock` per type, and
 *     each gets at most one voucher, so nothing is issued over stock. A winner at the limit gets
 *     none; the unit is not passed down and drop close releases it (stock − vouchers issued).
 *     Last, the result is published once, with the seed.
 *  4. **Issue in batches**, when the winners are too many for one invocation (over
 *     ISSUE_BATCH_WINNERS): the merge stores them in batches, in a fixed order, and sends one
 *     message per batch back to the queue ({@link issueDrawBatch}); each batch is issued as in step
 *     3 and noted; the worker that finds every batch noted publishes. docs/architecture.md has the
 *     crash analysis of each step.
 * A crash anywhere leaves the chunk message undeleted: SQS delivers it again, and the steps above
 * repeat without effect until the result is published.
 */
import { drawCommitment, drawnVoucherId, mergeTopK, newRegistrationId, REGISTRATION_SHARDS, registrationOpen, registrationShard, chunkTopK } from "../domain/lottery.js";
import { issueVoucher } from "../domain/claim.js";
import { LimitReachedError, NotALotteryDropError, NotDrawnError, NotFoundError, RegistrationClosedError, RegistrationOpenError } from "../errors.js";
import type { DrawChunkMessage, DrawIssueMessage, DrawMessage } from "../api/messages.js";
import { type CampaignWithDrops, type DropRecord, loadCampaign } from "../store/campaigns.js";
import { readDrawSeed } from "../store/draw-seeds.js";
import { forEachLimited } from "../store/inventory.js";
import {
  type DrawItem,
  type RankedRegistration,
  type RegistrationItem,
  countRegistration,
  finishDraw,
  listResidentRegistrations,
  markDrawStarted,
  markDropDrawn,
  markWinner,
  queryDueDraws,
  ISSUE_BATCH_WINNERS,
  putChunkResult,
  putIssuedBatch,
  putWinnerBatches,
  putRegistration,
  readChunkResults,
  readDraw,
  readDraws,
  readIssuedBatches,
  readRegistration,
  readRegistrationChunk,
  readRegistrationCount,
  readRegistrationPage,
  readWinnerBatch,
  startDrawItem,
} from "../store/lottery.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import type { TtlCache } from "./campaign-views.js";
import * as z from "../zod.js";
import { readClaimCounter, writeIssuedVoucher } from "../store/vouchers.js";
import type { Dependencies } from "./dependencies.js";
import type { IdentityHashes } from "../domain/identity.js";
import { readAccountLink } from "../store/identity-links.js";
import { resolvePersonKey } from "./person-key.js";

export interface RegistrationAnswer {
  registrationId: string;
  voucherTypeId: string;
  status: "REGISTERED";
}

/**
 * POST /campaigns/{id}/drops/{dropId}/registrations: registers the person for the lottery drop,
 * once. Costs one read of the person's claim counter (the limit), one conditional put (the
 * registration, on a key of person and drop in one of REGISTRATION_SHARDS partitions) and one
 * update of that partition's counter. A crash between the put and the count leaves the live count
 * one short; the draw counts the registrations themselves, so the published figures are exact.
 */
export async function registerForDraw(
  input: { residentId: string; identities?: IdentityHashes | undefined; campaignId: string; dropId: string; voucherTypeId: string },
  deps: Dependencies<"campaigns" | "vouchers" | "lottery"> & { campaigns?: TtlCache<CampaignWithDrops | undefined> },
): Promise<{ created: boolean; registration: RegistrationAnswer }> {
  const now = deps.now();
  // One registration per person (linked identities): the accounts of one person share a person key.
  const account = await readAccountLink(deps.db, deps.tables.vouchers, input.residentId);
  const request = { ...input, personKey: await resolvePersonKey({ sub: input.residentId, identities: input.identities, account }, deps) };
  const { campaign, drop } = await lotteryDrop(deps, request.campaignId, request.dropId, {}, deps.campaigns);
  if (drop.stock[request.voucherTypeId] === undefined) throw new NotFoundError(`Drop ${drop.id} has no vouchers of type ${request.voucherTypeId}`);
  // No commitment yet means not provisioned: registering before the commitment is public would let the seed be chosen after.
  if (campaign.status !== "PUBLISHED" || drop.drawCommitment === undefined || drop.registration === undefined || !registrationOpen(drop.registration, now)) {
    throw new RegistrationClosedError(`Drop ${drop.id} takes registrations from ${drop.registration?.opensAt ?? "?"} until ${drop.registration?.closesAt ?? "?"}`);
  }
  const shard = registrationShard(request.personKey);
  const counter = await readClaimCounter(deps.db, deps.tables.vouchers, request.personKey, campaign.id);
  if (counter.claimed >= campaign.perPersonLimit) {
    // Registered before reaching the limit: that registration stands (the draw gives it nothing if it wins).
    const existing = await readRegistration(deps.db, deps.tables.lottery, { campaignId: campaign.id, dropId: drop.id }, { personKey: request.personKey, shard });
    if (existing) return { created: false, registration: answerOf(existing) };
    throw new LimitReachedError(`You already hold ${campaign.perPersonLimit} voucher(s) of this campaign`);
  }
  const outcome = await putRegistration(deps.db, deps.tables.lottery, {
    campaignId: campaign.id,
    dropId: drop.id,
    registrationId: newRegistrationId(now),
    voucherTypeId: request.voucherTypeId,
    resident: request.residentId,
    personKey: request.personKey,
    shard,
    registeredAt: now.toISOString(),
  });
  if (outcome.created) await countRegistration(deps.db, deps.tables.lottery, { campaignId: campaign.id, dropId: drop.id }, shard);
  return { created: outcome.created, registration: answerOf(outcome.registration) };
}

/** The live registration count of a lottery drop (the sum of its partition counters). */
export async function registrationCount(input: Dependencies<"lottery"> & { campaignId: string; dropId: string }): Promise<number> {
  return readRegistrationCount(input.db, input.tables.lottery, input);
}

export interface DrawStarted {
  campaignId: string;
  dropId: string;
  status: "DRAWING" | "DRAWN";
}

/**
 * Plans the draw of a lottery drop (step 1 above): after registration closed, the draw item is put
 * once and every chunk is sent to the `draws` queue. A drawn drop is answered as it is.
 */
export async function startDraw(input: Dependencies<"campaigns" | "lottery"> & { campaignId: string; dropId: string; send: SendDrawChunks }): Promise<DrawStarted> {
  const now = input.now();
  const { drop } = await lotteryDrop(input, input.campaignId, input.dropId, { consistent: true });
  if (drop.registration === undefined || drop.drawCommitment === undefined || now.getTime() < Date.parse(drop.registration.closesAt)) {
    throw new RegistrationOpenError(`Drop ${drop.id} takes registrations until ${drop.registration?.closesAt ?? "?"}; it is drawn after that`);
  }
  const draw = await startDrawItem(input.db, input.tables.lottery, {
    campaignId: input.campaignId,
    dropId: drop.id,
    stock: drop.stock,
    chunks: REGISTRATION_SHARDS,
    startedAt: now.toISOString(),
    commitment: drop.drawCommitment,
  });
  if (draw.drawnAt !== undefined) return { campaignId: input.campaignId, dropId: drop.id, status: "DRAWN" };
  await input.send(Array.from({ length: draw.chunks }, (_, chunk) => ({ campaignId: input.campaignId, dropId: drop.id, chunk })));
  // Only after every chunk was sent: a plan cut short before this is planned again by the next tick.
  await markDrawStarted(input.db, input.tables.campaigns, { campaignId: input.campaignId, dropId: drop.id }, now.toISOString());
  return { campaignId: input.campaignId, dropId: drop.id, status: "DRAWING" };
}

/** Sends the chunks of a draw to the `draws` queue. */
export type SendDrawChunks = (messages: readonly DrawChunkMessage[]) => Promise<void>;


/**
 * The ticker's part: plans the draw of every lottery drop whose `drawAt` has passed and whose
 * draw was never planned. One that fails is reported and tried again by the next tick.
 */
export async function startDueDraws(input: Dependencies<"campaigns" | "lottery"> & { send: SendDrawChunks }): Promise<{ started: string[]; failed: { drop: string; error: string }[] }> {
  const due = await queryDueDraws(input.db, input.tables.campaigns, input.now());
  const started: string[] = [];
  const failed: { drop: string; error: string }[] = [];
  for (const drop of due) {
    try {
      await startDraw({ ...input, ...drop });
      started.push(`${drop.campaignId}/${drop.dropId}`);
    } catch (error) {
      failed.push({ drop: `${drop.campaignId}/${drop.dropId}`, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { started, failed };
}

/** What a draw worker needs: the registrations, the seed, the vouchers it issues, the campaign's rules and the queue for issue batches. */
export type DrawWorkerDependencies = Dependencies<"campaigns" | "lottery" | "drawSeeds" | "vouchers"> & {
  send: SendDrawMessages;
  /** Winners issued by the merge itself; more are issued in batches through the queue. Tests set it small. */
  issueBatchWinners?: number;
  /** Fault injection for tests: runs before each winner's voucher is issued. */
  beforeIssue?: (winner: RankedRegistration) => void | Promise<void>;
};

/** Sends messages to the `draws` queue (chunks to rank, batches of winners to issue). */
export type SendDrawMessages = (messages: readonly DrawMessage[]) => Promise<void>;

/** What the draw worker did with one message. */
export type DrawStep = "ranked" | "issuing" | "issued" | "drawn" | "already-drawn";

/** Winners whose vouchers one worker issues at once. */
const ISSUE_CONCURRENCY = 16;

/** The draw worker (the `draws` queue): a chunk to rank (step 2) or a batch of winners to issue (step 3). */
export async function handleDrawMessage(message: DrawMessage, deps: DrawWorkerDependencies): Promise<DrawStep> {
  return "chunk" in message ? rankDrawChunk(message, deps) : issueDrawBatch(message, deps);
}

/**
 * Ranks one chunk of a draw (step 2 above) and, when every chunk has reported, merges and issues
 * (step 3). Answers what it did; throws on any fault, so the message is delivered again.
 */
export async function rankDrawChunk(message: DrawChunkMessage, deps: DrawWorkerDependencies): Promise<DrawStep> {
  const drop = { campaignId: message.campaignId, dropId: message.dropId };
  const draw = await unpublishedDraw(deps, drop);
  if (draw === "already-drawn") return draw;
  const seed = await mustSeed(deps, drop, draw);
  const registrations = await readRegistrationChunk(deps.db, deps.tables.lottery, drop, message.chunk);
  await putChunkResult(deps.db, deps.tables.lottery, drop, message.chunk, { registrations: registrations.length, top: chunkTopK(seed, registrations, draw.stock) });
  const reported = await readChunkResults(deps.db, deps.tables.lottery, drop);
  if (reported.length < draw.chunks) return "ranked";
  return mergeDraw(deps, draw, seed, reported);
}

/**
 * Issues one batch of a large draw's winners (step 3, in parts) and, when every batch is noted
 * as issued, publishes the result. A redelivered batch finds its vouchers written and issues none
 * again; two last batches finishing at once both try to publish, and the first one does.
 */
export async function issueDrawBatch(message: DrawIssueMessage, deps: DrawWorkerDependencies): Promise<DrawStep> {
  const drop = { campaignId: message.campaignId, dropId: message.dropId };
  const draw = await unpublishedDraw(deps, drop);
  if (draw === "already-drawn") return draw;
  const winners = await readWinnerBatch(deps.db, deps.tables.lottery, drop, message.batch);
  if (!draw.issuing || winners === undefined) throw new NotFoundError(`Draw of drop ${message.dropId} in campaign ${message.campaignId} has no winner batch ${message.batch}`);
  const issued = await issueWinners(deps, draw, winners);
  await putIssuedBatch(deps.db, deps.tables.lottery, drop, message.batch, issued);
  const done = await readIssuedBatches(deps.db, deps.tables.lottery, drop);
  if (done.length < draw.issuing.batches) return "issued";
  const total: Record<string, number> = Object.fromEntries(Object.keys(draw.stock).map((typeId) => [typeId, 0]));
  for (const batch of done) for (const [typeId, count] of Object.entries(batch)) total[typeId] = (total[typeId] ?? 0) + count;
  await publishDraw(deps, draw, { seed: await mustSeed(deps, drop, draw), registrations: draw.issuing.registrations, winners: draw.issuing.winners, issued: total });
  return "drawn";
}

/** The draw, unless its result is out (then the drop is told, in case a worker died before telling it). */
async function unpublishedDraw(deps: DrawWorkerDependencies, drop: { campaignId: string; dropId: string }): Promise<DrawItem | "already-drawn"> {
  const draw = await readDraw(deps.db, deps.tables.lottery, drop);
  if (!draw) throw new NotFoundError(`No draw of drop ${drop.dropId} in campaign ${drop.campaignId}`);
  if (draw.drawnAt === undefined) return draw;
  await markDropDrawn(deps.db, deps.tables.campaigns, drop, draw.drawnAt);
  return "already-drawn";
}

async function mergeDraw(
  deps: DrawWorkerDependencies,
  draw: DrawItem,
  seed: string,
  reported: readonly { registrations: number; top: Record<string, RankedRegistration[]> }[],
): Promise<DrawStep> {
  const top = mergeTopK(reported.map((part) => part.top), draw.stock);
  const winners: Record<string, number> = Object.fromEntries(Object.keys(draw.stock).map((typeId) => [typeId, top[typeId]?.length ?? 0]));
  const registrations = reported.reduce((sum, part) => sum + part.registrations, 0);
  // In a fixed order (a stored map's keys have none), so a merge run again stores the same batches.
  const all = Object.keys(top)
    .sort()
    .flatMap((typeId) => top[typeId] ?? []);
  const batchSize = deps.issueBatchWinners ?? ISSUE_BATCH_WINNERS;
  if (all.length <= batchSize) {
    await publishDraw(deps, draw, { seed, registrations, winners, issued: await issueWinners(deps, draw, all) });
    return "drawn";
  }
  // Too many for one invocation: stored in batches, each issued by its own message.
  const batches = Array.from({ length: Math.ceil(all.length / batchSize) }, (_, batch) => all.slice(batch * batchSize, (batch + 1) * batchSize));
  await putWinnerBatches(deps.db, deps.tables.lottery, draw, batches, { registrations, winners });
  await deps.send(batches.map((_, batch) => ({ campaignId: draw.campaignId, dropId: draw.dropId, batch })));
  return "issuing";
}

/**
 * Issues each winner's voucher as a claim at the draw would; answers the vouchers issued per type.
 * Idempotent per registration: the voucher id and the attempt derive from it.
 */
async function issueWinners(deps: DrawWorkerDependencies, draw: DrawItem, winners: readonly RankedRegistration[]): Promise<Record<string, number>> {
  const loaded = await loadCampaign(deps.db, deps.tables.campaigns, draw.campaignId, { consistent: true });
  const dropRecord = loaded?.drops.find((candidate) => candidate.id === draw.dropId);
  if (!loaded || !dropRecord) throw new NotFoundError(`Campaign ${draw.campaignId} has no drop ${draw.dropId}`);
  const { campaign } = loaded;
  const issued: Record<string, number> = Object.fromEntries(Object.keys(draw.stock).map((typeId) => [typeId, 0]));
  await forEachLimited(winners, ISSUE_CONCURRENCY, async (winner) => {
    await deps.beforeIssue?.(winner);
    const voucherType = campaign.voucherTypes.find((type) => type.id === winner.voucherTypeId);
    if (!voucherType) throw new NotFoundError(`Campaign ${campaign.id} has no voucher type ${winner.voucherTypeId}`);
    const voucher = issueVoucher({ voucherId: drawnVoucherId(winner.registrationId), campaign, dropId: draw.dropId, voucherType, claimedAt: new Date(draw.startedAt) });
    const shardCount = dropRecord.shardCounts[winner.voucherTypeId] ?? 1;
    const outcome = await writeIssuedVoucher(deps.db, deps.tables.vouchers, {
      residentId: winner.resident,
      perPersonLimit: campaign.perPersonLimit,
      voucher,
      // Filed under a shard of the drop like a claimed voucher, so drop close counts it.
      shard: registrationShard(winner.registrationId) % shardCount,
      attempt: `draw#${winner.registrationId}`,
    });
    // "held" cannot be another attempt's slot: the id and the attempt are this registration's alone.
    const got = outcome.outcome === "limit-reached" ? undefined : voucher.voucherId;
    if (got !== undefined) issued[winner.voucherTypeId] = (issued[winner.voucherTypeId] ?? 0) + 1;
    await markWinner(deps.db, deps.tables.lottery, winner, got);
  });
  return issued;
}

/** Publishes the result once, then tells the drop (drop close counts the drop's vouchers only after this: every voucher of the draw is written). */
async function publishDraw(
  deps: DrawWorkerDependencies,
  draw: DrawItem,
  result: { seed: string; registrations: number; winners: Record<string, number>; issued: Record<string, number> },
): Promise<void> {
  await finishDraw(deps.db, deps.tables.lottery, draw, { drawnAt: deps.now().toISOString(), ...result });
  const published = await readDraw(deps.db, deps.tables.lottery, draw);
  if (published?.drawnAt === undefined) throw new NotFoundError(`Draw of drop ${draw.dropId} in campaign ${draw.campaignId} vanished while publishing`);
  await markDropDrawn(deps.db, deps.tables.campaigns, draw, published.drawnAt);
}

export interface DrawResultPage {
  seed: string;
  commitment: string;
  stock: Record<string, number>;
  registrations: number;
  winners: Record<string, number>;
  issued: Record<string, number>;
  registrationIds: { registrationId: string; voucherTypeId: string }[];
  nextToken?: string;
}

/** GET /campaigns/{id}/drops/{dropId}/draw (public): the seed, the figures and one page of every registration's id; 404 NOT_DRAWN before. */
export async function readDrawResult(
  input: Dependencies<"lottery"> & { campaignId: string; dropId: string; limit: number; nextToken?: string | undefined },
): Promise<DrawResultPage> {
  const draw = await readDraw(input.db, input.tables.lottery, input);
  if (!draw?.drawnAt || draw.seed === undefined) throw new NotDrawnError(`Drop ${input.dropId} of campaign ${input.campaignId} has not been drawn yet`);
  const from = input.nextToken === undefined ? { shard: 0 } : pagePosition(input.nextToken);
  const page = await readRegistrationPage(input.db, input.tables.lottery, input, from, input.limit);
  return {
    seed: draw.seed,
    commitment: draw.commitment,
    stock: draw.stock,
    registrations: draw.registrations ?? 0,
    winners: draw.winners ?? {},
    issued: draw.issued ?? {},
    registrationIds: page.items.map((item) => ({ registrationId: item.registrationId, voucherTypeId: item.voucherTypeId })),
    ...(page.next === undefined ? {} : { nextToken: encodeToken(page.next) }),
  };
}

export interface MyRegistration {
  campaignId: string;
  dropId: string;
  registrationId: string;
  voucherTypeId: string;
  status: "REGISTERED" | "WON" | "LOST";
  voucherId?: string;
}

/**
 * GET /me/registrations: the resident's registrations, each REGISTERED until its drop is drawn,
 * then WON (with its voucher; none when the winner had reached the per-person limit) or LOST.
 */
export async function listMyRegistrations(input: Dependencies<"lottery"> & { residentId: string }): Promise<{ items: MyRegistration[] }> {
  const registrations = await listResidentRegistrations(input.db, input.tables.lottery, input.residentId);
  const drops = [...new Map(registrations.map((item) => [`${item.campaignId}#${item.dropId}`, { campaignId: item.campaignId, dropId: item.dropId }])).values()];
  const drawn = new Set(
    (await readDraws(input.db, input.tables.lottery, drops)).filter((draw) => draw.drawnAt !== undefined).map((draw) => `${draw.campaignId}#${draw.dropId}`),
  );
  return {
    items: registrations.map((item) => ({
      campaignId: item.campaignId,
      dropId: item.dropId,
      registrationId: item.registrationId,
      voucherTypeId: item.voucherTypeId,
      // A winner is marked before the result is published: WON only once it is.
      status: !drawn.has(`${item.campaignId}#${item.dropId}`) ? "REGISTERED" : item.won === true ? "WON" : "LOST",
      ...(item.voucherId !== undefined && drawn.has(`${item.campaignId}#${item.dropId}`) ? { voucherId: item.voucherId } : {}),
    })),
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * The campaign and its lottery drop, or the error that says why not. With `cache`, the campaign is
 * read at most once per TTL per instance: every registrant of a drop reads the same partition,
 * which would make it hot (as on the claim path); the price is that a pause takes effect within the TTL.
 */
async function lotteryDrop(
  deps: Dependencies<"campaigns">,
  campaignId: string,
  dropId: string,
  options: { consistent?: boolean } = {},
  cache?: TtlCache<CampaignWithDrops | undefined>,
): Promise<{ campaign: CampaignWithDrops["campaign"]; drop: DropRecord }> {
  const load = () => loadCampaign(deps.db, deps.tables.campaigns, campaignId, options);
  const loaded = await (cache === undefined ? load() : cache.get(campaignId, deps.now().getTime(), load));
  if (!loaded || loaded.campaign.status === "DRAFT") throw new NotFoundError(`No campaign ${campaignId}`);
  const drop = loaded.drops.find((candidate) => candidate.id === dropId);
  if (!drop) throw new NotFoundError(`Campaign ${campaignId} has no drop ${dropId}`);
  if (drop.allocation !== "lottery") throw new NotALotteryDropError(`Drop ${dropId} is first come, first served: claim it instead`);
  return { campaign: loaded.campaign, drop };
}

async function mustSeed(deps: DrawWorkerDependencies, drop: { campaignId: string; dropId: string }, draw: DrawItem): Promise<string> {
  const seed = await readDrawSeed(deps.db, deps.tables.drawSeeds, drop);
  // The seed must be the one committed to at publish; anything else would be a platform fault.
  if (seed === undefined || drawCommitment(seed) !== draw.commitment) throw new Error(`the seed of drop ${drop.dropId} does not match its commitment`);
  return seed;
}

function answerOf(registration: RegistrationItem): RegistrationAnswer {
  return { registrationId: registration.registrationId, voucherTypeId: registration.voucherTypeId, status: "REGISTERED" };
}

/** Where a page of the published registrations starts: a partition, and the last key read in it. */
const pagePositionSchema = z.strictObject({
  shard: z.int().min(0).max(REGISTRATION_SHARDS - 1),
  after: z.strictObject({ pk: z.string(), sk: z.string() }).optional(),
});

function pagePosition(token: string): { shard: number; after?: Record<string, unknown> } {
  const { shard, after } = decodeToken(token, pagePositionSchema);
  return after === undefined ? { shard } : { shard, after };
}
