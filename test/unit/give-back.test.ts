/**
 * The give-back of a unit is an `ADD`, which a second send would apply twice. The SDK's own retry
 * may send it again only after a try that DynamoDB refused (throttling wrote nothing), never after
 * a try whose outcome is unknown. A fake HTTP handler plays DynamoDB's answers.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoDbClientConfig } from "../../shared/clients.js";
import { giveBackUnit } from "../../shared/store/inventory.js";
import { NotSentAgainError } from "../../shared/errors.js";

type Answer = "ok" | "throttled" | "connection-reset";

/** A client whose every HTTP try is answered by the next of `answers`; counts the tries. */
function clientAnswering(answers: Answer[]): { db: DynamoDBDocumentClient; tries: () => number } {
  let tries = 0;
  const json = (status: number, body: unknown) => ({
    response: { statusCode: status, headers: { "content-type": "application/x-amz-json-1.0" }, body: new TextEncoder().encode(JSON.stringify(body)) },
  });
  const client = new DynamoDBClient({
    ...dynamoDbClientConfig(),
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    requestHandler: {
      handle: () => {
        const answer = answers[tries++] ?? "ok";
        if (answer === "connection-reset") return Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
        if (answer === "throttled") {
          return Promise.resolve(json(400, { __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", message: "slow down" }));
        }
        return Promise.resolve(json(200, {}));
      },
    },
  });
  return { db: DynamoDBDocumentClient.from(client), tries: () => tries };
}

const unit = { campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", shard: 0 };

describe("giving a unit back", () => {
  it("lets the SDK retry a throttled try, which wrote nothing", async () => {
    const { db, tries } = clientAnswering(["throttled", "ok"]);
    await giveBackUnit(db, "inventory", unit);
    expect(tries()).toBe(2);
  });

  it("is not sent again after a try whose answer was lost, which may have been applied", async () => {
    const { db, tries } = clientAnswering(["connection-reset", "ok", "ok"]);
    await expect(giveBackUnit(db, "inventory", unit)).rejects.toBeInstanceOf(NotSentAgainError);
    expect(tries()).toBe(1);
  });
});
