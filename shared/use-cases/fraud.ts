/**
 * Fraud detection and review (DESIGN.md §2, invariants 7–8; docs/architecture.md, "Fraud detection"):
 * the detector on the redemptions stream, the per-campaign rule configuration, and the review
 * queue's list, dismissal, confirmation and enforcement.
 *
 * Detector, per new ledger record (a stream INSERT of one, store/stream-images.ts; clawbacks are the review's own
 * doing and are not judged): apply the record to the detector's state once (store/fraud-detector.ts), read
 * the rules' windows back, judge it with the campaign's configuration (domain/fraud.ts), and for
 * each hit create its flag (deterministic id, conditional put) or add evidence to it. A
 * high-severity hit in a campaign with `autoSuspend` suspends the merchant once per flag, in one
 * transaction with the flag's record of it and both audit items; the flag stays OPEN.
 *
 * Confirmation: the flag becomes CONFIRMED and an APPROVED merchant SUSPENDED, in one transaction
 * with their audit items (the operator's). Suspension holds what is not yet paid (the settlement
 * and payout workers hold statements of suspended merchants). Then enforcement, safe to repeat:
 * with `forfeit`, the merchant's HELD statements in the campaign become FORFEITED (each audited);
 * and their redemptions' transaction records are marked `forfeitedBy` (a later refund then charges
 * back nothing); each redemption the flag names, and every redemption of its subject in its
 * window read from the ledger a page at a time (the evidence is capped), whose statement is PAID
 * (or CARRIED into a PAID one) is clawed back once (a CLAWBACK ledger record, audited) so its
 * next statement takes the discount back.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type * as z from "../zod.js";
import type { flagListSchema, flagSchema, fraudRulesSchema } from "../api/fraud-schemas.js";
import { ConcurrentUpdateError, InvalidStateError, NotFoundError, ValidationError } from "../errors.js";
import { DEFAULT_FRAUD_CONFIG, type FlagStatus, type FraudConfig, type Hit, type TransactionRef, MAX_EVIDENCE_TRANSACTIONS, clawbackScope, evaluate, flagId, hourOf, inClawbackScope, merchantHoursNeeded, mergeTransactions, payerHistoryNeededMs, suspensionReason } from "../domain/fraud.js";
import { type RedemptionRecord, ledgerRecordFacts } from "../domain/ledger.js";
import { loadCampaign } from "../store/campaigns.js";
import { applyRecord, readEvidence, readHours, readPayerLog } from "../store/fraud-detector.js";
import {
  type Enforcement,
  type FlagRecord,
  FRAUD_DETECTOR,
  autoSuspensionItems,
  createFlag,
  flagDecisionItems,
  flagPageKeySchema,
  queryFlags,
  readConfig,
  readFlag,
  recordEnforcement,
  transact,
  updateEvidence,
  writeConfig,
} from "../store/fraud-flags.js";
import { merchantStatusItems, readMerchant } from "../store/merchants.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import { clawBack } from "../store/clawback.js";
import { CLAWBACK_PAGE_SIZE, readRedemptionPage, readRedemptionRecord } from "../store/ledger.js";
import { withRetries } from "../store/retry.js";
import { markForfeitedRecords } from "../store/statement-lines.js";
import { type StatementRecord, moveStatement, readStatement, readStatementsOf } from "../store/statements.js";
import { ledgerRecordInserted } from "../store/stream-images.js";
import { type TransactionRecord, readTransaction } from "../store/transactions.js";
import { nextMerchantRecord } from "./merchants.js";
import type { StreamChange } from "./stats.js";
import type { Dependencies } from "./dependencies.js";

export type FlagView = z.infer<typeof flagSchema>;
export type FlagList = z.infer<typeof flagListSchema>;
export type FraudRulesView = z.infer<typeof fraudRulesSchema>;

/** Times a write that lost a race re-reads and tries again. */
const CONFLICT_ATTEMPTS = 3;

export function toFlagView(flag: FlagRecord): FlagView {
  const { version: _version, ...view } = flag;
  return view;
}

// ---------------------------------------------------------------------------------------------
// The detector.

type DetectorTables = "fraud" | "merchants" | "audit";

export interface DetectionOutcome {
  /** New ledger records judged. */
  judged: number;
  /** Of those, applied to the state now (the rest had been by an earlier delivery). */
  applied: number;
  /** Stream records that are not new REDEMPTION or REVERSAL ledger records. */
  ignored: number;
  hits: number;
  flagsCreated: number;
  /** Merchants the detector suspended (high severity, autoSuspend). */
  suspended: number;
}

