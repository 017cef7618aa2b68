/**
 * Claims over the local runtime's HTTP: the voucher, the wallet, Idempotency-Key semantics under
 * concurrency, and every error body a claimer can meet.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { campaignRegistrationSchema, errorBodySchema, voucherSchema, walletSchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";
import { type SeedOptions, seedCampaign } from "../support/seed.js";

let runtime: LocalRuntime;
const { db } = testClients();

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "claims-e2e");
});

afterAll(async () => {
  await runtime?.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

async function seed(options: Omit<SeedOptions, "id">): Promise<string> {
  const id = `e2e-${randomUUID().slice(0, 8)}`;
  const tables = { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name };
  await seedCampaign(db, tables, { id, ...options });
  return id;
}

async function claim(sub: string, path: string, body: unknown, key?: string): Promise<{ status: number; json: unknown; headers: Headers }> {
  const token = await signLocalToken({ sub, settings: TEST_JWT });
  const response = await fetch(`${runtime.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

async function wallet(sub: string) {
  const token = await signLocalToken({ sub, settings: TEST_JWT });
  const response = await fetch(`${runtime.url}/me/vouchers`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return walletSchema.parse(await response.json());
}

const errorCode = (json: unknown) => errorBodySchema.parse(json).error.code;

describe("claiming over HTTP", () => {
  it("issues a voucher that shows in the wallet, newest first", async () => {
    const id = await seed({ perPersonLimit: 2, drops: [{ id: "d1", stock: { "100-30": 10, "200-60": 10 }, shards: 2 }] });
    const first = await claim("wallet-owner", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" });
    expect(first.status).toBe(201);
    const voucher = voucherSchema.parse(first.json);
    expect(voucher).toMatchObject({ campaignId: id, dropId: "d1", voucherTypeId: "100-30", threshold: 10_000, discount: 3_000, status: "CLAIMED" });
    expect(Date.parse(voucher.expiresAt) - Date.parse(voucher.claimedAt)).toBe(7 * 86_400_000);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = voucherSchema.parse((await claim("wallet-owner", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "200-60" })).json);
    const { items } = await wallet("wallet-owner");
    expect(items.map((v) => v.voucherId)).toEqual([second.voucherId, voucher.voucherId]);
  });

  it("gives one voucher for the same Idempotency-Key sent 20 times at once, and the same answer on replay", async () => {
    const id = await seed({ perPersonLimit: 5, drops: [{ id: "d1", stock: { "100-30": 50 }, shards: 2 }] });
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => claim("retrier", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" }, key)));

    const created = answers.filter((a) => a.status === 201).map((a) => voucherSchema.parse(a.json));
    const inProgress = answers.filter((a) => a.status === 409);
    expect(created.length + inProgress.length).toBe(20);
    expect(new Set(created.map((v) => v.voucherId)).size).toBe(1);
    for (const answer of inProgress) {
      expect(errorCode(answer.json)).toBe("IDEMPOTENCY_IN_PROGRESS");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const replay = await claim("retrier", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" }, key);
    expect(replay.status).toBe(201);
    expect(voucherSchema.parse(replay.json).voucherId).toBe(created[0]?.voucherId ?? voucherSchema.parse(replay.json).voucherId);
    expect((await wallet("retrier")).items).toHaveLength(1);
  });

  it("answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another request", async () => {
    const id = await seed({ perPersonLimit: 5, drops: [{ id: "d1", stock: { "100-30": 5, "200-60": 5 }, shards: 1 }] });
    const key = randomUUID();
    expect((await claim("reuser", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" }, key)).status).toBe(201);
    const reused = await claim("reuser", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "200-60" }, key);
    expect(reused.status).toBe(422);
    expect(errorCode(reused.json)).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("keeps a completed answer for its key after the drop sells out", async () => {
    const id = await seed({ drops: [{ id: "d1", stock: { "100-30": 1 }, shards: 1 }] });
    const key = randomUUID();
    const first = await claim("early", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" }, key);
    expect(first.status).toBe(201);
    expect(errorCode((await claim("late", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" })).json)).toBe("SOLD_OUT");
    const replay = await claim("early", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" }, key);
    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
  });

  it("names a different voucher for the same Idempotency-Key in another campaign, drop or voucher type once its 24 h record expired", async () => {
    // The clock of this process (the runtime's handlers and Powertools' record expiry) is moved
    // forward by hand; real time still passes underneath, so timers and pollers keep running.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true, now: start });
    const window = { opensAt: new Date(start - 3_600_000).toISOString(), closesAt: new Date(start + 5 * 86_400_000).toISOString() };
    const a = await seed({
      perPersonLimit: 5,
      drops: [
        { id: "d1", stock: { "100-30": 5, "200-60": 5 }, shards: 1, ...window },
        { id: "d2", stock: { "100-30": 5 }, shards: 1, ...window },
      ],
    });
    const b = await seed({ perPersonLimit: 5, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1, ...window }] });
    const key = `key-${randomUUID()}`;
    const at = async (hours: number, campaignId: string, dropId: string, voucherTypeId: string) => {
      vi.setSystemTime(start + hours * 3_600_000);
      const answer = await claim("same-key-person", `/campaigns/${campaignId}/drops/${dropId}/claims`, { voucherTypeId }, key);
      expect(answer.status, `${hours} h: ${JSON.stringify(answer.json)}`).toBe(201);
      return voucherSchema.parse(answer.json);
    };

    const first = await at(0, a, "d1", "100-30");
    expect(await at(1, a, "d1", "100-30"), "a retry within 24 h").toEqual(first);
    const otherCampaign = await at(25, b, "d1", "100-30");
    const otherType = await at(50, a, "d1", "200-60");
    const otherDrop = await at(75, a, "d2", "100-30");
    expect(await at(100, a, "d1", "100-30"), "the same claim long after: the same voucher").toEqual(first);

    expect(otherCampaign).toMatchObject({ campaignId: b, dropId: "d1", voucherTypeId: "100-30" });
    expect(otherType).toMatchObject({ campaignId: a, dropId: "d1", voucherTypeId: "200-60" });
    expect(otherDrop).toMatchObject({ campaignId: a, dropId: "d2", voucherTypeId: "100-30" });
    const ids = [first, otherCampaign, otherType, otherDrop].map((voucher) => voucher.voucherId);
    expect(new Set(ids).size).toBe(4);
    const { items } = await wallet("same-key-person");
    expect(items.map((voucher) => voucher.voucherId).sort()).toEqual([...ids].sort());
  });

  it("answers each refusal with its status and error body", async () => {
    // A unit stays on `open` for the limit case: the claim that takes a drop's last unit tells its
    // instance at once, which then answers SOLD_OUT before reading anyone's counter.
    const open = await seed({ perPersonLimit: 1, drops: [{ id: "d1", stock: { "100-30": 2 }, shards: 1 }] });
    const gone = await seed({ perPersonLimit: 1, drops: [{ id: "d1", stock: { "100-30": 1 }, shards: 1 }] });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await seed({ drops: [{ id: "d1", stock: { "100-30": 1 }, shards: 1, opensAt: future, closesAt: new Date(Date.now() + 7_200_000).toISOString() }] });
    const paused = await seed({ status: "PAUSED", drops: [{ id: "d1", stock: { "100-30": 1 }, shards: 1 }] });
    const path = (id: string, drop = "d1") => `/campaigns/${id}/drops/${drop}/claims`;

    expect((await claim("x1", path(open), { voucherTypeId: "100-30" })).status).toBe(201);
    expect((await claim("x0", path(gone), { voucherTypeId: "100-30" })).status).toBe(201);
    const cases: [string, Promise<{ status: number; json: unknown }>, number, string][] = [
      ["limit", claim("x1", path(open), { voucherTypeId: "100-30" }), 409, "LIMIT_REACHED"],
      ["sold out", claim("x2", path(gone), { voucherTypeId: "100-30" }), 409, "SOLD_OUT"],
      ["not yet open", claim("x3", path(later), { voucherTypeId: "100-30" }), 409, "DROP_NOT_OPEN"],
      ["paused", claim("x4", path(paused), { voucherTypeId: "100-30" }), 409, "DROP_NOT_OPEN"],
      ["unknown campaign", claim("x5", path("nope"), { voucherTypeId: "100-30" }), 404, "NOT_FOUND"],
      ["unknown drop", claim("x6", path(open, "d9"), { voucherTypeId: "100-30" }), 404, "NOT_FOUND"],
      ["unknown type", claim("x7", path(open), { voucherTypeId: "999-1" }), 404, "NOT_FOUND"],
      ["bad body", claim("x8", path(open), { voucherType: "100-30" }), 400, "VALIDATION_FAILED"],
      ["not json", claim("x9", path(open), "{"), 400, "VALIDATION_FAILED"],
    ];
    for (const [label, pending, status, code] of cases) {
      const answer = await pending;
      expect(answer.status, label).toBe(status);
      expect(errorCode(answer.json), label).toBe(code);
    }
    const pausedAnswer = await claim("x10", path(paused), { voucherTypeId: "100-30" });
    expect(errorBodySchema.parse(pausedAnswer.json).error.message).toMatch(/paused/);
    const anonymous = await fetch(`${runtime.url}${path(open)}`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
  });
});

describe("a drop for registered residents", () => {
  async function register(sub: string, campaignId: string) {
    const token = await signLocalToken({ sub, settings: TEST_JWT });
    const response = await fetch(`${runtime.url}/campaigns/${campaignId}/registrations`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, json: await response.json() };
  }

  it("takes claims only from residents registered for the campaign; registering again answers the first registration", async () => {
    const id = await seed({ perPersonLimit: 1, drops: [{ id: "weekly", stock: { "100-30": 5 }, shards: 1, audience: "registered" }] });
    const path = `/campaigns/${id}/drops/weekly/claims`;

    const refused = await claim("unregistered", path, { voucherTypeId: "100-30" });
    expect(refused.status).toBe(409);
    expect(errorCode(refused.json)).toBe("NOT_REGISTERED");

    const first = await register("registered", id);
    expect(first.status).toBe(201);
    const registration = campaignRegistrationSchema.parse(first.json);
    expect(registration.campaignId).toBe(id);
    expect(Date.parse(registration.registeredAt)).not.toBeNaN();
    const again = await register("registered", id);
    expect(again).toEqual({ status: 200, json: first.json });

    const claimed = await claim("registered", path, { voucherTypeId: "100-30" });
    expect(claimed.status).toBe(201);
    // Registering does not count against the per-person limit, nor does it lift it.
    expect(errorCode((await claim("registered", path, { voucherTypeId: "100-30" })).json)).toBe("LIMIT_REACHED");
    expect((await wallet("registered")).items).toHaveLength(1);
    expect((await wallet("unregistered")).items).toHaveLength(0);
  });

  it("registers a resident once under concurrent requests: one 201, the rest 200 with the same registration", async () => {
    const id = await seed({ perPersonLimit: 1, drops: [{ id: "d", stock: { "100-30": 1 }, shards: 1, audience: "registered" }] });
    const answers = await Promise.all(Array.from({ length: 12 }, () => register("eager", id)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(11);
    expect(new Set(answers.map((answer) => campaignRegistrationSchema.parse(answer.json).registeredAt)).size).toBe(1);
  });

  it("refuses to register for a campaign that is not there or still a draft", async () => {
    expect((await register("someone", "no-such-campaign")).status).toBe(404);
    const draft = await seed({ status: "DRAFT", perPersonLimit: 1, drops: [] });
    const answer = await register("someone", draft);
    expect(answer.status).toBe(404);
    expect(errorCode(answer.json)).toBe("NOT_FOUND");
  });
});
