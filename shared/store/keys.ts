/**
 * Every key the platform writes, in one place, so the data model in docs/data-model.md can be
 * checked against the code at a glance.
 */

/** campaigns table: the campaign item (sorts before its drops). */
export const campaignKey = (campaignId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: "#CAMPAIGN" });
/** campaigns table: one drop of a campaign. */
export const dropKey = (campaignId: string, dropId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: `DROP#${dropId}` });
export const CAMPAIGN_PARTITION_PREFIX = "CAMPAIGN#";
export const DROP_SORT_PREFIX = "DROP#";
/** Value of the sparse `listing` index key on published and paused campaigns. */
export const LISTED = "LISTED";
/** Value of the sparse `dueDrops` index key on drops of published campaigns not yet closed. */
export const DUE = "DUE";

/** inventory table: shard n (0-based) of a drop's stock of one voucher type. */
export const shardKey = (campaignId: string, dropId: string, voucherTypeId: string, shard: number) => ({
  pk: `SHARD#${campaignId}#${dropId}#${voucherTypeId}#${shard}`,
});
/**
 * inventory table: which of a drop's shards of one voucher type gave their last unit, in two
 * levels so no item is hot: group g's set of its emptied shards (`group` given), and the set of
 * emptied groups (`group` absent). The claim that completes the top set marks the stock sold out
 * (shared/store/inventory.ts).
 */
export const emptiedShardsKey = (campaignId: string, dropId: string, voucherTypeId: string, group?: number) => ({
  pk: `EMPTIED#${campaignId}#${dropId}#${voucherTypeId}${group === undefined ? "" : `#${group}`}`,
});

/**
 * vouchers table: a voucher, filed under the drop shard its unit came from. Drop close counts a
 * shard's vouchers with one strongly consistent query of this partition; it takes the same write
 * rate as its inventory shard, spread the same way.
 */
export const issuedVoucherKey = (campaignId: string, dropId: string, voucherTypeId: string, shard: number, voucherId: string) => ({
  pk: issuedPartition(campaignId, dropId, voucherTypeId, shard),
  sk: `VOUCHER#${voucherId}`,
});
export const issuedPartition = (campaignId: string, dropId: string, voucherTypeId: string, shard: number) =>
  `${ISSUED_PARTITION_PREFIX}${campaignId}#${dropId}#${voucherTypeId}#${shard}`;
/** How every voucher's partition starts (how a vouchers-table stream change is told to be a voucher's). */
export const ISSUED_PARTITION_PREFIX = "ISSUED#";
/**
 * vouchers table: a resident's claims in one campaign: how many (the per-person limit), and which
 * vouchers (their ids and where they are filed), so the wallet finds them.
 */
export const claimCounterKey = (residentId: string, campaignId: string) => ({ pk: personPartition(residentId), sk: `${CLAIM_COUNTER_SORT_PREFIX}${campaignId}` });
export const personPartition = (residentId: string) => `PERSON#${residentId}`;
export const CLAIM_COUNTER_SORT_PREFIX = "LIMIT#";
/**
 * vouchers table: one linked identity, a keyed hash of a verified phone number or an id hash
 * (never the value), naming the person key it belongs to; written once (first link wins).
 */
export const identityLinkKey = (identityHash: string) => ({ pk: `IDENT#${identityHash}`, sk: "#IDENT" });
/** vouchers table: an account's person key and the identity hashes it has been seen with; absent for an account never linked. */
export const accountLinkKey = (sub: string) => ({ pk: `ACCOUNT#${sub}`, sk: "#ACCOUNT" });
/** vouchers table: a partner's card token linked to a resident (`POST /partners/{partnerId}/cards`). */
export const cardLinkKey = (partnerId: string, cardToken: string) => ({ pk: `CARD#${partnerId}#${cardToken}`, sk: "#CARD" });

/** partners table: one bank or payment network. */
export const partnerKey = (partnerId: string) => ({ pk: `PARTNER#${partnerId}` });

/** merchants table: one merchant (ids are global, whichever partner acquired it). */
export const merchantKey = (merchantId: string) => ({ pk: `MERCHANT#${merchantId}` });

/** audit table: the trail of one entity, e.g. `MERCHANT#m1`, newest last. */
export const auditPartition = (entityType: string, entityId: string) => `${entityType}#${entityId}`;

/** redemptions table: what a partner's transaction did (its answer, its state), once per transaction id. */
export const transactionKey = (partnerId: string, transactionId: string) => ({ pk: `TXN#${partnerId}#${transactionId}`, sk: "#TXN" });

/**
 * redemptions table: the settlement ledger of one campaign at one merchant, by occurredAt, read
 * with strongly consistent queries of the base table.
 */
export const ledgerPartition = (campaignId: string, merchantId: string) => `${LEDGER_PARTITION_PREFIX}${campaignId}#${merchantId}`;
/** How every ledger partition starts (how a redemptions-table stream change is told to be a ledger record's). */
export const LEDGER_PARTITION_PREFIX = "LEDGER#";

/**
 * redemptions table: the ledger records of one campaign at one merchant that no statement holds
 * yet, one marker per record with the record's own sort key and data, written in the same
 * transaction as the record and deleted in the same transaction that puts it in a statement. The
 * settlement worker reads only this partition (strongly consistent), so its work grows with what
 * is new, not with the merchant's history. Markers are also on the sparse `unsettled` index
 * (`unsettledCampaign` = campaign, `unsettledKey` = `<merchant>#<sk>`), where the planner finds
 * the merchants with work.
 */
