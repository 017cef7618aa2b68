/**
 * Paying what merchant programmes approved (applications' awards, trade-in records' subsidies) on
 * the statements' payout path: the payouts queue, the partner's payout endpoint with the payable's
 * id as Idempotency-Key, FAILED from the DLQ and an operator's retry, the ticker's re-send of lost
 * messages. Each step is idempotent, so at-least-once delivery pays once.
 *
 * Crash analysis (two writes that are not one transaction):
 * - approve → enqueue: the approval commits (APPROVED, on `payoutDue`), the send is lost. The
 *   ticker's sweep finds it due PAYOUT_RESEND_AFTER_MS later and sends it again.
 * - pay → mark PAID: the partner paid, the mark is lost. The message is not deleted, so SQS
 *   delivers it again; the payable is still APPROVED, so it is POSTed again with the same
 *   Idempotency-Key; the partner answers its first payout and the payable is marked PAID once
 *   (the move is conditional on APPROVED at its version, and adds to `paid` in the same write).
 */
import type { ProgrammePayoutMessage } from "../api/messages.js";
import { InvalidStateError, NotFoundError, PayoutFailedError } from "../errors.js";
import { type PayableKind, payableId } from "../domain/programme.js";
import { payoutResendAt } from "../domain/settlement.js";
import { readMerchant } from "../store/merchants.js";
import { readPartner } from "../store/partners.js";
import { sumFen } from "../domain/money.js";
import { deferPayableDue, listProgrammePayables, movePayable, queryPayablesDue, readPayable, recordPayableAttempt } from "../store/programme-payouts.js";
import { type PayableCore, listProgrammes, readProgramme } from "../store/programmes.js";
import { type ProgrammeFigures, programmeFigures } from "../domain/report.js";
import type { Dependencies } from "./dependencies.js";
import { type PayoutSending, postPayoutWithRetries } from "./settlement.js";

/** Sends one programme payable to the payout queue. */
export type SendProgrammePayout = (message: ProgrammePayoutMessage) => Promise<void>;

/** Who the payout worker's and the DLQ handler's audit items are attributed to. */
const PLATFORM = "platform:payouts";

export type ProgrammePayOutcome = { outcome: "paid"; payoutId: string } | { outcome: "skipped"; status: PayableCore["status"] | "UNKNOWN" };

/**
 * Pays one APPROVED payable through the payout endpoint of the partner that acquired its merchant
 * (the award form of the payout body). Throws PayoutFailedError when every try of this delivery
 * failed, or the merchant is suspended (invariant 7: the message is retried, then FAILED for an
 * operator to retry once the merchant is reinstated).
 */
export async function payProgrammePayable(
  input: Dependencies<"programmes" | "merchants" | "partners" | "audit"> & PayoutSending & { message: ProgrammePayoutMessage },
): Promise<ProgrammePayOutcome> {
  const { db, tables, message } = input;
  const payable = await readPayable(db, tables.programmes, message.payable, message.id);
  if (!payable) return { outcome: "skipped", status: "UNKNOWN" };
  if (payable.status !== "APPROVED") return { outcome: "skipped", status: payable.status };
  if (payable.payoutAmount === undefined || payable.payoutAmount <= 0) throw new Error(`${message.payable} ${message.id} is APPROVED with nothing to pay`);
  const key = payableId(payable.kind, payable.id);
  const merchant = await readMerchant(db, tables.merchants, payable.merchantId);
  if (!merchant) throw new Error(`merchant ${payable.merchantId} of ${key} does not exist`);
  if (merchant.status === "SUSPENDED") {
    await recordPayableAttempt(db, tables.programmes, payable, "merchant suspended: not paid", input.now().toISOString());
    throw new PayoutFailedError(`payout of ${key} held: merchant ${merchant.id} is suspended`);
  }
  const partner = await readPartner(db, tables.partners, merchant.partnerId, { consistent: true });
  if (!partner) throw new Error(`partner ${merchant.partnerId} of merchant ${merchant.id} does not exist`);
  const sent = await postPayoutWithRetries(input, {
    url: partner.payoutUrl,
    idempotencyKey: key,
    secrets: partner.secrets,
    body: {
      kind: "award",
      payableId: key,
      payable: payable.kind,
      programmeId: payable.programmeId,
      merchantId: payable.merchantId,
      amount: payable.payoutAmount,
      currency: "CNY",
    },
  });
  if (!sent.ok) {
    await recordPayableAttempt(db, tables.programmes, payable, sent.error, input.now().toISOString());
    throw new PayoutFailedError(`payout of ${key} to partner ${partner.id} failed: ${sent.error}`);
  }
  const payoutId = sent.payoutId ?? key;
  await movePayable(db, tables, payable, { from: "APPROVED", to: "PAID", payoutId, at: input.now().toISOString(), who: PLATFORM });
  return { outcome: "paid", payoutId };
}

