/**
 * The drill's invariant checks (scripts/drill-checks.ts) over plain data: a clean run passes,
 * and data that breaks each invariant fails the matching check, naming what broke.
 */
import { describe, expect, it } from "vitest";
import {
  checkAnsweredClaimsIssued,
  checkBooksBalanced,
  checkInvariants,
  checkIssuedWithinStock,
  checkPayoutOncePerStatement,
  checkPerPersonLimit,
  checkRecordsInOneStatement,
  checkTransactionAppliedOnce,
  checkVoucherRedeemedOnce,
  type DrillObservations,
  type LedgerRecord,
} from "../../scripts/drill-checks.js";

const voucher = (voucherId: string, owner: string, voucherTypeId = "100-30") => ({ voucherId, owner, campaignId: "c1", dropId: "d1", voucherTypeId });
const redemption = (transactionId: string, voucherId: string): LedgerRecord => ({
  kind: "REDEMPTION",
  campaignId: "c1",
  merchantId: "m1",
  partnerId: "bank",
  transactionId,
  voucherId,
  discount: 3_000,
});
const reversal = (transactionId: string, voucherId: string): LedgerRecord => ({ ...redemption(transactionId, voucherId), kind: "REVERSAL", discount: -3_000 });

function clean(): DrillObservations {
  return {
    stocks: [{ campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", stock: 2 }],
    limits: { c1: 1 },
    vouchers: [voucher("v1", "alice"), voucher("v2", "bob")],
    answeredClaims: [{ resident: "alice", voucherId: "v1" }, { resident: "alice", voucherId: "v1" }, { resident: "bob", voucherId: "v2" }],
    ledger: [redemption("t1", "v1"), redemption("t2", "v2"), reversal("t2", "v2")],
    deliveries: [{ route: "payments", partnerId: "bank", key: "t1", answers: [{ status: 200, body: { discount: 3_000 } }, { status: 503, body: {} }, { status: 200, body: { discount: 3_000 } }] }],
    statements: [
      { statementId: "c1/m1/2026-12-04", status: "PAID", records: ["bank/t1/REDEMPTION", "bank/t2/REDEMPTION", "bank/t2/REVERSAL"] },
    ],
    payouts: [
      { statementId: "c1/m1/2026-12-04", outcome: "failed", payoutId: undefined },
      { statementId: "c1/m1/2026-12-04", outcome: "accepted", payoutId: "po1" },
      { statementId: "c1/m1/2026-12-04", outcome: "repeated", payoutId: "po1" },
    ],
    books: [{ campaignId: "c1", balanced: true, difference: 0, problems: [] }],
  };
}

describe("the drill's invariant checks", () => {
  it("find nothing in a clean run", () => {
    expect(checkInvariants(clean())).toEqual([]);
  });

  it("see more vouchers issued than stock (invariant 1)", () => {
    const vouchers = [...clean().vouchers, voucher("v3", "carol")];
    expect(checkIssuedWithinStock(clean().stocks, vouchers)).toEqual(["invariant 1: drop c1/d1 issued 3 vouchers of 100-30, stock 2"]);
  });

  it("see a person over the per-person limit (invariant 2)", () => {
    expect(checkPerPersonLimit({ c1: 1 }, [voucher("v1", "alice"), voucher("v2", "alice")])).toEqual(["invariant 2: alice holds 2 vouchers of c1, limit 1"]);
  });

  it("see a claim answered with a voucher never issued (a slot without its voucher), or with another's", () => {
    expect(checkAnsweredClaimsIssued([{ resident: "carol", voucherId: "v9" }, { resident: "carol", voucherId: "v2" }], clean().vouchers)).toEqual([
      "claims: carol was answered voucher v9, which was never issued",
      "claims: carol was answered voucher v2, which is bob's",
    ]);
  });

  it("see a voucher redeemed twice (invariant 4)", () => {
    expect(checkVoucherRedeemedOnce([redemption("t1", "v1"), redemption("t9", "v1")])).toEqual(["invariant 4: voucher v1 redeemed 2 times"]);
  });

  it("see a transaction applied twice, or answered differently on redelivery (invariant 4)", () => {
    expect(checkTransactionAppliedOnce([redemption("t1", "v1"), redemption("t1", "v1")], [])).toEqual(["invariant 4: ledger record bank/t1/REDEMPTION written 2 times"]);
    const differing = [{ route: "payments" as const, partnerId: "bank", key: "t1", answers: [{ status: 200, body: { discount: 3_000 } }, { status: 200, body: { discount: 0 } }] }];
    expect(checkTransactionAppliedOnce([], differing)).toEqual([
      'invariant 4: payments bank/t1 answered differently on redelivery: {"discount":3000} then {"discount":0}',
    ]);
  });

  it("see a record in no statement, in two, or a statement line the ledger lacks (invariant 5)", () => {
    const ledger = [redemption("t1", "v1"), redemption("t2", "v2")];
    expect(
      checkRecordsInOneStatement(ledger, [
        { statementId: "s1", status: "PAID", records: ["bank/t1/REDEMPTION", "bank/t9/REDEMPTION"] },
        { statementId: "s2", status: "PAID", records: ["bank/t1/REDEMPTION"] },
      ]),
    ).toEqual([
      "invariant 5: ledger record bank/t1/REDEMPTION is in 2 statements (s1, s2)",
      "invariant 5: ledger record bank/t2/REDEMPTION is in no statement",
      "invariant 5: statement s1 holds bank/t9/REDEMPTION, which the ledger does not",
    ]);
  });

  it("tell a transaction's partial refunds apart by event, and see one that no statement holds (invariant 5)", () => {
    const partial = (eventId: string): LedgerRecord => ({ ...redemption("t1", "v1"), kind: "PARTIAL_REFUND", eventId, discount: 0 });
    const ledger = [redemption("t1", "v1"), partial("e1"), partial("e2")];
    expect(checkTransactionAppliedOnce(ledger, [])).toEqual([]);
    expect(
      checkRecordsInOneStatement(ledger, [{ statementId: "s1", status: "PAID", records: ["bank/t1/REDEMPTION", "bank/t1/PARTIAL_REFUND/e1"] }]),
    ).toEqual(["invariant 5: ledger record bank/t1/PARTIAL_REFUND/e2 is in no statement"]);
  });

  it("see a statement paid twice (invariant 5)", () => {
    expect(
      checkPayoutOncePerStatement([
        { statementId: "s1", outcome: "accepted", payoutId: "po1" },
        { statementId: "s1", outcome: "accepted", payoutId: "po2" },
      ]),
    ).toEqual(["invariant 5: statement s1 paid 2 times (po1, po2)"]);
  });

  it("see books that do not balance (invariant 6)", () => {
    expect(checkBooksBalanced({ campaignId: "c1", balanced: false, difference: 3_000, problems: ["statement s1 net 0 ≠ lines 3000"] })).toEqual([
      "invariant 6: campaign c1 does not balance (difference 3000 fen): statement s1 net 0 ≠ lines 3000",
    ]);
  });

  it("report every broken invariant of one run together", () => {
    const broken = clean();
    broken.vouchers.push(voucher("v3", "alice"), voucher("v4", "dave"));
    broken.books[0] = { campaignId: "c1", balanced: false, difference: 1, problems: [] };
    expect(checkInvariants(broken).map((line) => line.split(":")[0])).toEqual(["invariant 1", "invariant 2", "invariant 6"]);
  });
});
