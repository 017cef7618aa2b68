/**
 * The demo that `npm start` seeds and `npm run demo` plays: a campaign modelled on a real city
 * plan (满100减30 and 满200减60 vouchers at supermarkets and restaurants, a ¥300,000 budget)
 * whose first flash drop opens shortly after start, and a crowd of residents grabbing it; and a
 * card-swipe instant discount (满100减20, 满300减60) for payments through the demo partner.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type CampaignInput, parseCampaign } from "../../shared/domain/campaign.js";
import { AlreadyExistsError } from "../../shared/errors.js";
import { createCampaign, publishCampaign } from "../../shared/use-cases/campaigns.js";
import { type JwtSettings, signLocalToken } from "./jwt.js";

export const DEMO_CAMPAIGN_ID = "demo-consumption-vouchers";
/**
 * The partner whose card payments the demo's instant discount serves: the one docs/partners.md
 * ("Trying it locally") registers. Listing it keeps every other partner's payments (the drill's,
 * the benchmarks') answered as before the demo had an instant discount.
 */
export const DEMO_PARTNER_ID = "bank-1";

/** The demo campaign, its first drop opening `opensInSeconds` after `now`. */
export function demoCampaign(now: Date, opensInSeconds: number): CampaignInput {
  const at = (seconds: number) => new Date(Math.floor(now.getTime() / 1000 + seconds) * 1000).toISOString();
  return {
    id: DEMO_CAMPAIGN_ID,
    name: "惠民消费券 · 示范活动 (demo)",
    timezone: "Asia/Shanghai",
    budget: 30_000_000,
    startsAt: at(-86_400),
    endsAt: at(30 * 86_400),
    perPersonLimit: 1,
    sectors: ["supermarket", "restaurant"],
    refundPolicy: "void",
    rollover: true,
    voucherTypes: [
      { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 },
      { id: "200-60", threshold: 20_000, discount: 6_000, validDays: 7 },
    ],
    drops: [
      { id: "first", opensAt: at(opensInSeconds), closesAt: at(opensInSeconds + 3_600), stock: { "100-30": 1_000, "200-60": 500 }, shards: 4 },
      { id: "second", opensAt: at(86_400 + opensInSeconds), closesAt: at(86_400 + opensInSeconds + 3_600), stock: { "100-30": 3_000, "200-60": 1_500 } },
    ],
    // The drops commit ¥240,000 of the budget; 1,000 units at the largest tier (¥60) commit the rest.
    instantDiscounts: [
      {
        id: "swipe",
        tiers: [
          { threshold: 10_000, discount: 2_000 },
          { threshold: 30_000, discount: 6_000 },
        ],
        quota: { total: 1_000, daily: 100 },
        perPayer: { total: 2, daily: 1 },
        window: { from: "08:00", to: "22:00" },
        partners: [DEMO_PARTNER_ID],
      },
    ],
  };
}

const yuan = (fen: number) => `¥${fen / 100}`;

/** One line per instant discount of `campaign`, as `npm start` prints them under the demo campaign. */
export function describeInstantDiscounts(campaign: Pick<CampaignInput, "timezone" | "instantDiscounts">): string[] {
  return (campaign.instantDiscounts ?? []).map((discount) => {
    const tiers = discount.tiers.map((tier) => `${yuan(tier.threshold)} → ${yuan(tier.discount)} off`).join(", ");
    const quota = `quota ${discount.quota.total}${discount.quota.daily === undefined ? "" : ` (${discount.quota.daily} a day)`}`;
    const { total, daily } = discount.perPayer ?? {};
    const perPayer = total === undefined && daily === undefined ? "" : `, per payer ${[total === undefined ? "" : `${total} in all`, daily === undefined ? "" : `${daily} a day`].filter(Boolean).join(", ")}`;
    const { daysOfWeek, from, to } = discount.window ?? {};
    const window =
      discount.window === undefined ? "" : `, ${daysOfWeek === undefined ? "every day" : `ISO days ${daysOfWeek.join(",")}`} ${from ?? "00:00"}–${to ?? "24:00"} ${campaign.timezone}`;
    const partners = discount.partners === undefined ? "every partner" : `partner ${discount.partners.join(", ")}`;
    return `instant discount ${discount.id} (card payments through ${partners}, no claim): ${tiers}; ${quota}${perPayer}${window}`;
  });
}