/**
 * Judges a batch of stream changes of the redemptions table. Every step is safe to repeat: a
 * redelivered record is applied to the state once and finds the flags it raised.
 */
export async function detectFraud(input: Dependencies<DetectorTables> & { changes: readonly StreamChange[] }): Promise<DetectionOutcome> {
  const { db, tables } = input;
  const outcome: DetectionOutcome = { judged: 0, applied: 0, ignored: 0, hits: 0, flagsCreated: 0, suspended: 0 };
  const configs = new Map<string, FraudConfig>();
  const approvals = new Map<string, string | undefined>();
  const configOf = async (campaignId: string) => {
    if (!configs.has(campaignId)) configs.set(campaignId, (await readConfig(db, tables.fraud, campaignId, { consistent: true }))?.config ?? DEFAULT_FRAUD_CONFIG);
    return configs.get(campaignId)!;
  };
  const approvedAt = async (merchantId: string) => {
    if (!approvals.has(merchantId)) approvals.set(merchantId, (await readMerchant(db, tables.merchants, merchantId))?.approvedAt);
    return approvals.get(merchantId);
  };
  const retry = <T>(operation: () => Promise<T>) => withRetries(operation, { attempts: 8, maxDelayMs: 1_000 });

  for (const change of input.changes) {
    const inserted = ledgerRecordInserted(change);
    // A partial refund that left the discount standing is no reversal: the refund-rate rule counts reversed redemptions.
    if (!inserted || inserted.record.kind === "CLAWBACK" || inserted.record.kind === "PARTIAL_REFUND") {
      outcome.ignored++;
      continue;
    }
    const record = ledgerRecordFacts(inserted.record);
    outcome.judged++;
    const config = await configOf(record.campaignId);
    if (await retry(() => applyRecord(db, tables.fraud, inserted.key, record, input.now()))) outcome.applied++;

    const hour = hourOf(record.occurredAt);
    const hours = await retry(() =>
      readHours(db, tables.fraud, { campaignId: record.campaignId, merchantId: record.merchantId, first: hour - merchantHoursNeeded(config) + 1, last: hour }),
    );
    const payerRedemptions =
      record.kind === "REDEMPTION"
        ? await retry(() =>
            readPayerLog(db, tables.fraud, {
              campaignId: record.campaignId,
              payerId: record.payerId,
              from: new Date(Date.parse(record.occurredAt) - payerHistoryNeededMs(config)).toISOString(),
              to: record.occurredAt,
            }),
          )
        : [];
    const hits = evaluate(config, { merchant: { hours, approvedAt: await approvedAt(record.merchantId) }, payer: { redemptions: payerRedemptions } }, record);
    for (const hit of hits) {
      outcome.hits++;
      const raised = await raiseFlag(input, record.campaignId, hit);
      if (raised.created) outcome.flagsCreated++;
      if (hit.severity === "high" && config.autoSuspend && raised.flag && (await autoSuspend(input, raised.flag))) outcome.suspended++;
    }
  }
  return outcome;
}

/** Creates the hit's flag, or adds the hit's evidence to the OPEN flag of its window. */
async function raiseFlag(input: Dependencies<DetectorTables>, campaignId: string, hit: Hit): Promise<{ created: boolean; flag: FlagRecord | undefined }> {
  const { db, tables } = input;
  const id = flagId(campaignId, hit);
  let existing = await readFlag(db, tables.fraud, id);
  if (existing && (existing.status !== "OPEN" || existing.evidence.transactions.length >= MAX_EVIDENCE_TRANSACTIONS)) return { created: false, flag: existing };
  const transactions =
    hit.transactions ??
    (hit.evidenceRange
      ? await readEvidence(db, tables.fraud, { campaignId, merchantId: hit.merchantId, range: hit.evidenceRange, limit: MAX_EVIDENCE_TRANSACTIONS })
      : []);
  const at = input.now().toISOString();
  if (!existing) {
    const fresh: FlagRecord = {
      id,
      campaignId,
      rule: hit.rule,
      severity: hit.severity,
      merchantId: hit.merchantId,
      ...(hit.payerId === undefined ? {} : { payerId: hit.payerId }),
      window: hit.window,
      evidence: { ...hit.measures, transactions: mergeTransactions([], transactions).transactions },
      status: "OPEN",
      createdAt: at,
      updatedAt: at,
      lastHitAt: at,
      version: 0,
    };
    const created = await createFlag(db, tables.fraud, fresh);
    if (created.created) return { created: true, flag: fresh };
    existing = created.flag;
  }
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS && existing?.status === "OPEN"; attempt++) {
    const merged = mergeTransactions(existing.evidence.transactions, transactions);
    if (!merged.added) break;
    const evidence = { ...existing.evidence, ...hit.measures, transactions: merged.transactions };
    if (await updateEvidence(db, tables.fraud, existing, evidence, at)) return { created: false, flag: { ...existing, evidence, lastHitAt: at, updatedAt: at, version: existing.version + 1 } };
    existing = await readFlag(db, tables.fraud, id);
  }
  return { created: false, flag: existing };
}

