/**
 * Merchant use cases: registration by a partner (signed) or an operator, the status moves
 * operators make, and the lists. Every write carries its audit item in the same transaction.
 */
import * as z from "../zod.js";
import type { merchantListSchema, merchantSchema } from "../api/registry-schemas.js";
import { ConcurrentUpdateError, NotFoundError, ValidationError } from "../errors.js";
import { type MerchantAction, type MerchantStatus, MERCHANT_STATUSES, nextMerchantStatus } from "../domain/merchant.js";
import type { Sector } from "../domain/sectors.js";
import { type MerchantRecord, byStatusKeySchema, changeMerchantStatus, insertMerchant, queryByStatus, readMerchant } from "../store/merchants.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import { partnerExists } from "../store/partners.js";
import type { TtlCache } from "./campaign-views.js";
import type { Dependencies } from "./dependencies.js";

export type MerchantView = z.infer<typeof merchantSchema>;
export type MerchantPage = z.infer<typeof merchantListSchema>;

/** Times a status change that lost a race re-reads and tries again. */
const CONFLICT_ATTEMPTS = 3;

export function toMerchantView(merchant: MerchantRecord): MerchantView {
  return {
    id: merchant.id,
    name: merchant.name,
    sector: merchant.sector,
    partnerId: merchant.partnerId,
    status: merchant.status,
    ...(merchant.statusReason === undefined ? {} : { statusReason: merchant.statusReason }),
    ...(merchant.approvedAt === undefined ? {} : { approvedAt: merchant.approvedAt }),
    createdAt: merchant.createdAt,
    updatedAt: merchant.updatedAt,
  };
}

/**
 * A new PENDING merchant, for a partner that exists: POST /partners/{partnerId}/merchants (the
 * signed partner is `who`, and is known to exist) and POST /admin/merchants (checked here).
 */
export async function registerMerchant(
  input: Dependencies<"merchants" | "audit" | "partners"> & {
    merchant: { id: string; name: string; sector: Sector; partnerId: string };
    who: string;
    checkPartner: boolean;
  },
): Promise<MerchantView> {
  const { merchant } = input;
  if (input.checkPartner && !(await partnerExists(input.db, input.tables.partners, merchant.partnerId))) {
    throw new ValidationError("The body is invalid", { details: [{ path: "partnerId", message: `no partner ${merchant.partnerId} is registered` }] });
  }
  const at = input.now().toISOString();
  const record: MerchantRecord = { ...merchant, status: "PENDING", version: 0, createdAt: at, updatedAt: at };
  await insertMerchant(input.db, input.tables, record, { action: "merchant.create", who: input.who, at });
  return toMerchantView(record);
}

/**
 * POST /admin/merchants/{id}/approve, /suspend (with a reason) and /reinstate. The move is
 * checked against the status read, and applied only if the merchant is still that version; when
 * another change won meanwhile, it is judged again against the new status.
 */
export async function setMerchantStatus(
  input: Dependencies<"merchants" | "audit"> & {
    merchantId: string;
    action: MerchantAction;
    reason?: string | undefined;
    operator: string;
    /**
     * Releases the merchant's HELD statements to the payout queue; called after a reinstatement
     * is stored. Should it fail, the ticker's sweep releases them within a minute.
     */
    releaseHeld?: (merchantId: string) => Promise<unknown>;
  },
): Promise<MerchantView> {
  const { merchantId, action } = input;
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const current = await readMerchant(input.db, input.tables.merchants, merchantId);
    if (!current) throw new NotFoundError(`Merchant ${merchantId} not found`);
    const at = input.now().toISOString();
    const next = nextMerchantRecord(current, action, input.reason, at);
    const audit = { action: `merchant.${action}`, who: input.operator, at, reason: input.reason };
    if (await changeMerchantStatus(input.db, input.tables, current, next, audit)) {
      if (action === "reinstate" && input.releaseHeld) await input.releaseHeld(merchantId);
      return toMerchantView(next);
    }
  }
  throw new ConcurrentUpdateError(`Merchant ${merchantId} kept changing; try again`);
}

/**
 * The merchant after `action` at `at`: its new status (InvalidStateError when the action is not
 * allowed from its status), the suspension reason while SUSPENDED, `approvedAt` from its first
 * approval on, the next version.
 */
export function nextMerchantRecord(current: MerchantRecord, action: MerchantAction, reason: string | undefined, at: string): MerchantRecord {
  const status = nextMerchantStatus(current.id, current.status, action);
  const { statusReason: _previous, ...rest } = current;
  return {
    ...rest,
    status,
    ...(status === "SUSPENDED" && reason !== undefined ? { statusReason: reason } : {}),
    ...(action === "approve" && current.approvedAt === undefined ? { approvedAt: at } : {}),
    version: current.version + 1,
    updatedAt: at,
  };
}

/** Where a list of several statuses stands: which status it is in, and where in it. */
const cursorSchema = z.strictObject({ s: z.int().nonnegative(), k: byStatusKeySchema.optional() });

/**
 * Merchants in the given statuses, in that order and by id within each, one page at a time from
 * the `byStatus` index. GET /merchants asks for APPROVED only, through `cache`.
 */
export async function listMerchants(
  input: Omit<Dependencies<"merchants">, "now"> & {
    statuses?: readonly MerchantStatus[];
    query: { limit: number; nextToken?: string | undefined };
  },
): Promise<MerchantPage> {
  const statuses = input.statuses ?? MERCHANT_STATUSES;
  const { limit, nextToken } = input.query;
  let cursor = nextToken === undefined ? { s: 0 } : decodeToken(nextToken, cursorSchema);
  if (cursor.s >= statuses.length || (cursor.k && cursor.k.status !== statuses[cursor.s])) {
    throw new ValidationError("nextToken is not one this list issued");
  }
  const items: MerchantView[] = [];
  for (;;) {
    const status = statuses[cursor.s]!;
    const page = await queryByStatus(input.db, input.tables.merchants, { status, limit: limit - items.length, startKey: cursor.k });
    items.push(...page.merchants.map(toMerchantView));
    if (page.lastKey) cursor = { s: cursor.s, k: page.lastKey };
    else if (cursor.s + 1 < statuses.length) cursor = { s: cursor.s + 1 };
    else return { items };
    if (items.length >= limit) return { items, nextToken: encodeToken(cursor) };
  }
}

/** GET /merchants (public): approved merchants, answered from `cache` while fresh. */
export function listApprovedMerchants(
  input: Dependencies<"merchants"> & { query: { limit: number; nextToken?: string | undefined }; cache: TtlCache<MerchantPage> },
): Promise<MerchantPage> {
  const { limit, nextToken } = input.query;
  return input.cache.get(`${limit} ${nextToken ?? ""}`, input.now().getTime(), () => listMerchants({ ...input, statuses: ["APPROVED"] }));
}
