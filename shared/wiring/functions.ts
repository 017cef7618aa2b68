/**
 * What each function of the platform is (entry, memory, timeout) and may touch (tables, queues,
 * dead-letter queues; `defineWiring` checks the queue names). Part of the wiring (`platform.ts` composes it); a module of its own so
 * that a handler's dependency builder (`shared/dependencies.ts`) reads its grants without loading
 * the routes' documentation into every function's bundle.
 */
import { claimVoucherFunction } from "./claim-function.js";
import type { platformTables } from "./tables.js";
import type { FunctionDeclaration } from "./types.js";

export const platformFunctions = {
  createCampaign: {
    description: "POST /admin/campaigns: a new DRAFT campaign, validated against its budget.",
    entry: "functions/campaigns/create.ts",
    tables: { campaigns: "readWrite", audit: "write" },
  },
  replaceCampaign: {
    description: "PUT /admin/campaigns/{id}: replaces a DRAFT campaign.",
    entry: "functions/campaigns/replace.ts",
    tables: { campaigns: "readWrite", audit: "write" },
  },
  publishCampaign: {
    description: "POST /admin/campaigns/{id}/publish: provisions the inventory shards, then publishes.",
    entry: "functions/campaigns/publish.ts",
    timeoutSeconds: 60,
    tables: { campaigns: "readWrite", inventory: "readWrite", drawSeeds: "readWrite", audit: "write" },
  },
  setCampaignStatus: {
    description: "POST /admin/campaigns/{id}/pause and /resume.",
    entry: "functions/campaigns/set-status.ts",
    tables: { campaigns: "readWrite", audit: "write" },
  },
  addDrop: {
    description: "POST /admin/campaigns/{id}/drops: a new drop within the budget not yet committed.",
    entry: "functions/campaigns/add-drop.ts",
    timeoutSeconds: 60,
    tables: { campaigns: "readWrite", inventory: "readWrite", drawSeeds: "readWrite", audit: "write" },
  },
  getCampaign: {
    description: "GET /admin/campaigns/{id}: the campaign with remaining stock per drop and voucher type.",
    entry: "functions/campaigns/get.ts",
    tables: { campaigns: "read", inventory: "read", lottery: "read" },
  },
  listAdminCampaigns: {
    description: "GET /admin/campaigns?status= (operator): every campaign, drafts included, with its drops.",
    entry: "functions/campaigns/list-admin.ts",
    tables: { campaigns: "read" },
  },
  listCampaigns: {
    description: "GET /campaigns (public): published campaigns with their drops.",
    entry: "functions/campaigns/list-public.ts",
    tables: { campaigns: "read" },
  },
  claimVoucher: claimVoucherFunction,
  registerForCampaign: {
    description: "POST /campaigns/{id}/registrations: a resident registers for a campaign, once (drops for registered residents).",
    entry: "functions/campaigns/register.ts",
    tables: { campaigns: "read", vouchers: "readWrite" },
    identityHashKey: true,
  },
  registerForDraw: {
    description: "POST /campaigns/{id}/drops/{dropId}/registrations: a resident registers for a lottery drop, once.",
    entry: "functions/lottery/register.ts",
    tables: { campaigns: "read", vouchers: "readWrite", lottery: "readWrite" },
    identityHashKey: true,
  },
  listMyRegistrations: {
    description: "GET /me/registrations: the caller's lottery registrations, REGISTERED, WON or LOST.",
    entry: "functions/lottery/mine.ts",
    tables: { lottery: "read" },
  },
  startDraw: {
    description: "POST /admin/campaigns/{id}/drops/{dropId}/draw: plans a lottery draw and sends its chunks to the draws queue.",
    entry: "functions/lottery/start-draw.ts",
    tables: { campaigns: "readWrite", lottery: "readWrite" },
    queues: { draws: "send" },
  },
  drawWorker: {
    description:
      "draws queue: ranks one chunk of a lottery draw; the worker that finds every chunk reported merges and issues the winners' vouchers, " +
      "or sends them back to the queue in batches when there are too many for one invocation, and issues such a batch.",
    entry: "functions/lottery/draw-worker.ts",
    memoryMb: 1024,
    timeoutSeconds: 120,
    tables: { campaigns: "readWrite", lottery: "readWrite", drawSeeds: "read", vouchers: "readWrite" },
    queues: { draws: "send" },
  },
  getDrawResult: {
    description: "GET /campaigns/{id}/drops/{dropId}/draw (public): a drawn lottery's seed, figures and registration ids, paged.",
    entry: "functions/lottery/result.ts",
    tables: { lottery: "read" },
  },
  listMyVouchers: {
    description: "GET /me/vouchers: the caller's vouchers, newest first.",
    entry: "functions/claims/wallet.ts",
    tables: { vouchers: "read" },
  },
  registerPartner: {
    description: "POST /admin/partners: a new partner and its signing secret, shown this once.",
    entry: "functions/partners/register.ts",
    tables: { partners: "write", audit: "write" },
  },
  listPartners: {
    description: "GET /admin/partners: the registered partners, with when their live secrets were made and retire (never the secrets).",
    entry: "functions/partners/list.ts",
    tables: { partners: "read" },
  },
  rotatePartnerSecret: {
    description: "POST /admin/partners/{id}/rotate-secret: a new signing secret; the old one stays valid for a grace period.",
    entry: "functions/partners/rotate-secret.ts",
    tables: { partners: "readWrite", audit: "write" },
  },
  recordPayment: {
    description:
      "POST /partners/{partnerId}/payments (signed): redeems the payer's best eligible voucher, or applies the best instant discount while its quota lasts, once per transaction.",
    entry: "functions/payments/record-payment.ts",
    tables: { partners: "read", merchants: "read", campaigns: "read", vouchers: "readWrite", redemptions: "readWrite", inventory: "readWrite" },
  },
  linkCard: {
    description: "POST /partners/{partnerId}/cards (signed): links the partner's card token to a resident, once.",
    entry: "functions/partners/link-card.ts",
    tables: { partners: "read", vouchers: "readWrite", audit: "write" },
  },
  recordRefund: {
    description:
      "POST /partners/{partnerId}/refunds (signed): reverses a redemption once (an instant discount's unit back to its quota under `restore`), or records a refund that came first.",
    entry: "functions/payments/record-refund.ts",
    tables: { partners: "read", campaigns: "read", vouchers: "readWrite", redemptions: "readWrite", inventory: "readWrite" },
  },
  submitMerchant: {
    description: "POST /partners/{partnerId}/merchants (signed): a merchant the partner signed up, PENDING.",
    entry: "functions/partners/submit-merchant.ts",
    tables: { partners: "read", merchants: "write", audit: "write" },
  },
  createMerchant: {
    description: "POST /admin/merchants: a merchant registered by an operator for a partner, PENDING.",
    entry: "functions/merchants/create.ts",
    tables: { partners: "read", merchants: "write", audit: "write" },
  },
  setMerchantStatus: {
    description: "POST /admin/merchants/{id}/approve, /suspend and /reinstate (which releases the merchant's HELD statements).",
    entry: "functions/merchants/set-status.ts",
    tables: { merchants: "readWrite", audit: "write", settlements: "readWrite" },
    queues: { payouts: "send" },
  },
  listMerchants: {
    description: "GET /merchants (public): the approved merchants.",
    entry: "functions/merchants/list-public.ts",
    tables: { merchants: "read" },
  },
  listAdminMerchants: {
    description: "GET /admin/merchants?status=: merchants of one status, or all.",
    entry: "functions/merchants/list-admin.ts",
    tables: { merchants: "read" },
  },
  listAudit: {
    description: "GET /admin/audit?entity=: the audit trail of one partner or merchant, oldest first.",
    entry: "functions/audit/list.ts",
    tables: { audit: "read" },
  },
  runSettlement: {
    description: "POST /admin/settlements/run: plans a period's settlement for every published or paused campaign, as the daily run does.",
    entry: "functions/settlements/run.ts",
    timeoutSeconds: 29,
    tables: { campaigns: "read", redemptions: "read", settlements: "readWrite" },
    queues: { settlements: "send" },
  },
  listSettlements: {
    description: "GET /admin/settlements?period=&status=: the statements of a period, or of a status across periods.",
    entry: "functions/settlements/list.ts",
    tables: { settlements: "read" },
  },
  getSettlement: {
    description: "GET /admin/settlements/{campaignId}/{merchantId}/{period}: one statement with its redemptions and reversals.",
    entry: "functions/settlements/get.ts",
    tables: { settlements: "read" },
  },
  retryPayout: {
    description: "POST /admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout: a FAILED payout goes to the payout queue again.",
    entry: "functions/settlements/retry-payout.ts",
    tables: { settlements: "readWrite", audit: "write" },
    queues: { payouts: "send" },
  },
  reconcileCampaign: {
    description: "GET /admin/campaigns/{id}/reconciliation: checks invariant 6 (conservation of money) for a campaign, to the fen.",
    entry: "functions/settlements/reconcile.ts",
    timeoutSeconds: 29,
    memoryMb: 1024,
    tables: { campaigns: "read", redemptions: "read", settlements: "read", merchants: "read" },
  },
  settleStatement: {
    description: "Settlement worker: builds the statement of one (campaign, merchant, period) and hands it to the payout queue.",
    entry: "functions/settlements/settle.ts",
    timeoutSeconds: 120,
    tables: { redemptions: "readWrite", settlements: "readWrite", merchants: "read" },
    queues: { payouts: "send" },
  },
  payStatement: {
    description:
      "Payout worker: pays a PENDING statement, or an APPROVED programme award or trade-in subsidy, through the acquiring partner's payout endpoint, once each.",
    entry: "functions/settlements/pay.ts",
    timeoutSeconds: 60,
    tables: { settlements: "readWrite", merchants: "read", partners: "read", programmes: "readWrite", audit: "write" },
  },
  recordPayoutFailure: {
    description: "Payout DLQ handler: a statement, award or subsidy whose payout gave up becomes FAILED.",
    entry: "functions/settlements/payout-failed.ts",
    timeoutSeconds: 30,
    tables: { settlements: "readWrite", programmes: "readWrite", audit: "write" },
  },
  reconcileProgramme: {
    description: "GET /admin/programmes/{id}/reconciliation: a programme's committed and paid sums against its payables, to the fen.",
    entry: "functions/programmes/reconcile.ts",
    tables: { programmes: "read" },
  },
  retryProgrammePayout: {
    description: "POST /admin/applications/{id}/retry-payout: a FAILED award goes to the payout queue again.",
    entry: "functions/programmes/retry-payout.ts",
    tables: { programmes: "readWrite", audit: "write" },
    queues: { payouts: "send" },
  },
  projectStats: {
    description: "Stats projector: counts claims, expiries, redemptions and reversals from the vouchers and redemptions streams, once each.",
    entry: "functions/stats/project.ts",
    timeoutSeconds: 60,
    tables: { stats: "readWrite", campaigns: "read", merchants: "read" },
  },
  getCampaignStats: {
    description: "GET /admin/campaigns/{id}/stats: the campaign's projected figures.",
    entry: "functions/stats/get.ts",
    tables: { stats: "read", campaigns: "read", merchants: "read", programmes: "read" },
  },
  campaignReport: {
    description: "GET /admin/reports/campaigns/{id}?format=csv|json: the bureau's report of a campaign (CSV in UTF-8 with a BOM).",
    entry: "functions/reports/campaign.ts",
    tables: { campaigns: "read", stats: "read", programmes: "read" },
  },
  detectFraud: {
    description: "Fraud detector: judges each new ledger record of the redemptions stream by its campaign's rules, once; hits become flags (high severity may auto-suspend).",
    entry: "functions/fraud/detect.ts",
    timeoutSeconds: 60,
    tables: { fraud: "readWrite", merchants: "readWrite", audit: "write" },
  },
  copyCampaign: {
    description: "Campaign replicator: on the campaigns stream, re-reads each changed campaign strongly consistent and writes its read copies for the claim path.",
    entry: "functions/campaigns/copy-campaign.ts",
    timeoutSeconds: 60,
    tables: { campaigns: "readWrite" },
  },
  listFraudFlags: {
    description: "GET /admin/fraud/flags?status=&campaignId=: the fraud review queue, newest first.",
    entry: "functions/fraud/list-flags.ts",
    tables: { fraud: "read" },
  },
  decideFraudFlag: {
    description: "POST /admin/fraud/flags/{id}/dismiss, /confirm (suspends the merchant, forfeits held statements if asked, claws back paid redemptions) and /enforce.",
    entry: "functions/fraud/decide.ts",
    timeoutSeconds: 29,
    tables: { fraud: "readWrite", audit: "write", merchants: "readWrite", redemptions: "readWrite", settlements: "readWrite" },
  },
  fraudRules: {
    description: "GET and PUT /admin/campaigns/{id}/fraud-rules: a campaign's fraud-rule thresholds.",
    entry: "functions/fraud/rules.ts",
    tables: { fraud: "readWrite", campaigns: "read", audit: "write" },
  },
  createProgramme: {
    description: "POST /admin/programmes: a new merchant programme (growth reward, event subsidy, new enterprise or trade-in), audited.",
    entry: "functions/programmes/create.ts",
    tables: { programmes: "readWrite", audit: "write" },
  },
  listProgrammes: {
    description: "GET /admin/programmes: every merchant programme with its budget committed and paid.",
    entry: "functions/programmes/list-admin.ts",
    tables: { programmes: "read" },
  },
  requestAttachmentUpload: {
    description: "POST /merchant/attachments: records an evidence file a merchant is about to upload and signs its presigned PUT.",
    entry: "functions/attachments/request.ts",
    tables: { merchants: "read", attachments: "write" },
    buckets: { evidence: "write" },
  },
  recordTradeIn: {
    description: "POST /merchant/programmes/{id}/trade-ins: a trade-in record, the buyer encrypted per field, the invoice once per programme.",
    entry: "functions/trade-ins/record.ts",
    tables: { programmes: "readWrite", merchants: "read", attachments: "read", audit: "write" },
    buckets: { evidence: "read" },
    buyerDataKey: true,
  },
  listMerchantTradeIns: {
    description: "GET /merchant/programmes/{id}/trade-ins: a merchant's own trade-in records, the buyer masked.",
    entry: "functions/trade-ins/list-merchant.ts",
    tables: { programmes: "read", merchants: "read" },
    buyerDataKey: true,
  },
  listTradeIns: {
    description: "GET /admin/programmes/{id}/trade-ins: a programme's trade-in records, the buyer masked.",
    entry: "functions/trade-ins/list-admin.ts",
    tables: { programmes: "read" },
    buyerDataKey: true,
  },
  getTradeIn: {
    description: "GET /admin/trade-ins/{id}: a trade-in record whole, with presigned GETs of its evidence; the read is audited.",
    entry: "functions/trade-ins/get.ts",
    tables: { programmes: "read", attachments: "read", audit: "write" },
    buckets: { evidence: "read" },
    buyerDataKey: true,
  },
  reviewTradeIns: {
    description: "POST /admin/trade-ins/{id}/approve, /reject, /retry-payout and the batch /admin/trade-ins/approve: commits subsidies to the programme's budget, then sends their payouts.",
    entry: "functions/trade-ins/review.ts",
    timeoutSeconds: 60,
    tables: { programmes: "readWrite", audit: "write" },
    queues: { payouts: "send" },
  },
  listMerchantProgrammes: {
    description: "GET /merchant/programmes: the programmes whose period has not ended, for an APPROVED merchant.",
    entry: "functions/programmes/list-merchant.ts",
    tables: { programmes: "read", merchants: "read" },
  },
  fileForProgramme: {
    description: "POST /merchant/programmes/{id}/filings (a merchant files now) and POST /admin/programmes/{id}/filings (an operator records a paper filing), audited.",
    entry: "functions/programmes/file.ts",
    tables: { programmes: "readWrite", merchants: "read", audit: "write" },
  },
  applyToProgramme: {
    description: "POST /merchant/programmes/{id}/applications and PUT /merchant/applications/{id}: a merchant applies, or resubmits, with the award proposed.",
    entry: "functions/programmes/apply.ts",
    tables: { programmes: "readWrite", merchants: "read", audit: "write", attachments: "read" },
    buckets: { evidence: "read" },
  },
  listMyApplications: {
    description: "GET /merchant/applications: the merchant's own applications.",
    entry: "functions/programmes/my-applications.ts",
    tables: { programmes: "read", merchants: "read" },
  },
  readApplications: {
    description: "GET /admin/programmes/{id}/applications?status= and GET /admin/applications/{id}: applications for review.",
    entry: "functions/programmes/list-applications.ts",
    tables: { programmes: "read", attachments: "read" },
    buckets: { evidence: "read" },
  },
  reviewApplication: {
    description:
      "POST /admin/applications/{id}/approve (budget and exclusive group in one transaction, then the payout queue), /reject and /request-changes.",
    entry: "functions/programmes/review.ts",
    tables: { programmes: "readWrite", audit: "write" },
    queues: { payouts: "send" },
  },
  health: {
    description:
      "GET /health (public: ok or degraded only) and GET /admin/health (operators: every table and queue, the " +
      "dead-letter queues' depths and, locally, the emulators), from one probe cached a few seconds.",
    entry: "functions/health.ts",
    timeoutSeconds: 5,
    tables: {
      campaigns: "describe",
      inventory: "describe",
      vouchers: "describe",
      idempotency: "describe",
      operations: "describe",
      partners: "describe",
      merchants: "describe",
      audit: "describe",
      redemptions: "describe",
      settlements: "describe",
      stats: "describe",
      fraud: "describe",
      programmes: "describe",
    },
    queues: { settlements: "describe", payouts: "describe", streamFailures: "describe" },
    deadLetterQueues: { settlements: "describe", payouts: "describe", streamFailures: "describe", draws: "describe" },
  },
  me: {
    description: "GET /me: the caller as the platform sees them.",
    entry: "functions/me.ts",
    timeoutSeconds: 3,
  },
  ticker: {
    description: "Every minute: finds the work whose time depends on data (drop close, lottery draws at drawAt, settlement) and does it idempotently.",
    entry: "functions/ticker.ts",
    timeoutSeconds: 50,
    tables: {
      operations: "readWrite",
      campaigns: "readWrite",
      inventory: "readWrite",
      vouchers: "read",
      redemptions: "read",
      settlements: "readWrite",
      merchants: "read",
      lottery: "readWrite",
      programmes: "readWrite",
    },
    queues: { settlements: "send", payouts: "send", draws: "send" },
  },
  sweepExpiredVouchers: {
    description:
      "Daily expiry sweep: CLAIMED vouchers past expiry plus a 24 h grace become EXPIRED (the stats projector returns their " +
      "discounts to the remaining budget); closed drops swept for good are marked so later sweeps skip them.",
    entry: "functions/expiry/sweep.ts",
    timeoutSeconds: 900,
    memoryMb: 512,
    tables: { campaigns: "readWrite", vouchers: "readWrite" },
  },
} as const satisfies Readonly<Record<string, FunctionDeclaration<keyof typeof platformTables, string>>>;
