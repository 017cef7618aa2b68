/**
 * The fraud detector on the emulators. Ledger records written to the redemptions table reach the
 * detector through the runtime's stream poller and raise flags; crafted stream changes fed to the
 * use case directly, again, shuffled and concurrently, neither duplicate a flag nor inflate the
 * detector's counters; the campaign's configuration decides; a high-severity hit auto-suspends the
 * merchant once per flag when the campaign says so, audited as the detector. And the review:
 * refunds after a clawback write no second reversal; forfeiture and clawback keep the books balanced.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { FRAUD_RULES, type FraudRule, hourOf } from "../../shared/domain/fraud.js";
import { type FlagView, confirmFlag, detectFraud, dismissFlag, enforceFlag, getFraudRules, listFlags } from "../../shared/use-cases/fraud.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { answerFraudRules } from "../../functions/fraud/rules.js";
import { httpEvent } from "../support/http-event.js";
import { setMerchantStatus } from "../../shared/use-cases/merchants.js";
import { listAudit } from "../../shared/use-cases/audit.js";
import type { StreamChange } from "../../shared/use-cases/stats.js";
import { readHours } from "../../shared/store/fraud-detector.js";
import { readFlag } from "../../shared/store/fraud-flags.js";
import { readMerchant } from "../../shared/store/merchants.js";
import type { LedgerRecord, RedemptionRecord } from "../../shared/domain/ledger.js";
import { readLedger } from "../../shared/store/ledger.js";
import { readTransaction } from "../../shared/store/transactions.js";
import { platform } from "../../shared/wiring/platform.js";
import { rejection } from "../support/rejection.js";
import { fraudRecord, ledgerChange, minutesAfter } from "../support/fraud.js";
import { seedCampaign } from "../support/seed.js";
import { seedLedger, seedMerchant } from "../support/settlement.js";
import { eventually, startTestRuntime, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let runtime: LocalRuntime;
let tables: Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "merchants" | "settlements" | "audit" | "fraud" | "partners", string>;

const HOUR = 3_600_000;
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
/** The start of the hour two hours ago: every crafted sequence fits in the hours after it. */
const base = () => new Date(Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR).toISOString();

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "fraud");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "redemptions", "merchants", "settlements", "audit", "fraud", "partners"]);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const detector = () => ({ db, tables, now: () => new Date() });
const detect = (changes: readonly StreamChange[]) => detectFraud({ ...detector(), changes });

