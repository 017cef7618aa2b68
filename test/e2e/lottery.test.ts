/**
 * A lottery drop over the local runtime's HTTP, from publish to `npm run verify-draw`: the
 * commitment in GET /campaigns before registration, registration once per person, claims
 * refused, the draw through the draws queue, the published result, each resident's outcome, and
 * the verifier's agreement in its own process.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { drawRegistrationSchema, drawResultSchema, drawStartedSchema, myRegistrationsSchema } from "../../shared/api/lottery-schemas.js";
import { campaignListSchema, campaignViewSchema, errorBodySchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime } from "../integration/runtime-helpers.js";
import { runScript } from "../support/process.js";

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "lottery-e2e");
});

afterAll(async () => {
  await runtime?.stop();
});

async function call(method: string, path: string, options: { sub?: string; operator?: boolean; body?: unknown } = {}): Promise<{ status: number; json: unknown }> {
  const token = options.sub === undefined ? undefined : await signLocalToken({ sub: options.sub, operator: options.operator ?? false, settings: TEST_JWT });
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, json: await response.json() };
}

const errorCode = (json: unknown) => errorBodySchema.parse(json).error.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a lottery drop over HTTP", () => {
  it("goes from publish to a draw that verify-draw recomputes", { timeout: 120_000 }, async () => {
    const id = `lot-${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const registrationCloses = 6_000;
    const campaign = {
      id,
      name: "摇号消费券",
      budget: 10_000_000,
      startsAt: at(-60_000),
      endsAt: at(86_400_000),
      perPersonLimit: 1,
      sectors: ["supermarket"],
      refundPolicy: "void",
      voucherTypes: [
        { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 },
        { id: "200-60", threshold: 20_000, discount: 6_000, validDays: 7 },
      ],
      drops: [
        {
          id: "draw1",
          opensAt: at(0),
          closesAt: at(3_600_000),
          stock: { "100-30": 5, "200-60": 3 },
          shards: 2,
          allocation: "lottery",
          registration: { opensAt: at(0), closesAt: at(registrationCloses) },
          drawAt: at(registrationCloses),
        },
      ],
    };
    expect((await call("POST", "/admin/campaigns", { sub: "op", operator: true, body: campaign })).status).toBe(201);
    const published = campaignViewSchema.parse((await call("POST", `/admin/campaigns/${id}/publish`, { sub: "op", operator: true })).json);
    const commitment = published.drops[0]!.drawCommitment;
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    const listed = campaignListSchema.parse((await call("GET", "/campaigns?limit=100")).json).items.find((item) => item.id === id);
    expect(listed?.drops[0]?.drawCommitment).toBe(commitment);
    expect(errorCode((await call("GET", `/campaigns/${id}/drops/draw1/draw`)).json)).toBe("NOT_DRAWN");

    const residents = Array.from({ length: 20 }, (_, i) => `resident-${i}`);
    const registered = await Promise.all(
      residents.map((sub, i) => call("POST", `/campaigns/${id}/drops/draw1/registrations`, { sub, body: { voucherTypeId: i % 2 === 0 ? "100-30" : "200-60" } })),
    );
    expect(registered.map((answer) => answer.status)).toEqual(residents.map(() => 201));
    const again = await call("POST", `/campaigns/${id}/drops/draw1/registrations`, { sub: residents[0]!, body: { voucherTypeId: "100-30" } });
    expect(again.status).toBe(200);
    expect(drawRegistrationSchema.parse(again.json)).toEqual(drawRegistrationSchema.parse(registered[0]!.json));
    const claim = await call("POST", `/campaigns/${id}/drops/draw1/claims`, { sub: residents[1]!, body: { voucherTypeId: "100-30" } });
    expect(claim.status).toBe(409);
    expect(errorCode(claim.json)).toBe("LOTTERY_DROP");
    const early = await call("POST", `/admin/campaigns/${id}/drops/draw1/draw`, { sub: "op", operator: true });
    expect(errorCode(early.json)).toBe("REGISTRATION_OPEN");

    await sleep(Math.max(0, now + registrationCloses - Date.now()) + 200);
    const late = await call("POST", `/campaigns/${id}/drops/draw1/registrations`, { sub: "latecomer", body: { voucherTypeId: "100-30" } });
    expect(errorCode(late.json)).toBe("REGISTRATION_CLOSED");
    const started = await call("POST", `/admin/campaigns/${id}/drops/draw1/draw`, { sub: "op", operator: true });
    expect(started.status).toBe(202);
    expect(drawStartedSchema.parse(started.json).status).toBe("DRAWING");

    let result: unknown;
    for (let tries = 0; tries < 120 && result === undefined; tries++) {
      const answer = await call("GET", `/campaigns/${id}/drops/draw1/draw?limit=7`);
      if (answer.status === 200) result = answer.json;
      else await sleep(250);
    }
    const drawn = drawResultSchema.parse(result);
    expect(drawn).toMatchObject({ commitment, registrations: 20, winners: { "100-30": 5, "200-60": 3 }, issued: { "100-30": 5, "200-60": 3 } });
    expect(drawn.nextToken).toBeDefined();

    const outcomes = await Promise.all(residents.map(async (sub) => myRegistrationsSchema.parse((await call("GET", "/me/registrations", { sub })).json).items[0]!));
    expect(outcomes.filter((item) => item.status === "WON")).toHaveLength(8);
    expect(outcomes.filter((item) => item.status === "LOST")).toHaveLength(12);
    expect(outcomes.filter((item) => item.status === "WON").every((item) => item.voucherId !== undefined)).toBe(true);
    expect((await call("POST", `/admin/campaigns/${id}/drops/draw1/draw`, { sub: "op", operator: true })).json).toMatchObject({ status: "DRAWN" });

    const verified = await runScript("scripts/verify-draw.ts", ["--url", runtime.url, "--campaign", id, "--drop", "draw1", "--page-size", "7"]);
    expect(verified.stdout).toContain("VERIFIED");
    expect(verified.stderr).toContain("page 3: 20 of 20 registration ids");
    expect(verified.code).toBe(0);
    const wrongDrop = await runScript("scripts/verify-draw.ts", ["--url", runtime.url, "--campaign", id, "--drop", "nope"]);
    expect(wrongDrop.code).toBe(1);
  });
});