/**
 * Suspends the flag's merchant for a high-severity hit, once per flag: the merchant's change and
 * the flag's `autoSuspendedAt`, with both audit items, in one transaction. Nothing when the flag
 * is decided or has suspended already, or the merchant is not APPROVED. True when it suspended.
 */
async function autoSuspend(input: Dependencies<DetectorTables>, flag: FlagRecord): Promise<boolean> {
  const { db, tables } = input;
  if (flag.status !== "OPEN" || flag.autoSuspendedAt !== undefined) return false;
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const merchant = await readMerchant(db, tables.merchants, flag.merchantId);
    if (merchant?.status !== "APPROVED") return false;
    const at = input.now().toISOString();
    const reason = suspensionReason(flag.id, `suspended automatically for a ${flag.severity}-severity ${flag.rule} hit`);
    const next = nextMerchantRecord(merchant, "suspend", reason, at);
    const failed = await transact(db, [
      ...merchantStatusItems(tables, merchant, next, { action: "merchant.suspend", who: FRAUD_DETECTOR, at, reason }),
      ...autoSuspensionItems(tables, flag, at, reason),
    ]);
    if (failed === undefined) return true;
    // The flag was decided, or suspended its merchant already (a concurrent delivery).
    if (failed >= 2) return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Configuration.

type ConfigTables = "fraud" | "campaigns";

async function requireCampaign(input: Pick<Dependencies<ConfigTables>, "db" | "tables">, campaignId: string): Promise<void> {
  if (!(await loadCampaign(input.db, input.tables.campaigns, campaignId, { consistent: true }))) throw new NotFoundError(`Campaign ${campaignId} not found`);
}

/** GET /admin/campaigns/{id}/fraud-rules: the campaign's configuration, or the defaults it uses. */
export async function getFraudRules(input: Pick<Dependencies<ConfigTables>, "db" | "tables"> & { campaignId: string }): Promise<FraudRulesView> {
  await requireCampaign(input, input.campaignId);
  const stored = await readConfig(input.db, input.tables.fraud, input.campaignId, { consistent: true });
  return stored
    ? { campaignId: input.campaignId, source: "campaign", config: stored.config, updatedAt: stored.updatedAt, updatedBy: stored.updatedBy }
    : { campaignId: input.campaignId, source: "default", config: DEFAULT_FRAUD_CONFIG };
}

/**
 * PUT /admin/campaigns/{id}/fraud-rules: replaces the campaign's configuration (parsed by the
 * handler: what the body leaves out takes the default), audited on the campaign. The detector reads it for each batch.
 */
export async function putFraudRules(
  input: Dependencies<"fraud" | "campaigns" | "audit"> & { campaignId: string; config: FraudConfig; operator: string },
): Promise<FraudRulesView> {
  await requireCampaign(input, input.campaignId);
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const previous = await readConfig(input.db, input.tables.fraud, input.campaignId, { consistent: true });
    const at = input.now().toISOString();
    const next = { campaignId: input.campaignId, config: input.config, version: (previous?.version ?? 0) + 1, updatedAt: at, updatedBy: input.operator };
    if (await writeConfig(input.db, input.tables, previous, next, { action: "campaign.fraud-rules", who: input.operator, at })) {
      return { campaignId: input.campaignId, source: "campaign", config: next.config, updatedAt: at, updatedBy: input.operator };
    }
  }
  throw new ConcurrentUpdateError(`The fraud rules of campaign ${input.campaignId} kept changing; try again`);
}

// ---------------------------------------------------------------------------------------------
// The review queue.

