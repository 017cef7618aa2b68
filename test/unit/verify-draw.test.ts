/** The verifier of `npm run verify-draw` (scripts/draw-verifier.ts) against the platform's own draw, and the seed table's grants. */
import { describe, expect, it } from "vitest";
import { drawCommitment, winners } from "../../shared/domain/lottery.js";
import { platform } from "../../shared/wiring/platform.js";
import { type DrawResultPage, verifyDraw } from "../../scripts/draw-verifier.js";

const SEED = "5e".repeat(32);
const STOCK = { "100-30": 4, "200-60": 2 };

function published(count = 30): DrawResultPage {
  const registrationIds = Array.from({ length: count }, (_, i) => ({ registrationId: `r${i}`, voucherTypeId: i % 2 === 0 ? "100-30" : "200-60" }));
  const drawn = winners(SEED, registrationIds, STOCK);
  const counts = Object.fromEntries(Object.entries(drawn).map(([type, list]) => [type, list.length]));
  return { seed: SEED, commitment: drawCommitment(SEED), stock: STOCK, registrations: count, winners: counts, issued: counts, registrationIds };
}

describe("verify-draw", () => {
  it("agrees with the platform's draw, recomputing the same winners on its own", () => {
    const result = published();
    const verdict = verifyDraw(result, drawCommitment(SEED));
    expect(verdict.checks.filter((check) => !check.ok)).toEqual([]);
    expect(verdict.ok).toBe(true);
    const platformWinners = winners(SEED, result.registrationIds, STOCK);
    expect(verdict.winners).toEqual(Object.fromEntries(Object.entries(platformWinners).map(([type, list]) => [type, list.map((entry) => entry.registrationId)])));
  });

  it("refuses a seed that is not the committed one, a commitment other than the one published before, missing ids and a wrong winner count", () => {
    expect(verifyDraw({ ...published(), seed: "5f".repeat(32) }).ok).toBe(false);
    expect(verifyDraw(published(), drawCommitment("00".repeat(32))).ok).toBe(false);
    const result = published();
    expect(verifyDraw({ ...result, registrationIds: result.registrationIds.slice(1) }).ok).toBe(false);
    expect(verifyDraw({ ...result, registrationIds: [...result.registrationIds.slice(1), result.registrationIds[1]!] }).ok).toBe(false);
    expect(verifyDraw({ ...result, winners: { ...result.winners, "200-60": 3 } }).ok).toBe(false);
    expect(verifyDraw({ ...result, issued: { ...result.issued, "100-30": 5 } }).ok).toBe(false);
  });
});

describe("the seed table", () => {
  it("is encrypted with a key of its own and granted only to the functions that publish and draw", () => {
    expect(platform.tables.drawSeeds.encryption).toBe("customer-managed");
    const granted = Object.entries(platform.functions)
      .filter(([, fn]) => "tables" in fn && "drawSeeds" in fn.tables)
      .map(([name]) => name)
      .sort();
    expect(granted).toEqual(["addDrop", "drawWorker", "publishCampaign"]);
  });
});
