/**
 * A hostile partner bank over the local runtime's HTTP, with real signatures (issue 10; DESIGN.md
 * §8 "Money at the partner boundary"): requests replayed at the wrong route, clocks minutes off,
 * absurd amounts. Each case must answer a clear error or the right result and change nothing
 * else, and after each case the campaign's books balance (GET /admin/campaigns/{id}/reconciliation,
 * invariant 6).
 *
 * Layout: one runtime, one partner, one approved merchant and one campaign for the whole file
 * (the "world" below); every case uses payers and transactions of its own. Each section is a
 * `describe` of the top-level "a hostile partner". Three more sections bring a world of their own
 * (test/e2e/adversarial/): partial, over- and duplicate refunds; a revoked secret; concurrent
 * suspend-and-pay; each also checks the books balance after its cases.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { errorBodySchema, voucherSchema, walletSchema } from "../../shared/api/schemas.js";
import { reconciliationSchema } from "../../shared/api/settlement-schemas.js";
import type { Voucher } from "../../shared/domain/claim.js";
import { SIGNATURE_HEADER, signPayload } from "../../shared/domain/signature.js";
import { readMerchant } from "../../shared/store/merchants.js";
import { readLedger } from "../../shared/store/ledger.js";
import { readTransaction } from "../../shared/store/transactions.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";
import { seedCampaign } from "../support/seed.js";
import { hostileRefunds } from "./adversarial/refunds.js";
import { revokedSecret } from "./adversarial/secrets.js";
import { suspendAndPay } from "./adversarial/suspend.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const MINUTE = 60_000;

/** The one partner, merchant and campaign every case plays against. */
const world = {
  partnerId: unique("hostile-bank"),
  secret: "",
  merchantId: unique("hostile-shop"),
  campaignId: unique("hostile"),
};

const table = (logical: string) => runtime.resources.tables[logical]!.name;


// ---------------------------------------------------------------------------------------------
// HTTP helpers.

type Reply = { status: number; body: unknown };

