/**
 * The payment and refund webhooks without storage: body parsing, answer shapes, ledger ordering,
 * and that a bad request or a known transaction touches nothing more than it must.
 */
import { instantAnswer } from "../../shared/use-cases/instant-discounts.js";
import { paymentAnswerOf, transactionRecordSchema } from "../../shared/store/transactions.js";
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { resetConfig } from "../../shared/config.js";
import { DEFAULT_MAX_PARTNER_AMOUNT } from "../../shared/domain/partner-limits.js";
import { ValidationError } from "../../shared/errors.js";
import {
  type PaymentDependencies,
  noDiscountAnswer,
  recordPayment,
  recordRefund,
  redeemedAnswer,
} from "../../shared/use-cases/payments.js";
import { parseWith } from "../../shared/http/route.js";
import { answerPayment, handler as paymentHandler, paymentDependencies } from "../../functions/payments/record-payment.js";
import { answerRefund } from "../../functions/payments/record-refund.js";
import { httpEvent, partnerCall } from "../support/http-event.js";
import { transactionKey } from "../../shared/store/keys.js";
import { ledgerSortKey, utcInstant } from "../../shared/store/ledger.js";
import { type PaymentBody, type RefundBody, paymentAnswerSchema, paymentBodySchema, refundBodySchema } from "../../shared/api/payment-schemas.js";

const payment = {
  eventId: "evt-1",
  transactionId: "txn-1",
  merchantId: "m-1",
  payerId: "alice",
  amount: 12_000,
  occurredAt: "2026-11-05T12:00:00+08:00",
};
const refund = { eventId: "evt-2", transactionId: "txn-1", occurredAt: "2026-11-05T13:00:00+08:00" };

// What the payment and refund handlers do with the decoded JSON body (parseBody).
const parsePaymentBody = (body: unknown) => parseWith(paymentBodySchema, body, "payment");
const parseRefundBody = (body: unknown) => parseWith(refundBodySchema, body, "refund");
const context = { awsRequestId: "req-1", functionName: "probe", getRemainingTimeInMillis: () => 1000 } as unknown as Context;

/** The issue paths of the ValidationError `run` throws. */
function issuePaths(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return ((error as ValidationError).details as { path: string }[]).map((issue) => issue.path);
  }
  throw new Error("expected a ValidationError");
}

