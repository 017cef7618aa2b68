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

/** vouchers table: one voucher in a resident's wallet. */
export const voucherKey = (sub: string, voucherId: string) => ({ pk: `PERSON#${sub}`, sk: `VOUCHER#${voucherId}` });
export const personPartition = (sub: string) => `PERSON#${sub}`;
export const VOUCHER_SORT_PREFIX = "VOUCHER#";
/** vouchers table: how many vouchers a resident has claimed in a campaign. */
export const claimCounterKey = (sub: string, campaignId: string) => ({ pk: `PERSON#${sub}`, sk: `LIMIT#${campaignId}` });
/** vouchers table, `byDropShard` index: the vouchers issued from one shard. */
export const dropShardKey = (campaignId: string, dropId: string, voucherTypeId: string, shard: number) =>
  `${campaignId}#${dropId}#${voucherTypeId}#${shard}`;