/**
 * Creates and publishes the demo campaign unless it exists; seeding again never duplicates it.
 * Returns whether it was created now.
 */
export async function seedDemo(input: {
  db: DynamoDBDocumentClient;
  tables: { campaigns: string; inventory: string; drawSeeds: string };
  now: () => Date;
  opensInSeconds: number;
}): Promise<{ created: boolean; opensAt: string; instantDiscounts: string[] }> {
  const deps = { db: input.db, tables: input.tables, now: input.now };
  let created = true;
  try {
    await createCampaign({ ...deps, campaign: parseCampaign(demoCampaign(input.now(), input.opensInSeconds)), operator: "demo-seed" });
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    created = false;
  }
  const published = await publishCampaign({ ...deps, campaignId: DEMO_CAMPAIGN_ID });
  const first = published.drops.find((drop) => drop.id === "first");
  return { created, opensAt: first?.opensAt ?? "", instantDiscounts: describeInstantDiscounts(published) };
}

export interface DemoReport {
  attempts: number;
  claimed: number;
  soldOut: number;
  other: Record<string, number>;
  seconds: number;
  claimsPerSecond: number;
}

/**
 * Plays a flash drop against a running platform: `attempts` residents (each a different person)
 * claim a random voucher type of the demo's first drop, `concurrency` at a time, over HTTP.
 */
export async function runDemo(input: {
  url: string;
  attempts: number;
  concurrency: number;
  jwt: JwtSettings;
  progress: (line: string) => void;
  waitForOpen?: boolean;
}): Promise<DemoReport> {
  const listed = await fetch(`${input.url}/campaigns`);
  if (!listed.ok) throw new Error(`GET /campaigns answered ${listed.status}; is \`npm start\` running at ${input.url}?`);
  const { items } = (await listed.json()) as { items: { id: string; drops: { id: string; opensAt: string }[] }[] };
  const drop = items.find((campaign) => campaign.id === DEMO_CAMPAIGN_ID)?.drops.find((d) => d.id === "first");
  if (!drop) throw new Error(`The demo campaign is not published at ${input.url}; start the platform without VOUCHERS_SEED=0`);

  for (let wait = Date.parse(drop.opensAt) - Date.now(); wait > 0; wait = Date.parse(drop.opensAt) - Date.now()) {
    if (input.waitForOpen === false) throw new Error(`The demo drop opens at ${drop.opensAt}`);
    input.progress(`drop opens in ${Math.ceil(wait / 1000)} s…`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1000)));
  }

  const report: DemoReport = { attempts: 0, claimed: 0, soldOut: 0, other: {}, seconds: 0, claimsPerSecond: 0 };
  const started = performance.now();
  let lastPrinted = 0;
  let next = 0;
  const run = `${Date.now().toString(36)}`;
  const worker = async () => {
    for (let i = next++; i < input.attempts; i = next++) {
      const token = await signLocalToken({ sub: `demo-${run}-${i}`, settings: input.jwt });
      const voucherTypeId = i % 3 === 0 ? "200-60" : "100-30";
      const response = await fetch(`${input.url}/campaigns/${DEMO_CAMPAIGN_ID}/drops/${drop.id}/claims`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ voucherTypeId }),
      });
      const body = (await response.json()) as { error?: { code: string } };
      report.attempts += 1;
      if (response.status === 201) report.claimed += 1;
      else if (body.error?.code === "SOLD_OUT") report.soldOut += 1;
      else report.other[body.error?.code ?? String(response.status)] = (report.other[body.error?.code ?? String(response.status)] ?? 0) + 1;
      const elapsed = performance.now() - started;
      if (elapsed - lastPrinted > 200) {
        lastPrinted = elapsed;
        input.progress(`${report.attempts}/${input.attempts} attempts · ${report.claimed} claimed · ${report.soldOut} sold out · ${(elapsed / 1000).toFixed(1)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, input.attempts)) }, worker));
  report.seconds = (performance.now() - started) / 1000;
  report.claimsPerSecond = report.claimed / report.seconds;
  return report;
}
