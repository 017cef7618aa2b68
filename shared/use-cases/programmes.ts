/**
 * Merchant programmes: operators define them (audited), operators and merchants list them, and
 * every merchant route first checks that the merchant it acts for may act (APPROVED).
 */
import type * as z from "../zod.js";
import type { programmeListSchema, programmeSchema } from "../api/programme-schemas.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import { type ProgrammeDefinition, programmeEnded } from "../domain/programme.js";
import { type MerchantRecord, readMerchant } from "../store/merchants.js";
import { type ProgrammeRecord, insertProgramme, listProgrammes, readProgramme } from "../store/programmes.js";
import type { Dependencies } from "./dependencies.js";

export type ProgrammeView = z.infer<typeof programmeSchema>;
export type ProgrammeList = z.infer<typeof programmeListSchema>;

/** Who a merchant's request is attributed to in the audit trail. */
export const merchantActor = (merchantId: string) => `merchant:${merchantId}`;

export function toProgrammeView(programme: ProgrammeRecord): ProgrammeView {
  const { version: _version, createdBy: _createdBy, ...view } = programme;
  return { ...view, remaining: programme.budget - programme.committed };
}

/** POST /admin/programmes: a new programme, audited (PROGRAMME#<id>, programme.create). */
export async function createProgramme(input: Dependencies<"programmes" | "audit"> & { definition: ProgrammeDefinition; who: string }): Promise<ProgrammeView> {
  const at = input.now().toISOString();
  const record: ProgrammeRecord = { ...input.definition, committed: 0, paid: 0, version: 0, createdAt: at, createdBy: input.who };
  await insertProgramme(input.db, input.tables, record, at);
  return toProgrammeView(record);
}

/** GET /admin/programmes (every programme) and GET /merchant/programmes (`open`: those whose period has not ended). */
export async function listProgrammeViews(input: Dependencies<"programmes"> & { open?: boolean }): Promise<ProgrammeList> {
  const now = input.now();
  const programmes = await listProgrammes(input.db, input.tables.programmes);
  return { items: programmes.filter((programme) => !input.open || !programmeEnded(programme, now)).map(toProgrammeView) };
}

/** The programme, read strongly consistent; NOT_FOUND when there is none. */
export async function programmeOrNotFound(input: Dependencies<"programmes">, programmeId: string): Promise<ProgrammeRecord> {
  const programme = await readProgramme(input.db, input.tables.programmes, programmeId);
  if (!programme) throw new NotFoundError(`No programme ${programmeId}`);
  return programme;
}

/**
 * The merchant a merchant's token acts for, if it may act: it exists and is APPROVED (a pending
 * or suspended merchant is refused, 403, as a token naming an unknown merchant is).
 */
export async function actingMerchant(input: Dependencies<"merchants">, caller: { merchantId: string }): Promise<MerchantRecord> {
  const merchant = await readMerchant(input.db, input.tables.merchants, caller.merchantId);
  if (!merchant) throw new ForbiddenError(`Merchant ${caller.merchantId} is not registered`);
  if (merchant.status !== "APPROVED") throw new ForbiddenError(`Merchant ${caller.merchantId} is ${merchant.status}; only an APPROVED merchant may act`, { details: { status: merchant.status } });
  return merchant;
}
