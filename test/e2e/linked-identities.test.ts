/**
 * Linked identities over the local runtime's HTTP: two accounts whose tokens carry the same
 * verified phone number are one person at a claim (limit 1: the second account gets
 * LIMIT_REACHED, and each wallet shows only its own vouchers), an unverified number links
 * nobody; a partner links a card token with a signed `POST /partners/{partnerId}/cards` (201,
 * again 200, another resident 409 CARD_LINKED_ELSEWHERE, a bad body 400, unsigned 401), and a
 * payment with that card token redeems the resident's voucher.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { cardLinkAnswerSchema, paymentAnswerSchema } from "../../shared/api/payment-schemas.js";
import { errorBodySchema, voucherSchema, walletSchema } from "../../shared/api/schemas.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";
import { apiCall, signedPost } from "../support/http.js";
import { seedCampaign } from "../support/seed.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const world = { partnerId: unique("card-bank"), secret: "", merchantId: unique("card-shop") };
const table = (logical: string) => runtime.resources.tables[logical]!.name;
const errorCode = (json: unknown) => errorBodySchema.parse(json).error.code;
const phone = () => `+86139${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;

type Identity = NonNullable<Parameters<typeof signLocalToken>[0]["identity"]>;

async function asResident(sub: string, identity: Identity, method: string, path: string, body?: unknown) {
  const token = await signLocalToken({ sub, identity, settings: TEST_JWT });
  return apiCall(runtime.url, method, path, { body, token });
}

async function campaign(): Promise<string> {
  const id = unique("linked");
  await seedCampaign(db, { campaigns: table("campaigns"), inventory: table("inventory") }, { id, perPersonLimit: 1, drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 2 }] });
  return id;
}

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "linked-e2e");
  operatorToken = await signLocalToken({ sub: "op-linked", operator: true, settings: TEST_JWT });
  const partner = await apiCall(runtime.url, "POST", "/admin/partners", { body: { id: world.partnerId, name: "Card Bank" }, token: operatorToken });
  expect(partner.status).toBe(201);
  world.secret = String((partner.body as { signingSecret: string }).signingSecret);
  const submitted = await signedPost(runtime.url, `/partners/${world.partnerId}/merchants`, { id: world.merchantId, name: "卡店", sector: "supermarket" }, world.secret);
  expect(submitted.status).toBe(201);
  expect((await apiCall(runtime.url, "POST", `/admin/merchants/${world.merchantId}/approve`, { token: operatorToken })).status).toBe(200);
});

afterAll(async () => {
  await runtime?.stop();
});

describe("linked identities over HTTP", () => {
  it("counts two accounts with one verified phone number as one person, and links nobody on an unverified one", async () => {
    const id = await campaign();
    const number = phone();
    const [first, second] = [unique("mei"), unique("mei-2")];
    const path = `/campaigns/${id}/drops/d1/claims`;

    const claimed = await asResident(first, { phoneNumber: number }, "POST", path, { voucherTypeId: "100-30" });
    expect(claimed.status).toBe(201);
    const refused = await asResident(second, { phoneNumber: number }, "POST", path, { voucherTypeId: "100-30" });
    expect(refused.status).toBe(409);
    expect(errorCode(refused.body)).toBe("LIMIT_REACHED");

    const wallet = async (sub: string) => walletSchema.parse((await asResident(sub, { phoneNumber: number }, "GET", "/me/vouchers")).body);
    expect((await wallet(first)).items.map((voucher) => voucher.voucherId)).toEqual([voucherSchema.parse(claimed.body).voucherId]);
    expect((await wallet(second)).items).toEqual([]);

    // The same number unverified: a person of its own.
    const stranger = await asResident(unique("mallory"), { phoneNumber: number, phoneNumberVerified: false }, "POST", path, { voucherTypeId: "100-30" });
    expect(stranger.status).toBe(201);
  });

  it("links a card token with a signed request, and a card payment then redeems the resident's voucher", async () => {
    const id = await campaign();
    const resident = unique("niu");
    const claimed = await asResident(resident, { idHash: unique("id") }, "POST", `/campaigns/${id}/drops/d1/claims`, { voucherTypeId: "100-30" });
    expect(claimed.status).toBe(201);
    const cardToken = unique("tok");
    const path = `/partners/${world.partnerId}/cards`;

    const linked = await signedPost(runtime.url, path, { payerId: resident, cardToken }, world.secret);
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    expect(cardLinkAnswerSchema.parse(linked.body)).toMatchObject({ partnerId: world.partnerId, cardToken, payerId: resident });
    const again = await signedPost(runtime.url, path, { payerId: resident, cardToken }, world.secret);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(linked.body);
    const elsewhere = await signedPost(runtime.url, path, { payerId: unique("other"), cardToken }, world.secret);
    expect(elsewhere.status).toBe(409);
    expect(errorCode(elsewhere.body)).toBe("CARD_LINKED_ELSEWHERE");
    const extra = await signedPost(runtime.url, path, { payerId: resident, cardToken, amount: 1 }, world.secret);
    expect(extra.status).toBe(400);
    const unsigned = await fetch(`${runtime.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ payerId: resident, cardToken }) });
    expect(unsigned.status).toBe(401);

    const payment = { eventId: randomUUID(), transactionId: unique("t"), merchantId: world.merchantId, payerId: cardToken, amount: 12_000, occurredAt: new Date(Date.now() - 1_000).toISOString() };
    const paid = await signedPost(runtime.url, `/partners/${world.partnerId}/payments`, payment, world.secret);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paymentAnswerSchema.parse(paid.body)).toMatchObject({ campaignId: id, voucherId: voucherSchema.parse(claimed.body).voucherId, discount: 3_000 });
  });
});