export const unsettledPartition = (campaignId: string, merchantId: string) => `UNSETTLED#${campaignId}#${merchantId}`;

/** settlements table: the statement of one campaign at one merchant for one period (sk). */
export const statementKey = (campaignId: string, merchantId: string, period: string) => ({ pk: statementPartition(campaignId, merchantId), sk: period });
export const statementPartition = (campaignId: string, merchantId: string) => `STATEMENT#${campaignId}#${merchantId}`;
/**
 * settlements table: the lines of one statement: a copy of each ledger record it holds (sk = the
 * record's ledger sort key) and each carried statement folded into it (sk `CARRY#<period>`).
 */
export const statementLinesPartition = (campaignId: string, merchantId: string, period: string) => `LINES#${campaignId}#${merchantId}#${period}`;
export const CARRY_LINE_PREFIX = "CARRY#";
/** settlements table: the run of one period for one campaign, which fixes its cut-off. */
export const settlementRunKey = (campaignId: string, period: string) => ({ pk: `RUN#${campaignId}`, sk: period });
/** Value of the sparse `held` index key on HELD statements. */
export const HELD = "HELD";
/** Value of the sparse `payoutDue` index key on PENDING statements (sort key `payoutDueAt`). */
export const PAYOUT_DUE = "PAYOUT_DUE";

/** fraud table: a campaign's fraud-rule configuration. */
export const fraudConfigKey = (campaignId: string) => ({ pk: `CONFIG#${campaignId}`, sk: "#CONFIG" });
/** fraud table: one flag in the review queue. */
export const fraudFlagKey = (flagId: string) => ({ pk: `FLAG#${flagId}`, sk: "#FLAG" });
/**
 * fraud table: the detector's marker of a ledger record applied to its state (the ledger record's
 * own key, so each record counts once however often the stream delivers it), kept 48 h.
 */
export const fraudAppliedKey = (ledgerPk: string, ledgerSk: string) => ({ pk: `APPLIED#${ledgerPk}#${ledgerSk}`, sk: "#" });
/** fraud table: a merchant's hourly counters in a campaign (sk `HOUR#<yyyy-mm-ddThh>`, UTC). */
export const fraudHoursPartition = (campaignId: string, merchantId: string) => `HOURS#${campaignId}#${merchantId}`;
export const FRAUD_HOUR_PREFIX = "HOUR#";
/** fraud table: a merchant's recent records in a campaign, for evidence (sk `<UTC instant>#<partner>#<txn>#R|V`). */
export const fraudMerchantLogPartition = (campaignId: string, merchantId: string) => `MLOG#${campaignId}#${merchantId}`;
/** fraud table: a payer's recent redemptions in a campaign (sk `<UTC occurredAt>#<partner>#<txn>`). */
export const fraudPayerLogPartition = (campaignId: string, payerId: string) => `PAYER#${campaignId}#${payerId}`;
/** Values of the sparse flag indexes: `byStatus` (status) and `byCampaign` (`<campaignId>#<status>`), both by `listedAt`. */
export const flagCampaignStatus = (campaignId: string, status: string) => `${campaignId}#${status}`;

/** stats table: a campaign's figures, one item per bucket (sk: `TOTAL`, `DAY#<date>`, `SECTOR#<sector>`, `MERCHANT#<merchantId>`). */
export const statsPartition = (campaignId: string) => `STATS#${campaignId}`;
/** stats table: the marker of one stream record applied (its eventID), kept 48 h. */
export const statsEventKey = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: "#" });

/** programmes table: one merchant programme (definition, budget, committed and paid sums). */
export const programmeKey = (programmeId: string) => ({ pk: programmePartition(programmeId), sk: "#PROGRAMME" });
export const programmePartition = (programmeId: string) => `PROGRAMME#${programmeId}`;
/** Value of the sparse `listing` index key on every programme. */
export const PROGRAMME_LISTING = "PROGRAMME";
/** programmes table: a merchant's filing (备案) for a programme, beside it. */
export const filingKey = (programmeId: string, merchantId: string) => ({ pk: programmePartition(programmeId), sk: `FILING#${merchantId}` });
/**
 * programmes table: the slot of one application of a merchant to a programme, for a month or once
 * (`ONCE`), put in the same transaction as the application so a second one is ALREADY_APPLIED.
 */
export const appliedSlotKey = (programmeId: string, merchantId: string, month: string | undefined) => ({
  pk: programmePartition(programmeId),
  sk: `APPLIED#${merchantId}#${month ?? "ONCE"}`,
});
/** programmes table: an application (`application`) or a trade-in record (`trade-in`): what a programme pays. */
export const payableKey = (kind: "application" | "trade-in", id: string) => ({ pk: `${kind === "application" ? "APPLICATION" : "TRADE_IN"}#${id}`, sk: "#" });
/** programmes table: the award slot of a merchant in an exclusive group, naming the one programme that may award it. */
export const exclusiveSlotKey = (group: string, merchantId: string) => ({ pk: `EXCLUSIVE#${group}#${merchantId}`, sk: "#" });
/** Values of the payables' sparse indexes: `byProgramme` (`<kind>#<programmeId>#<status>`) and `byMerchant` (`<kind>#<merchantId>`). */
export const programmeListKey = (kind: string, programmeId: string, status: string) => `${kind}#${programmeId}#${status}`;
export const merchantListKey = (kind: string, merchantId: string) => `${kind}#${merchantId}`;
