/**
 * The demo as `npm start` seeds it and `npm run demo` plays it, on the local runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CAMPAIGN_ID, demoCampaign, runDemo, seedDemo } from "../../infra/local/demo.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";

let runtime: LocalRuntime;
const { db } = testClients();

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "demo");
});

afterAll(async () => {
  await runtime?.stop();
});

describe("the demo", () => {
  it("is a valid campaign within its budget, with a drop opening when asked", () => {
    const now = new Date("2026-11-22T09:59:00+08:00");
    const campaign = parseCampaign(demoCampaign(now, 60));
    expect(campaign.drops[0]?.opensAt).toBe("2026-11-22T02:00:00.000Z");
    expect(campaign.voucherTypes.map((type) => [type.threshold, type.discount])).toEqual([
      [10_000, 3_000],
      [20_000, 6_000],
    ]);
  });

  it("seeds once however often it is seeded, then plays a flash drop over HTTP", async () => {
    const tables = { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name };
    const first = await seedDemo({ db, tables, now: () => new Date(), opensInSeconds: 0 });
    const again = await seedDemo({ db, tables, now: () => new Date(), opensInSeconds: 0 });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);

    const listed = (await (await fetch(`${runtime.url}/campaigns`)).json()) as { items: { id: string }[] };
    expect(listed.items.filter((campaign) => campaign.id === DEMO_CAMPAIGN_ID)).toHaveLength(1);

    const lines: string[] = [];
    const report = await runDemo({ url: runtime.url, attempts: 200, concurrency: 20, jwt: TEST_JWT, progress: (line) => lines.push(line) });
    expect(report).toMatchObject({ attempts: 200, claimed: 200, soldOut: 0, other: {} });
    expect(report.claimsPerSecond).toBeGreaterThan(0);
  });
});