/** GET /admin/fraud/flags: flags of one status (OPEN by default), of one campaign or all, newest first. */
export async function listFlags(
  input: Pick<Dependencies<"fraud">, "db" | "tables"> & { query: { status: FlagStatus; campaignId?: string | undefined; limit: number; nextToken?: string | undefined } },
): Promise<FlagList> {
  const { status, campaignId, limit, nextToken } = input.query;
  const startKey = nextToken === undefined ? undefined : decodeToken(nextToken, flagPageKeySchema);
  if (startKey && (campaignId === undefined ? startKey.flagStatus !== status : startKey.flagCampaignStatus !== `${campaignId}#${status}`)) {
    throw new ValidationError("The query is invalid", { details: [{ path: "nextToken", message: "belongs to another list (status or campaign)" }] });
  }
  const page = await queryFlags(input.db, input.tables.fraud, { status, campaignId, limit, startKey });
  return { items: page.flags.map(toFlagView), ...(page.lastKey ? { nextToken: encodeToken(page.lastKey) } : {}) };
}

/** The flag to decide: 404 when unknown, 409 INVALID_STATE when not OPEN. */
async function openFlag(db: DynamoDBDocumentClient, table: string, id: string): Promise<FlagRecord> {
  const flag = await readFlag(db, table, id);
  if (!flag) throw new NotFoundError(`Fraud flag ${id} not found`);
  if (flag.status !== "OPEN") throw new InvalidStateError(`Fraud flag ${id} is ${flag.status}; only an OPEN flag can be decided`, { details: { status: flag.status } });
  return flag;
}

/** POST /admin/fraud/flags/{id}/dismiss: OPEN → DISMISSED with the operator's reason, audited. A suspension stays: reinstate the merchant apart. */
export async function dismissFlag(
  input: Dependencies<"fraud" | "audit"> & { flagId: string; reason: string; operator: string },
): Promise<FlagView> {
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const flag = await openFlag(input.db, input.tables.fraud, input.flagId);
    const at = input.now().toISOString();
    const failed = await transact(input.db, flagDecisionItems(input.tables, flag, { status: "DISMISSED", who: input.operator, reason: input.reason, at, action: "fraud.dismiss" }));
    if (failed === undefined) return toFlagView({ ...flag, status: "DISMISSED", decidedAt: at, decidedBy: input.operator, reason: input.reason, updatedAt: at, version: flag.version + 1 });
  }
  throw new ConcurrentUpdateError(`Fraud flag ${input.flagId} kept changing; try again`);
}

type ReviewTables = "fraud" | "audit" | "merchants" | "redemptions" | "settlements";

/**
 * POST /admin/fraud/flags/{id}/confirm: OPEN → CONFIRMED and the merchant suspended (when it is
 * APPROVED), in one transaction with both audit items; then {@link enforceFlag}.
 */
export async function confirmFlag(input: Dependencies<ReviewTables> & { flagId: string; reason: string; forfeit: boolean; operator: string }): Promise<FlagView> {
  const { db, tables } = input;
  let confirmed: FlagRecord | undefined;
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS && !confirmed; attempt++) {
    const flag = await openFlag(db, tables.fraud, input.flagId);
    const merchant = await readMerchant(db, tables.merchants, flag.merchantId);
    const at = input.now().toISOString();
    const decision = flagDecisionItems(tables, flag, { status: "CONFIRMED", who: input.operator, reason: input.reason, at, forfeit: input.forfeit, action: "fraud.confirm" });
    const reason = suspensionReason(flag.id, input.reason);
    const suspension =
      merchant?.status === "APPROVED"
        ? merchantStatusItems(tables, merchant, nextMerchantRecord(merchant, "suspend", reason, at), { action: "merchant.suspend", who: input.operator, at, reason })
        : [];
    // Either condition failing (the merchant or the flag changed since read) is judged again on fresh reads.
    if ((await transact(db, [...decision, ...suspension])) === undefined) {
      confirmed = { ...flag, status: "CONFIRMED", decidedAt: at, decidedBy: input.operator, reason: input.reason, forfeit: input.forfeit, updatedAt: at, version: flag.version + 1 };
    }
  }
  if (!confirmed) throw new ConcurrentUpdateError(`Fraud flag ${input.flagId} kept changing; try again`);
  return enforce(input, confirmed, input.operator);
}

/**
 * POST /admin/fraud/flags/{id}/enforce: applies a CONFIRMED flag's consequences again (safe to
 * repeat): forfeits HELD statements the suspension held since (with `forfeit`), claws back named
 * redemptions paid since (a payout that was under way at confirmation, or a statement released
 * by a reinstatement). 409 for a flag that is not CONFIRMED.
 */
