/**
 * The check behind `npm run verify-draw` (docs/lottery.md): fetches a drawn lottery's published
 * result page by page and the commitment published before registration opened, then recomputes
 * the winners on its own (node:crypto only, none of the platform's code), so a journalist or
 * auditor trusts nothing but the published data and the algorithm of API.md.
 */
import { createHash, createHmac } from "node:crypto";
import type { z } from "zod";
import { drawResultSchema } from "../shared/api/lottery-schemas.js";
import { campaignListSchema } from "../shared/api/schemas.js";

export type DrawResultPage = z.infer<typeof drawResultSchema>;

export interface DrawVerdict {
  ok: boolean;
  /** What was checked, each with its outcome, in order. */
  checks: { check: string; ok: boolean; detail: string }[];
  /** The recomputed winning registration ids per voucher type, smallest rank first. */
  winners: Record<string, string[]>;
}

/** A GET whose body is parsed with `schema`; any other answer is an Error naming the URL. */
async function getJson<S extends z.ZodType>(url: string, schema: S): Promise<z.infer<S>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`GET ${url} answered an unexpected body: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  return parsed.data;
}

/** Every page of the published result; `progress` hears one line per page. */
export async function fetchDrawResult(
  base: string,
  drop: { campaignId: string; dropId: string; pageSize: number },
  progress: (line: string) => void = () => {},
): Promise<DrawResultPage> {
  const path = `${base}/campaigns/${encodeURIComponent(drop.campaignId)}/drops/${encodeURIComponent(drop.dropId)}/draw?limit=${drop.pageSize}`;
  let page = await getJson(path, drawResultSchema);
  const first = page;
  const registrationIds = [...page.registrationIds];
  progress(`page 1: ${registrationIds.length} of ${first.registrations} registration ids`);
  for (let n = 2; page.nextToken !== undefined; n++) {
    page = await getJson(`${path}&nextToken=${encodeURIComponent(page.nextToken)}`, drawResultSchema);
    registrationIds.push(...page.registrationIds);
    progress(`page ${n}: ${registrationIds.length} of ${first.registrations} registration ids`);
  }
  const { nextToken: _next, ...figures } = first;
  return { ...figures, registrationIds };
}

/** The commitment GET /campaigns shows for the drop (published before registration opened), if listed. */
export async function fetchPublishedCommitment(base: string, campaignId: string, dropId: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await getJson(`${base}/campaigns?limit=100${nextToken === undefined ? "" : `&nextToken=${encodeURIComponent(nextToken)}`}`, campaignListSchema);
    const campaign = page.items.find((item) => item.id === campaignId);
    if (campaign) return campaign.drops.find((drop) => drop.id === dropId)?.drawCommitment;
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return undefined;
}

/**
 * Checks a published result: the seed's sha256 is the commitment (and the commitment published
 * before registration, when given), the registration ids are as many as published and distinct,
 * and per voucher type the recomputed winners (the `stock` smallest HMAC-SHA256(seed, id), ties by
 * id) are as many as the published winner count.
 */
export function verifyDraw(result: DrawResultPage, publishedCommitment?: string): DrawVerdict {
  const checks: DrawVerdict["checks"] = [];
  const seed = Buffer.from(result.seed, "hex");
  const commitment = createHash("sha256").update(seed).digest("hex");
  checks.push({ check: "sha256(seed) = commitment", ok: commitment === result.commitment, detail: `sha256(seed) = ${commitment}, commitment = ${result.commitment}` });
  if (publishedCommitment !== undefined) {
    checks.push({
      check: "commitment = drawCommitment published before registration",
      ok: publishedCommitment === result.commitment,
      detail: `GET /campaigns showed ${publishedCommitment}`,
    });
  }
  const ids = new Set(result.registrationIds.map((entry) => entry.registrationId));
  checks.push({
    check: "registration ids: as many as published, each once",
    ok: ids.size === result.registrationIds.length && ids.size === result.registrations,
    detail: `${result.registrationIds.length} ids, ${ids.size} distinct, ${result.registrations} published`,
  });
  const ranked = new Map<string, { id: string; rank: string }[]>();
  for (const entry of result.registrationIds) {
    if (!((result.stock[entry.voucherTypeId] ?? 0) > 0)) continue;
    const rank = createHmac("sha256", seed).update(entry.registrationId, "utf8").digest("hex");
    const list = ranked.get(entry.voucherTypeId) ?? [];
    list.push({ id: entry.registrationId, rank });
    ranked.set(entry.voucherTypeId, list);
  }
  const winners: Record<string, string[]> = {};
  for (const [typeId, stock] of Object.entries(result.stock)) {
    const list = (ranked.get(typeId) ?? []).sort((a, b) => (a.rank === b.rank ? (a.id < b.id ? -1 : 1) : a.rank < b.rank ? -1 : 1));
    winners[typeId] = list.slice(0, stock).map((entry) => entry.id);
    const published = result.winners[typeId] ?? 0;
    checks.push({
      check: `winners of ${typeId}`,
      ok: winners[typeId].length === published && (result.issued[typeId] ?? 0) <= published,
      detail: `recomputed ${winners[typeId].length} (stock ${stock}, ${list.length} registered), published ${published}, issued ${result.issued[typeId] ?? 0}`,
    });
  }
  return { ok: checks.every((check) => check.ok), checks, winners };
}
