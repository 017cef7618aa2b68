/**
 * Answers fauxqs does not give on demand (a partial SendMessageBatch, a failed delete, oversized
 * batches, a message that keeps coming back), injected with aws-sdk-client-mock, and what
 * `redrive` does with each. The happy paths run against fauxqs in test/integration/redrive.test.ts.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { RedriveStoppedError, redrive } from "../../infra/ops/redrive.js";

const sqs = new SQSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
const mock = mockClient(sqs);
const sourceUrl = "https://sqs.example/1/work-dlq";
const targetUrl = "https://sqs.example/1/work";

const message = (n: number, body = `body-${n}`): Message => ({
  MessageId: `id-${n}`,
  ReceiptHandle: `handle-${n}`,
  Body: body,
  MessageAttributes: { kind: { DataType: "String", StringValue: `k${n}`, StringListValues: [], BinaryListValues: [] } },
});

const deletedHandles = () =>
  mock.commandCalls(DeleteMessageBatchCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.ReceiptHandle));
const releasedHandles = () =>
  mock
    .commandCalls(ChangeMessageVisibilityBatchCommand)
    .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]));

beforeEach(() => {
  mock.reset();
  mock.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map(({ Id }) => ({ Id })),
    Failed: [],
  }));
  mock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe("redrive with a partial SendMessageBatch", () => {
  it("deletes only what the target accepted and shows the refused message again", async () => {
    mock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(0), message(1), message(2)] })
      .resolves({});
    mock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: "m0", MessageId: "t0", MD5OfMessageBody: "" },
        { Id: "m2", MessageId: "t2", MD5OfMessageBody: "" },
      ],
      Failed: [{ Id: "m1", Code: "InternalError", SenderFault: false, Message: "try again" }],
    });

    const result = await redrive({ sqs, sourceUrl, targetUrl });

    expect(result).toEqual({ moved: 2, failed: 1, notDeleted: 0, reasons: ["InternalError: try again"] });
    const sent = mock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(targetUrl);
    // Body and attributes as received; the reserved list fields are not sent.
    expect(sent.Entries?.[1]).toEqual({ Id: "m1", MessageBody: "body-1", MessageAttributes: { kind: { DataType: "String", StringValue: "k1" } } });
    expect(deletedHandles()).toEqual(["handle-0", "handle-2"]);
    expect(releasedHandles()).toEqual([["handle-1", 0]]);
  });

  it("counts a message sent but not deleted, and shows it again", async () => {
    mock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message(0), message(1)] }).resolves({});
    mock.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: "m0" }, { Id: "m1" }] } as never);
    mock.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: "m0" }],
      Failed: [{ Id: "m1", Code: "ReceiptHandleIsInvalid", SenderFault: true }],
    });

    expect(await redrive({ sqs, sourceUrl, targetUrl })).toMatchObject({ moved: 2, failed: 0, notDeleted: 1 });
    expect(releasedHandles()).toEqual([["handle-1", 0]]);
  });

  it("stops on a failed SendMessageBatch call without deleting anything, and reports what it did", async () => {
    mock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(0)] })
      .resolvesOnce({ Messages: [message(1), message(2)] })
      .resolves({});
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: "m0" }] } as never)
      .rejects(Object.assign(new Error("Access to the resource is denied."), { name: "AccessDenied" }));

    const error = await redrive({ sqs, sourceUrl, targetUrl }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedriveStoppedError);
    expect((error as Error).message).toBe(`SendMessageBatch to ${targetUrl} failed: AccessDenied: Access to the resource is denied.`);
    expect((error as RedriveStoppedError).result).toMatchObject({ moved: 1, failed: 2, notDeleted: 0 });
    expect(deletedHandles()).toEqual(["handle-0"]);
    expect(releasedHandles()).toEqual([
      ["handle-1", 0],
      ["handle-2", 0],
    ]);
  });
});

describe("redrive batches", () => {
  it("splits a batch whose payload exceeds 1 MiB into several sends", async () => {
    const big = "x".repeat(400_000);
    mock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [0, 1, 2, 3].map((n) => message(n, big)) })
      .resolves({});
    mock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map(({ Id }) => ({ Id })),
      Failed: [],
    }));

    expect(await redrive({ sqs, sourceUrl, targetUrl })).toMatchObject({ moved: 4, failed: 0 });
    expect(mock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([2, 2]);
    expect(deletedHandles()).toEqual(["handle-0", "handle-1", "handle-2", "handle-3"]);
  });

  it("asks for no more than `max` messages", async () => {
    mock.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages: number }) => ({
      Messages: Array.from({ length: input.MaxNumberOfMessages }, () => message(Math.floor(Math.random() * 1e9))),
    }));
    mock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map(({ Id }) => ({ Id })) }));

    expect(await redrive({ sqs, sourceUrl, targetUrl, max: 23 })).toMatchObject({ moved: 23 });
    expect(mock.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input.MaxNumberOfMessages)).toEqual([10, 10, 3]);
  });

  it("tries a message that keeps coming back once per run, then stops", async () => {
    // A refused message reappears after its visibility timeout during a long run.
    mock.on(ReceiveMessageCommand).resolves({ Messages: [message(7)] });
    mock.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: "m0", Code: "InvalidParameterValue", SenderFault: true }] });

    expect(await redrive({ sqs, sourceUrl, targetUrl })).toMatchObject({ moved: 0, failed: 1 });
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(mock.commandCalls(ReceiveMessageCommand)).toHaveLength(4);
  });

  it("rejects a bad max", async () => {
    await expect(redrive({ sqs, sourceUrl, targetUrl, max: 0 })).rejects.toThrow(/max must be a positive integer/);
  });
});
