/**
 * Filings, applications and their review (API.md "Merchant programmes"): a merchant files before
 * the activity (or an operator records its paper filing), applies once per programme and month,
 * and a reviewer approves, rejects or asks for changes. Approval commits the award to the
 * programme's budget in one transaction (store/programmes.ts approvePayable), then hands the
 * payout to the payout queue.
 */
import type { AttachmentDownload } from "../api/attachment-schemas.js";
import type { ObjectStore } from "../object-store.js";
import { attachmentDownloads } from "./attachments.js";
import { randomUUID } from "node:crypto";
import type { ApplicationBody, ApplicationView } from "../api/programme-schemas.js";
import { FilingClosedError, ForbiddenError, NotFiledError, NotFoundError, NotSubmittedError, ValidationError } from "../errors.js";
import { type GrowthOutcome, type PayableStatus, checkApplicationMonth, filedBeforeMonth, growthAward, programmeEnded } from "../domain/programme.js";
import { type ApplicationRecord, type FilingRecord, insertApplication, listMerchantApplications, listProgrammeApplications, moveApplication, putFiling, readApplication, readFiling } from "../store/applications.js";
import { readMerchant } from "../store/merchants.js";
import { type ProgrammeRecord, approvePayable } from "../store/programmes.js";
import type { Dependencies } from "./dependencies.js";
import type { SendProgrammePayout } from "./programme-payouts.js";
import { actingMerchant, merchantActor, programmeOrNotFound } from "./programmes.js";


export type FilingView = Omit<FilingRecord, never>;

// ---------------------------------------------------------------------------------------------
// Filings.

/**
 * POST /merchant/programmes/{id}/filings: the merchant files now. A second filing changes nothing
 * and answers the first (`created` false). FILING_CLOSED after the programme's period.
 */
export async function fileOnline(
  input: Dependencies<"programmes" | "merchants" | "audit"> & { merchantId: string; programmeId: string; plan: string },
): Promise<{ created: boolean; filing: FilingView }> {
  await actingMerchant(input, { merchantId: input.merchantId });
  const programme = await programmeOrNotFound(input, input.programmeId);
  const now = input.now();
  checkFilingOpen(programme, now);
  const at = now.toISOString();
  return putFiling(input.db, input.tables, { programmeId: programme.id, merchantId: input.merchantId, plan: input.plan, filedAt: at, paper: false, recordedAt: at, recordedBy: merchantActor(input.merchantId) });
}

/**
 * POST /admin/programmes/{id}/filings: an operator records a paper filing with the date it was
 * made (not after now), audited as the operator's. The merchant must be registered.
 */
export async function filePaper(
  input: Dependencies<"programmes" | "merchants" | "audit"> & { programmeId: string; filing: { merchantId: string; plan: string; filedAt: string }; who: string },
): Promise<{ created: boolean; filing: FilingView }> {
  const programme = await programmeOrNotFound(input, input.programmeId);
  const now = input.now();
  checkFilingOpen(programme, now);
  const filedAt = new Date(input.filing.filedAt);
  if (filedAt.getTime() > now.getTime()) throw new ValidationError("The body is invalid", { details: [{ path: "filedAt", message: "must not be after now" }] });
  if (!(await readMerchant(input.db, input.tables.merchants, input.filing.merchantId))) {
    throw new ValidationError("The body is invalid", { details: [{ path: "merchantId", message: `no merchant ${input.filing.merchantId} is registered` }] });
  }
  return putFiling(input.db, input.tables, {
    programmeId: programme.id,
    merchantId: input.filing.merchantId,
    plan: input.filing.plan,
    filedAt: filedAt.toISOString(),
    paper: true,
    recordedAt: now.toISOString(),
    recordedBy: input.who,
  });
}

function checkFilingOpen(programme: ProgrammeRecord, now: Date): void {
  if (programmeEnded(programme, now)) throw new FilingClosedError(`Programme ${programme.id} ended on ${programme.period.to}; it takes no more filings`);
}

// ---------------------------------------------------------------------------------------------
// Applications.

