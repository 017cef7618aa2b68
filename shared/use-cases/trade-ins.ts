/**
 * Trade-in subsidy records (API.md "Merchant programmes and trade-in"): a dealer records each trade-in
 * under a `trade_in` programme, the subsidy follows from the programme's rule, the buyer's name and
 * phone are encrypted per field before they are stored, lists show them masked, and only the
 * single-record route shows them whole, writing an audit entry. Approval commits the subsidy to the
 * programme's budget through the one approval write (shared/store/programmes.ts).
 */
import { randomUUID } from "node:crypto";
import type * as z from "../zod.js";
import type { TradeInBody, tradeInDetailSchema, tradeInSummarySchema } from "../api/trade-in-schemas.js";
import { maskBuyerName, maskBuyerPhone } from "../domain/buyer-masking.js";
import { type PayableStatus, programmeEnded, tradeInSubsidy } from "../domain/programme.js";
import { DomainError, InvalidStateError, NotFoundError } from "../errors.js";
import type { FieldCipher } from "../field-encryption.js";
import { approvePayable } from "../store/programmes.js";
import { type TradeInRecord, insertTradeIn, listMerchantTradeIns, listProgrammeTradeIns, readTradeIn, recordTradeInView, rejectTradeIn } from "../store/trade-ins.js";
import { type AttachmentDependencies, attachmentDownloads, checkAttachments } from "./attachments.js";
import type { Dependencies } from "./dependencies.js";
import { type SendProgrammePayout, retryProgrammePayout } from "./programme-payouts.js";
import { actingMerchant, merchantActor, programmeOrNotFound } from "./programmes.js";

export type TradeInSummary = z.infer<typeof tradeInSummarySchema>;
export type TradeInDetail = z.infer<typeof tradeInDetailSchema>;

/** The encryption context of a record's buyer fields: the record, and which field. */
const buyerField = (tradeInId: string, field: "buyerName" | "buyerPhone") => ({ record: `TRADE_IN#${tradeInId}`, field });

/** POST /merchant/programmes/{id}/trade-ins: a SUBMITTED record with its subsidy. */
export async function recordTradeIn(
  input: Dependencies<"programmes" | "merchants" | "audit"> &
    Pick<AttachmentDependencies, "evidence"> & {
      tables: { attachments: string };
      cipher: FieldCipher;
      caller: { merchantId: string };
      programmeId: string;
      body: TradeInBody;
      newId?: () => string;
    },
): Promise<{ id: string; subsidy: number; status: "SUBMITTED" }> {
  await actingMerchant(input, input.caller);
  const { merchantId } = input.caller;
  const programme = await programmeOrNotFound(input, input.programmeId);
  if (programme.kind !== "trade_in") throw new InvalidStateError(`Programme ${programme.id} is a ${programme.kind} programme; it takes applications, not trade-in records`, { details: { kind: programme.kind } });
  const now = input.now();
  if (programmeEnded(programme, now)) throw new InvalidStateError(`Programme ${programme.id} ended on ${programme.period.to}`, { details: { status: "ENDED" } });
  await checkAttachments({ ...input, tables: { attachments: input.tables.attachments }, merchantId, ids: input.body.attachments });

  const id = (input.newId ?? randomUUID)();
  const { buyer, ...rest } = input.body;
  const [buyerNameCiphertext, buyerPhoneCiphertext] = await Promise.all([
    input.cipher.encrypt(buyerField(id, "buyerName"), buyer.name),
    input.cipher.encrypt(buyerField(id, "buyerPhone"), buyer.phone),
  ]);
  const record: TradeInRecord = {
    kind: "trade-in",
    id,
    programmeId: programme.id,
    merchantId,
    status: "SUBMITTED",
    version: 0,
    buyerNameCiphertext,
    buyerPhoneCiphertext,
    ...rest,
    subsidy: tradeInSubsidy(programme.rule, input.body.newProduct.price),
    createdAt: now.toISOString(),
  };
  await insertTradeIn(input.db, input.tables, record, merchantActor(merchantId));
  return { id, subsidy: record.subsidy, status: "SUBMITTED" };
}

/** GET /admin/programmes/{id}/trade-ins?status=: a programme's records, the buyer masked. */
export async function listTradeInsOfProgramme(input: Dependencies<"programmes"> & { cipher: FieldCipher; programmeId: string; status?: PayableStatus }): Promise<{ items: TradeInSummary[] }> {
  await programmeOrNotFound(input, input.programmeId);
  const records = await listProgrammeTradeIns(input.db, input.tables.programmes, input.programmeId, input.status ? [input.status] : undefined);
  return { items: await Promise.all(records.map((record) => summary(record, input.cipher))) };
}

/** GET /merchant/programmes/{id}/trade-ins: the caller's own records in a programme, the buyer masked. */
export async function listMyTradeIns(input: Dependencies<"programmes" | "merchants"> & { cipher: FieldCipher; caller: { merchantId: string }; programmeId: string }): Promise<{ items: TradeInSummary[] }> {
  await actingMerchant(input, input.caller);
  await programmeOrNotFound(input, input.programmeId);
  const records = await listMerchantTradeIns(input.db, input.tables.programmes, input.caller.merchantId, input.programmeId);
  return { items: await Promise.all(records.map((record) => summary(record, input.cipher))) };
}