export async function enforceFlag(input: Dependencies<ReviewTables> & { flagId: string; operator: string }): Promise<FlagView> {
  const flag = await readFlag(input.db, input.tables.fraud, input.flagId);
  if (!flag) throw new NotFoundError(`Fraud flag ${input.flagId} not found`);
  if (flag.status !== "CONFIRMED") throw new InvalidStateError(`Fraud flag ${input.flagId} is ${flag.status}; only a CONFIRMED flag is enforced`, { details: { status: flag.status } });
  return enforce(input, flag, input.operator);
}

async function enforce(input: Dependencies<ReviewTables>, flag: FlagRecord, operator: string): Promise<FlagView> {
  const { db, tables } = input;
  const at = input.now().toISOString();
  const forfeited = new Set(flag.enforcement?.forfeited ?? []);
  if (flag.forfeit === true) {
    const merchant = await readMerchant(db, tables.merchants, flag.merchantId);
    const reason = suspensionReason(flag.id, flag.reason ?? "confirmed");
    for (const statement of await readStatementsOf(db, tables.settlements, flag.campaignId, flag.merchantId)) {
      // Forfeiture holds while the merchant is suspended: a reinstatement gave its held money back.
      if (statement.status === "HELD" && merchant?.status === "SUSPENDED") {
        await moveStatement(db, tables, statement, { to: "FORFEITED", reason }, at, { action: "statement.forfeit", who: operator, reason });
      }
      // Read again rather than trusting the move's answer: a move whose answer was lost, or one an
      // earlier enforcement made before dying, is this flag's forfeiture too.
      const now = statement.status === "HELD" ? await readStatement(db, tables.settlements, statement) : statement;
      if (now?.status === "FORFEITED" && now.forfeitReason?.startsWith(suspensionReason(flag.id, "")) === true) forfeited.add(now.statementId);
    }
  }
  // Marked after the move, on every enforcement (idempotent): a crash between the two is repaired
  // by the next /enforce. The marks keep a later refund from charging back a discount never paid.
  for (const id of forfeited) {
    const [campaignId, merchantId, period] = id.split("/");
    await markForfeitedRecords(db, tables, { campaignId: campaignId!, merchantId: merchantId!, period: period!, statementId: id });
  }

  const outcome = new EnforcementOutcome();
  const statements = new StatementPaths(input);
  const seen = new Set<string>();
  const judge = async (ref: TransactionRef, redemption?: RedemptionRecord) => {
    const key = `${ref.partnerId}#${ref.transactionId}`;
    if (seen.has(key)) return;
    seen.add(key);
    outcome.add(await clawBackOne(input, flag, ref, at, operator, statements, redemption), ref);
  };
  for (const ref of flag.evidence.transactions) await judge(ref);
  // Beyond the evidence (capped): every redemption of the flag's subject in its window, from the
  // ledger, a page at a time. Each clawback is once per transaction, so a repeat claws back nothing twice.
  const config = (await readConfig(db, tables.fraud, flag.campaignId, { consistent: true }))?.config ?? DEFAULT_FRAUD_CONFIG;
  const scope = clawbackScope(flag, config);
  if (scope) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await readRedemptionPage(db, tables.redemptions, {
        campaignId: flag.campaignId,
        merchantId: flag.merchantId,
        from: scope.from,
        before: scope.before,
        limit: CLAWBACK_PAGE_SIZE,
        startKey,
      });
      for (const redemption of page.redemptions) if (inClawbackScope(scope, redemption)) await judge(redemption, redemption);
      startKey = page.lastKey;
    } while (startKey);
  }
  const enforcement: Enforcement = { at, forfeited: [...forfeited], ...outcome.lists() };
  await recordEnforcement(db, tables.fraud, flag.id, enforcement);
  return toFlagView({ ...flag, enforcement, updatedAt: at });
}

type ClawbackVerdict = "clawedBack" | "withheld" | "pending" | "notApplicable";

/** What an enforcement did to each transaction: every count, and the first MAX_EVIDENCE_TRANSACTIONS of each list (the flag stays a small item). */
class EnforcementOutcome {
  private readonly refs: Record<ClawbackVerdict, TransactionRef[]> = { clawedBack: [], withheld: [], pending: [], notApplicable: [] };
  private readonly counts: Record<ClawbackVerdict, number> = { clawedBack: 0, withheld: 0, pending: 0, notApplicable: 0 };