/** What an application proposes, from its programme and the merchant's figures, checked against the filing. */
function assess(programme: ProgrammeRecord, filing: FilingRecord | undefined, body: ApplicationBody, now: Date): Pick<ApplicationRecord, "month" | "sales" | "growthPercent" | "tier" | "proposedAward"> {
  switch (programme.kind) {
    case "growth_reward": {
      const missing = [...(body.month === undefined ? ["month"] : []), ...(body.sales === undefined ? ["sales"] : [])];
      if (missing.length > 0) throw new ValidationError("The body is invalid", { details: missing.map((path) => ({ path, message: "is required for a growth reward" })) });
      const month = body.month!;
      checkApplicationMonth(programme, month, now);
      if (!filing || !filedBeforeMonth(filing.filedAt, month, programme.timezone)) {
        throw new NotFiledError(
          filing ? `The filing of ${filing.filedAt} came after ${month} began; a growth reward needs a filing made before the month` : `No filing for programme ${programme.id}: file before applying`,
          { details: { filedAt: filing?.filedAt } },
        );
      }
      const outcome: GrowthOutcome = growthAward(programme.tiers, body.sales!);
      return { month, sales: body.sales!, growthPercent: outcome.growthPercent, ...(outcome.tier === undefined ? {} : { tier: outcome.tier }), proposedAward: outcome.award };
    }
    case "event_subsidy":
    case "new_enterprise": {
      const extra = [...(body.month === undefined ? [] : ["month"]), ...(body.sales === undefined ? [] : ["sales"])];
      if (extra.length > 0) throw new ValidationError("The body is invalid", { details: extra.map((path) => ({ path, message: `is for growth rewards only, not ${programme.kind}` })) });
      if (!filing) throw new NotFiledError(`No filing for programme ${programme.id}: file before applying`);
      return { proposedAward: programme.kind === "event_subsidy" ? programme.maxAward : programme.award };
    }
    case "trade_in":
      throw new ValidationError(`Programme ${programme.id} is a trade-in programme: it takes trade-in records, not applications`);
  }
}

/**
 * POST /merchant/programmes/{id}/applications: a SUBMITTED application with its proposed award.
 * Needs the filing (NOT_FILED); once per programme and month, or per programme (ALREADY_APPLIED).
 */
export async function submitApplication(
  input: Dependencies<"programmes" | "merchants" | "audit"> & { merchantId: string; programmeId: string; body: ApplicationBody; checkEvidence: CheckEvidence },
): Promise<ApplicationView> {
  const merchant = await actingMerchant(input, { merchantId: input.merchantId });
  await input.checkEvidence(merchant.id, input.body.attachments ?? []);
  const programme = await programmeOrNotFound(input, input.programmeId);
  const filing = await readFiling(input.db, input.tables.programmes, programme.id, merchant.id);
  const now = input.now();
  const assessed = assess(programme, filing, input.body, now);
  const at = now.toISOString();
  const application: ApplicationRecord = {
    kind: "application",
    id: `a-${randomUUID()}`,
    programmeId: programme.id,
    programmeKind: programme.kind,
    merchantId: merchant.id,
    sector: merchant.sector,
    ...assessed,
    summary: input.body.summary,
    attachments: input.body.attachments ?? [],
    status: "SUBMITTED",
    version: 0,
    submittedAt: at,
    updatedAt: at,
  };
  await insertApplication(input.db, input.tables, application, merchantActor(merchant.id));
  return toApplicationView(application);
}

/**
 * PUT /merchant/applications/{id}: resubmits an application the reviewer sent back
 * (CHANGES_REQUESTED → SUBMITTED; NOT_SUBMITTED otherwise), its award proposed again from the new
 * figures. The month stays the one applied for.
 */