/** A client that answers each command with `reply` and records what it was sent. */
function fakeDb(reply: (command: unknown) => unknown): { db: DynamoDBDocumentClient; sent: unknown[] } {
  const sent: unknown[] = [];
  const db = {
    send: (command: unknown) => {
      sent.push(command);
      return Promise.resolve(reply(command));
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, sent };
}

function deps(db: DynamoDBDocumentClient): PaymentDependencies {
  return { db, tables: { vouchers: "v", campaigns: "c", merchants: "m", redemptions: "r", inventory: "i" }, now: () => new Date("2026-11-05T05:00:00Z") };
}

describe("the payment body", () => {
  it("accepts the documented fields, voucherId optional", () => {
    expect(parsePaymentBody(payment)).toEqual(payment);
    expect(parsePaymentBody({ ...payment, voucherId: "v1" })).toEqual({ ...payment, voucherId: "v1" });
  });

  // Strict (API.md, "Partner interface hardening"): no other partner route's signed body is a payment.
  it.each([
    ["an unknown field", { ...payment, channel: "qr" }, "channel"],
    ["a refund's amount-less body with a stray field", { eventId: "e", transactionId: "t", occurredAt: payment.occurredAt, reversed: true }, "reversed"],
    ["a merchant submission", { id: "m-1", name: "小店", sector: "restaurant" }, "id"],
  ])("refuses %s", (_, body, field) => {
    expect(() => parsePaymentBody(body)).toThrow(ValidationError);
    try {
      parsePaymentBody(body);
    } catch (error) {
      expect(JSON.stringify((error as ValidationError).details)).toContain(field);
    }
  });

  it("accepts an instant in UTC too", () => {
    expect(parsePaymentBody({ ...payment, occurredAt: "2026-11-05T04:00:00Z" }).occurredAt).toBe("2026-11-05T04:00:00Z");
  });

  it("names every missing field", () => {
    expect(issuePaths(() => parsePaymentBody({})).sort()).toEqual(["amount", "eventId", "merchantId", "occurredAt", "payerId", "transactionId"]);
  });

  it.each([
    ["amount", 12.5],
    ["amount", "12000"],
    ["occurredAt", "2026-11-05T12:00:00"],
    ["occurredAt", "2026-11-05"],
    ["occurredAt", "yesterday"],
    ["occurredAt", "2026-02-30T12:00:00+08:00"],
    ["occurredAt", "2026-11-05T24:00:00+08:00"],
    ["transactionId", "txn#1"],
    ["transactionId", ""],
    ["transactionId", "x".repeat(65)],
    ["merchantId", "m 1"],
    ["eventId", 7],
    ["payerId", ""],
    ["voucherId", "v#1"],
  ])("rejects %s = %j", (field, value) => {
    expect(issuePaths(() => parsePaymentBody({ ...payment, [field]: value }))).toEqual([field]);
  });

  it.each([undefined, null, "[]", 42, []])("rejects a body that is not an object: %j", (body) => {
    expect(() => parsePaymentBody(body)).toThrow(ValidationError);
  });
});

describe("the refund body", () => {
  it("accepts {eventId, transactionId, occurredAt} and an optional amount", () => {
    expect(parseRefundBody(refund)).toEqual(refund);
    expect(parseRefundBody({ ...refund, amount: 5 })).toEqual({ ...refund, amount: 5 });
  });

  it.each([
    ["an unknown field", { ...refund, reason: "returned" }],
    ["a payment's body", payment],
    ["a merchant submission", { id: "m-1", name: "小店", sector: "restaurant" }],
  ])("refuses %s", (_, body) => {
    expect(() => parseRefundBody(body)).toThrow(ValidationError);
  });

  it("refuses an amount that is not a whole number of fen", () => {
    expect(issuePaths(() => parseRefundBody({ ...refund, amount: 1.5 }))).toEqual(["amount"]);
  });

  it("names every bad field", () => {
    expect(issuePaths(() => parseRefundBody({ eventId: "e#", occurredAt: "soon" })).sort()).toEqual(["eventId", "occurredAt", "transactionId"]);
  });
});

describe("the answers", () => {
  it("to a redemption are {transactionId, campaignId, voucherId, discount, payable}, in that order", () => {
    const answer = redeemedAnswer("txn-1", "c1", "v1", 3_000, 9_000);
    expect(JSON.stringify(answer)).toBe('{"transactionId":"txn-1","campaignId":"c1","voucherId":"v1","discount":3000,"payable":9000}');
    expect(paymentAnswerSchema.parse(answer)).toEqual(answer);
  });

  it("to an instant discount are {transactionId, campaignId, instantDiscountId, voucherId: null, discount, payable}, in that order", () => {
    const answer = instantAnswer("txn-1", "c1", "swipe", 2_000, 10_000);
    expect(JSON.stringify(answer)).toBe('{"transactionId":"txn-1","campaignId":"c1","instantDiscountId":"swipe","voucherId":null,"discount":2000,"payable":10000}');
    expect(paymentAnswerSchema.parse(answer)).toEqual(answer);
  });

  it("without a discount have voucherId null, discount 0, the whole amount payable and the reason", () => {
    const answer = noDiscountAnswer("txn-1", 12_000, "MERCHANT_NOT_APPROVED");
    expect(JSON.stringify(answer)).toBe('{"transactionId":"txn-1","voucherId":null,"discount":0,"payable":12000,"reason":"MERCHANT_NOT_APPROVED"}');
  });

  it("read back in any key order come out in the answer's order", () => {
    const stored = { reason: "TRANSACTION_REFUNDED", payable: 12_000, discount: 0, voucherId: null, transactionId: "txn-1" };
    expect(JSON.stringify(paymentAnswerSchema.parse(stored))).toBe(JSON.stringify(noDiscountAnswer("txn-1", 12_000, "TRANSACTION_REFUNDED")));
  });

  it("never carry a discount without a voucher, or an unknown reason", () => {
    expect(paymentAnswerSchema.safeParse({ transactionId: "t", voucherId: null, discount: 5, payable: 1, reason: "BELOW_THRESHOLD" }).success).toBe(false);
    expect(() => noDiscountAnswer("t", 100, "TOO_LATE" as never)).toThrow();
  });
});

describe("the ledger's sort key", () => {
  it("is the UTC instant, so offsets sort by time, not by text", () => {
    const early = ledgerSortKey("2026-11-09T09:00:00+08:00", "p", "t1", "REDEMPTION");
    const late = ledgerSortKey("2026-11-09T02:00:00Z", "p", "t2", "REVERSAL");
    expect(early).toBe("2026-11-09T01:00:00.000Z#p#t1#R");
    expect(late).toBe("2026-11-09T02:00:00.000Z#p#t2#V");
    expect(early < late).toBe(true);
  });

  it("refuses what is not an instant", () => {
    expect(() => utcInstant("tomorrow")).toThrow(RangeError);
  });
});

describe("the payment and refund handlers", () => {
  it("reject a bad body or partner id before reading anything", async () => {
    const { db, sent } = fakeDb(() => ({}));
    await expect(answerPayment(partnerCall("bank-a", "/partners/{partnerId}/payments", { ...payment, amount: 1.5 }), deps(db))).rejects.toBeInstanceOf(ValidationError);
    await expect(answerRefund(partnerCall("bank-a", "/partners/{partnerId}/refunds", {}), deps(db))).rejects.toBeInstanceOf(ValidationError);
    // A partner id that is not an id never reaches the use case: the signed route refuses it.
    const badPartner = httpEvent({ route: "/partners/{partnerId}/payments", pathParameters: { partnerId: "bank#a" }, body: payment });
    expect(await paymentHandler.run(badPartner, context)).toMatchObject({ statusCode: 401 });
    expect(sent).toEqual([]);
  });
});

describe("recordPayment and recordRefund", () => {

  // The clock is 2026-11-05T05:00:00Z; the maximum 100,000,000 fen unless configured.
  it.each([
    ["a payment of 0 fen", () => ({ payment: { ...payment, amount: 0 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a payment of −1 fen", () => ({ payment: { ...payment, amount: -1 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a payment of 100,000,001 fen", () => ({ payment: { ...payment, amount: 100_000_001 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a payment of 2^53 fen", () => ({ payment: { ...payment, amount: Number.MAX_SAFE_INTEGER + 1 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a payment of 5e15 fen", () => ({ payment: { ...payment, amount: 5e15 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a payment above a configured maximum", () => ({ payment: { ...payment, amount: 10_001 }, max: 10_000 }), "AMOUNT_OUT_OF_RANGE"],
    ["a refund of 0 fen", () => ({ refund: { ...refund, amount: 0 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a refund of 100,000,001 fen", () => ({ refund: { ...refund, amount: 100_000_001 } }), "AMOUNT_OUT_OF_RANGE"],
    ["a payment 5 min + 1 ms ahead of the clock", () => ({ payment: { ...payment, occurredAt: "2026-11-05T05:05:00.001Z" } }), "OCCURRED_IN_FUTURE"],
    ["a refund 5 min + 1 s ahead of the clock", () => ({ refund: { ...refund, occurredAt: "2026-11-05T13:05:01+08:00" } }), "OCCURRED_IN_FUTURE"],
    ["a refund dated 2099", () => ({ refund: { ...refund, occurredAt: "2099-01-01T00:00:00+08:00" } }), "OCCURRED_IN_FUTURE"],
  ])("refuse %s before reading anything: %s", async (_, build, code) => {
    const { db, sent } = fakeDb(() => ({}));
    const input: { payment?: PaymentBody; refund?: RefundBody; max?: number } = build();
    const call = input.payment
      ? recordPayment({ partnerId: "bank-a", body: input.payment }, { ...deps(db), ...(input.max === undefined ? {} : { maxPartnerAmount: input.max }) })
      : recordRefund({ partnerId: "bank-a", body: input.refund as RefundBody }, deps(db));
    await expect(call).rejects.toMatchObject({ code, status: 400 });
    expect(sent).toEqual([]);
  });

  it("answer a known transaction from its record alone", async () => {
    const answer = redeemedAnswer("txn-1", "c1", "v1", 3_000, 9_000);
    const record = transactionRecordSchema.parse({
      ...transactionKey("bank-a", "txn-1"),
      ...payment,
      partnerId: "bank-a",
      status: "REVERSED",
      discount: 3_000,
      answer,
      voucherId: "v1",
      campaignId: "c1",
      voucher: { dropId: "d1", voucherTypeId: "100-30", shard: 0, expiresAt: "2026-11-09T00:00:00.000Z" },
      recordedAt: "2026-11-05T04:00:01.000Z",
      refund: { eventId: "evt-2", occurredAt: refund.occurredAt, answer: { transactionId: "txn-1", reversed: true }, recordedAt: "2026-11-05T05:00:00.000Z" },
    });
    const { db, sent } = fakeDb((command) => (command instanceof GetCommand ? { Item: record } : {}));

    expect(await recordPayment({ partnerId: "bank-a", body: { ...payment, amount: 1 } }, deps(db))).toEqual(answer);
    // A record from before partial refunds (its answer has no refunded/remaining): it was refunded in full.
    expect(await recordRefund({ partnerId: "bank-a", body: { ...refund, eventId: "evt-3" } }, deps(db))).toEqual({ transactionId: "txn-1", reversed: true, refunded: 12_000, remaining: 0 });
    expect(await recordRefund({ partnerId: "bank-a", body: refund }, deps(db))).toEqual({ transactionId: "txn-1", reversed: true, refunded: 12_000, remaining: 0 });
    expect(sent).toHaveLength(3);
    expect(sent.every((command) => command instanceof GetCommand && command.input.ConsistentRead === true)).toBe(true);
  });
});

describe("the payment handlers' dependencies", () => {
  it("take the largest partner amount from VOUCHERS_MAX_PARTNER_AMOUNT, and the default without it", async () => {
    const tables = { VOUCHERS_TABLE_VOUCHERS: "v", VOUCHERS_TABLE_CAMPAIGNS: "c", VOUCHERS_TABLE_MERCHANTS: "m", VOUCHERS_TABLE_REDEMPTIONS: "r" };
    const saved = { ...process.env };
    try {
      Object.assign(process.env, tables, { VOUCHERS_MAX_PARTNER_AMOUNT: "50000" });
      resetConfig();
      const configured = paymentDependencies();
      expect(configured.maxPartnerAmount).toBe(50_000);
      const { db, sent } = fakeDb(() => ({}));
      const now = () => new Date("2026-11-05T05:00:00Z");
      await expect(recordPayment({ partnerId: "bank-a", body: { ...payment, amount: 50_001 } }, { ...configured, db, now })).rejects.toMatchObject({ code: "AMOUNT_OUT_OF_RANGE" });
      expect(sent).toEqual([]);

      delete process.env.VOUCHERS_MAX_PARTNER_AMOUNT;
      resetConfig();
      expect(paymentDependencies().maxPartnerAmount ?? DEFAULT_MAX_PARTNER_AMOUNT).toBe(100_000_000);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      resetConfig();
    }
  });
});

describe("a stored answer", () => {
  it("from before answers named their campaign is answered with the record's campaignId, in its place", () => {
    const record = transactionRecordSchema.parse({
      partnerId: "bank",
      transactionId: "txn-old",
      status: "REDEEMED",
      eventId: "e1",
      merchantId: "m1",
      payerId: "p1",
      amount: 12_000,
      discount: 3_000,
      occurredAt: "2026-11-05T12:00:00+08:00",
      answer: { transactionId: "txn-old", voucherId: "v1", discount: 3_000, payable: 9_000 },
      recordedAt: "2026-11-05T04:00:00.000Z",
      voucherId: "v1",
      campaignId: "c-old",
    });
    expect(JSON.stringify(paymentAnswerOf(record))).toBe('{"transactionId":"txn-old","campaignId":"c-old","voucherId":"v1","discount":3000,"payable":9000}');
  });
});
