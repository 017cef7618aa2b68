/**
 * transactPutOnce: a put that creates its item once, in a transaction with its audit item. The
 * cancellations DynamoDB answers are injected with aws-sdk-client-mock (the emulator-backed tests
 * in test/e2e/programmes.test.ts and trade-ins.test.ts cover the real key conflicts).
 */
import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { transactPutOnce } from "../../shared/store/dynamo.js";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "local", credentials: { accessKeyId: "x", secretAccessKey: "x" } }));
const mock = mockClient(db);
afterEach(() => mock.reset());

const SLOT = { TableName: "programmes", Item: { pk: "PROGRAMME#p1", sk: "INVOICE#INV-1", tradeInId: "t2" } };
const AUDIT = { Put: { TableName: "audit", Item: { pk: "TRADE_IN#t2", sk: "1" } } };

function cancelled(reasons: { Code: string; Item?: Record<string, unknown> }[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    CancellationReasons: reasons.map((reason) => ({ Code: reason.Code, ...(reason.Item ? { Item: marshall(reason.Item) } : {}) })),
  });
}

describe("transactPutOnce", () => {
  it("writes the item, conditioned on its key being free and asking for the old item, first, then what goes with it", async () => {
    mock.on(TransactWriteCommand).resolves({});
    await expect(transactPutOnce(db, SLOT, [AUDIT])).resolves.toEqual({ created: true });
    const input = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    expect(input.TransactItems).toEqual([
      { Put: { ...SLOT, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      AUDIT,
    ]);
  });

  it("hands back the item that holds the key, as the cancellation carries it, without reading it again", async () => {
    const first = { pk: "PROGRAMME#p1", sk: "INVOICE#INV-1", tradeInId: "t1" };
    mock.on(TransactWriteCommand).rejects(cancelled([{ Code: "ConditionalCheckFailed", Item: first }, { Code: "None" }]));
    let reads = 0;
    const outcome = await transactPutOnce(db, SLOT, [AUDIT], () => Promise.resolve({ reads: ++reads }));
    expect(outcome).toEqual({ created: false, existing: first });
    expect(reads).toBe(0);
  });

  it("reads the item there when the cancellation leaves it out, and fails loudly when there is none", async () => {
    mock.on(TransactWriteCommand).rejects(cancelled([{ Code: "ConditionalCheckFailed" }, { Code: "None" }]));
    await expect(transactPutOnce(db, SLOT, [AUDIT], () => Promise.resolve({ tradeInId: "t1" }))).resolves.toEqual({ created: false, existing: { tradeInId: "t1" } });
    await expect(transactPutOnce(db, SLOT, [AUDIT])).rejects.toThrow("programmes: the put failed its condition but no item is there");
  });

  it("rethrows any other cancellation: another item's condition, a conflict, a throttle", async () => {
    for (const reasons of [
      [{ Code: "None" }, { Code: "ConditionalCheckFailed" }],
      [{ Code: "TransactionConflict" }, { Code: "None" }],
      [{ Code: "ThrottlingError" }, { Code: "None" }],
    ]) {
      const error = cancelled(reasons);
      mock.on(TransactWriteCommand).rejects(error);
      await expect(transactPutOnce(db, SLOT, [AUDIT])).rejects.toBe(error);
    }
  });
});
