/**
 * The local runtime's event-source semantics, proved on the real emulators with the fixture
 * wiring: queue partial failures and redrive, dead-letter consumers, stream inserts and modifications, payload-2.0
 * HTTP events with authorizer claims, and schedules.
 */
import http from "node:http";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { signLocalToken } from "../../infra/local/jwt.js";
import { fixtureWiring } from "../fixtures/wiring.js";
import { TEST_JWT, eventually, observations, startTestRuntime, testClients } from "./runtime-helpers.js";

let runtime: LocalRuntime;
const { db, sqs } = testClients();
const observationsTable = () => runtime.resources.tables.observations!.name;

beforeAll(async () => {
  runtime = await startTestRuntime(fixtureWiring, "runtime");
});

afterAll(async () => {
  await runtime?.stop();
});

describe("queue event source", () => {
  interface Delivery {
    messageId: string;
    body: string;
    receiveCount: number;
    batchSize: number;
  }

  interface GivenUp {
    messageId: string;
    body: string;
    eventSourceARN: string;
  }

  it("redelivers only the failed record of a batch, then moves it to the DLQ after maxReceiveCount, whose consumer receives it", async () => {
    const queue = runtime.resources.queues.work!;
    const tag = `batch-${Date.now()}`;
    const bodies = [JSON.stringify({ tag, n: 1 }), JSON.stringify({ tag, n: 2, fail: true }), JSON.stringify({ tag, n: 3 })];
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));

    const mine = async () =>
      (await observations<Delivery>(db, observationsTable(), "queue")).filter((d) => d.body.includes(tag));

    // maxReceiveCount is 2: the failing record is seen twice, each good record once.
    const deliveries = await eventually(async () => {
      const seen = await mine();
      return seen.filter((d) => d.body === bodies[1]).length >= 2 ? seen : undefined;
    }, 20_000, "the failing record's second delivery");

    // The fixture's deadLetter trigger (workGivenUp) consumes work-dlq: what reaches it is handed over.
    const givenUp = async () =>
      (await observations<GivenUp>(db, observationsTable(), "deadLetter")).filter((d) => d.body.includes(tag));
    await eventually(async () => ((await givenUp()).length > 0 ? true : undefined), 20_000, "the DLQ consumer to receive the failed record");

    // Let any further (wrong) redelivery show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const final = await mine();
    expect(final.filter((d) => d.body === bodies[0])).toHaveLength(1);
    expect(final.filter((d) => d.body === bodies[2])).toHaveLength(1);
    expect(final.filter((d) => d.body === bodies[1]).map((d) => d.receiveCount)).toEqual([1, 2]);
    expect(deliveries.length).toBeGreaterThanOrEqual(4);
    // Only the poison message was given up on, it came from work-dlq, and once handled it is gone.
    const dead = await givenUp();
    expect(dead.map((d) => d.body)).toEqual([bodies[1]]);
    expect(dead[0]!.eventSourceARN).toBe(queue.deadLetterQueue.arn);
    const { Attributes: left } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.deadLetterQueue.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(left).toMatchObject({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
    expect(runtime.system.queueTriggers).toContainEqual({ queue: "work", deadLetter: true, function: "workGivenUp", batchSize: 10 });
  });

  it("hands the handler at most batchSize records at once", async () => {
    const queue = runtime.resources.queues.work!;
    const tag = `size-${Date.now()}`;
    const entries = Array.from({ length: 12 }, (_, n) => ({ Id: String(n), MessageBody: JSON.stringify({ tag, n }) }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries.slice(0, 10) }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries.slice(10) }));
    const seen = await eventually(async () => {
      const found = (await observations<Delivery>(db, observationsTable(), "queue")).filter((d) => d.body.includes(tag));
      return found.length >= 12 ? found : undefined;
    }, 20_000, "all twelve records");
    expect(new Set(seen.map((d) => d.messageId)).size).toBe(12);
    const sizes = seen.map((d) => d.batchSize);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(fixtureWiring.queueTriggers[0]!.batchSize);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });
});

