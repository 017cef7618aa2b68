/**
 * The platform's tables, declared once: keys, indexes, streams, TTL and encryption. Part of the
 * wiring (`platform.ts` composes it); a module of its own so that the store can name indexes
 * (`indexes.ts`) without loading the routes' documentation into every function's bundle.
 */
import type { TableDeclaration } from "./types.js";

export const platformTables = {
  campaigns: {
    description:
      "Campaigns (pk CAMPAIGN#<id>, sk #CAMPAIGN) and their drops (same pk, sk DROP#<dropId>). " +
      "Sparse indexes: `listing` holds published and paused campaigns for the public list; " +
      "`dueDrops` holds drops not yet closed, by close time, for the ticker. " +
      "Read copies of each campaign's snapshot (pk COPY#<id>#<k>, sk #COPY, k < 16), in neither index, for the claim path under a drop plan; " +
      "its stream feeds the replicator that writes them.",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    globalIndexes: {
      listing: { partitionKey: { name: "listing", type: "S" }, sortKey: { name: "startsAt", type: "S" } },
      dueDrops: { partitionKey: { name: "due", type: "S" }, sortKey: { name: "closesAt", type: "S" } },
    },
    // Keys only: the replicator reads the campaign again, strongly consistent, whatever changed.
    stream: "KEYS_ONLY",
  },
  inventory: {
    description:
      "Inventory shards of each drop and voucher type (pk SHARD#<campaign>#<drop>#<type>#<n>), each its own " +
      "partition so a flash drop spreads its writes; taken by plain conditional updates, never in a transaction.",
    partitionKey: { name: "pk", type: "S" },
  },
  vouchers: {
    description:
      "Vouchers, filed by the drop shard their unit came from (pk ISSUED#<campaign>#<drop>#<type>#<n>, " +
      "sk VOUCHER#<voucherId>) so drop close counts them exactly, and each resident's claims per campaign " +
      "(pk PERSON#<sub>, sk LIMIT#<campaignId>: the count the limit checks, one slot per voucher admitted and references to the vouchers), " +
      "and linked identities: IDENT#<hmac> and ACCOUNT#<sub> (person keys; keyed hashes only, never phone numbers or ids) " +
      "and CARD#<partner>#<token> (a partner's card token linked to a resident). " +
      "Its stream feeds the stats projector (claims, expiry, status changes).",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    stream: "NEW_AND_OLD_IMAGES",
  },
  idempotency: {
    description: "Idempotency records of keyed claims, in Powertools idempotency's item shape (pk id = person and Idempotency-Key), kept 24 h.",
    partitionKey: { name: "id", type: "S" },
    ttlAttribute: "expiration",
  },
  operations: {
    description:
      "Operational records of the platform itself: the ticker's heartbeat (pk TICKER, sk HEARTBEAT).",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    ttlAttribute: "expiresAt",
  },
  partners: {
    description:
      "Banks and payment networks (pk PARTNER#<id>): name, payout URL and their live signing secrets. " +
      "Holds secrets, so it is encrypted with a key of its own.",
    partitionKey: { name: "pk", type: "S" },
    encryption: "customer-managed",
  },
  merchants: {
    description:
      "Merchants (pk MERCHANT#<id>; ids global). The `byStatus` index files every merchant under its status, " +
      "by id: the public list reads APPROVED, operators any status.",
    partitionKey: { name: "pk", type: "S" },
    globalIndexes: {
      byStatus: { partitionKey: { name: "status", type: "S" }, sortKey: { name: "id", type: "S" } },
    },
  },
  audit: {
    description:
      "Who changed what, when and why: one item per operator or partner write (pk <TYPE>#<id> of the entity, " +
      "sk <ISO time>#<random>), written in the same transaction as the change.",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
  },
  redemptions: {
    description:
      "Partner transactions (pk TXN#<partner>#<txn>, sk #TXN: the answer given, once per transaction id), the " +
      "settlement ledger (pk LEDGER#<campaign>#<merchant>, sk <UTC occurredAt>#<partner>#<txn>#R|V) and, for each " +
      "ledger record no statement holds yet, its marker (pk UNSETTLED#<campaign>#<merchant>, same sk), which the " +
      "settlement worker reads with strongly consistent queries. The sparse `unsettled` index files the markers by " +
      "campaign, then merchant, for the planner.",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    globalIndexes: {
      unsettled: { partitionKey: { name: "unsettledCampaign", type: "S" }, sortKey: { name: "unsettledKey", type: "S" } },
    },
    // Feeds the stats projector and the fraud detector with every new ledger record.
    stream: "NEW_AND_OLD_IMAGES",
  },
  stats: {
    description:
      "Projected campaign figures (pk STATS#<campaignId>, sk TOTAL | DAY#<date> | SECTOR#<sector> | MERCHANT#<id>: sums " +
      "only) and one marker per stream record counted (pk EVENT#<eventID>, kept 48 h), so each change counts once.",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    ttlAttribute: "expiresAt",
  },
  settlements: {
    description:
      "Statements (pk STATEMENT#<campaign>#<merchant>, sk <period>), their lines (pk LINES#<campaign>#<merchant>#<period>: " +
      "a copy of each record held, and each carried statement folded in) and runs (pk RUN#<campaign>, sk <period>: the " +
      "period's cut-off). Sparse indexes: `byPeriod` lists a period's statements; `held` holds HELD statements by merchant; `payoutDue` holds PENDING statements by when the ticker re-sends their payout; `byStatus` lists statements of one status by period across periods (runs, whose status is PLANNING or PLANNED, land there too and are never asked for).",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    globalIndexes: {
      byPeriod: { partitionKey: { name: "period", type: "S" }, sortKey: { name: "campaignMerchant", type: "S" } },
      held: { partitionKey: { name: "held", type: "S" }, sortKey: { name: "heldKey", type: "S" } },
      payoutDue: { partitionKey: { name: "payoutDue", type: "S" }, sortKey: { name: "payoutDueAt", type: "S" } },
      byStatus: { partitionKey: { name: "status", type: "S" }, sortKey: { name: "period", type: "S" } },
    },
  },
  fraud: {
    description:
      "Fraud detection: each campaign's rule configuration (pk CONFIG#<campaignId>), the review queue's flags (pk FLAG#<id>; " +
      "sparse indexes by `listedAt`: `byStatus` (status) and `byCampaign` (<campaignId>#<status>)), and the detector's state: " +
      "merchants' hourly counters (HOURS#<campaign>#<merchant>), recent records of merchants (MLOG#…) and payers (PAYER#…), " +
      "and one marker per ledger record applied (APPLIED#<ledger key>, kept 48 h), so each record counts once.",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    globalIndexes: {
      byStatus: { partitionKey: { name: "flagStatus", type: "S" }, sortKey: { name: "listedAt", type: "S" } },
      byCampaign: { partitionKey: { name: "flagCampaignStatus", type: "S" }, sortKey: { name: "listedAt", type: "S" } },
    },
    ttlAttribute: "expiresAt",
  },
  drawSeeds: {
    description:
      "The secret 32-byte seed of each lottery drop (pk SEED#<campaignId>#<dropId>), drawn at publish and published only " +
      "after the draw. Read and written only by the functions that publish and draw, encrypted with a key of its own.",
    partitionKey: { name: "pk", type: "S" },
    encryption: "customer-managed",
  },
  lottery: {
    description:
      "Lottery registrations and draws. A registration (pk ENTRY#<campaign>#<drop>#<n>, sk <person key>) sits in one of " +
      "REGISTRATION_SHARDS partitions chosen by a hash of the person key, so 1 M registrations spread their writes and a " +
      "draw chunk is one partition; its `resident` (the account's sub) files it on the `byResident` index for " +
      "GET /me/registrations. Registration counters (pk COUNT#<campaign>#<drop>#<n>) are sharded the same way. A draw " +
      "(pk DRAW#<campaign>#<drop>, sk #DRAW) holds its state and counts; each chunk's top-k per voucher type is beside it, " +
      "in parts of 1,000 entries (sk PART#<n>#<p>) under a header written last (sk CHUNK#<n>).",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    globalIndexes: {
      byResident: { partitionKey: { name: "resident", type: "S" }, sortKey: { name: "registeredAt", type: "S" } },
    },
  },
  attachments: {
    description:
      "Evidence files merchants upload through presigned URLs (pk id = attachment id): the owner merchant, the declared " +
      "file name, type and size, and the object's key in the evidence bucket.",
    partitionKey: { name: "id", type: "S" },
  },
  programmes: {
    description:
      "Merchant programmes and what they pay, apart from every voucher budget. A programme (pk PROGRAMME#<id>, sk #PROGRAMME: its " +
      "definition, budget and the sums `committed` (approved) and `paid`) with its merchants' filings beside it (sk FILING#<merchantId>); " +
      "applications (pk APPLICATION#<id>, sk #) and trade-in records (pk TRADE_IN#<id>, sk #), the payables; one slot per application " +
      "(pk PROGRAMME#<id>, sk APPLIED#<merchantId>#<month or ONCE>) so a merchant applies once; one award slot per exclusive group and " +
      "merchant (pk EXCLUSIVE#<group>#<merchantId>, sk #). Sparse indexes: `listing` holds the programmes by id; `byProgramme` files each " +
      "payable under <kind>#<programmeId>#<status> and `byMerchant` under <kind>#<merchantId>, both by `listedAt`; `payoutDue` holds " +
      "APPROVED payables by when the ticker re-sends their payout.",
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
    globalIndexes: {
      listing: { partitionKey: { name: "programmeListing", type: "S" }, sortKey: { name: "id", type: "S" } },
      byProgramme: { partitionKey: { name: "programmeList", type: "S" }, sortKey: { name: "listedAt", type: "S" } },
      byMerchant: { partitionKey: { name: "merchantList", type: "S" }, sortKey: { name: "listedAt", type: "S" } },
      payoutDue: { partitionKey: { name: "payoutDue", type: "S" }, sortKey: { name: "payoutDueAt", type: "S" } },
    },
  },
} as const satisfies Readonly<Record<string, TableDeclaration>>;

/** A table of the platform, by its logical name. */
export type TableName = keyof typeof platformTables;