/** Every flag of a campaign, in every status. */
async function flagsOf(campaignId: string): Promise<FlagView[]> {
  const flags: FlagView[] = [];
  for (const status of ["OPEN", "DISMISSED", "CONFIRMED"] as const) {
    let nextToken: string | undefined;
    do {
      const page = await listFlags({ db, tables, query: { status, campaignId, limit: 100, nextToken } });
      flags.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return flags;
}

const byRule = (flags: readonly FlagView[], rule: FraudRule) => flags.filter((flag) => flag.rule === rule);
const refs = (entries: readonly LedgerRecord[]) => entries.map((entry) => ({ partnerId: entry.partnerId, transactionId: entry.transactionId }));
const sortRefs = <T extends { transactionId: string }>(list: readonly T[]) => [...list].sort((a, b) => a.transactionId.localeCompare(b.transactionId));

/** PUT /admin/campaigns/{id}/fraud-rules through its handler (the body parsed there). */
async function putFraudRules(input: Dependencies<"fraud" | "campaigns" | "audit"> & { campaignId: string; body: unknown; operator: string }) {
  const event = httpEvent({ method: "PUT", route: "/admin/campaigns/{id}/fraud-rules", pathParameters: { id: input.campaignId }, body: input.body });
  return (await answerFraudRules({ event, caller: { sub: input.operator, groups: ["operators"] } }, input)).body;
}

describe("the detector on the redemptions stream", () => {
  it("flags a payer redeeming again and again at one shop, and one hopping across shops, from records written to the table", async () => {
    const campaignId = unique("stream");
    const [shop, a, b, c, d] = ["shop", "a", "b", "c", "d"].map((suffix) => `${campaignId}-${suffix}`) as [string, string, string, string, string];
    const start = base();
    // A cash-out account: five redemptions at one shop within the hour.
    const ring = [0, 8, 16, 24, 32].map((minute) => fraudRecord({ campaignId, merchantId: shop, payerId: "ring-1", occurredAt: minutesAfter(start, minute) }));
    // A hopper: four shops in six minutes.
    const hops = [a, b, c, d].map((merchantId, i) => fraudRecord({ campaignId, merchantId, payerId: "hopper-1", occurredAt: minutesAfter(start, 40 + 2 * i) }));
    // Ordinary residents: one redemption each.
    const ordinary = [a, b, c, d, shop].map((merchantId, i) => fraudRecord({ campaignId, merchantId, occurredAt: minutesAfter(start, 5 + i) }));
    await seedLedger(db, tables.redemptions, [...ordinary, ...ring, ...hops]);

    const flags = await eventually(
      async () => {
        const found = await flagsOf(campaignId);
        const repeat = byRule(found, "repeat-payer")[0];
        const spread = byRule(found, "payer-spread")[0];
        return repeat?.evidence.transactions.length === 5 && spread ? found : undefined;
      },
      30_000,
      "the stream's flags",
    );
    expect(flags.map((flag) => flag.rule).sort()).toEqual(["payer-spread", "repeat-payer"]);
    const repeat = byRule(flags, "repeat-payer")[0]!;
    expect(repeat).toMatchObject({ campaignId, merchantId: shop, payerId: "ring-1", severity: "medium", status: "OPEN" });
    expect(sortRefs(repeat.evidence.transactions)).toEqual(sortRefs(refs(ring)));
    const spread = byRule(flags, "payer-spread")[0]!;
    expect(spread).toMatchObject({ campaignId, merchantId: d, payerId: "hopper-1", evidence: { merchants: [a, b, c, d].sort(), merchantCount: 4 } });
    expect(sortRefs(spread.evidence.transactions)).toEqual(sortRefs(refs(hops)));
    // The projector's sibling trigger read the same stream: the detector's counters hold every redemption once.
    const hours = await readHours(db, tables.fraud, { campaignId, merchantId: shop, first: hourOf(start), last: hourOf(start) });
    expect(hours.get(hourOf(start))).toMatchObject({ redemptions: 6, thresholded: 6 });
  }, 60_000);
});

describe("the detector, fed crafted sequences", () => {
  /** A velocity spike (30 redemptions in an hour after a quiet day), refunds and threshold-hugging at one merchant. */
  function spike(campaignId: string, merchantId: string) {
    const start = base();
    const quiet = Array.from({ length: 12 }, (_, i) => fraudRecord({ campaignId, merchantId, occurredAt: new Date(Date.parse(start) - (i + 1) * HOUR).toISOString() }));
    const burst = Array.from({ length: 30 }, (_, i) => fraudRecord({ campaignId, merchantId, amount: 10_100 + i, occurredAt: minutesAfter(start, i * 2) }));
    // 13 of the 42 redemptions of the day refunded: a rate of 0.31.
    const refunds = burst.slice(0, 13).map((record, i) =>
      fraudRecord({ campaignId, merchantId, transactionId: record.transactionId, payerId: record.payerId, reversalOf: record.occurredAt, occurredAt: minutesAfter(start, 61 + i) }),
    );
    return { start, records: [...quiet, ...burst, ...refunds], burst, refunds };
  }

  it("raises each flag once and counts each record once, however often, in whatever order and concurrency the records come", async () => {
    const campaignId = unique("redeliver");
    const merchantId = `${campaignId}-m`;
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a" });
    const { start, records, burst, refunds } = spike(campaignId, merchantId);
    const changes = records.map(ledgerChange);

    const first = await detect(changes);
    expect(first).toMatchObject({ judged: records.length, applied: records.length, ignored: 0 });
    const flags = await flagsOf(campaignId);
    expect(flags.map((flag) => flag.rule).sort()).toEqual(["merchant-velocity", "refund-rate", "threshold-hugging"]);
    const velocity = byRule(flags, "merchant-velocity")[0]!;
    expect(velocity.evidence).toMatchObject({ hour: start, redemptions: 30, baseline: 0.5, limit: 10 });
    expect(sortRefs(velocity.evidence.transactions)).toEqual(sortRefs(refs(burst)));
    const refund = byRule(flags, "refund-rate")[0]!;
    expect(refund.evidence).toMatchObject({ redemptions: 42, reversals: 13, rate: 0.3095 });
    expect(sortRefs(refund.evidence.transactions)).toEqual(sortRefs(refs(refunds)));
    const hugging = byRule(flags, "threshold-hugging")[0]!;
    expect(hugging.evidence).toMatchObject({ redemptions: 42, nearThreshold: 30 });
    const hoursBefore = await readHours(db, tables.fraud, { campaignId, merchantId, first: hourOf(start) - 30, last: hourOf(start) + 2 });
    expect(hoursBefore.get(hourOf(start))).toMatchObject({ redemptions: 30, reversals: 13, thresholded: 30 });

    // Everything again: whole, shuffled, in overlapping halves at once, with new stream event ids (a rebuild).
    const again = await detect(changes);
    expect(again).toMatchObject({ judged: records.length, applied: 0 });
    const shuffled = [...changes].sort(() => Math.random() - 0.5).map((change) => ({ ...change, eventId: `replay-${randomUUID()}` }));
    const outcomes = await Promise.all([detect(shuffled.slice(0, 40)), detect(shuffled.slice(20)), detect(shuffled)]);
    expect(outcomes.map((outcome) => outcome.applied)).toEqual([0, 0, 0]);

    expect(await readHours(db, tables.fraud, { campaignId, merchantId, first: hourOf(start) - 30, last: hourOf(start) + 2 })).toEqual(hoursBefore);
    const after = await flagsOf(campaignId);
    expect(after.map((flag) => [flag.id, flag.rule, flag.evidence.transactions.length]).sort()).toEqual(flags.map((flag) => [flag.id, flag.rule, flag.evidence.transactions.length]).sort());
  }, 60_000);

  it("judges by the campaign's configuration: a stricter or looser threshold, a rule switched off, records of other campaigns untouched", async () => {
    const loose = unique("loose");
    const strict = unique("strict");
    for (const campaignId of [loose, strict]) await seedCampaign(db, tables, { id: campaignId, drops: [] });
    expect(await getFraudRules({ db, tables, campaignId: loose })).toMatchObject({ source: "default", config: { autoSuspend: false } });
    await putFraudRules({
      db,
      tables,
      campaignId: loose,
      body: { rules: { "repeat-payer": { maxRedemptions: 10 }, "merchant-velocity": { enabled: false }, "threshold-hugging": { enabled: false }, "refund-rate": { enabled: false } } },
      operator: "op-fraud",
      now: () => new Date(),
    });
    await putFraudRules({ db, tables, campaignId: strict, body: { rules: { "repeat-payer": { maxRedemptions: 1, severity: "high" } } }, operator: "op-fraud", now: () => new Date() });
    expect(await getFraudRules({ db, tables, campaignId: strict })).toMatchObject({ source: "campaign", updatedBy: "op-fraud", config: { rules: { "repeat-payer": { maxRedemptions: 1 } } } });
    const trail = await listAudit({ db, tables, query: { entity: `CAMPAIGN#${strict}`, limit: 10 } });
    expect(trail.items).toHaveLength(1);
    expect(trail.items[0]).toMatchObject({ action: "campaign.fraud-rules", who: "op-fraud", after: { fraudRules: { autoSuspend: false, rules: { "repeat-payer": { maxRedemptions: 1 } } } } });
    expect((await rejection(putFraudRules({ db, tables, campaignId: strict, body: { rules: { "repeat-payer": { maxRedemptions: 0 } } }, operator: "op", now: () => new Date() }))).code).toBe(
      "VALIDATION_FAILED",
    );
    expect((await rejection(getFraudRules({ db, tables, campaignId: "no-such-campaign" }))).code).toBe("NOT_FOUND");

    const start = base();
    const visits = (campaignId: string) =>
      [0, 10, 20, 30].map((minute) => fraudRecord({ campaignId, merchantId: `${campaignId}-m`, payerId: "regular", occurredAt: minutesAfter(start, minute) }));
    await detect([...visits(loose), ...visits(strict)].map(ledgerChange));
    expect(await flagsOf(loose)).toEqual([]);
    const strictFlags = await flagsOf(strict);
    // One flag for the window, its evidence grown by every later hit.
    expect(strictFlags).toHaveLength(1);
    expect(strictFlags[0]).toMatchObject({ rule: "repeat-payer", severity: "high", payerId: "regular" });
    expect(strictFlags[0]!.evidence.transactions).toHaveLength(4);
  }, 60_000);

  it("with autoSuspend, suspends the merchant of a high-severity hit once per flag, audited as the detector; the flag stays OPEN", async () => {
    const campaignId = unique("auto");
    const merchantId = `${campaignId}-new`;
    await seedCampaign(db, tables, { id: campaignId, drops: [] });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", status: "PENDING" });
    await setMerchantStatus({ db, tables, now: () => new Date(), merchantId, action: "approve", operator: "op-fraud" });
    const approved = await readMerchant(db, tables.merchants, merchantId);
    expect(approved?.approvedAt).toBeDefined();
    await putFraudRules({ db, tables, campaignId, body: { autoSuspend: true }, operator: "op-fraud", now: () => new Date() });

    // A newly approved merchant: 16 redemptions from distinct payers within the hour after its approval.
    const start = new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString();
    const burst = Array.from({ length: 16 }, (_, i) => fraudRecord({ campaignId, merchantId, occurredAt: minutesAfter(start, i) }));
    const outcome = await detect(burst.map(ledgerChange));
    expect(outcome).toMatchObject({ suspended: 1 });
    const [flag] = byRule(await flagsOf(campaignId), "new-merchant-spike");
    expect(flag).toMatchObject({ severity: "high", status: "OPEN", merchantId });
    expect(typeof flag?.autoSuspendedAt).toBe("string");
    expect(await readMerchant(db, tables.merchants, merchantId)).toMatchObject({ status: "SUSPENDED", statusReason: `fraud flag ${flag!.id}: suspended automatically for a high-severity new-merchant-spike hit` });
    const merchantTrail = await listAudit({ db, tables, query: { entity: `MERCHANT#${merchantId}`, limit: 10 } });
    expect(merchantTrail.items.map((entry) => [entry.action, entry.who])).toEqual([
      ["merchant.approve", "op-fraud"],
      ["merchant.suspend", "fraud-detector"],
    ]);
    const flagTrail = await listAudit({ db, tables, query: { entity: `FRAUD_FLAG#${flag!.id}`, limit: 10 } });
    expect(flagTrail.items.map((entry) => [entry.action, entry.who])).toEqual([["fraud.auto-suspend", "fraud-detector"]]);

    // The operator reinstates it; the same records delivered again do not suspend it a second time.
    await setMerchantStatus({ db, tables, now: () => new Date(), merchantId, action: "reinstate", operator: "op-fraud" });
    expect(await detect(burst.map(ledgerChange))).toMatchObject({ suspended: 0 });
    expect((await readMerchant(db, tables.merchants, merchantId))?.status).toBe("APPROVED");

    // Dismissal decides the flag, audited; deciding it again is refused.
    const dismissed = await dismissFlag({ db, tables, now: () => new Date(), flagId: flag!.id, reason: "grand opening", operator: "op-review" });
    expect(dismissed).toMatchObject({ status: "DISMISSED", decidedBy: "op-review", reason: "grand opening" });
    expect((await rejection(dismissFlag({ db, tables, now: () => new Date(), flagId: flag!.id, reason: "again", operator: "op-review" }))).code).toBe("INVALID_STATE");
    const review = { db, tables, now: () => new Date(), operator: "op-review" };
    expect((await rejection(confirmFlag({ ...review, flagId: flag!.id, reason: "late", forfeit: false }))).code).toBe("INVALID_STATE");
    expect((await rejection(enforceFlag({ ...review, flagId: flag!.id }))).code).toBe("INVALID_STATE");
    expect((await rejection(confirmFlag({ ...review, flagId: "flag-none", reason: "x", forfeit: false }))).code).toBe("NOT_FOUND");
    expect((await listAudit({ db, tables, query: { entity: `FRAUD_FLAG#${flag!.id}`, limit: 10 } })).items.map((entry) => entry.action)).toEqual([
      "fraud.auto-suspend",
      "fraud.dismiss",
    ]);
    // A decided flag takes no more evidence, and raises no new flag for its window.
    expect(await detect(burst.map(ledgerChange))).toMatchObject({ flagsCreated: 0 });
    expect((await readFlag(db, tables.fraud, flag!.id))?.status).toBe("DISMISSED");
  }, 60_000);

  it("ignores what is not a new redemption or reversal: clawbacks, updates, other items", async () => {
    const campaignId = unique("ignore");
    const redemption = fraudRecord({ campaignId, merchantId: `${campaignId}-m`, occurredAt: base() });
    const change = ledgerChange(redemption);
    const clawback: StreamChange = {
      ...change,
      eventId: "claw",
      newImage: { ...change.newImage, sk: String(change.newImage!.sk).replace(/#R$/, "#C"), kind: "CLAWBACK", discount: -3_000, paymentOccurredAt: redemption.occurredAt, flagId: "flag-x" },
    };
    const outcome = await detect([
      clawback,
      { ...change, eventName: "MODIFY" },
      { ...change, eventName: "REMOVE", newImage: undefined, oldImage: change.newImage },
      { ...change, newImage: { ...change.newImage, pk: `UNSETTLED#${campaignId}#m` } },
      { ...change, newImage: { pk: "TXN#bank-a#t1", sk: "#TXN", status: "REDEEMED" } },
    ]);
    expect(outcome).toMatchObject({ judged: 0, ignored: 5 });
    expect(FRAUD_RULES).toHaveLength(6);
  });
});

describe("the review's money", () => {
  it("a refund of a clawed-back redemption voids its voucher but writes no second reversal", async () => {
    const { recordPayment, recordRefund } = await import("../../shared/use-cases/payments.js");
    const { clawBack } = await import("../../shared/store/clawback.js");
    const { readRedemptionRecord } = await import("../../shared/store/ledger.js");
    const campaignId = unique("claw");
    const merchantId = `${campaignId}-m`;
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", sector: "restaurant" });
    const { ClaimCaches, claimVoucher } = await import("../../shared/use-cases/claim.js");
    await claimVoucher({ residentId: "payer-claw", campaignId, dropId: "d1", voucherTypeId: "100-30" }, { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random });
    const payments = { db, tables, now: () => new Date() };
    const transactionId = unique("t");
    const answer = await recordPayment({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, merchantId, payerId: "payer-claw", amount: 10_200, occurredAt: new Date().toISOString() } }, payments);
    expect(answer).toMatchObject({ discount: 3_000 });
    const record = (await readTransaction(db, tables.redemptions, "bank-a", transactionId))!;
    const redemption = (await readRedemptionRecord(db, tables.redemptions, record))!;
    // The payment path keeps the voucher's threshold on the ledger record.
    expect(redemption).toMatchObject({ kind: "REDEMPTION", threshold: 10_000, amount: 10_200 });

    const at = new Date().toISOString();
    const audit = { table: tables.audit, entry: { entityType: "FRAUD_FLAG" as const, entityId: "flag-test", action: "fraud.clawback", who: "op", at, version: 1 } };
    expect(await clawBack(db, tables.redemptions, { record, redemption, flagId: "flag-test", at, audit })).toMatchObject({ outcome: "clawed-back" });
    // Once per transaction.
    const twice = await clawBack(db, tables.redemptions, { record, redemption, flagId: "flag-test", at: new Date().toISOString(), audit });
    expect(twice.outcome).toBe("unchanged");

    expect(await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, occurredAt: new Date().toISOString() } }, payments)).toMatchObject({ transactionId, reversed: true, remaining: 0 });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => [entry.kind, entry.discount])).toEqual([
      ["REDEMPTION", 3_000],
      ["CLAWBACK", -3_000],
    ]);
    expect(await readTransaction(db, tables.redemptions, "bank-a", transactionId)).toMatchObject({ status: "REVERSED", clawback: { flagId: "flag-test" } });
  }, 60_000);
  it("a clawback of an instant discount names the discount, once; a later refund writes no second reversal", async () => {
    const { recordPayment, recordRefund } = await import("../../shared/use-cases/payments.js");
    const { InstantCaches } = await import("../../shared/use-cases/instant-discounts.js");
    const { TOTAL_PERIOD, readQuotaTaken } = await import("../../shared/store/instant-quota.js");
    const { clawBack } = await import("../../shared/store/clawback.js");
    const campaignId = unique("claw-instant");
    const merchantId = `${campaignId}-m`;
    // A partner of its own, listed by the discount, so no other test's payment meets it.
    const partnerId = unique("unionpay");
    await seedCampaign(db, tables, {
      id: campaignId,
      drops: [],
      instantDiscounts: [{ id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 5 }, partners: [partnerId] }],
    });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId, sector: "restaurant" });
    const payments = { db, tables, now: () => new Date(), instantCaches: new InstantCaches({ campaignIdsTtlMs: 0, soldOutTtlMs: 0 }) };
    const transactionId = unique("t");
    const occurredAt = new Date().toISOString();
    const answer = await recordPayment({ partnerId, body: { eventId: unique("e"), transactionId, merchantId, payerId: "card-claw", amount: 10_100, occurredAt } }, payments);
    expect(answer).toMatchObject({ instantDiscountId: "swipe", voucherId: null, discount: 2_000 });
    const [redemption] = await readLedger(db, tables.redemptions, campaignId, merchantId);
    // The payment path keeps the tier's threshold on the ledger record, and names no voucher.
    expect(redemption).toMatchObject({ kind: "REDEMPTION", instantDiscountId: "swipe", threshold: 10_000, amount: 10_100 });
    expect(redemption).not.toHaveProperty("voucherId");

    // The clawback enforcement applies to a redemption its merchant was paid for, as for a voucher's.
    const record = (await readTransaction(db, tables.redemptions, partnerId, transactionId))!;
    const flagId = "flag-instant";
    const at = new Date().toISOString();
    const audit = { table: tables.audit, entry: { entityType: "FRAUD_FLAG" as const, entityId: flagId, action: "fraud.clawback", who: "op", at, version: 1 } };
    const clawed = await clawBack(db, tables.redemptions, { record, redemption: redemption as RedemptionRecord, flagId, at, audit });
    expect(clawed).toMatchObject({ outcome: "clawed-back", clawback: { kind: "CLAWBACK", instantDiscountId: "swipe", discount: -2_000, amount: 10_100, flagId } });
    // Once per transaction.
    expect((await clawBack(db, tables.redemptions, { record, redemption: redemption as RedemptionRecord, flagId, at: new Date().toISOString(), audit })).outcome).toBe("unchanged");
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(kinds(ledger, "CLAWBACK")).toEqual([expect.objectContaining({ transactionId, instantDiscountId: "swipe", discount: -2_000, flagId })]);
    expect(kinds(ledger, "CLAWBACK")[0]).not.toHaveProperty("voucherId");

    expect(await recordRefund({ partnerId, body: { eventId: unique("e"), transactionId, occurredAt: new Date().toISOString() } }, payments)).toMatchObject({ transactionId, reversed: true, remaining: 0 });
    expect((await readLedger(db, tables.redemptions, campaignId, merchantId)).map((entry) => [entry.kind, entry.discount])).toEqual([
      ["REDEMPTION", 2_000],
      ["CLAWBACK", -2_000],
    ]);
    expect(await readTransaction(db, tables.redemptions, partnerId, transactionId)).toMatchObject({ status: "REVERSED", clawback: { flagId } });
    // Under `void` the quota unit stays used.
    expect(await readQuotaTaken(db, tables.inventory, { campaignId, instantDiscountId: "swipe", period: TOTAL_PERIOD }, 5)).toBe(1);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Clawback gaps (issue 10, item 14): carried statements, forfeiture, evidence beyond its cap.