/** GET /admin/trade-ins/{id}: the record whole, its evidence with presigned GETs; the read is audited (`trade-in.view`). */
export async function viewTradeIn(
  input: Dependencies<"programmes" | "audit"> & Pick<AttachmentDependencies, "evidence"> & { tables: { attachments: string }; cipher: FieldCipher; id: string; who: string },
): Promise<TradeInDetail> {
  const record = await tradeInOrNotFound(input, input.id);
  const [buyer, downloads] = await Promise.all([
    openBuyer(record, input.cipher),
    attachmentDownloads({ ...input, tables: { attachments: input.tables.attachments }, ids: record.attachments }),
  ]);
  // Written before the answer leaves: a read whose audit entry failed is not answered.
  await recordTradeInView(input.db, input.tables.audit, { record, who: input.who, at: input.now().toISOString() });
  return { ...view(record), buyer, attachments: record.attachments, attachmentDownloads: downloads };
}

/**
 * POST /admin/trade-ins/{id}/approve: commits the subsidy to the programme's budget (409
 * PROGRAMME_BUDGET_EXCEEDED, NOT_SUBMITTED) in the one approval write, then sends the payout, as
 * for an application: a send lost after the commit is re-sent by the ticker (payoutDue index).
 */
export async function approveTradeIn(
  input: Dependencies<"programmes" | "audit"> & { id: string; note?: string | undefined; who: string; sendPayout: SendProgrammePayout },
): Promise<TradeInSummaryStatus> {
  const record = await tradeInOrNotFound(input, input.id);
  const programme = await programmeOrNotFound(input, record.programmeId);
  await approvePayable(input.db, input.tables, {
    payable: { kind: "trade-in", id: record.id },
    programmeId: record.programmeId,
    merchantId: record.merchantId,
    amount: record.subsidy,
    budget: programme.budget,
    version: record.version,
    note: input.note,
    who: input.who,
    at: input.now().toISOString(),
  });
  await input.sendPayout({ payable: "trade-in", id: record.id });
  return { id: record.id, status: "APPROVED", payoutAmount: record.subsidy };
}

/** What an approval or rejection answers. */
export interface TradeInSummaryStatus {
  id: string;
  status: PayableStatus;
  payoutAmount?: number;
}

/** POST /admin/trade-ins/{id}/retry-payout: a FAILED subsidy goes to the payout queue again (409 INVALID_STATE otherwise). */
export async function retryTradeInPayout(input: Dependencies<"programmes" | "audit"> & { id: string; who: string; sendPayout: SendProgrammePayout }): Promise<TradeInSummaryStatus> {
  const payable = await retryProgrammePayout({ ...input, payable: { kind: "trade-in", id: input.id }, operator: input.who });
  return { id: payable.id, status: payable.status, ...(payable.payoutAmount === undefined ? {} : { payoutAmount: payable.payoutAmount }) };
}

/** POST /admin/trade-ins/{id}/reject {reason}. */
export async function rejectTradeInRecord(input: Dependencies<"programmes" | "audit"> & { id: string; reason: string; who: string }): Promise<TradeInSummaryStatus> {
  const record = await tradeInOrNotFound(input, input.id);
  await rejectTradeIn(input.db, input.tables, { record, reason: input.reason, who: input.who, at: input.now().toISOString() });
  return { id: record.id, status: "REJECTED" };
}

/**
 * POST /admin/trade-ins/approve {ids}: each approved alone, one after the other (so the budget is
 * spent in the order given); each refusal is reported by the code approving it alone would answer.
 */
export async function approveTradeIns(
  input: Dependencies<"programmes" | "audit"> & { ids: readonly string[]; note?: string | undefined; who: string; sendPayout: SendProgrammePayout },
  approveOne: (id: string) => Promise<unknown> = (id) => approveTradeIn({ ...input, id }),
): Promise<{ approved: string[]; refused: { id: string; code: string }[] }> {
  const approved: string[] = [];
  const refused: { id: string; code: string }[] = [];
  for (const id of new Set(input.ids)) {
    try {
      await approveOne(id);
      approved.push(id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused.push({ id, code: error.code });
    }
  }
  return { approved, refused };
}

async function tradeInOrNotFound(input: Dependencies<"programmes">, id: string): Promise<TradeInRecord> {
  const record = await readTradeIn(input.db, input.tables.programmes, id);
  if (!record) throw new NotFoundError(`No trade-in record ${id}`);
  return record;
}

async function openBuyer(record: TradeInRecord, cipher: FieldCipher): Promise<{ name: string; phone: string }> {
  const [name, phone] = await Promise.all([
    cipher.decrypt(buyerField(record.id, "buyerName"), record.buyerNameCiphertext),
    cipher.decrypt(buyerField(record.id, "buyerPhone"), record.buyerPhoneCiphertext),
  ]);
  return { name, phone };
}

async function summary(record: TradeInRecord, cipher: FieldCipher): Promise<TradeInSummary> {
  const buyer = await openBuyer(record, cipher);
  return { ...view(record), buyer: { name: maskBuyerName(buyer.name), phone: maskBuyerPhone(buyer.phone) }, attachments: record.attachments };
}

function view(record: TradeInRecord): Omit<TradeInSummary, "buyer" | "attachments"> {
  const { kind: _kind, version: _version, buyerNameCiphertext: _name, buyerPhoneCiphertext: _phone, attachments: _attachments, ...rest } = record;
  return rest;
}