/** The payouts DLQ's handler for a programme payable: APPROVED becomes FAILED, keeping the last error. */
export async function recordProgrammePayoutFailure(
  input: Dependencies<"programmes" | "audit"> & { message: ProgrammePayoutMessage },
): Promise<{ payableId: string; status: PayableCore["status"] | "UNKNOWN"; failedNow: boolean }> {
  const { db, tables, message } = input;
  const key = payableId(message.payable, message.id);
  const payable = await readPayable(db, tables.programmes, message.payable, message.id);
  if (!payable) return { payableId: key, status: "UNKNOWN", failedNow: false };
  if (payable.status !== "APPROVED") return { payableId: key, status: payable.status, failedNow: false };
  const failedNow = await movePayable(db, tables, payable, { from: "APPROVED", to: "FAILED", at: input.now().toISOString(), who: PLATFORM, reason: payable.lastPayoutError ?? "payout gave up" });
  const now = await readPayable(db, tables.programmes, message.payable, message.id);
  return { payableId: key, status: now?.status ?? "UNKNOWN", failedNow };
}

/**
 * POST /admin/applications/{id}/retry-payout (and trade-ins'): a FAILED payable goes back to
 * APPROVED and to the payout queue, audited as the operator's; paid once (its id is the payout's
 * Idempotency-Key). INVALID_STATE unless FAILED.
 */
export async function retryProgrammePayout(
  input: Dependencies<"programmes" | "audit"> & { payable: { kind: PayableKind; id: string }; operator: string; sendPayout: SendProgrammePayout },
): Promise<PayableCore> {
  const { db, tables } = input;
  const payable = await readPayable(db, tables.programmes, input.payable.kind, input.payable.id);
  if (!payable) throw new NotFoundError(`No ${input.payable.kind === "application" ? "application" : "trade-in record"} ${input.payable.id}`);
  if (payable.status !== "FAILED") throw new InvalidStateError(`${payableId(payable.kind, payable.id)} is ${payable.status}; only a FAILED payout can be retried`, { details: { status: payable.status } });
  if (!(await movePayable(db, tables, payable, { from: "FAILED", to: "APPROVED", at: input.now().toISOString(), who: input.operator }))) {
    const now = await readPayable(db, tables.programmes, payable.kind, payable.id);
    throw new InvalidStateError(`${payableId(payable.kind, payable.id)} changed meanwhile; it is ${now?.status ?? "gone"}`, { details: { status: now?.status } });
  }
  // A send lost here leaves it APPROVED and due: the ticker's sweep sends it again.
  await input.sendPayout({ payable: payable.kind, id: payable.id });
  return (await readPayable(db, tables.programmes, payable.kind, payable.id)) ?? payable;
}

/** Payables the sweep looks at per tick; the rest wait for the next tick. */
export const PROGRAMME_PAYOUT_RESENDS_PER_TICK = 100;

/**
 * The ticker's sweep for programme payouts whose message was lost after the payable became
 * APPROVED (an approval or a retry that crashed before its send): each one still APPROVED
 * PAYOUT_RESEND_AFTER_MS after it became due gets its message again, and its next re-send is
 * pushed as far out. The send comes first, so a crash between the two sends again next tick.
 */