const TZ = "Asia/Shanghai";

/** The REDEEMED transaction records of ledger redemptions, as the payment webhook writes them (so a clawback can find them). */
async function seedRedeemedTransactions(entries: readonly LedgerRecord[]): Promise<void> {
  const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
  const { transactionKey } = await import("../../shared/store/keys.js");
  for (const entry of entries) {
    if (entry.kind !== "REDEMPTION") continue;
    await db.send(
      new PutCommand({
        TableName: tables.redemptions,
        Item: {
          ...transactionKey(entry.partnerId, entry.transactionId),
          partnerId: entry.partnerId,
          transactionId: entry.transactionId,
          status: "REDEEMED",
          eventId: `e-${entry.transactionId}`,
          merchantId: entry.merchantId,
          payerId: entry.payerId,
          amount: entry.amount,
          discount: entry.discount,
          occurredAt: entry.occurredAt,
          answer: { transactionId: entry.transactionId, campaignId: entry.campaignId, voucherId: entry.voucherId, discount: entry.discount, payable: entry.amount - entry.discount },
          recordedAt: entry.recordedAt,
          voucherId: entry.voucherId,
          campaignId: entry.campaignId,
          voucher: { dropId: "d1", voucherTypeId: "100-30", shard: 0, expiresAt: "2099-01-01T00:00:00.000Z" },
        },
      }),
    );
  }
}