  add(verdict: ClawbackVerdict, ref: TransactionRef): void {
    this.counts[verdict]++;
    if (this.refs[verdict].length < MAX_EVIDENCE_TRANSACTIONS) this.refs[verdict].push({ partnerId: ref.partnerId, transactionId: ref.transactionId });
  }

  lists() {
    return { ...this.refs, counts: { ...this.counts } };
  }
}

/**
 * Where a statement's money went, read once per enforcement: a CARRIED statement's value went
 * wherever the statement it was folded into (`carriedInto`) went, so the chain is followed to a
 * statement that is not CARRIED. Undefined for a statement not found, or CARRIED and not yet folded.
 */
class StatementPaths {
  private readonly known = new Map<string, Promise<StatementRecord | undefined>>();

  constructor(private readonly input: Dependencies<ReviewTables>) {}

  settledIn(statementId: string): Promise<StatementRecord | undefined> {
    if (!this.known.has(statementId)) this.known.set(statementId, this.follow(statementId));
    return this.known.get(statementId)!;
  }

  private async follow(statementId: string): Promise<StatementRecord | undefined> {
    let id: string | undefined = statementId;
    // Bounded: each fold goes to a later period, so a chain is at most as long as the campaign's days.
    for (let hops = 0; id !== undefined && hops < 1_000; hops++) {
      const [campaignId, merchantId, period] = id.split("/");
      const statement = await readStatement(this.input.db, this.input.tables.settlements, { campaignId: campaignId!, merchantId: merchantId!, period: period! });
      if (statement?.status !== "CARRIED") return statement;
      id = statement.carriedInto;
    }
    return undefined;
  }
}

/**
 * What becomes of one transaction: clawed back (now or before), withheld (not yet paid), pending
 * (payout under way), or not one to claw back. A redemption whose statement was CARRIED counts as
 * paid once the statement it was folded into is PAID: its value was netted into that payout.
 */
async function clawBackOne(
  input: Dependencies<ReviewTables>,
  flag: FlagRecord,
  ref: TransactionRef,
  at: string,
  operator: string,
  statements: StatementPaths,
  ledgerRedemption?: RedemptionRecord,
  attempt = 0,
): Promise<ClawbackVerdict> {
  const { db, tables } = input;
  const record = await readTransaction(db, tables.redemptions, ref.partnerId, ref.transactionId);
  if (clawedBack(record)) return "clawedBack";
  if (record?.status !== "REDEEMED" || record.refund !== undefined || record.merchantId !== flag.merchantId || record.campaignId !== flag.campaignId) {
    return "notApplicable";
  }
  const redemption = ledgerRedemption ?? (await readRedemptionRecord(db, tables.redemptions, record));
  if (!redemption) return "notApplicable";
  if (redemption.statementId === undefined) return "withheld";
  const statement = await statements.settledIn(redemption.statementId);
  if (statement?.status === "PENDING") return "pending";
  if (statement?.status !== "PAID") return "withheld";
  const outcome = await clawBack(db, tables.redemptions, {
    record,
    redemption,
    flagId: flag.id,
    at,
    audit: {
      table: tables.audit,
      entry: {
        entityType: "FRAUD_FLAG",
        entityId: flag.id,
        action: "fraud.clawback",
        who: operator,
        at,
        version: flag.version,
        reason: flag.reason,
        after: {
          partnerId: ref.partnerId,
          transactionId: ref.transactionId,
          merchantId: flag.merchantId,
          discount: -redemption.discount,
          paidIn: statement.statementId,
          ...(statement.statementId === redemption.statementId ? {} : { carriedFrom: redemption.statementId }),
        },
      },
    },
  });
  if (outcome.outcome === "clawed-back") return "clawedBack";
  // Only a partial refund landed meanwhile (the write is conditioned on `refunded` as read): still to claw back, from the record as it is now.
  const now = outcome.record;
  if (now.status === "REDEEMED" && now.refund === undefined && now.clawback === undefined && attempt < 5) {
    return clawBackOne(input, flag, ref, at, operator, statements, ledgerRedemption, attempt + 1);
  }
  // Refunded or clawed back meanwhile.
  return clawedBack(now) ? "clawedBack" : "notApplicable";
}

function clawedBack(record: TransactionRecord | undefined): boolean {
  return record !== undefined && record.status !== "REFUNDED_BEFORE_PAYMENT" && record.clawback !== undefined;
}
