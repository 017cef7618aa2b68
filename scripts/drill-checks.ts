/**
 * The invariants of DESIGN.md §6 that a drill can observe from outside, checked over plain data
 * that `npm run drill` gathers (through the HTTP API where a route exposes it, the tables where
 * none does). Each check returns the violations it found, one sentence each; none is a pass.
 */

/** A drop's stock of one voucher type, and the vouchers issued from it. */
export interface DropStock {
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  stock: number;
}

export interface IssuedVoucher {
  voucherId: string;
  owner: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
}

/** A ledger record as the redemptions table holds it. */
export interface LedgerRecord {
  kind: "REDEMPTION" | "REVERSAL" | "CLAWBACK" | "PARTIAL_REFUND";
  /** PARTIAL_REFUND: the refund event (a transaction may have several). */
  eventId?: string | undefined;
  campaignId: string;
  merchantId: string;
  partnerId: string;
  transactionId: string;
  voucherId: string;
  discount: number;
}

/** Every answer a transaction's deliveries got (status and body), in order. */
export interface Deliveries {
  route: "payments" | "refunds";
  partnerId: string;
  /** The transaction, and for refunds the event id (each refund event is delivered several times). */
  key: string;
  answers: { status: number; body: unknown }[];
}

/** A statement and the ledger records it holds (by `ledgerRecordId`). */
export interface StatementHolding {
  statementId: string;
  status: string;
  records: string[];
}

/** A payout the partner simulator received. */
export interface ReceivedPayout {
  statementId: string | undefined;
  outcome: string;
  payoutId: string | undefined;
}

export interface Books {
  campaignId: string;
  balanced: boolean;
  difference: number;
  problems: string[];
}

