/**
 * Merchant programmes from filing to PAID award on the emulators, through the use cases the
 * handlers call: the growth computation and review rules, and the payout path's crash cases — the
 * partner paid but the mark PAID lost (redelivery pays once, same Idempotency-Key), the approval's
 * payout message lost (the ticker's sweep sends it again), a payout given up (DLQ → FAILED →
 * operator retry → PAID once).
 */
import { randomUUID } from "node:crypto";
import { type DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgrammePayoutMessage } from "../../shared/api/messages.js";
import { PAYOUT_RESEND_AFTER_MS } from "../../shared/domain/settlement.js";
import { ExclusiveAwardError, NotFiledError, NotSubmittedError, PayoutFailedError } from "../../shared/errors.js";
import type { PayoutRequest, PostPayout } from "../../shared/payout-client.js";
import { queryAudit } from "../../shared/store/audit.js";
import { readPayable } from "../../shared/store/programme-payouts.js";
import { readProgramme } from "../../shared/store/programmes.js";
import { applicationDetail, approveApplication, decideApplication, fileOnline, filePaper, resubmitApplication, submitApplication } from "../../shared/use-cases/applications.js";
import { payProgrammePayable, recordProgrammePayoutFailure, resendStalledProgrammePayouts, retryProgrammePayout } from "../../shared/use-cases/programme-payouts.js";
import { createProgramme } from "../../shared/use-cases/programmes.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedMerchant, seedPartner } from "../support/settlement.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
type Tables = Record<"programmes" | "merchants" | "partners" | "audit", string>;
let tables: Tables;
const PARTNER = "bank-programmes";
/** 10 April 2026, 10:00 in Shanghai: March has ended there. */
const NOW = new Date("2026-04-10T02:00:00Z");
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  tables = tableNamesOf(await provisionTestResources(platform, "programme-payouts"), ["programmes", "merchants", "partners", "audit"]);
  await seedPartner(db, tables.partners, { id: PARTNER, payoutUrl: "https://payouts.bank-programmes.example/payouts" });
}, 60_000);

const deps = (now: Date = NOW, client: DynamoDBDocumentClient = db) => ({ db: client, tables, now: () => now, checkEvidence: evidenceAsRecorded });

/** Evidence is checked against the object store in test/integration/evidence-files.test.ts; here its ids are taken as they are. */
const evidenceAsRecorded = () => Promise.resolve();

/** A partner's payout endpoint that pays each Idempotency-Key once and answers its first payout again. */
function partnerEndpoint(fail: () => boolean = () => false) {
  const paid = new Map<string, { payoutId: string; body: PayoutRequest["body"] }>();
  const calls: PayoutRequest[] = [];
  const post: PostPayout = (request) => {
    calls.push(request);
    if (fail()) return Promise.resolve({ ok: false, retryable: true, error: "HTTP 503" });
    const first = paid.get(request.idempotencyKey) ?? { payoutId: `po-${paid.size + 1}`, body: request.body };
    paid.set(request.idempotencyKey, first);
    return Promise.resolve({ ok: true, payoutId: first.payoutId });
  };
  return { post, paid, calls };
}

async function growthProgramme(budget = 10_000_000, exclusiveGroup?: string) {
  return createProgramme({
    ...deps(),
    who: "op",
    definition: {
      id: unique("growth"),
      name: "Hongsibu growth 2026",
      kind: "growth_reward",
      budget,
      period: { from: "2026-01-01", to: "2026-12-31" },
      timezone: "Asia/Shanghai",
      tiers: [
        { minGrowthPercent: 5, award: 500_000 },
        { minGrowthPercent: 10, award: 1_000_000 },
        { minGrowthPercent: 20, award: 2_000_000 },
      ],
      ...(exclusiveGroup === undefined ? {} : { exclusiveGroup }),
    },
  });
}

async function approvedMerchant(): Promise<string> {
  const id = unique("m");
  await seedMerchant(db, tables.merchants, { id, partnerId: PARTNER, sector: "appliance" });
  return id;
}