describe("stream event source", () => {
  interface Change {
    eventName: string;
    keys: Record<string, { S: string }>;
    newImage?: Record<string, { S?: string; N?: string }>;
    oldImage?: Record<string, { S?: string; N?: string }>;
  }

  it("delivers inserts and modifications with both images", async () => {
    const events = runtime.resources.tables.events!.name;
    const pk = `item-${Date.now()}`;
    await db.send(new PutCommand({ TableName: events, Item: { pk, sk: "v", kind: "probe", at: "1", count: 1 } }));
    await db.send(
      new UpdateCommand({
        TableName: events,
        Key: { pk, sk: "v" },
        UpdateExpression: "SET #count = :two",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":two": 2 },
      }),
    );
    const changes = await eventually(async () => {
      const found = (await observations<Change>(db, observationsTable(), "stream")).filter((c) => c.keys.pk?.S === pk);
      return found.length >= 2 ? found : undefined;
    }, 20_000, "the insert and the modification");
    expect(changes.map((c) => c.eventName)).toEqual(["INSERT", "MODIFY"]);
    expect(changes[0]!.newImage?.count?.N).toBe("1");
    expect(changes[1]!.oldImage?.count?.N).toBe("1");
    expect(changes[1]!.newImage?.count?.N).toBe("2");
  });

  it("retries a failing record, then describes it on the onFailure queue and moves on", async () => {
    const events = runtime.resources.tables.events!.name;
    const pk = `poison-${Date.now()}`;
    await db.send(new PutCommand({ TableName: events, Item: { pk, sk: "v", poison: true } }));
    await db.send(new PutCommand({ TableName: events, Item: { pk: `${pk}-after`, sk: "v" } }));

    const failure = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: runtime.resources.queues.streamFailures!.url, WaitTimeSeconds: 1 }),
      );
      return Messages?.[0];
    }, 20_000, "the on-failure record");
    const seen = await eventually(async () => {
      const found = await observations<Change>(db, observationsTable(), "stream");
      return found.some((c) => c.keys.pk?.S === `${pk}-after`) ? found : undefined;
    }, 20_000, "the record after the poison one");

    // retryAttempts is 2: one delivery and two retries, then the batch is given up.
    expect(seen.filter((c) => c.keys.pk?.S === pk)).toHaveLength(3);
    const description = JSON.parse(failure.Body!) as { DDBStreamBatchInfo: { batchSize: number; streamArn: string } };
    expect(description.DDBStreamBatchInfo.streamArn).toBe(runtime.resources.tables.events!.streamArn);
    expect(description.DDBStreamBatchInfo.batchSize).toBeGreaterThanOrEqual(1);
  });
});

