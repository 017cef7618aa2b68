/**
 * The local fault mode (infra/local/faults.ts): the VOUCHERS_FAULTS spec parser, the seeded
 * injector, and the SDK middleware in its real place in a client's stack, under the SDK's own
 * retries, with a fake HTTP handler standing in for the emulators (no network).
 */
import { DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException, PutItemCommand, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { prepareFaultMode } from "../../infra/local/fault-mode.js";
import { describeFaults, FaultInjector, faultSettingsFromEnv, installFaults, parseFaultSpec } from "../../infra/local/faults.js";

describe("the VOUCHERS_FAULTS spec", () => {
  it("reads each fault's probability per call", () => {
    expect(parseFaultSpec("dynamodb.throttle=0.05,dynamodb.conflict=0.02, dynamodb.lost-answer=0.02,sqs.send-fail=0.02,payout.fail=0.05")).toEqual({
      "dynamodb.throttle": 0.05,
      "dynamodb.conflict": 0.02,
      "dynamodb.lost-answer": 0.02,
      "sqs.send-fail": 0.02,
      "payout.fail": 0.05,
    });
    expect(parseFaultSpec("")).toEqual({});
    expect(parseFaultSpec("payout.fail=1")).toEqual({ "payout.fail": 1 });
  });

  it("refuses an unknown fault name, naming it and the known ones", () => {
    expect(() => parseFaultSpec("dynamodb.throttel=0.1")).toThrow(/unknown fault "dynamodb\.throttel".*dynamodb\.throttle/s);
  });

  it("refuses a probability outside 0…1 or not a number", () => {
    expect(() => parseFaultSpec("dynamodb.throttle=1.5")).toThrow(/dynamodb\.throttle.*between 0 and 1/);
    expect(() => parseFaultSpec("dynamodb.throttle=-0.1")).toThrow(/dynamodb\.throttle.*between 0 and 1/);
    expect(() => parseFaultSpec("dynamodb.throttle=often")).toThrow(/dynamodb\.throttle.*number/);
    expect(() => parseFaultSpec("dynamodb.throttle")).toThrow(/name=probability/);
  });

  it("refuses a fault named twice", () => {
    expect(() => parseFaultSpec("sqs.send-fail=0.1,sqs.send-fail=0.2")).toThrow(/sqs\.send-fail.*twice/);
  });

  it("reads the seed from VOUCHERS_FAULTS_SEED, and folds the older VOUCHERS_PARTNER_FAIL_SHARE into payout.fail", () => {
    expect(faultSettingsFromEnv({ VOUCHERS_FAULTS: "dynamodb.throttle=0.1", VOUCHERS_FAULTS_SEED: "42" })).toEqual({ spec: { "dynamodb.throttle": 0.1 }, seed: 42 });
    expect(faultSettingsFromEnv({ VOUCHERS_PARTNER_FAIL_SHARE: "0.3", VOUCHERS_FAULTS_SEED: "1" })).toEqual({ spec: { "payout.fail": 0.3 }, seed: 1 });
    expect(faultSettingsFromEnv({ VOUCHERS_FAULTS: "payout.fail=0.1", VOUCHERS_PARTNER_FAIL_SHARE: "0.3", VOUCHERS_FAULTS_SEED: "1" }).spec).toEqual({ "payout.fail": 0.1 });
    expect(faultSettingsFromEnv({}).spec).toEqual({});
    expect(() => faultSettingsFromEnv({ VOUCHERS_FAULTS: "x=1" })).toThrow(/VOUCHERS_FAULTS/);
    expect(() => faultSettingsFromEnv({ VOUCHERS_FAULTS_SEED: "-3" })).toThrow(/VOUCHERS_FAULTS_SEED/);
  });

  it("is described in one line for npm start", () => {
    expect(describeFaults({ spec: { "dynamodb.throttle": 0.05, "payout.fail": 0.1 }, seed: 7 })).toBe("faults on (seed 7): dynamodb.throttle 5 %, payout.fail 10 %");
    expect(describeFaults({ spec: {}, seed: 7 })).toBe("faults off");
  });
});

describe("the fault injector", () => {
  const rolls = (injector: FaultInjector, n: number) => Array.from({ length: n }, () => injector.roll("dynamodb.throttle"));

  it("decides the same faults for the same seed, and others for another seed", () => {
    const spec = { "dynamodb.throttle": 0.3 };
    const first = rolls(new FaultInjector({ spec, seed: 11 }), 200);
    expect(rolls(new FaultInjector({ spec, seed: 11 }), 200)).toEqual(first);
    expect(rolls(new FaultInjector({ spec, seed: 12 }), 200)).not.toEqual(first);
    // About the asked share.
    expect(first.filter(Boolean).length).toBeGreaterThan(30);
    expect(first.filter(Boolean).length).toBeLessThan(90);
  });

  it("keeps one fault's decisions whatever the other faults roll", () => {
    const alone = new FaultInjector({ spec: { "dynamodb.throttle": 0.3 }, seed: 5 });
    const mixed = new FaultInjector({ spec: { "dynamodb.throttle": 0.3, "sqs.send-fail": 0.5 }, seed: 5 });
    const seen: boolean[] = [];
    for (let i = 0; i < 100; i += 1) {
      mixed.roll("sqs.send-fail");
      seen.push(mixed.roll("dynamodb.throttle"));
    }
    expect(seen).toEqual(rolls(alone, 100));
  });

  it("never injects a fault it was not given, and counts what it injects", () => {
    const injector = new FaultInjector({ spec: { "dynamodb.throttle": 1 }, seed: 1 });
    expect(injector.roll("sqs.send-fail")).toBe(false);
    expect(injector.roll("dynamodb.throttle")).toBe(true);
    expect(injector.snapshot()).toMatchObject({ seed: 1, injected: { "dynamodb.throttle": 1, "sqs.send-fail": 0 } });
  });
});

/** A stand-in for the emulator: counts requests by operation, answers each with `answer`. */
function fakeEmulator(answer: (target: string) => { status: number; body: unknown }) {
  const requests: string[] = [];
  return {
    requests,
    handler: {
      handle: (request: { headers: Record<string, string>; body?: unknown }) => {
        const target = request.headers["x-amz-target"] ?? new URLSearchParams(typeof request.body === "string" ? request.body : "").get("Action") ?? "?";
        requests.push(target.split(".").pop()!);
        const { status, body } = answer(target);
        return Promise.resolve({
          response: {
            statusCode: status,
            headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "r1" },
            body: new TextEncoder().encode(JSON.stringify(body)),
          },
        });
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    },
  };
}

const credentials = { accessKeyId: "x", secretAccessKey: "x" };

function dynamoDbWith(probabilities: ConstructorParameters<typeof FaultInjector>[0]["spec"], seed = 3) {
  const emulator = fakeEmulator(() => ({ status: 200, body: {} }));
  const client = new DynamoDBClient({ region: "us-east-1", credentials, endpoint: "http://127.0.0.1:1", requestHandler: emulator.handler, maxAttempts: 3 });
  const injector = new FaultInjector({ spec: probabilities, seed });
  installFaults(injector, { dynamoDb: client });
  return { client, emulator, injector };
}

describe("the fault middleware on a DynamoDB client", () => {
  it("throttles before the request leaves, with the SDK's own error, which the SDK retries as throttling", async () => {
    const { client, emulator, injector } = dynamoDbWith({ "dynamodb.throttle": 1 });
    const error = await client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" } } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as ProvisionedThroughputExceededException).$metadata.attempts).toBe(3);
    // Shaped as the SDK parses DynamoDB's own 400: the retry strategy knows it by its name.
    expect((error as ProvisionedThroughputExceededException).$metadata.httpStatusCode).toBe(400);
    expect((error as ProvisionedThroughputExceededException).$fault).toBe("client");
    expect(emulator.requests).toEqual([]);
    expect(injector.snapshot().injected["dynamodb.throttle"]).toBe(3);
  }, 15_000);

  it("throttles the document client's calls too (it shares the stack)", async () => {
    const { client, emulator } = dynamoDbWith({ "dynamodb.throttle": 1 });
    const documents = DynamoDBDocumentClient.from(client);
    await expect(documents.send(new PutCommand({ TableName: "t", Item: { pk: "a" } }))).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(emulator.requests).toEqual([]);
  }, 15_000);

  it("cancels a TransactWriteItems with a TransactionConflict reason before it reaches the emulator, and leaves other calls alone", async () => {
    const { client, emulator, injector } = dynamoDbWith({ "dynamodb.conflict": 1 });
    const documents = DynamoDBDocumentClient.from(client);
    const error = await documents
      .send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: "t", Item: { pk: "a" } } }, { Put: { TableName: "t", Item: { pk: "b" } } }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons!.map((reason) => reason.Code);
    expect(reasons).toHaveLength(2);
    expect(reasons).toContain("TransactionConflict");
    expect(reasons.filter((code) => code !== "TransactionConflict").every((code) => code === "None")).toBe(true);
    expect(emulator.requests).toEqual([]);
    await documents.send(new PutCommand({ TableName: "t", Item: { pk: "a" } }));
    expect(emulator.requests).toEqual(["PutItem"]);
    expect(injector.snapshot().injected["dynamodb.conflict"]).toBe(1);
  });

  it("loses the answer after the request reached the emulator, so the SDK retries a call that already committed", async () => {
    const { client, emulator, injector } = dynamoDbWith({ "dynamodb.lost-answer": 1 });
    const error = await client.send(new PutItemCommand({ TableName: "t", Item: { pk: { S: "a" } } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("TimeoutError");
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");
    // Every attempt reached the emulator: the write committed, and its answer never came back.
    expect(emulator.requests).toEqual(["PutItem", "PutItem", "PutItem"]);
    expect(injector.snapshot().injected["dynamodb.lost-answer"]).toBe(3);
  }, 15_000);

  it("injects nothing at probability 0", async () => {
    const { client, emulator } = dynamoDbWith({ "dynamodb.throttle": 0, "dynamodb.lost-answer": 0 });
    await client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" } } }));
    expect(emulator.requests).toEqual(["GetItem"]);
  });

  it("injects the same faults into the same sequence of calls under the same seed", async () => {
    const run = async () => {
      const { client, emulator, injector } = dynamoDbWith({ "dynamodb.lost-answer": 0.3, "dynamodb.throttle": 0.2 }, 99);
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        outcomes.push(
          await client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: String(i) } } })).then(
            () => "ok",
            (e: unknown) => (e as Error).name,
          ),
        );
      }
      return { outcomes, requests: emulator.requests.length, injected: injector.snapshot().injected };
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.injected["dynamodb.lost-answer"]).toBeGreaterThan(0);
  }, 60_000);
});

