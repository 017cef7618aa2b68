/**
 * Stream changes decoded into what they mean, so the projectors above the store know no key
 * formats: a vouchers-table change is a voucher's (or nothing the projectors count), a
 * redemptions-table change is a new ledger record (or nothing they count). The change's `eventId`
 * stays with the caller, which counts each change once by it.
 */
import { type LedgerRecord, ledgerRecordSchema } from "../domain/ledger.js";
import type { LedgerImage, VoucherImage } from "../domain/stats.js";
import type { StreamChange } from "../streams/changes.js";
import { ISSUED_PARTITION_PREFIX, LEDGER_PARTITION_PREFIX } from "./keys.js";
import type { LedgerKey } from "./ledger.js";

/** A change of a voucher item: its image before and after (either may be absent), and its campaign. */
export interface VoucherChange {
  kind: "voucher";
  campaignId: string;
  old?: VoucherImage | undefined;
  new?: VoucherImage | undefined;
}

/** A new ledger record as statistics count it: its figures, as its image shows them (not re-validated). */
export interface LedgerFiguresInserted {
  kind: "ledgerRecordInserted";
  campaignId: string;
  record: LedgerImage;
}

/** What a stream change of the vouchers or redemptions table means to statistics, or undefined when it counts for nothing. */
export type StatsSourceChange = VoucherChange | LedgerFiguresInserted;

const partitionOf = (image: Record<string, unknown> | undefined) => (typeof image?.pk === "string" ? image.pk : "");

/** A voucher item's figures, as statistics read them. */
export function voucherImage(item: Record<string, unknown>): VoucherImage {
  return {
    campaignId: String(item.campaignId),
    discount: Number(item.discount),
    status: String(item.status),
    claimedAt: String(item.claimedAt),
    expiresAt: String(item.expiresAt),
  };
}

/**
 * A change of the vouchers or redemptions table as statistics see it: a voucher's change (any
 * event), or a ledger record's INSERT; undefined for anything else (claim counters, transaction
 * records, unsettled markers, a ledger record's later updates) and for items without a campaign.
 */
export function statsSourceChange(change: StreamChange): StatsSourceChange | undefined {
  const image = change.newImage ?? change.oldImage;
  const campaignId = typeof image?.campaignId === "string" ? image.campaignId : undefined;
  if (campaignId === undefined) return undefined;
  const pk = partitionOf(image);
  if (pk.startsWith(ISSUED_PARTITION_PREFIX)) {
    return {
      kind: "voucher",
      campaignId,
      old: change.oldImage ? voucherImage(change.oldImage) : undefined,
      new: change.newImage ? voucherImage(change.newImage) : undefined,
    };
  }
  if (pk.startsWith(LEDGER_PARTITION_PREFIX) && change.eventName === "INSERT" && change.newImage) {
    return { kind: "ledgerRecordInserted", campaignId, record: change.newImage as unknown as LedgerImage };
  }
  return undefined;
}

/** A new ledger record, validated, with the key it is filed under (which names the fraud detector's marker of it). */
export interface LedgerRecordInserted {
  kind: "ledgerRecordInserted";
  record: LedgerRecord;
  key: LedgerKey;
}

/** A redemptions-table change that inserts a valid ledger record, or undefined for any other change. */
export function ledgerRecordInserted(change: StreamChange): LedgerRecordInserted | undefined {
  const image = change.newImage;
  const pk = partitionOf(image);
  if (change.eventName !== "INSERT" || !pk.startsWith(LEDGER_PARTITION_PREFIX)) return undefined;
  const parsed = ledgerRecordSchema.safeParse(image);
  return parsed.success ? { kind: "ledgerRecordInserted", record: parsed.data, key: { pk, sk: String(image!.sk) } } : undefined;
}