describe("HTTP gateway", () => {
  const call = (path: string, init: RequestInit = {}) => fetch(`${runtime.url}${path}`, init);

  it("hands a resident route a payload-2.0 event with the authorizer claims as strings", async () => {
    const token = await signLocalToken({ sub: "alice", operator: true, groups: ["auditors"], settings: TEST_JWT });
    const response = await call("/echo/abc%20d?x=1&x=2&y=z", { headers: { authorization: `Bearer ${token}`, "x-custom": "yes" } });
    expect(response.status).toBe(200);
    const event = (await response.json()) as APIGatewayProxyEventV2WithJWTAuthorizer;
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("GET /echo/{id}");
    expect(event.rawPath).toBe("/echo/abc%20d");
    expect(event.pathParameters).toEqual({ id: "abc d" });
    expect(event.queryStringParameters).toEqual({ x: "1,2", y: "z" });
    expect(event.headers["x-custom"]).toBe("yes");
    expect(event.requestContext.http.method).toBe("GET");
    expect(event.requestContext.stage).toBe("$default");
    expect(event.requestContext.authorizer.jwt.claims.sub).toBe("alice");
    expect(event.requestContext.authorizer.jwt.claims.groups).toBe("[auditors operators]");
    expect(typeof event.requestContext.authorizer.jwt.claims.exp).toBe("string");
  });

  it("passes the raw body through unchanged on public and partner-signed routes, with no authorizer", async () => {
    const body = '{"amount": 12000,  "note":"满100减30"}';
    const response = await call("/partners/bank-1/echo", {
      method: "POST",
      headers: { "content-type": "application/json", "x-voucher-signature": "t=1,v1=ab" },
      body,
    });
    // The route exists only as POST with a signature checked by the handler; the gateway asks for no token.
    expect(response.status).toBe(200);
    const event = (await response.json()) as APIGatewayProxyEventV2WithJWTAuthorizer;
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.pathParameters).toEqual({ partnerId: "bank-1" });
    expect(event.requestContext.authorizer).toBeUndefined();
    expect((await call("/public-echo")).status).toBe(200);
  });

  it("answers 401 with API Gateway's body for a missing, expired or badly signed token", async () => {
    const expired = await signLocalToken({ sub: "alice", expiresInSeconds: -60, settings: TEST_JWT });
    const forged = await signLocalToken({ sub: "alice", settings: { secret: "someone-else" } });
    for (const authorization of [undefined, `Bearer ${expired}`, `Bearer ${forged}`, "Bearer not.a.jwt", "Basic abc"]) {
      const response = await call("/echo/x", authorization ? { headers: { authorization } } : {});
      expect(response.status, String(authorization)).toBe(401);
      expect(await response.json()).toEqual({ message: "Unauthorized" });
    }
  });

  it("hands a body of many chunks whole, and answers 413 with API Gateway's body for one over 10 MB", async () => {
    // About 180 KB: several chunks of the socket, and still an item the echo handler can record.
    const large = `{"note":"${"满".repeat(60_000)}"}`;
    const whole = await call("/partners/bank-1/echo", { method: "POST", headers: { "content-type": "application/json" }, body: large });
    expect(whole.status).toBe(200);
    expect(((await whole.json()) as APIGatewayProxyEventV2WithJWTAuthorizer).body).toBe(large);

    const tooLarge = await call("/partners/bank-1/echo", { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(10 * 1024 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ message: "Request Entity Too Large" });
    expect((await call("/public-echo")).status).toBe(200);
  });

  it("answers 413 to a body that never ends and closes its connection instead of reading on", async () => {
    const { hostname, port } = new URL(runtime.url);
    const outcome = await new Promise<{ status: number; closedWhileSending: boolean }>((resolve, reject) => {
      const request = http.request({ host: hostname, port, method: "POST", path: "/partners/bank-1/echo", headers: { "content-type": "application/json" } });
      let status = 0;
      let sending = true;
      const chunk = Buffer.alloc(256 * 1024, 0x78);
      // Keeps writing for as long as the server reads: 10 MB is passed after 41 chunks.
      const pump = () => {
        while (sending && request.write(chunk));
        if (sending) request.once("drain", pump);
      };
      request.on("response", (response) => {
        status = response.statusCode ?? 0;
        response.resume();
      });
      request.on("close", () => {
        const closedWhileSending = sending;
        sending = false;
        resolve({ status, closedWhileSending });
      });
      request.on("error", () => undefined);
      setTimeout(() => {
        sending = false;
        request.destroy();
        reject(new Error("the gateway was still reading the endless body after 10 s"));
      }, 10_000).unref();
      pump();
    });
    expect(outcome).toEqual({ status: 413, closedWhileSending: true });
    expect((await call("/public-echo")).status).toBe(200);
  });

  it("answers 404 for a path or method no route declares", async () => {
    expect((await call("/nowhere")).status).toBe(404);
    expect((await call("/public-echo", { method: "DELETE" })).status).toBe(404);
  });
});

describe("schedules", () => {
  it("fires the declared handler with the schedule's name and time", async () => {
    const before = (await observations<{ schedule: string }>(db, observationsTable(), "schedule")).length;
    await runtime.fireSchedule("nightly");
    const fired = await observations<{ schedule: string; scheduledTime: string }>(db, observationsTable(), "schedule");
    expect(fired).toHaveLength(before + 1);
    expect(fired.at(-1)!.schedule).toBe("nightly");
    expect(Date.parse(fired.at(-1)!.scheduledTime)).toBeGreaterThan(Date.now() - 60_000);
  });
});