describe("the fault middleware on an SQS client", () => {
  it("fails SendMessage and SendMessageBatch before they reach the queue, and nothing else", async () => {
    const emulator = fakeEmulator(() => ({ status: 200, body: {} }));
    const client = new SQSClient({ region: "us-east-1", credentials, endpoint: "http://127.0.0.1:1", requestHandler: emulator.handler });
    const injector = new FaultInjector({ spec: { "sqs.send-fail": 1 }, seed: 1 });
    installFaults(injector, { sqs: client });
    await expect(client.send(new SendMessageCommand({ QueueUrl: "http://127.0.0.1:1/q", MessageBody: "{}" }))).rejects.toThrow(/injected/);
    await expect(
      client.send(new SendMessageBatchCommand({ QueueUrl: "http://127.0.0.1:1/q", Entries: [{ Id: "0", MessageBody: "{}" }] })),
    ).rejects.toThrow(/injected/);
    expect(emulator.requests).toEqual([]);
    expect(injector.snapshot().injected["sqs.send-fail"]).toBe(2);
  });

  it("installs once per client however often it is asked", () => {
    const client = new SQSClient({ region: "us-east-1", credentials });
    const injector = new FaultInjector({ spec: { "sqs.send-fail": 1 }, seed: 1 });
    installFaults(injector, { sqs: client });
    expect(() => installFaults(injector, { sqs: client })).not.toThrow();
    expect(client.middlewareStack.identify().filter((name) => name.includes("local-fault-injection"))).toHaveLength(1);
  });
});