/** How a ledger record is named across the ledger and statement lines. */
export function ledgerRecordId(record: Pick<LedgerRecord, "partnerId" | "transactionId" | "kind" | "eventId">): string {
  const id = `${record.partnerId}/${record.transactionId}/${record.kind}`;
  return record.kind === "PARTIAL_REFUND" ? `${id}/${record.eventId ?? "?"}` : id;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Invariant 1: vouchers issued ≤ stock, per drop and voucher type. */
export function checkIssuedWithinStock(stocks: readonly DropStock[], vouchers: readonly IssuedVoucher[]): string[] {
  const issued = countBy(vouchers, (v) => `${v.campaignId}/${v.dropId}/${v.voucherTypeId}`);
  return stocks.flatMap((s) => {
    const count = issued.get(`${s.campaignId}/${s.dropId}/${s.voucherTypeId}`) ?? 0;
    return count > s.stock ? [`invariant 1: drop ${s.campaignId}/${s.dropId} issued ${count} vouchers of ${s.voucherTypeId}, stock ${s.stock}`] : [];
  });
}

/** Invariant 2: no person holds more vouchers of a campaign than its per-person limit. */
export function checkPerPersonLimit(limits: Readonly<Record<string, number>>, vouchers: readonly IssuedVoucher[]): string[] {
  const held = countBy(vouchers, (v) => `${v.campaignId}\u0000${v.owner}`);
  return [...held.entries()].flatMap(([key, count]) => {
    const [campaignId, owner] = key.split("\u0000") as [string, string];
    const limit = limits[campaignId];
    return limit !== undefined && count > limit ? [`invariant 2: ${owner} holds ${count} vouchers of ${campaignId}, limit ${limit}`] : [];
  });
}

/** Invariant 4: each voucher redeemed at most once (one REDEMPTION record per voucher). */
export function checkVoucherRedeemedOnce(ledger: readonly LedgerRecord[]): string[] {
  const redemptions = countBy(
    ledger.filter((r) => r.kind === "REDEMPTION"),
    (r) => r.voucherId,
  );
  return [...redemptions.entries()].filter(([, n]) => n > 1).map(([voucherId, n]) => `invariant 4: voucher ${voucherId} redeemed ${n} times`);
}

/**
 * Invariant 4: each partner transaction applied at most once (at most one redemption and one
 * reversal per transaction), and every successful delivery of the same transaction or refund
 * event answered the same.
 */
export function checkTransactionAppliedOnce(ledger: readonly LedgerRecord[], deliveries: readonly Deliveries[]): string[] {
  const violations: string[] = [];
  for (const [id, n] of countBy(ledger, ledgerRecordId)) if (n > 1) violations.push(`invariant 4: ledger record ${id} written ${n} times`);
  for (const delivery of deliveries) {
    const ok = delivery.answers.filter((a) => a.status === 200);
    const first = JSON.stringify(ok[0]?.body);
    const differing = ok.filter((a) => JSON.stringify(a.body) !== first);
    if (differing.length > 0) {
      violations.push(`invariant 4: ${delivery.route} ${delivery.partnerId}/${delivery.key} answered differently on redelivery: ${first} then ${JSON.stringify(differing[0]!.body)}`);
    }
  }
  return violations;
}

/** Invariant 5: every ledger record is in exactly one statement, and no statement holds a record the ledger lacks. */
export function checkRecordsInOneStatement(ledger: readonly LedgerRecord[], statements: readonly StatementHolding[]): string[] {
  const holders = new Map<string, string[]>();
  for (const statement of statements) for (const record of statement.records) holders.set(record, [...(holders.get(record) ?? []), statement.statementId]);
  const violations: string[] = [];
  const known = new Set(ledger.map(ledgerRecordId));
  for (const id of known) {
    const held = holders.get(id) ?? [];
    if (held.length === 0) violations.push(`invariant 5: ledger record ${id} is in no statement`);
    if (held.length > 1) violations.push(`invariant 5: ledger record ${id} is in ${held.length} statements (${held.join(", ")})`);
  }
  for (const [id, held] of holders) if (!known.has(id)) violations.push(`invariant 5: statement ${held.join(", ")} holds ${id}, which the ledger does not`);
  return violations;
}

/** Invariant 5: a payout is made at most once per statement (one accepted payout id each). */
export function checkPayoutOncePerStatement(payouts: readonly ReceivedPayout[]): string[] {
  const paid = new Map<string, Set<string>>();
  for (const payout of payouts) {
    if (payout.outcome !== "accepted" || payout.statementId === undefined) continue;
    paid.set(payout.statementId, (paid.get(payout.statementId) ?? new Set()).add(payout.payoutId ?? "?"));
  }
  return [...paid.entries()].filter(([, ids]) => ids.size > 1).map(([statementId, ids]) => `invariant 5: statement ${statementId} paid ${ids.size} times (${[...ids].join(", ")})`);
}

/** A claim answered 201: the voucher it named, to whom. */
export interface AnsweredClaim {
  resident: string;
  voucherId: string;
}

/**
 * Invariants 1 and 2 seen from the claimant's side: every voucher a claim answered is issued, to
 * that resident. The claim writes the person's slot and then the voucher (DESIGN.md §8); a 201
 * naming a voucher that was never filed, or one a retry with the same Idempotency-Key answered
 * differently, would break the promise the answer made.
 */
export function checkAnsweredClaimsIssued(answered: readonly AnsweredClaim[], vouchers: readonly IssuedVoucher[]): string[] {
  const owners = new Map(vouchers.map((v) => [v.voucherId, v.owner]));
  return answered.flatMap(({ resident, voucherId }) => {
    const owner = owners.get(voucherId);
    if (owner === undefined) return [`claims: ${resident} was answered voucher ${voucherId}, which was never issued`];
    return owner === resident ? [] : [`claims: ${resident} was answered voucher ${voucherId}, which is ${owner}'s`];
  });
}

/** Invariant 6: the campaign's books balance to the fen. */
export function checkBooksBalanced(books: Books): string[] {
  if (books.balanced && books.difference === 0 && books.problems.length === 0) return [];
  return [`invariant 6: campaign ${books.campaignId} does not balance (difference ${books.difference} fen)${books.problems.length > 0 ? `: ${books.problems.join("; ")}` : ""}`];
}

export interface DrillObservations {
  stocks: DropStock[];
  limits: Record<string, number>;
  vouchers: IssuedVoucher[];
  /** Every claim answered 201. */
  answeredClaims: AnsweredClaim[];
  ledger: LedgerRecord[];
  deliveries: Deliveries[];
  statements: StatementHolding[];
  payouts: ReceivedPayout[];
  books: Books[];
}

/** Every check, by invariant; an empty list means none was seen broken. */
export function checkInvariants(observed: DrillObservations): string[] {
  return [
    ...checkIssuedWithinStock(observed.stocks, observed.vouchers),
    ...checkPerPersonLimit(observed.limits, observed.vouchers),
    ...checkAnsweredClaimsIssued(observed.answeredClaims, observed.vouchers),
    ...checkVoucherRedeemedOnce(observed.ledger),
    ...checkTransactionAppliedOnce(observed.ledger, observed.deliveries),
    ...checkRecordsInOneStatement(observed.ledger, observed.statements),
    ...checkPayoutOncePerStatement(observed.payouts),
    ...observed.books.flatMap(checkBooksBalanced),
  ];
}