async function asOperator(method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** The partner routes, by the last segment of their path. */
const ROUTES = ["payments", "refunds", "merchants"] as const;
type Route = (typeof ROUTES)[number];

/** A request as the partner signed it: the exact bytes and the signature header over them. */
interface SignedRequest {
  raw: string;
  signature: string;
}

function sign(body: unknown, at = Math.floor(Date.now() / 1000)): SignedRequest {
  const raw = JSON.stringify(body);
  return { raw, signature: signPayload(world.secret, at, raw) };
}

/** Posts signed bytes to a partner route, as they are: the signature is not made again. */
async function post(route: Route, request: SignedRequest): Promise<Reply> {
  const response = await fetch(`${runtime.url}/partners/${world.partnerId}/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: request.signature },
    body: request.raw,
  });
  return { status: response.status, body: await response.json() };
}

const partnerCall = (route: Route, body: unknown) => post(route, sign(body));

/** The error code of a reply, or undefined when it is not an error body. */
function codeOf(reply: Reply): string | undefined {
  const parsed = errorBodySchema.safeParse(reply.body);
  return parsed.success ? parsed.data.error.code : undefined;
}

/** A new resident with one claimed voucher of `voucherTypeId` in the world's campaign. */
async function payerWithVoucher(label: string, voucherTypeId: "100-30" | "200-60" = "100-30"): Promise<{ payerId: string; token: string; voucher: Voucher }> {
  const payerId = unique(label);
  const token = await signLocalToken({ sub: payerId, settings: TEST_JWT });
  const response = await fetch(`${runtime.url}/campaigns/${world.campaignId}/drops/d1/claims`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ voucherTypeId }),
  });
  expect(response.status).toBe(201);
  return { payerId, token, voucher: voucherSchema.parse(await response.json()) };
}

async function walletStatuses(token: string): Promise<Record<string, string>> {
  const response = await fetch(`${runtime.url}/me/vouchers`, { headers: { authorization: `Bearer ${token}` } });
  return Object.fromEntries(walletSchema.parse(await response.json()).items.map((voucher) => [voucher.voucherId, voucher.status]));
}

function paymentBody(payerId: string, overrides: Record<string, unknown> = {}) {
  return { eventId: randomUUID(), transactionId: unique("t"), merchantId: world.merchantId, payerId, amount: 12_000, occurredAt: new Date().toISOString(), ...overrides };
}

function refundBody(transactionId: string, overrides: Record<string, unknown> = {}) {
  return { eventId: randomUUID(), transactionId, occurredAt: new Date().toISOString(), ...overrides };
}

/** `ms` as a partner's clock writes it: whole seconds, +08:00. */
function wholeSecondAt(ms: number): string {
  return `${new Date(Math.floor(ms / 1_000) * 1_000 + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

const transaction = (transactionId: string) => readTransaction(db, table("redemptions"), world.partnerId, transactionId);
const ledger = () => readLedger(db, table("redemptions"), world.campaignId, world.merchantId);

async function expectBalancedBooks(): Promise<void> {
  const reply = await asOperator("GET", `/admin/campaigns/${world.campaignId}/reconciliation`);
  expect(reply.status).toBe(200);
  const books = reconciliationSchema.parse(reply.body);
  expect(books.problems).toEqual([]);
  expect(books).toMatchObject({ balanced: true, difference: 0 });
}

// ---------------------------------------------------------------------------------------------

describe("a hostile partner", () => {
  // One world for this section; the sections below bring their own (one runtime at a time: a
  // runtime's tables are named in this process's environment).
  beforeAll(async () => {
    runtime = await startTestRuntime(platform, "adversarial-e2e");
    operatorToken = await signLocalToken({ sub: "op-adversarial", operator: true, settings: TEST_JWT });
    // No payoutUrl: the partner is paid through the local partner simulator.
    const partner = await asOperator("POST", "/admin/partners", { id: world.partnerId, name: "Hostile Bank" });
    expect(partner.status).toBe(201);
    world.secret = String((partner.body as { signingSecret: string }).signingSecret);
    expect((await partnerCall("merchants", { id: world.merchantId, name: "惠民超市", sector: "supermarket" })).status).toBe(201);
    expect((await asOperator("POST", `/admin/merchants/${world.merchantId}/approve`)).status).toBe(200);
    await seedCampaign(db, { campaigns: table("campaigns"), inventory: table("inventory") }, {
      id: world.campaignId,
      perPersonLimit: 2,
      drops: [{ id: "d1", stock: { "100-30": 200, "200-60": 200 }, shards: 2 }],
    });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  // After every case, whatever it did: the books balance to the fen.
  afterEach(async () => {
    await expectBalancedBooks();
  });

  describe("replaying a signed body at another route", () => {
    it("is refused with 400 at every other partner route, with its signature unchanged, and changes nothing", async () => {
      // A payment delivered and redeemed; a refund of another redeemed payment and a merchant
      // submission, both signed but not yet delivered (captured on the way, say).
      const first = await payerWithVoucher("replay-a");
      const firstPayment = paymentBody(first.payerId);
      const payment = sign(firstPayment);
      const paid = await post("payments", payment);
      expect(paid).toMatchObject({ status: 200, body: { voucherId: first.voucher.voucherId, discount: 3_000 } });
      const second = await payerWithVoucher("replay-b");
      const other = paymentBody(second.payerId);
      expect((await partnerCall("payments", other)).body).toMatchObject({ voucherId: second.voucher.voucherId, discount: 3_000 });
      const refund = sign(refundBody(other.transactionId));
      const newMerchant = unique("replayed-shop");
      const submission = sign({ id: newMerchant, name: "冒名小店", sector: "supermarket" });
      const signedAt: Record<Route, SignedRequest> = { payments: payment, refunds: refund, merchants: submission };
      const ledgerBefore = await ledger();

      for (const from of ROUTES) {
        for (const to of ROUTES.filter((route) => route !== from)) {
          const reply = await post(to, signedAt[from]);
          expect({ from, to, status: reply.status, code: codeOf(reply) }).toEqual({ from, to, status: 400, code: "VALIDATION_FAILED" });
        }
      }

      // Nothing changed: both redemptions stand, no refund or merchant was recorded, the ledger is as it was.
      expect(await walletStatuses(first.token)).toEqual({ [first.voucher.voucherId]: "REDEEMED" });
      expect(await walletStatuses(second.token)).toEqual({ [second.voucher.voucherId]: "REDEEMED" });
      for (const transactionId of [firstPayment.transactionId, other.transactionId]) {
        const record = await transaction(transactionId);
        expect(record).toMatchObject({ status: "REDEEMED" });
        expect(record).not.toHaveProperty("refund");
      }
      expect(await readMerchant(db, table("merchants"), newMerchant)).toBeUndefined();
      expect(await ledger()).toEqual(ledgerBefore);

      // Each body was validly signed all along: at its own route it does what it says.
      expect(await post("payments", payment)).toEqual(paid);
      expect(await post("refunds", refund)).toMatchObject({ status: 200, body: { transactionId: other.transactionId, reversed: true } });
      expect(await post("merchants", submission)).toMatchObject({ status: 201, body: { id: newMerchant, status: "PENDING" } });
    });
  });

  describe("with a clock off ours", () => {
    it("sending whole seconds, gets the discount for payments made in the second of their claim", async () => {
      const payers = await Promise.all(Array.from({ length: 10 }, (_, i) => payerWithVoucher(`skew-${i}`)));
      const replies = await Promise.all(
        payers.map(({ payerId, voucher }) => partnerCall("payments", paymentBody(payerId, { occurredAt: wholeSecondAt(Date.parse(voucher.claimedAt)) }))),
      );
      for (const [i, reply] of replies.entries()) {
        expect(reply).toMatchObject({ status: 200, body: { voucherId: payers[i]!.voucher.voucherId, discount: 3_000, payable: 9_000 } });
      }
    });

    it("a few minutes behind ours: a payment dated 4 minutes before the claim redeems, and its refund dated since reverses it", async () => {
      const { payerId, token, voucher } = await payerWithVoucher("behind");
      const claimedAt = Date.parse(voucher.claimedAt);
      const payment = paymentBody(payerId, { occurredAt: wholeSecondAt(claimedAt - 4 * MINUTE) });
      expect(await partnerCall("payments", payment)).toMatchObject({ status: 200, body: { voucherId: voucher.voucherId, discount: 3_000 } });
      expect(await partnerCall("refunds", refundBody(payment.transactionId, { occurredAt: wholeSecondAt(claimedAt - 2 * MINUTE) }))).toEqual({
        status: 200,
        body: { transactionId: payment.transactionId, reversed: true, refunded: payment.amount, remaining: 0 },
      });
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "VOID" });
    });

    it("far behind ours: a payment dated years before the claim gets no discount and leaves the voucher", async () => {
      const { payerId, token, voucher } = await payerWithVoucher("far-past");
      const payment = paymentBody(payerId, { occurredAt: "2020-01-01T12:00:00+08:00" });
      expect(await partnerCall("payments", payment)).toMatchObject({ status: 200, body: { voucherId: null, discount: 0, reason: "NO_ELIGIBLE_VOUCHER" } });
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "CLAIMED" });
      expect((await ledger()).filter((entry) => entry.transactionId === payment.transactionId)).toEqual([]);
    });

    it("ahead of ours: a payment and a refund 4 min 50 s ahead are accepted", async () => {
      const { payerId, token, voucher } = await payerWithVoucher("ahead");
      const payment = paymentBody(payerId, { occurredAt: new Date(Date.now() + 4 * MINUTE + 50_000).toISOString() });
      expect(await partnerCall("payments", payment)).toMatchObject({ status: 200, body: { voucherId: voucher.voucherId, discount: 3_000 } });
      const refund = refundBody(payment.transactionId, { occurredAt: new Date(Date.now() + 4 * MINUTE + 50_000).toISOString() });
      expect(await partnerCall("refunds", refund)).toEqual({ status: 200, body: { transactionId: payment.transactionId, reversed: true, refunded: payment.amount, remaining: 0 } });
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "VOID" });
    });

    it.each([
      ["5 min 10 s ahead", () => new Date(Date.now() + 5 * MINUTE + 10_000).toISOString()],
      ["in 2099", () => "2099-01-01T00:00:00+08:00"],
    ])("%s: 400 OCCURRED_IN_FUTURE for a payment and for a refund, and nothing is written", async (_, occurredAt) => {
      const { payerId, token, voucher } = await payerWithVoucher("future");
      const refused = paymentBody(payerId, { occurredAt: occurredAt() });
      const reply = await partnerCall("payments", refused);
      expect({ status: reply.status, code: codeOf(reply) }).toEqual({ status: 400, code: "OCCURRED_IN_FUTURE" });
      expect(await transaction(refused.transactionId)).toBeUndefined();
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "CLAIMED" });

      // A redemption refunded "in the future" stays a redemption: the voucher is not voided.
      const payment = paymentBody(payerId);
      expect((await partnerCall("payments", payment)).body).toMatchObject({ voucherId: voucher.voucherId });
      const ledgerBefore = await ledger();
      const refund = await partnerCall("refunds", refundBody(payment.transactionId, { occurredAt: occurredAt() }));
      expect({ status: refund.status, code: codeOf(refund) }).toEqual({ status: 400, code: "OCCURRED_IN_FUTURE" });
      expect(await transaction(payment.transactionId)).toMatchObject({ status: "REDEEMED" });
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "REDEEMED" });
      expect(await ledger()).toEqual(ledgerBefore);
    });
  });

  describe("with extreme amounts", () => {
    it.each([
      [0, "AMOUNT_OUT_OF_RANGE"],
      [-1, "AMOUNT_OUT_OF_RANGE"],
      [1.5, "VALIDATION_FAILED"],
      [100_000_001, "AMOUNT_OUT_OF_RANGE"],
      [5e15, "AMOUNT_OUT_OF_RANGE"],
      [1e20, "AMOUNT_OUT_OF_RANGE"],
    ])("a payment of %s fen: 400 %s, and nothing is written", async (amount, code) => {
      const { payerId, token, voucher } = await payerWithVoucher("amount");
      const payment = paymentBody(payerId, { amount });
      const reply = await partnerCall("payments", payment);
      expect({ status: reply.status, code: codeOf(reply) }).toEqual({ status: 400, code });
      expect(await transaction(payment.transactionId)).toBeUndefined();
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "CLAIMED" });
    });

    it("a payment of exactly 100,000,000 fen (¥1,000,000) is accepted", async () => {
      const { payerId, voucher } = await payerWithVoucher("amount-max", "200-60");
      expect(await partnerCall("payments", paymentBody(payerId, { amount: 100_000_000 }))).toMatchObject({
        status: 200,
        body: { voucherId: voucher.voucherId, discount: 6_000, payable: 99_994_000 },
      });
    });

    it.each([
      [0, "AMOUNT_OUT_OF_RANGE"],
      [1.5, "VALIDATION_FAILED"],
      [5e15, "AMOUNT_OUT_OF_RANGE"],
    ])("a refund of %s fen: 400 %s, and the redemption stands", async (amount, code) => {
      const { payerId, token, voucher } = await payerWithVoucher("refund-amount");
      const payment = paymentBody(payerId);
      expect((await partnerCall("payments", payment)).body).toMatchObject({ voucherId: voucher.voucherId });
      const reply = await partnerCall("refunds", refundBody(payment.transactionId, { amount }));
      expect({ status: reply.status, code: codeOf(reply) }).toEqual({ status: 400, code });
      expect(await transaction(payment.transactionId)).toMatchObject({ status: "REDEEMED" });
      expect(await walletStatuses(token)).toEqual({ [voucher.voucherId]: "REDEEMED" });
    });
  });
});

describe("a hostile partner's refunds: partial, over- and duplicate", () => {
  hostileRefunds();
});

describe("a hostile partner with a revoked secret", () => {
  revokedSecret();
});

describe("concurrent suspend-and-pay", () => {
  suspendAndPay();
});
