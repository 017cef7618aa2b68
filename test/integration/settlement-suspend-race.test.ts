/**
 * Suspension and pause racing payments (issue 10, item 11), on the emulators. The redeem
 * transaction does not re-read the merchant or the campaign (DESIGN §5: a busy merchant's item in
 * every redeem would make concurrent payments cancel each other), so a payment whose merchant read
 * came before a suspension committed may still redeem after it. These tests prove the bound:
 *
 * - many concurrent payments race a suspension: a payment whose merchant read started after the
 *   suspension committed gets no discount; every redemption (those committed after the suspension
 *   included) ends in a HELD statement, nothing is paid to the suspended merchant (invariant 7),
 *   and the books balance (invariant 6);
 * - a payment whose reads start after a pause committed gets CAMPAIGN_NOT_ACTIVE.
 */
import { randomUUID } from "node:crypto";
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { localDate } from "../../shared/domain/settlement.js";
import { setCampaignStatus } from "../../shared/use-cases/campaigns.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { setMerchantStatus } from "../../shared/use-cases/merchants.js";
import { recordPayment } from "../../shared/use-cases/payments.js";
import { reconcileCampaign } from "../../shared/use-cases/settlement-views.js";
import { payStatement, settleStatement } from "../../shared/use-cases/settlement.js";
import type { PostPayout } from "../../shared/payout-client.js";
import { readLedger } from "../../shared/store/ledger.js";
import { readStatement } from "../../shared/store/statements.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { seedMerchant, seedPartner } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const TZ = "Asia/Shanghai";
const PARTNER = "bank-race";
type Tables = Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "settlements" | "merchants" | "partners" | "audit", string>;
let tables: Tables;

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "suspend-race");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "redemptions", "settlements", "merchants", "partners", "audit"]);
  await seedPartner(db, tables.partners, { id: PARTNER, payoutUrl: "https://payouts.bank-race.example/payouts" });
}, 60_000);

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** When one payment read its merchant (the read's start) and when its redeem transaction committed (the answer's arrival). */
interface PaymentTimes {
  merchantReadAt?: number;
  redeemCommittedAt?: number;
}

/** A client that records a payment's merchant read and redeem commit, and calls `onMerchantRead` before the read is sent. */
function timed(times: PaymentTimes, onMerchantRead: () => Promise<void>): DynamoDBDocumentClient {
  const send = db.send.bind(db) as (command: object) => Promise<unknown>;
  return new Proxy(db, {
    get: (target, property) =>
      property === "send"
        ? async (command: object) => {
            if (command instanceof GetCommand && command.input.TableName === tables.merchants) {
              await onMerchantRead();
              times.merchantReadAt = performance.now();
            }
            const result = await send(command);
            if (command instanceof TransactWriteCommand) times.redeemCommittedAt = performance.now();
            return result;
          }
        : (Reflect.get(target, property, target) as unknown),
  });
}

/** A campaign with one voucher (满100减30) for each of `payers`, at an approved merchant. */
async function campaignWithVouchers(payers: number) {
  const campaignId = unique("race");
  const merchantId = `${campaignId}-m`;
  await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": payers }, shards: 2 }] });
  await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: PARTNER, sector: "restaurant" });
  const caches = new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 });
  const payerIds = Array.from({ length: payers }, (_, i) => `${campaignId}-payer-${i}`);
  for (const sub of payerIds) {
    await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, { db, tables, caches, now: () => new Date(), random: Math.random });
  }
  return { campaignId, merchantId, payerIds };
}

const payment = (merchantId: string, payerId: string) => ({ eventId: unique("e"), transactionId: unique("t"), merchantId, payerId, amount: 10_200, occurredAt: new Date().toISOString() });