export async function resubmitApplication(
  input: Dependencies<"programmes" | "merchants" | "audit"> & { merchantId: string; applicationId: string; body: ApplicationBody; checkEvidence: CheckEvidence },
): Promise<ApplicationView> {
  await actingMerchant(input, { merchantId: input.merchantId });
  await input.checkEvidence(input.merchantId, input.body.attachments ?? []);
  const current = await ownApplication(input, input.merchantId, input.applicationId);
  if (current.status !== "CHANGES_REQUESTED") throw new NotSubmittedError(`Application ${current.id} is ${current.status}; only one sent back for changes can be resubmitted`, { details: { status: current.status } });
  if (input.body.month !== undefined && input.body.month !== current.month) {
    throw new ValidationError("The body is invalid", { details: [{ path: "month", message: `stays ${current.month ?? "absent"}: apply anew for another month` }] });
  }
  const programme = await programmeOrNotFound(input, current.programmeId);
  const filing = await readFiling(input.db, input.tables.programmes, programme.id, input.merchantId);
  const now = input.now();
  const assessed = assess(programme, filing, { ...input.body, ...(current.month === undefined ? {} : { month: current.month }) }, now);
  const next = await moveApplication(input.db, input.tables, current, {
    from: "CHANGES_REQUESTED",
    status: "SUBMITTED",
    set: { ...assessed, summary: input.body.summary, attachments: input.body.attachments ?? [] },
    // New figures that reach no tier leave none behind from the first submission.
    remove: assessed.tier === undefined && current.tier !== undefined ? ["tier"] : [],
    at: now.toISOString(),
    audit: { action: "application.resubmit", who: merchantActor(input.merchantId) },
  });
  return toApplicationView(next);
}

/** GET /merchant/applications: the merchant's own applications. */
export async function merchantApplications(input: Dependencies<"programmes" | "merchants"> & { merchantId: string }): Promise<{ items: ApplicationView[] }> {
  await actingMerchant(input, { merchantId: input.merchantId });
  return { items: (await listMerchantApplications(input.db, input.tables.programmes, input.merchantId)).map(toApplicationView) };
}

/** GET /admin/programmes/{id}/applications?status=: a programme's applications. */
export async function programmeApplications(input: Dependencies<"programmes"> & { programmeId: string; status?: PayableStatus | undefined }): Promise<{ items: ApplicationView[] }> {
  await programmeOrNotFound(input, input.programmeId);
  return { items: (await listProgrammeApplications(input.db, input.tables.programmes, input.programmeId, input.status)).map(toApplicationView) };
}

/** GET /admin/applications/{id}: one application (its attachments by id). */
export async function applicationDetail(input: Dependencies<"programmes"> & { applicationId: string }): Promise<ApplicationView> {
  return toApplicationView(await applicationOrNotFound(input, input.applicationId));
}

/**
 * Checks the evidence an application references: the merchant's own files, uploaded as declared
 * (shared/use-cases/attachments.ts checkAttachments; 400 ATTACHMENT_INVALID otherwise).
 */
export type CheckEvidence = (merchantId: string, attachmentIds: readonly string[]) => Promise<unknown>;

/** GET /admin/applications/{id} for a reviewer: the application, its attachments with presigned GETs. */
export async function applicationForReview(
  input: Dependencies<"programmes" | "attachments"> & { evidence: ObjectStore; applicationId: string },
): Promise<ApplicationView & { attachmentDownloads: AttachmentDownload[] }> {
  const view = await applicationDetail(input);
  return { ...view, attachmentDownloads: await attachmentDownloads({ ...input, ids: view.attachments }) };
}

async function applicationOrNotFound(input: Dependencies<"programmes">, id: string): Promise<ApplicationRecord> {
  const application = await readApplication(input.db, input.tables.programmes, id);
  if (!application) throw new NotFoundError(`No application ${id}`);
  return application;
}

/** The application, if it is the merchant's own (another merchant's is FORBIDDEN). */
async function ownApplication(input: Dependencies<"programmes">, merchantId: string, id: string): Promise<ApplicationRecord> {
  const application = await applicationOrNotFound(input, id);
  if (application.merchantId !== merchantId) throw new ForbiddenError(`Application ${id} is not merchant ${merchantId}'s`);
  return application;
}

// ---------------------------------------------------------------------------------------------
// Review.