/** Settles (campaign, merchant, period) as the settlement worker would, and pays a PENDING statement through a partner that accepts. */
async function settleAndPay(campaignId: string, merchantId: string, period: string, cutoff?: string) {
  const { periodCutoff } = await import("../../shared/domain/settlement.js");
  const { payStatement, settleStatement } = await import("../../shared/use-cases/settlement.js");
  const message = {
    campaignId,
    merchantId,
    period,
    cutoff: cutoff ?? periodCutoff(period, TZ, new Date()).cutoff.toISOString(),
    arrivedBefore: new Date(Date.now() + 1_000).toISOString(),
  };
  const settled = await settleStatement({ db, tables, now: () => new Date(), message, sendPayout: () => Promise.resolve() });
  if (settled.outcome !== "settled") throw new Error(`nothing settled for ${period}`);
  if (settled.statement.status !== "PENDING") return settled.statement;
  const post = (request: { idempotencyKey: string }) => Promise.resolve({ ok: true as const, payoutId: `po-${request.idempotencyKey}` });
  await payStatement({ db, tables, post, now: () => new Date(), attempts: 1, message });
  const { readStatement } = await import("../../shared/store/statements.js");
  return (await readStatement(db, tables.settlements, message))!;
}

/** An OPEN flag put straight in the review queue, naming `evidence`. */
async function seedFlag(flag: { campaignId: string; merchantId: string; rule: FraudRule; payerId?: string; window: string; evidence: readonly LedgerRecord[] }) {
  const { createFlag } = await import("../../shared/store/fraud-flags.js");
  const at = new Date().toISOString();
  const id = unique("flag");
  await createFlag(db, tables.fraud, {
    id,
    campaignId: flag.campaignId,
    rule: flag.rule,
    severity: "high",
    merchantId: flag.merchantId,
    ...(flag.payerId === undefined ? {} : { payerId: flag.payerId }),
    window: flag.window,
    evidence: { transactions: refs(flag.evidence) },
    status: "OPEN",
    createdAt: at,
    updatedAt: at,
    lastHitAt: at,
    version: 0,
  });
  return id;
}

