/**
 * Retries live in one layer each: the platform's DynamoDB client (shared/clients.ts) retries
 * throttling itself, and withRetries (shared/store/retry.ts) only turns what is still throttled
 * into THROTTLED and retries the conflicts the SDK does not. A client built with the platform's
 * configuration talks to a fake HTTP handler that plays DynamoDB's answers and counts the tries.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DYNAMODB_MAX_ATTEMPTS, dynamoDbClientConfig } from "../../shared/clients.js";
import { ThrottledError } from "../../shared/errors.js";
import { withRetries } from "../../shared/store/retry.js";

type Answer = "ok" | "throttled" | "conflict";

const ERROR_TYPES = {
  throttled: "com.amazonaws.dynamodb.v20120810#ThrottlingException",
  conflict: "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
} as const;

/** The platform's client, every HTTP try answered by the next of `answers` (then by the last); counts the tries. */
function platformClientAnswering(answers: Answer[]): { db: DynamoDBDocumentClient; tries: () => number } {
  let tries = 0;
  const client = new DynamoDBClient({
    ...dynamoDbClientConfig(),
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    requestHandler: {
      handle: () => {
        const answer = answers[Math.min(tries++, answers.length - 1)] ?? "ok";
        const status = answer === "ok" ? 200 : 400;
        const body = answer === "ok" ? { Item: { pk: { S: "p" } } } : { __type: ERROR_TYPES[answer], message: answer };
        return Promise.resolve({
          response: { statusCode: status, headers: { "content-type": "application/x-amz-json-1.0" }, body: new TextEncoder().encode(JSON.stringify(body)) },
        });
      },
    },
  });
  return { db: DynamoDBDocumentClient.from(client), tries: () => tries };
}

const read = (db: DynamoDBDocumentClient) => db.send(new GetCommand({ TableName: "t", Key: { pk: "p" } }));
const noSleep = { sleep: () => Promise.resolve() };

beforeEach(() => {
  // The SDK's back-off is full jitter: a random draw of 0 makes every wait 0 ms.
  vi.spyOn(Math, "random").mockReturnValue(0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the platform's DynamoDB client", () => {
  it("makes at most DYNAMODB_MAX_ATTEMPTS tries of a call", () => {
    expect(dynamoDbClientConfig()).toMatchObject({ maxAttempts: DYNAMODB_MAX_ATTEMPTS, retryMode: "standard" });
    expect(DYNAMODB_MAX_ATTEMPTS).toBeGreaterThan(1);
  });

  it("retries a throttled call itself, then succeeds", async () => {
    const { db, tries } = platformClientAnswering([...Array<Answer>(DYNAMODB_MAX_ATTEMPTS - 1).fill("throttled"), "ok"]);
    await expect(read(db)).resolves.toMatchObject({ Item: { pk: "p" } });
    expect(tries()).toBe(DYNAMODB_MAX_ATTEMPTS);
  });

  it("gives up after its tries; withRetries answers THROTTLED (429, Retry-After) without a try of its own", async () => {
    const { db, tries } = platformClientAnswering(["throttled"]);
    const error = await withRetries(() => read(db), { ...noSleep, attempts: 4, retryAfterSeconds: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).status).toBe(429);
    expect((error as ThrottledError).retryAfterSeconds).toBe(2);
    expect(tries()).toBe(DYNAMODB_MAX_ATTEMPTS);
  });

  it("leaves a transaction conflict to withRetries, which tries the call again", async () => {
    const { db, tries } = platformClientAnswering(["conflict", "ok"]);
    await expect(withRetries(() => read(db), noSleep)).resolves.toMatchObject({ Item: { pk: "p" } });
    expect(tries()).toBe(2);
  });
});