/**
 * POST /admin/applications/{id}/approve {award?, note?}: the award (default the proposed one;
 * required for an event subsidy, at most its maxAward; at most the proposed award otherwise) is
 * committed to the programme's budget and, in an exclusive group, claims the merchant's award
 * slot, in one transaction with the move to APPROVED; then the payout is sent. A crash between
 * the two leaves the application APPROVED and due on the `payoutDue` index: the ticker re-sends it.
 */
export async function approveApplication(
  input: Dependencies<"programmes" | "audit"> & { applicationId: string; award?: number | undefined; note?: string | undefined; who: string; sendPayout: SendProgrammePayout },
): Promise<ApplicationView> {
  const current = await applicationOrNotFound(input, input.applicationId);
  if (current.status !== "SUBMITTED") throw new NotSubmittedError(`Application ${current.id} is ${current.status}; only a SUBMITTED one can be approved`, { details: { status: current.status } });
  const programme = await programmeOrNotFound(input, current.programmeId);
  const award = awardToApprove(programme, current, input.award);
  const at = input.now().toISOString();
  await approvePayable(input.db, input.tables, {
    payable: { kind: "application", id: current.id },
    programmeId: programme.id,
    merchantId: current.merchantId,
    amount: award,
    budget: programme.budget,
    exclusiveGroup: programme.exclusiveGroup,
    version: current.version,
    note: input.note,
    who: input.who,
    at,
  });
  await input.sendPayout({ payable: "application", id: current.id });
  const approved = await readApplication(input.db, input.tables.programmes, current.id);
  return toApplicationView(approved ?? current);
}

function awardToApprove(programme: ProgrammeRecord, application: ApplicationRecord, asked: number | undefined): number {
  const refuse = (message: string) => new ValidationError("The body is invalid", { details: [{ path: "award", message }] });
  if (programme.kind === "event_subsidy") {
    if (asked === undefined) throw refuse("is required for an event subsidy: the reviewer sets it");
    if (asked > programme.maxAward) throw refuse(`must be at most the programme's maxAward, ${programme.maxAward} fen`);
    return asked;
  }
  const award = asked ?? application.proposedAward;
  if (award > application.proposedAward) throw refuse(`must be at most the proposed award, ${application.proposedAward} fen`);
  if (award <= 0) throw refuse("the application reaches no award: reject it instead");
  return award;
}

/** POST /admin/applications/{id}/reject {reason} and /request-changes {reason}: only a SUBMITTED application. */
export async function decideApplication(
  input: Dependencies<"programmes" | "audit"> & { applicationId: string; decision: "reject" | "request-changes"; reason: string; who: string },
): Promise<ApplicationView> {
  const current = await applicationOrNotFound(input, input.applicationId);
  const status = input.decision === "reject" ? "REJECTED" : "CHANGES_REQUESTED";
  if (current.status !== "SUBMITTED") throw new NotSubmittedError(`Application ${current.id} is ${current.status}; only a SUBMITTED one can be reviewed`, { details: { status: current.status } });
  const next = await moveApplication(input.db, input.tables, current, {
    from: "SUBMITTED",
    status,
    set: { reason: input.reason },
    at: input.now().toISOString(),
    audit: { action: `application.${input.decision}`, who: input.who, reason: input.reason },
  });
  return toApplicationView(next);
}

/** An application as the API shows it. */
export function toApplicationView(application: ApplicationRecord): ApplicationView {
  const optional = <K extends keyof ApplicationRecord>(key: K, as: string = key) => (application[key] === undefined ? {} : { [as]: application[key] });
  return {
    id: application.id,
    programmeId: application.programmeId,
    programmeKind: application.programmeKind,
    merchantId: application.merchantId,
    ...optional("month"),
    ...optional("sales"),
    ...optional("growthPercent"),
    ...optional("tier"),
    proposedAward: application.proposedAward,
    ...optional("payoutAmount", "award"),
    summary: application.summary,
    attachments: application.attachments,
    status: application.status,
    ...optional("reason"),
    ...optional("reviewNote", "note"),
    ...optional("payoutId"),
    ...optional("lastPayoutError"),
    submittedAt: application.submittedAt,
    updatedAt: application.updatedAt,
  };
}