/** A growth application for March 2026 with 12 % growth (tier 10 %: 1,000,000 fen), filed on paper in February. */
async function marchApplication(programmeId: string, merchantId: string) {
  await filePaper({ ...deps(), programmeId, who: "op", filing: { merchantId, plan: "Spring sales", filedAt: "2026-02-20T02:00:00Z" } });
  return submitApplication({
    ...deps(),
    merchantId,
    programmeId,
    body: { month: "2026-03", sales: { current: 11_200_000, lastYear: 10_000_000, previousMonth: 10_500_000 }, summary: "Grew 12 %", attachments: ["att-1"] },
  });
}

describe("applications", () => {
  it("proposes the tier award, and refuses what the rules refuse", async () => {
    const programme = await growthProgramme();
    const merchantId = await approvedMerchant();
    // Filed online in April: too late for March.
    await fileOnline({ ...deps(), merchantId, programmeId: programme.id, plan: "Late" });
    await expect(
      submitApplication({ ...deps(), merchantId, programmeId: programme.id, body: { month: "2026-03", sales: { current: 2, lastYear: 1, previousMonth: 1 }, summary: "x" } }),
    ).rejects.toBeInstanceOf(NotFiledError);

    const other = await approvedMerchant();
    const application = await marchApplication(programme.id, other);
    expect(application).toMatchObject({ status: "SUBMITTED", proposedAward: 1_000_000, growthPercent: 12, tier: 10, month: "2026-03", attachments: ["att-1"] });
    await expect(marchApplication(programme.id, other)).rejects.toMatchObject({ code: "ALREADY_APPLIED" });
  });

  it("goes back for changes and is resubmitted with new figures, then reviewed once", async () => {
    const programme = await growthProgramme();
    const merchantId = await approvedMerchant();
    const application = await marchApplication(programme.id, merchantId);
    await decideApplication({ ...deps(), applicationId: application.id, decision: "request-changes", reason: "Attach the sales table", who: "reviewer" });
    const resubmitted = await resubmitApplication({
      ...deps(),
      merchantId,
      applicationId: application.id,
      body: { sales: { current: 12_500_000, lastYear: 10_000_000, previousMonth: 10_500_000 }, summary: "With the table", attachments: ["att-2"] },
    });
    expect(resubmitted).toMatchObject({ status: "SUBMITTED", proposedAward: 2_000_000, tier: 20, attachments: ["att-2"] });
    // Sent back again, and resubmitted with figures below every tier: no tier is left from before.
    await decideApplication({ ...deps(), applicationId: application.id, decision: "request-changes", reason: "Use the audited figures", who: "reviewer" });
    const belowTiers = await resubmitApplication({
      ...deps(),
      merchantId,
      applicationId: application.id,
      body: { sales: { current: 10_100_000, lastYear: 10_000_000, previousMonth: 10_500_000 }, summary: "Audited" },
    });
    expect(belowTiers).toMatchObject({ proposedAward: 0, growthPercent: 1 });
    expect(belowTiers.tier).toBeUndefined();
    expect((await applicationDetail({ ...deps(), applicationId: application.id })).tier).toBeUndefined();
    await decideApplication({ ...deps(), applicationId: application.id, decision: "reject", reason: "Figures not credible", who: "reviewer" });
    await expect(approveApplication({ ...deps(), applicationId: application.id, who: "reviewer", sendPayout: () => Promise.resolve() })).rejects.toBeInstanceOf(NotSubmittedError);
    const trail = await queryAudit(db, tables.audit, { entity: `APPLICATION#${application.id}`, limit: 50 });
    expect(trail.items.map((item) => item.action)).toEqual([
      "application.submit",
      "application.request-changes",
      "application.resubmit",
      "application.request-changes",
      "application.resubmit",
      "application.reject",
    ]);
  });
});