describe("a suspension racing payments", () => {
  it("leaves no discount to a payment whose merchant read follows it, holds every redemption committed after it, and pays the suspended merchant nothing", async () => {
    const PAYMENTS = 40;
    const { campaignId, merchantId, payerIds } = await campaignWithVouchers(PAYMENTS);

    // The suspension starts when the 12th payment is about to read the merchant; payments keep coming meanwhile.
    let merchantReads = 0;
    let suspension: Promise<unknown> | undefined;
    const suspended: { startedAt?: number; committedAt?: number } = {};
    let markCommitted!: () => void;
    const committed = new Promise<void>((resolve) => (markCommitted = resolve));
    const suspend = () => {
      suspended.startedAt = performance.now();
      return setMerchantStatus({ db, tables, now: () => new Date(), merchantId, action: "suspend", reason: "investigation", operator: "op-1" }).then(() => {
        suspended.committedAt = performance.now();
        markCommitted();
      });
    };
    const times = payerIds.map((): PaymentTimes => ({}));
    const answers = await Promise.all(
      payerIds.map(async (payerId, i) => {
        const client = timed(times[i]!, () => {
          merchantReads++;
          if (merchantReads === 12) suspension = suspend();
          return Promise.resolve();
        });
        // Spread over the suspension, a few ms apart; the last 15 start once it has committed, so
        // both sides of the race are seen however slowly this machine runs it.
        await new Promise((resolve) => setTimeout(resolve, i * 3));
        if (i >= PAYMENTS - 15) await committed;
        return recordPayment({ partnerId: PARTNER, body: payment(merchantId, payerId) }, { db: client, tables, now: () => new Date() });
      }),
    );
    await suspension;
    const { startedAt, committedAt } = suspended as Required<typeof suspended>;

    const discounted = answers.map((answer, i) => ({ answer, times: times[i]! })).filter(({ answer }) => answer.discount > 0);
    const refused = answers.filter((answer) => answer.discount === 0);
    // Both sides of the race happened: some payments redeemed, some were refused.
    expect(discounted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) expect(answer).toMatchObject({ reason: "MERCHANT_NOT_APPROVED" });
    // The window: only a payment whose merchant read started before the suspension committed can redeem.
    for (const { times: t } of discounted) expect(t.merchantReadAt!).toBeLessThan(committedAt);
    // A payment whose read started after the suspension committed was refused.
    for (const [i, answer] of answers.entries()) if (times[i]!.merchantReadAt! > committedAt) expect(answer.discount).toBe(0);
    const committedAfter = discounted.filter(({ times: t }) => t.redeemCommittedAt! > startedAt);

    // The day's settlement runs: every redemption, those committed after the suspension among them, is in the HELD statement.
    const period = localDate(new Date(), TZ);
    const later = new Date(Date.now() + 1_000).toISOString();
    const message = { campaignId, merchantId, period, cutoff: later, arrivedBefore: later };
    const settled = await settleStatement({ db, tables, now: () => new Date(), message, sendPayout: () => Promise.resolve() });
    expect(settled).toMatchObject({ outcome: "settled", statement: { status: "HELD", redemptionCount: discounted.length, payable: discounted.length * 3_000 } });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.filter((entry) => entry.kind === "REDEMPTION")).toHaveLength(discounted.length);
    for (const entry of ledger) expect(entry.statementId).toBe(`${campaignId}/${merchantId}/${period}`);
    const ids = new Set(discounted.map(({ answer }) => answer.transactionId));
    for (const { answer } of committedAfter) expect(ids.has(answer.transactionId)).toBe(true);

    // A payout message for it (a late or duplicate one) pays nothing: the statement stays HELD.
    let payouts = 0;
    const post: PostPayout = () => {
      payouts++;
      return Promise.resolve({ ok: true, payoutId: "never" });
    };
    expect(await payStatement({ db, tables, post, now: () => new Date(), attempts: 1, message })).toMatchObject({ outcome: "skipped", status: "HELD" });
    expect(payouts).toBe(0);
    expect(await readStatement(db, tables.settlements, message)).toMatchObject({ status: "HELD" });
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, difference: 0 });
  }, 120_000);

  it("holds a statement settled PENDING before the suspension when its payout comes after it", async () => {
    const { campaignId, merchantId, payerIds } = await campaignWithVouchers(3);
    for (const payerId of payerIds) expect(await recordPayment({ partnerId: PARTNER, body: payment(merchantId, payerId) }, { db, tables, now: () => new Date() })).toMatchObject({ discount: 3_000 });
    const later = new Date(Date.now() + 1_000).toISOString();
    const message = { campaignId, merchantId, period: localDate(new Date(), TZ), cutoff: later, arrivedBefore: later };
    expect(await settleStatement({ db, tables, now: () => new Date(), message, sendPayout: () => Promise.resolve() })).toMatchObject({ statement: { status: "PENDING" } });
    await setMerchantStatus({ db, tables, now: () => new Date(), merchantId, action: "suspend", reason: "investigation", operator: "op-1" });
    let payouts = 0;
    const post: PostPayout = () => {
      payouts++;
      return Promise.resolve({ ok: true, payoutId: "never" });
    };
    expect(await payStatement({ db, tables, post, now: () => new Date(), attempts: 1, message })).toEqual({ outcome: "held" });
    expect(payouts).toBe(0);
    expect(await readStatement(db, tables.settlements, message)).toMatchObject({ status: "HELD" });
  }, 60_000);
});

describe("a pause racing payments", () => {
  it("stops new discounts within one read: a payment whose reads start after the pause committed gets CAMPAIGN_NOT_ACTIVE", async () => {
    const { campaignId, merchantId, payerIds } = await campaignWithVouchers(2);
    const deps = { db, tables, now: () => new Date() };
    expect(await recordPayment({ partnerId: PARTNER, body: payment(merchantId, payerIds[0]!) }, deps)).toMatchObject({ discount: 3_000 });
    await setCampaignStatus({ ...deps, campaignId, action: "pause" });
    // No wait, no cache to expire: the very next payment reads the campaign strongly consistently.
    expect(await recordPayment({ partnerId: PARTNER, body: payment(merchantId, payerIds[1]!) }, deps)).toMatchObject({ discount: 0, voucherId: null, reason: "CAMPAIGN_NOT_ACTIVE" });
    await setCampaignStatus({ ...deps, campaignId, action: "resume" });
    expect(await recordPayment({ partnerId: PARTNER, body: payment(merchantId, payerIds[1]!) }, deps)).toMatchObject({ discount: 3_000 });
  }, 60_000);
});