export async function resendStalledProgrammePayouts(input: Dependencies<"programmes"> & { sendPayout: SendProgrammePayout; limit?: number }): Promise<string[]> {
  const now = input.now().toISOString();
  const resent: string[] = [];
  for (const due of await queryPayablesDue(input.db, input.tables.programmes, now, input.limit ?? PROGRAMME_PAYOUT_RESENDS_PER_TICK)) {
    const payable = await readPayable(input.db, input.tables.programmes, due.kind, due.id);
    if (payable?.status !== "APPROVED" || payable.payoutDueAt === undefined || payable.payoutDueAt > now) continue;
    await input.sendPayout({ payable: payable.kind, id: payable.id });
    if (await deferPayableDue(input.db, input.tables.programmes, payable, { due: payable.payoutDueAt, next: payoutResendAt(now) })) resent.push(payableId(payable.kind, payable.id));
  }
  return resent;
}

export interface ProgrammeReconciliation {
  programmeId: string;
  budget: number;
  /** The programme's sums, as kept in its item. */
  committed: number;
  paid: number;
  /** The same, added up from its payables: approved (APPROVED, PAID, FAILED) and PAID. */
  approvedTotal: number;
  paidTotal: number;
  /** Payables approved and not paid yet (payout under way or FAILED). */
  pending: number;
  problems: string[];
  balanced: boolean;
}

/**
 * GET /admin/programmes/{id}/reconciliation: the programme's money, to the fen: its `committed`
 * equals the approved payables' amounts, its `paid` the PAID ones', and committed ≤ budget. The
 * payables are read from an index, so a change of the last seconds may show as a difference
 * that a second call no longer reports.
 */
export async function reconcileProgramme(input: Dependencies<"programmes"> & { programmeId: string }): Promise<ProgrammeReconciliation> {
  const programme = await readProgramme(input.db, input.tables.programmes, input.programmeId);
  if (!programme) throw new NotFoundError(`No programme ${input.programmeId}`);
  const payables = await listProgrammePayables(input.db, input.tables.programmes, programme.id, ["APPROVED", "PAID", "FAILED"]);
  const approvedTotal = sumFen(payables.map((payable) => payable.payoutAmount ?? 0));
  const paidTotal = sumFen(payables.filter((payable) => payable.status === "PAID").map((payable) => payable.payoutAmount ?? 0));
  const problems = [
    ...(approvedTotal === programme.committed ? [] : [`committed ${programme.committed} fen, but the approved payables add up to ${approvedTotal} fen`]),
    ...(paidTotal === programme.paid ? [] : [`paid ${programme.paid} fen, but the PAID payables add up to ${paidTotal} fen`]),
    ...(programme.committed <= programme.budget ? [] : [`committed ${programme.committed} fen exceeds the budget of ${programme.budget} fen`]),
  ];
  return {
    programmeId: programme.id,
    budget: programme.budget,
    committed: programme.committed,
    paid: programme.paid,
    approvedTotal,
    paidTotal,
    pending: approvedTotal - paidTotal,
    problems,
    balanced: problems.length === 0,
  };
}

/**
 * The programmes section of the bureau report and of the stats: every award approved under the
 * merchant programmes (APPROVED, PAID or FAILED), paid and pending, by kind, growth tier and sector.
 */
export async function programmeAwardFigures(input: Omit<Dependencies<"programmes">, "now">): Promise<ProgrammeFigures> {
  const programmes = await listProgrammes(input.db, input.tables.programmes);
  const awards = await Promise.all(
    programmes.map(async (programme) =>
      (await listProgrammePayables(input.db, input.tables.programmes, programme.id, ["APPROVED", "PAID", "FAILED"])).map((payable) => ({
        kind: programme.kind,
        tier: payable.tier,
        sector: payable.sector,
        amount: payable.payoutAmount ?? 0,
        paid: payable.status === "PAID",
      })),
    ),
  );
  return programmeFigures(awards.flat());
}