describe("the fault mode of npm start", () => {
  it("gives the partner simulator payout.fail's share and its seeded dice, and counts the payouts it fails", () => {
    const mode = prepareFaultMode({ env: { VOUCHERS_FAULTS: "payout.fail=0.25", VOUCHERS_FAULTS_SEED: "9" } });
    expect(mode.description).toBe("faults on (seed 9): payout.fail 25 %");
    expect(mode.partnerSimulator.failShare).toBe(0.25);
    const again = prepareFaultMode({ env: { VOUCHERS_FAULTS: "payout.fail=0.25", VOUCHERS_FAULTS_SEED: "9" } });
    const dice = Array.from({ length: 5 }, () => mode.partnerSimulator.random!());
    expect(Array.from({ length: 5 }, () => again.partnerSimulator.random!())).toEqual(dice);
    mode.partnerSimulator.onFault!("fail");
    mode.partnerSimulator.onFault!("timeout");
    expect(mode.snapshot().injected["payout.fail"]).toBe(1);
  });

  it("refuses a bad spec when it is prepared, before anything starts", () => {
    expect(() => prepareFaultMode({ env: { VOUCHERS_FAULTS: "dynamodb.lost=0.1" } })).toThrow(/VOUCHERS_FAULTS: .*unknown fault "dynamodb\.lost"/);
  });
});
