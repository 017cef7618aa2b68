/**
 * The local runtime's abort middleware (infra/local/abort.ts), on a real SDK client whose HTTP
 * handler only counts what would have been sent: no network.
 */
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { HttpHandlerOptions, HttpRequest } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { installInvocationAbort, InvocationAbortedError, runWithInvocationSignal } from "../../infra/local/abort.js";

function countingClient(answer: (signal?: AbortSignal) => Promise<void>): { client: SQSClient; sent: () => number } {
  let sent = 0;
  const client = new SQSClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 3,
    requestHandler: {
      async handle(_request: HttpRequest, options?: HttpHandlerOptions) {
        sent += 1;
        await answer(options?.abortSignal as AbortSignal | undefined);
        return {
          response: { statusCode: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: Buffer.from('{"QueueUrl":"http://q"}') },
        };
      },
    },
  });
  installInvocationAbort(client);
  return { client, sent: () => sent };
}

const command = () => new GetQueueUrlCommand({ QueueName: "q" });

describe("the local invocation abort", () => {
  it("lets requests through outside an invocation and within a live one", async () => {
    const { client, sent } = countingClient(() => Promise.resolve());
    await expect(client.send(command())).resolves.toMatchObject({ QueueUrl: "http://q" });
    await runWithInvocationSignal(new AbortController().signal, () => client.send(command()));
    expect(sent()).toBe(2);
  });

  it("sends no request once the invocation was aborted, and does not retry", async () => {
    const { client, sent } = countingClient(() => Promise.resolve());
    const controller = new AbortController();
    controller.abort(new Error("timed out after 1000 ms"));
    const call = runWithInvocationSignal(controller.signal, () => client.send(command()));
    await expect(call).rejects.toBeInstanceOf(InvocationAbortedError);
    await expect(call).rejects.toThrow(/request not sent: the invocation ended \(timed out after 1000 ms\)/);
    expect(sent()).toBe(0);
  });

  it("abandons a request in flight when the invocation is aborted", async () => {
    const { client } = countingClient(() => new Promise(() => undefined));
    const controller = new AbortController();
    const call = runWithInvocationSignal(controller.signal, () => client.send(command()));
    setTimeout(() => controller.abort(new Error("timed out")), 20);
    await expect(call).rejects.toThrow(/request abandoned in flight: the invocation ended \(timed out\)/);
  });

  it("abandons every request in flight of the aborted invocation, and none of another running beside it", async () => {
    const { client, sent } = countingClient(() => new Promise<void>((resolve) => setTimeout(resolve, 60)));
    const aborted = new AbortController();
    const other = new AbortController();
    const calls = runWithInvocationSignal(aborted.signal, () => Promise.allSettled([client.send(command()), client.send(command()), client.send(command())]));
    const beside = runWithInvocationSignal(other.signal, () => client.send(command()));
    setTimeout(() => aborted.abort(new Error("timed out")), 10);
    const outcomes = await calls;
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(InvocationAbortedError);
    await expect(beside).resolves.toMatchObject({ QueueUrl: "http://q" });
    // What was on the wire stays sent; an aborted invocation sends nothing more.
    expect(sent()).toBe(4);
    await expect(runWithInvocationSignal(aborted.signal, () => client.send(command()))).rejects.toThrow(/request not sent/);
    expect(sent()).toBe(4);
  });

  it("can be installed twice", () => {
    const { client } = countingClient(() => Promise.resolve());
    expect(() => installInvocationAbort(client)).not.toThrow();
  });
});