const review = () => ({ db, tables, now: () => new Date() });
const kinds = (ledger: readonly LedgerRecord[], kind: LedgerRecord["kind"]) => ledger.filter((entry) => entry.kind === kind);

describe("clawbacks of a confirmed flag", () => {
  it("claws back a flagged redemption whose CARRIED statement was netted into a later PAID one, instead of withholding it forever", async () => {
    const { ledgerRecord, seedPartner } = await import("../support/settlement.js");
    const campaignId = unique("carried");
    const merchantId = `${campaignId}-m`;
    await seedPartner(db, tables.partners, { id: "bank-a", payoutUrl: "https://payouts.bank-a.example/payouts" });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a" });
    // Day 1: two redemptions, paid. Day 2: the flagged one, and both of day 1's refunded: net −3,000, CARRIED.
    // Day 3: one redemption of 5,000 with the −3,000 folded in: 2,000 PAID. The flagged discount was paid through day 3.
    const [a, b] = ["10:00", "11:00"].map((time) => ledgerRecord({ campaignId, merchantId, occurredAt: `2026-01-10T${time}:00+08:00` })) as [LedgerRecord, LedgerRecord];
    const flagged = { ...ledgerRecord({ campaignId, merchantId, occurredAt: "2026-01-11T10:00:00+08:00" }), payerId: "carried-payer" };
    const refunds = [a, b].map((paid, i) =>
      ledgerRecord({ campaignId, merchantId, kind: "REVERSAL", transactionId: paid.transactionId, occurredAt: `2026-01-11T1${2 + i}:00:00+08:00`, paymentOccurredAt: paid.occurredAt }),
    );
    const later = ledgerRecord({ campaignId, merchantId, discount: 5_000, occurredAt: "2026-01-12T10:00:00+08:00" });
    await seedLedger(db, tables.redemptions, [a, b]);
    expect(await settleAndPay(campaignId, merchantId, "2026-01-10")).toMatchObject({ status: "PAID", payable: 6_000 });
    await seedLedger(db, tables.redemptions, [flagged, ...refunds]);
    await seedRedeemedTransactions([flagged]);
    const carried = await settleAndPay(campaignId, merchantId, "2026-01-11");
    expect(carried).toMatchObject({ status: "CARRIED", payable: -3_000 });
    await seedLedger(db, tables.redemptions, [later]);
    expect(await settleAndPay(campaignId, merchantId, "2026-01-12")).toMatchObject({ status: "PAID", carriedIn: -3_000, payable: 2_000 });

    const id = await seedFlag({ campaignId, merchantId, rule: "repeat-payer", payerId: "carried-payer", window: "2026-01-11T00:00:00.000Z", evidence: [flagged] });
    const confirmed = await confirmFlag({ ...review(), flagId: id, reason: "cash-out ring", forfeit: false, operator: "op-1" });
    expect(confirmed.enforcement).toMatchObject({ clawedBack: refs([flagged]), withheld: [] });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(kinds(ledger, "CLAWBACK")).toEqual([expect.objectContaining({ transactionId: flagged.transactionId, discount: -3_000, flagId: id })]);
  }, 60_000);

  it("marks the records of a forfeited statement, so a later refund of one voids its voucher but charges back no discount that was never paid", async () => {
    const { recordPayment, recordRefund } = await import("../../shared/use-cases/payments.js");
    const { ClaimCaches, claimVoucher } = await import("../../shared/use-cases/claim.js");
    const { localDate } = await import("../../shared/domain/settlement.js");
    const { reconcileCampaign } = await import("../../shared/use-cases/settlement-views.js");
    const campaignId = unique("forfeit");
    const merchantId = `${campaignId}-m`;
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", sector: "restaurant" });
    await claimVoucher({ residentId: "payer-forfeit", campaignId, dropId: "d1", voucherTypeId: "100-30" }, { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random });
    const payments = { db, tables, now: () => new Date() };
    const transactionId = unique("t");
    expect(await recordPayment({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, merchantId, payerId: "payer-forfeit", amount: 10_200, occurredAt: new Date().toISOString() } }, payments)).toMatchObject({ discount: 3_000 });
    const [redemption] = await readLedger(db, tables.redemptions, campaignId, merchantId);

    // Suspended before settlement: the statement is HELD; the confirmation forfeits it.
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", sector: "restaurant", status: "SUSPENDED" });
    const held = await settleAndPay(campaignId, merchantId, localDate(new Date(), TZ), new Date(Date.now() + 1_000).toISOString());
    expect(held).toMatchObject({ status: "HELD", payable: 3_000 });
    const id = await seedFlag({ campaignId, merchantId, rule: "merchant-velocity", window: new Date(Math.floor(Date.now() / HOUR) * HOUR).toISOString(), evidence: [redemption!] });
    const confirmed = await confirmFlag({ ...review(), flagId: id, reason: "fake sales", forfeit: true, operator: "op-1" });
    expect(confirmed.enforcement).toMatchObject({ forfeited: [held.statementId], withheld: [{ partnerId: "bank-a", transactionId }] });
    expect(await readTransaction(db, tables.redemptions, "bank-a", transactionId)).toMatchObject({ status: "REDEEMED", forfeitedBy: held.statementId });

    expect(await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, occurredAt: new Date().toISOString() } }, payments)).toMatchObject({ transactionId, reversed: true });
    const ledger = await readLedger(db, tables.redemptions, campaignId, merchantId);
    expect(ledger.map((entry) => entry.kind)).toEqual(["REDEMPTION"]);
    expect(await readTransaction(db, tables.redemptions, "bank-a", transactionId)).toMatchObject({ status: "REVERSED", forfeitedBy: held.statementId });
    expect(await reconcileCampaign({ db, tables, campaignId })).toMatchObject({ balanced: true, difference: 0 });
  }, 60_000);

  it("marks a forfeited statement's records on the next enforcement when a crash cut the marking short after the forfeiture", async () => {
    const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
    const { ledgerRecord } = await import("../support/settlement.js");
    const campaignId = unique("forfeit-crash");
    const merchantId = `${campaignId}-m`;
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", status: "SUSPENDED" });
    const records = ["10:00", "11:00"].map((time) => ledgerRecord({ campaignId, merchantId, occurredAt: `2026-01-15T${time}:00+08:00` }));
    await seedLedger(db, tables.redemptions, records);
    await seedRedeemedTransactions(records);
    const held = await settleAndPay(campaignId, merchantId, "2026-01-15");
    expect(held).toMatchObject({ status: "HELD" });
    const id = await seedFlag({ campaignId, merchantId, rule: "merchant-velocity", window: "2026-01-15T02:00:00.000Z", evidence: records });

    // The confirmation dies at its first mark: the statement is FORFEITED, no record marked, no enforcement recorded.
    const send = db.send.bind(db) as (command: object) => Promise<unknown>;
    const crashing = new Proxy(db, {
      get: (target, property) =>
        property === "send"
          ? (command: object) => {
              if (command instanceof UpdateCommand && String(command.input.UpdateExpression).includes("forfeitedBy")) return Promise.reject(new Error("crash"));
              return send(command);
            }
          : (Reflect.get(target, property, target) as unknown),
    });
    await expect(confirmFlag({ ...review(), db: crashing, flagId: id, reason: "fake sales", forfeit: true, operator: "op-1" })).rejects.toThrow("crash");
    const { readStatement } = await import("../../shared/store/statements.js");
    expect(await readStatement(db, tables.settlements, held)).toMatchObject({ status: "FORFEITED" });
    expect(await readTransaction(db, tables.redemptions, "bank-a", records[0]!.transactionId)).not.toHaveProperty("forfeitedBy");

    const enforced = await enforceFlag({ ...review(), flagId: id, operator: "op-1" });
    expect(enforced.enforcement).toMatchObject({ forfeited: [held.statementId] });
    for (const record of records) expect(await readTransaction(db, tables.redemptions, "bank-a", record.transactionId)).toMatchObject({ forfeitedBy: held.statementId });
  }, 60_000);

  it("claws back every redemption of the flag's merchant in its window, beyond the 100 its evidence names, once however often it is enforced", async () => {
    const campaignId = unique("ring");
    const merchantId = `${campaignId}-m`;
    const { seedPartner } = await import("../support/settlement.js");
    await seedPartner(db, tables.partners, { id: "bank-a", payoutUrl: "https://payouts.bank-a.example/payouts" });
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a" });
    // 150 redemptions within the flag's hour (02:00–03:00 UTC), and one on either side of it.
    const hour = "2026-01-20T02:00:00.000Z";
    const ring = Array.from({ length: 150 }, (_, i) => fraudRecord({ campaignId, merchantId, occurredAt: new Date(Date.parse(hour) + i * 20_000).toISOString() }));
    const outside = [fraudRecord({ campaignId, merchantId, occurredAt: "2026-01-20T01:59:59.000Z" }), fraudRecord({ campaignId, merchantId, occurredAt: "2026-01-20T03:00:00.000Z" })];
    await seedLedger(db, tables.redemptions, [...ring, ...outside]);
    await seedRedeemedTransactions([...ring, ...outside]);
    expect(await settleAndPay(campaignId, merchantId, "2026-01-20")).toMatchObject({ status: "PAID", redemptionCount: 152 });

    const id = await seedFlag({ campaignId, merchantId, rule: "merchant-velocity", window: hour, evidence: ring.slice(0, 100) });
    const confirmed = await confirmFlag({ ...review(), flagId: id, reason: "a ring", forfeit: false, operator: "op-1" });
    expect(confirmed.enforcement?.counts).toEqual({ clawedBack: 150, withheld: 0, pending: 0, notApplicable: 0 });
    const clawedBack = () => readLedger(db, tables.redemptions, campaignId, merchantId).then((ledger) => kinds(ledger, "CLAWBACK"));
    expect(sortRefs(refs(await clawedBack()))).toEqual(sortRefs(refs(ring)));

    const again = await enforceFlag({ ...review(), flagId: id, operator: "op-1" });
    expect(again.enforcement?.counts).toEqual({ clawedBack: 150, withheld: 0, pending: 0, notApplicable: 0 });
    expect(await clawedBack()).toHaveLength(150);
  }, 120_000);
});
