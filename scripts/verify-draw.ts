/**
 * `npm run verify-draw -- --url URL --campaign ID --drop ID [--winners] [--page-size N]` checks a drawn lottery
 * from its published result alone (docs/lottery.md): the seed against its commitment, the
 * registration ids, and the winners recomputed per voucher type against the published counts.
 * Exit 0 when everything agrees, 1 when something does not or the result could not be fetched,
 * 2 on bad arguments.
 */
import { z } from "zod";
import { idSchema } from "../shared/domain/campaign.js";
import { parseCommandLine } from "./cli.js";
import { fetchDrawResult, fetchPublishedCommitment, verifyDraw } from "./draw-verifier.js";

const USAGE = [
  "usage: npm run verify-draw -- --url URL --campaign ID --drop ID [--winners] [--page-size N]",
  "  recomputes a lottery draw from its published result; exit 0 when it agrees, 1 when not",
  "  --url URL       the platform's base URL",
  "  --campaign ID   the campaign",
  "  --drop ID       the lottery drop",
  "  --winners       also print every winning registration id",
  "  --page-size N   registration ids per request, 1–1000 (default 1000)",
].join("\n");

const required = { error: (issue: { input: unknown }) => (issue.input === undefined ? "is required" : undefined) };
const argsSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  campaign: z.string(required).pipe(idSchema),
  drop: z.string(required).pipe(idSchema),
  winners: z.boolean().default(false),
  "page-size": z.coerce.number().int().min(1).max(1000).default(1000),
});

async function main(): Promise<number> {
  const args = parseCommandLine({
    usage: USAGE,
    options: { url: { type: "string" }, campaign: { type: "string" }, drop: { type: "string" }, winners: { type: "boolean" }, "page-size": { type: "string" } },
    schema: argsSchema,
  });
  const base = args.url.replace(/\/+$/, "");
  try {
    const result = await fetchDrawResult(base, { campaignId: args.campaign, dropId: args.drop, pageSize: args["page-size"] }, (line) => console.error(line));
    const published = await fetchPublishedCommitment(base, args.campaign, args.drop);
    const verdict = verifyDraw(result, published);
    console.log(`draw of ${args.campaign}/${args.drop} on ${base}: ${verdict.ok ? "VERIFIED" : "DOES NOT AGREE"}`);
    for (const check of verdict.checks) console.log(`  ${check.ok ? "ok " : "BAD"} ${check.check}: ${check.detail}`);
    if (published === undefined) console.log("  (the campaign is no longer listed: the commitment was checked against the result's own)");
    if (args.winners) for (const [typeId, ids] of Object.entries(verdict.winners)) console.log(`  winners of ${typeId}: ${ids.join(" ")}`);
    return verdict.ok ? 0 : 1;
  } catch (error) {
    console.error(`verify-draw failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