describe("award payouts", () => {
  it("pays once when the partner paid but the mark PAID was lost, and the message is delivered again", async () => {
    const programme = await growthProgramme();
    const merchantId = await approvedMerchant();
    const application = await marchApplication(programme.id, merchantId);
    const sent: ProgrammePayoutMessage[] = [];
    await approveApplication({ ...deps(), applicationId: application.id, who: "reviewer", sendPayout: (message) => Promise.resolve(void sent.push(message)) });
    expect(sent).toEqual([{ payable: "application", id: application.id }]);

    const partner = partnerEndpoint();
    let crashed = false;
    // The partner pays; the write that marks the award PAID is lost (the function dies before it).
    const crashing = {
      send: (command: unknown) => {
        if (command instanceof TransactWriteCommand && !crashed) {
          crashed = true;
          return Promise.reject(new Error("Lambda timed out"));
        }
        return db.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    await expect(payProgrammePayable({ ...deps(NOW, crashing), post: partner.post, message: sent[0]! })).rejects.toThrow("Lambda timed out");
    expect((await readPayable(db, tables.programmes, "application", application.id))?.status).toBe("APPROVED");

    // Redelivered twice: the second finds it PAID and posts nothing.
    await expect(payProgrammePayable({ ...deps(), post: partner.post, message: sent[0]! })).resolves.toEqual({ outcome: "paid", payoutId: "po-1" });
    await expect(payProgrammePayable({ ...deps(), post: partner.post, message: sent[0]! })).resolves.toEqual({ outcome: "skipped", status: "PAID" });
    expect(partner.calls.map((call) => call.idempotencyKey)).toEqual([`application/${application.id}`, `application/${application.id}`]);
    expect(partner.paid.size).toBe(1);
    expect(partner.calls[0]!.body).toEqual({ kind: "award", payableId: `application/${application.id}`, payable: "application", programmeId: programme.id, merchantId, amount: 1_000_000, currency: "CNY" });
    const after = await readProgramme(db, tables.programmes, programme.id);
    expect(after).toMatchObject({ committed: 1_000_000, paid: 1_000_000 });
    expect(await readPayable(db, tables.programmes, "application", application.id)).toMatchObject({ status: "PAID", payoutId: "po-1" });
  });

  it("sends a payout whose message was lost after approval again from the ticker's sweep, not before it is due", async () => {
    const programme = await growthProgramme();
    const merchantId = await approvedMerchant();
    const application = await marchApplication(programme.id, merchantId);
    await expect(approveApplication({ ...deps(), applicationId: application.id, who: "reviewer", sendPayout: () => Promise.reject(new Error("SQS unavailable")) })).rejects.toThrow("SQS unavailable");
    expect((await readPayable(db, tables.programmes, "application", application.id))?.status).toBe("APPROVED");

    const sent: ProgrammePayoutMessage[] = [];
    const sendPayout = (message: ProgrammePayoutMessage) => Promise.resolve(void sent.push(message));
    const mine = () => sent.filter((message) => message.id === application.id);
    await resendStalledProgrammePayouts({ ...deps(new Date(NOW.getTime() + PAYOUT_RESEND_AFTER_MS - 1_000)), sendPayout });
    expect(mine()).toEqual([]);
    await resendStalledProgrammePayouts({ ...deps(new Date(NOW.getTime() + PAYOUT_RESEND_AFTER_MS + 1_000)), sendPayout });
    expect(mine()).toEqual([{ payable: "application", id: application.id }]);
    await resendStalledProgrammePayouts({ ...deps(new Date(NOW.getTime() + PAYOUT_RESEND_AFTER_MS + 2_000)), sendPayout });
    expect(mine()).toHaveLength(1);

    const partner = partnerEndpoint();
    await payProgrammePayable({ ...deps(), post: partner.post, message: mine()[0]! });
    expect(await readPayable(db, tables.programmes, "application", application.id)).toMatchObject({ status: "PAID" });
  });

  it("fails a payout given up on, and pays it once after the operator's retry", async () => {
    const programme = await growthProgramme();
    const merchantId = await approvedMerchant();
    const application = await marchApplication(programme.id, merchantId);
    const sent: ProgrammePayoutMessage[] = [];
    const sendPayout = (message: ProgrammePayoutMessage) => Promise.resolve(void sent.push(message));
    await approveApplication({ ...deps(), applicationId: application.id, who: "reviewer", sendPayout });
    let down = true;
    const partner = partnerEndpoint(() => down);
    await expect(payProgrammePayable({ ...deps(), post: partner.post, attempts: 2, sleep: () => Promise.resolve(), message: sent[0]! })).rejects.toBeInstanceOf(PayoutFailedError);
    await expect(recordProgrammePayoutFailure({ ...deps(), message: sent[0]! })).resolves.toMatchObject({ status: "FAILED", failedNow: true });
    expect(await readPayable(db, tables.programmes, "application", application.id)).toMatchObject({ status: "FAILED", lastPayoutError: "HTTP 503", payoutAttempts: 1 });

    down = false;
    await retryProgrammePayout({ ...deps(), payable: { kind: "application", id: application.id }, operator: "op", sendPayout });
    await expect(retryProgrammePayout({ ...deps(), payable: { kind: "application", id: application.id }, operator: "op", sendPayout })).rejects.toMatchObject({ code: "INVALID_STATE" });
    await payProgrammePayable({ ...deps(), post: partner.post, message: sent[1]! });
    expect(partner.paid.size).toBe(1);
    expect(await readProgramme(db, tables.programmes, programme.id)).toMatchObject({ committed: 1_000_000, paid: 1_000_000 });
    const trail = await queryAudit(db, tables.audit, { entity: `APPLICATION#${application.id}`, limit: 50 });
    expect(trail.items.map((item) => item.action)).toEqual(["application.submit", "application.approve", "application.payout-failed", "application.retry-payout", "application.paid"]);
  });

  it("refuses a second award in an exclusive group across programmes", async () => {
    const group = unique("quota");
    const [first, second] = [await growthProgramme(10_000_000, group), await growthProgramme(10_000_000, group)];
    const merchantId = await approvedMerchant();
    const a = await marchApplication(first.id, merchantId);
    await filePaper({ ...deps(), programmeId: second.id, who: "op", filing: { merchantId, plan: "p", filedAt: "2026-02-01T00:00:00Z" } });
    const b = await submitApplication({ ...deps(), merchantId, programmeId: second.id, body: { month: "2026-03", sales: { current: 11_200_000, lastYear: 10_000_000, previousMonth: 1 }, summary: "s" } });
    await approveApplication({ ...deps(), applicationId: a.id, who: "r1", sendPayout: () => Promise.resolve() });
    await expect(approveApplication({ ...deps(), applicationId: b.id, who: "r2", sendPayout: () => Promise.resolve() })).rejects.toBeInstanceOf(ExclusiveAwardError);
    expect((await readProgramme(db, tables.programmes, second.id))?.committed).toBe(0);
  });
});

describe("concurrent reviewers", () => {
  it("approve an event subsidy's applications at once without overspending its budget", async () => {
    const programme = await createProgramme({
      ...deps(),
      who: "op",
      definition: { id: unique("event"), name: "Events", kind: "event_subsidy", budget: 3_000_000, maxAward: 2_000_000, period: { from: "2026-01-01", to: "2026-12-31" }, timezone: "Asia/Shanghai" },
    });
    const merchants = await Promise.all(Array.from({ length: 12 }, () => approvedMerchant()));
    const applications = await Promise.all(
      merchants.map(async (merchantId) => {
        await fileOnline({ ...deps(), merchantId, programmeId: programme.id, plan: "An event" });
        return submitApplication({ ...deps(), merchantId, programmeId: programme.id, body: { summary: "Held it" } });
      }),
    );
    const outcomes = await Promise.allSettled(
      applications.map((application, i) => approveApplication({ ...deps(), applicationId: application.id, award: 1_000_000, who: `reviewer-${i}`, sendPayout: () => Promise.resolve() })),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => (outcome).reason as { code?: string }).every((reason) => reason.code === "PROGRAMME_BUDGET_EXCEEDED")).toBe(true);
    expect((await readProgramme(db, tables.programmes, programme.id))?.committed).toBe(3_000_000);
  });
});
